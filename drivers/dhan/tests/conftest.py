"""Fixtures of the Dhan driver tests: a context over Dhan's ids (the core's pytest plugin gives
``static_instruments`` and ``loopback_only``)."""

from __future__ import annotations

import pytest
from dhan_fakes import FakeContext, dhan_listing


@pytest.fixture
def ctx(static_instruments: None) -> FakeContext:
    return FakeContext(dhan_listing())


