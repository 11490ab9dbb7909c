"""Fixtures of the Upstox driver tests: a permissive instrument validator and a context fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tt_connect import instruments as instruments_module
from upstox_fakes import FakeContext, listing


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
    return FakeContext(listing())
