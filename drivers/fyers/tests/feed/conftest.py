"""Fixtures of the Fyers feed tests: the sockets' emulator host (with the plugin's ``static_instruments``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fyers_feed_fakes import FeedHost


@pytest.fixture
def host(static_instruments: None) -> Iterator[FeedHost]:
    server = FeedHost(tick_interval=0.05).start()
    try:
        yield server
    finally:
        server.stop()
