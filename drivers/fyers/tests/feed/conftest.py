"""Fixtures of the Fyers feed tests: a permissive instrument validator and the sockets' emulator host."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fyers_feed_fakes import FeedHost
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
def host(permissive_validator: None) -> Iterator[FeedHost]:
    server = FeedHost(tick_interval=0.05).start()
    try:
        yield server
    finally:
        server.stop()
