"""Fixtures of the Upstox driver tests: a context fake over instruments built without a master."""

from __future__ import annotations

import pytest
from upstox_fakes import FakeContext, listing


@pytest.fixture
def ctx(static_instruments: None) -> FakeContext:
    return FakeContext(listing())
