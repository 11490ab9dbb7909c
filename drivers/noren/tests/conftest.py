"""Fixtures of the Noren driver tests: a permissive instrument validator, a context fake, the emulators."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from noren_fakes import FakeContext
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
    return FakeContext()
