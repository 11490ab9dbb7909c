"""Fixtures of the Fyers driver tests: a permissive instrument validator, a context over Fyers' ids, a guard
that keeps every connection on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fyers_fakes import FakeContext, fyers_listing
from tt_connect import instruments as instruments_module


@pytest.fixture
def permissive_validator() -> Iterator[None]:
    """Let tests build instruments without a loaded master."""
    previous = instruments_module.set_validator(lambda inst: None)
    try:
        yield
    finally:
        instruments_module.set_validator(previous)


@pytest.fixture
def ctx(permissive_validator: None) -> FakeContext:
    return FakeContext(fyers_listing())


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse to resolve any host but the loopback, so no test (nor an SDK it drives) can leave 127.0.0.1."""
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", "::1", b"127.0.0.1", None):
            raise OSError(f"test tried to reach {host!r}: only 127.0.0.1 is allowed")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
