"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from tt_connect import instruments


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep sessions and instrument databases of tests out of the real home directory."""
    base = tmp_path_factory.mktemp("ttc-home")
    monkeypatch.setenv("TT_CONNECT_CONFIG_DIR", os.fspath(base / "config"))
    monkeypatch.setenv("TT_CONNECT_CACHE_DIR", os.fspath(base / "cache"))


@pytest.fixture
def permissive_validator() -> Iterator[None]:
    """Let instruments be built without a loaded master (for pure unit tests)."""
    previous = instruments.set_validator(lambda _instrument: None)
    yield
    instruments.set_validator(previous)


@pytest.fixture
def no_validator() -> Iterator[None]:
    """Simulate a process in which no client has loaded an instrument master yet."""
    previous = instruments.set_validator(None)
    yield
    instruments.set_validator(previous)
