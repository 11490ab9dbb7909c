"""Fixtures of the AngelOne driver tests: a context over the fixtures' contracts (no master loaded)."""

from __future__ import annotations

import pytest
from angelone_fakes import FakeContext, angel_listing


@pytest.fixture
def ctx(static_instruments: None) -> FakeContext:
    return FakeContext(angel_listing())
