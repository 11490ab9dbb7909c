"""A damaged instrument database (cut short by a crash or a full disk, or overwritten) heals itself."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from tt_connect import instruments
from tt_connect.instruments_db import InstrumentMaster
from tt_connect.instruments_db.store import Store
from tt_connect.timeutil import IST, ManualClock

from tests.instruments_db.test_loading_and_lookups import ALPHA, local_source


@pytest.fixture(autouse=True)
def _restore_validator() -> Iterator[None]:
    previous = instruments.get_validator()
    yield
    instruments.set_validator(previous)


def _moved_aside(directory: Path) -> list[Path]:
    return list(directory.glob("instruments.duckdb.damaged-*"))


def _clock() -> ManualClock:
    return ManualClock(dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST))


async def _loaded(path: Path) -> None:
    master = InstrumentMaster(str(path), clock=_clock())
    report = await master.load("alpha", local_source(ALPHA), None)
    assert report.rows > 0
    master.close()


@pytest.mark.parametrize("damage", ["truncate", "random", "empty"])
async def test_a_damaged_file_is_moved_aside_and_rebuilt(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "instruments.duckdb"
    await _loaded(path)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "random":
        path.write_bytes(os.urandom(len(data)))
    else:
        path.write_bytes(b"")
    with structlog.testing.capture_logs() as events:
        master = InstrumentMaster(str(path), clock=_clock())
        report = await master.load("alpha", local_source(ALPHA), None)
    assert report.rows > 0 and not report.reused, "rebuilt from the broker's file"
    assert master.view("alpha").by_token("NSE", "7").symbol == "SBIN"
    master.close()
    (moved,) = _moved_aside(tmp_path)
    assert moved.stat().st_size == (0 if damage == "empty" else len(data) // 2 if damage == "truncate" else len(data))
    warnings = [e for e in events if e["event"] == "instrument_db_damaged_rebuilding"]
    assert warnings and "locked" not in warnings[0]["error"].lower()


def test_a_healthy_file_is_left_where_it_is(tmp_path: Path) -> None:
    store = Store(tmp_path / "ok.duckdb")
    store.close()
    again = Store(tmp_path / "ok.duckdb")
    assert again.healed_from == "" and again.fallback_reason == ""
    again.close()
    assert not _moved_aside(tmp_path)


def test_an_instrument_file_that_is_not_utf8_is_an_instrument_error(tmp_path: Path) -> None:
    from tt_connect.errors import InstrumentError
    from tt_connect_angelone.instruments import angel_instrument_source

    from tests.instruments_db.test_store_loading import WHEN

    store = Store(tmp_path / "m.duckdb")
    with pytest.raises(InstrumentError, match=r"not UTF-8|could not be"):
        store.load("angelone", angel_instrument_source("http://127.0.0.1/x"),
                   '[{"token": "1", "symbol": "A"}]'.encode("utf-16"), WHEN)
    store.close()


def test_a_second_store_on_a_file_this_process_holds_never_moves_it_aside(tmp_path: Path) -> None:
    first = Store(tmp_path / "instruments.duckdb")
    second = Store(tmp_path / "instruments.duckdb")
    assert second.path == ":memory:" and "already open in this process" in second.fallback_reason
    assert second.healed_from == "" and not _moved_aside(tmp_path)
    second.close()
    first.close()
