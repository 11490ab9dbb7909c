"""A test run never reaches the user's home: HOME is a decoy, and the run fails if anything lands in it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ("-p", "tests.home_guard", "-p", "no:cacheprovider")


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return pytester


def test_a_run_that_writes_under_home_fails_and_names_the_file(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_writes_home="""
        from pathlib import Path

        def test_passes_but_writes_a_session_under_home():
            target = Path.home() / ".config" / "tt-connect" / "sessions" / "zerodha.json"
            target.parent.mkdir(parents=True)
            target.write_text("{}")
    """)
    result = inner.runpytest_subprocess(*PLUGIN)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*wrote into the home directory*~/.config/tt-connect/sessions/zerodha.json*"])


def test_the_default_session_store_and_cache_of_a_run_live_outside_home(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_defaults="""
        import datetime as dt
        from pathlib import Path

        from tt_connect.auth.stores import FileStore
        from tt_connect.driver_api import Session
        from tt_connect.instruments_db.store import default_path

        def test_store_and_cache():
            now = dt.datetime.now(dt.timezone.utc)
            store = FileStore()
            store.save(Session(broker="zerodha", user_id="AB1234", access_token="t", created_at=now,
                               expires_at=now + dt.timedelta(hours=1)), "acct")
            assert store.load("zerodha", "acct") is not None
            assert not store.path("zerodha", "acct").is_relative_to(Path.home())
            assert not default_path().is_relative_to(Path.home())
    """)
    result = inner.runpytest_subprocess(*PLUGIN)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()


def test_this_run_points_home_and_tt_connect_dirs_at_temporary_directories() -> None:
    home = Path(os.environ["HOME"])
    assert home.name == "home" and home.parent.name.startswith("ttc-tests-")
    for name in ("TT_CONNECT_CONFIG_DIR", "TT_CONNECT_CACHE_DIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        assert not Path(os.environ[name]).is_relative_to(home), name
