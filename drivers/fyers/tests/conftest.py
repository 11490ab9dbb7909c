"""Fixtures of the Fyers driver tests: a context over Fyers' ids (the core's pytest plugin gives
``static_instruments`` and ``loopback_only``)."""

from __future__ import annotations

import pytest
from fyers_fakes import FakeContext, fyers_listing


@pytest.fixture
def ctx(static_instruments: None) -> FakeContext:
    return FakeContext(fyers_listing())


