"""Fixtures of the Noren driver tests: a context fake over a few contracts (instruments built without a master,
through the conformance plugin's ``static_instruments``)."""

from __future__ import annotations

import pytest
from noren_fakes import FakeContext


@pytest.fixture
def ctx(static_instruments: None) -> FakeContext:
    return FakeContext()
