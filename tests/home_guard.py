"""A pytest plugin that keeps every test run out of the user's home directory, and proves it did.

At start-up it points ``HOME``, the XDG directories and tt-connect's own ``TT_CONNECT_CONFIG_DIR``,
``TT_CONNECT_CACHE_DIR`` and ``TT_CONNECT_DATA_DIR`` at a fresh temporary tree, so nothing a test runs
(the client, a driver, an official SDK, a subprocess) can reach the real ``~``. The decoy ``HOME`` must
still be empty when the session ends: anything written there is code that builds a path from ``~`` by
itself, and the run fails naming it. Each test also gets config, cache and data directories of its own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_REDIRECTED = ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
               "TT_CONNECT_CONFIG_DIR", "TT_CONNECT_CACHE_DIR", "TT_CONNECT_DATA_DIR", "RUSTUP_HOME")
_STATE = pytest.StashKey[tuple[Path, dict[str, str | None]]]()


def decoy_home_writes(home: Path) -> list[str]:
    """Every path under ``home``, relative to it (the decoy home must stay empty)."""
    return sorted(str(p.relative_to(home)) for p in home.rglob("*"))


def pytest_configure(config: pytest.Config) -> None:
    base = Path(tempfile.mkdtemp(prefix="ttc-tests-"))
    targets = {"HOME": base / "home", "XDG_CONFIG_HOME": base / "xdg-config", "XDG_CACHE_HOME": base / "xdg-cache",
               "XDG_DATA_HOME": base / "xdg-data", "XDG_STATE_HOME": base / "xdg-state",
               "TT_CONNECT_CONFIG_DIR": base / "config", "TT_CONNECT_CACHE_DIR": base / "cache",
               "TT_CONNECT_DATA_DIR": base / "data",
               # pip runs `rustc --version` for its user agent; a rustup proxy then writes ~/.rustup
               "RUSTUP_HOME": base / "rustup"}
    saved = {name: os.environ.get(name) for name in _REDIRECTED}
    for name, path in targets.items():
        path.mkdir()
        os.environ[name] = str(path)
    config.stash[_STATE] = (base, saved)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    base, _ = session.config.stash[_STATE]
    written = decoy_home_writes(base / "home")
    if written:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = ("the tests wrote into the home directory (HOME pointed at a decoy): "
                   + ", ".join(f"~/{p}" for p in written[:20]))
        if reporter is not None:
            reporter.write_line(message, red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    base, saved = config.stash[_STATE]
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sessions, instrument databases and order journals of each test in directories of its own."""
    base = tmp_path_factory.mktemp("ttc-home")
    monkeypatch.setenv("TT_CONNECT_CONFIG_DIR", os.fspath(base / "config"))
    monkeypatch.setenv("TT_CONNECT_CACHE_DIR", os.fspath(base / "cache"))
    monkeypatch.setenv("TT_CONNECT_DATA_DIR", os.fspath(base / "data"))
