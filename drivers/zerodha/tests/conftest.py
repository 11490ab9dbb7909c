"""Fixtures of the Zerodha driver tests: instruments without a master, a context fake."""

from __future__ import annotations

import pytest
from kite_mock_files import kite_listing
from zerodha_fakes import FakeContext


@pytest.fixture(autouse=True)
def _instruments_without_a_master(static_instruments: None) -> None:
    """Every test here may build instruments with no master loaded (the conformance plugin's fixture)."""


@pytest.fixture
def ctx() -> FakeContext:
    return FakeContext(kite_listing())
