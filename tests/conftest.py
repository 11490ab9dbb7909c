"""Fixtures of the cross-package tests (the home directory is kept out of reach by tests/home_guard.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tt_connect import instruments


@pytest.fixture
def no_validator() -> Iterator[None]:
    """Simulate a process in which no client has loaded an instrument master yet."""
    previous = instruments.set_validator(None)
    yield
    instruments.set_validator(previous)
