"""How the store reads a master: JSON arrays in pieces, rows that are not contracts, the canonical
view, schema upgrades, and the key index construction validates against."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
import structlog
from tt_connect.driver_api import InstrumentSource
from tt_connect.instruments_db import store as store_module
from tt_connect.instruments_db.keyindex import KeyIndex
from tt_connect.instruments_db.store import Store, _pieces, _record_cuts
from tt_connect.timeutil import IST

SELECT = """SELECT exch AS exchange, exch AS segment, kind, sym AS symbol, sym AS underlying,
    TRY_CAST(exp AS DATE) AS expiry, TRY_CAST(strike AS DOUBLE) AS strike, opt AS option_type,
    1 AS lot_size, 0.05 AS tick_size, NULL AS isin, name,
    tok AS broker_token, sym AS broker_symbol, exch AS broker_exchange, exch AS broker_segment
FROM {source}"""
COLUMNS = ("{tok: 'VARCHAR', exch: 'VARCHAR', kind: 'VARCHAR', sym: 'VARCHAR', exp: 'VARCHAR', "
           "strike: 'VARCHAR', opt: 'VARCHAR', name: 'VARCHAR'}")
WHEN = dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST)


def records(count: int, name: str = "X LTD") -> list[dict[str, Any]]:
    """Cash rows and NIFTY options, every field a string as in a broker's JSON master."""
    rows: list[dict[str, Any]] = []
    for i in range(count):
        if i % 3:
            rows.append({"tok": str(i), "exch": "NFO", "kind": "OPT", "sym": "NIFTY", "exp": "2025-01-30",
                         "strike": str(20000 + 50 * i), "opt": "CE" if i % 2 else "PE", "name": name})
        else:
            rows.append({"tok": str(i), "exch": "NSE", "kind": "EQ", "sym": f"S{i}", "exp": "", "strike": "",
                         "opt": "", "name": name})
    return rows


def json_source() -> InstrumentSource:
    return InstrumentSource.one_file(select_sql=SELECT, format="json", read_options=f"format='auto', columns={COLUMNS}")


def stored(store: Store) -> set[tuple[Any, ...]]:
    return set(store._con.execute("SELECT * FROM broker_instruments").fetchall())


@pytest.fixture
def cut_small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "_SPLIT_MIN_BYTES", 1)


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of cuts of each attempt to load (a fallback is a second attempt with none)."""
    seen: list[int] = []
    real = Store._load_pieces

    def spy(self: Store, broker: str, source: InstrumentSource, blobs: list[bytes],
            cuts: list[list[tuple[int, int]]], loaded_at: dt.datetime) -> int:
        seen.append(sum(len(file_cuts) for file_cuts in cuts))
        return real(self, broker, source, blobs, cuts, loaded_at)

    monkeypatch.setattr(Store, "_load_pieces", spy)
    return seen


def test_a_large_json_array_is_read_in_pieces_with_every_row_once(cut_small_files: None,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.dumps(records(3000), separators=(",", ":")).encode()
    whole = Store(":memory:")
    whole._threads = 1
    assert whole.load("b", json_source(), data, WHEN) == 3000
    pieces = Store(":memory:")
    pieces._threads = 4
    files: list[int] = []
    real = store_module._pieces

    def counting(data: bytes, cuts: list[tuple[int, int]]) -> list[list[bytes | memoryview]]:
        made = real(data, cuts)
        files.append(len(made))
        return made

    monkeypatch.setattr(store_module, "_pieces", counting)
    assert pieces.load("b", json_source(), data, WHEN) == 3000
    assert files == [4]
    assert stored(pieces) == stored(whole)


def test_each_piece_is_a_json_array_of_whole_records(cut_small_files: None) -> None:
    data = json.dumps(records(40), indent=2).encode()  # pretty-printed: "},\n  {" between records
    cuts = _record_cuts(data, 3)
    assert len(cuts) == 2
    parsed = [json.loads(b"".join(bytes(part) for part in piece)) for piece in _pieces(data, cuts)]
    assert all(isinstance(piece, list) and piece for piece in parsed)
    assert [row for piece in parsed for row in piece] == records(40)


def test_only_a_large_json_array_is_cut() -> None:
    big = store_module._SPLIT_MIN_BYTES
    ndjson = b"\n".join(json.dumps(row).encode() for row in records(5)) + b" " * big
    assert _record_cuts(ndjson, 4) == []
    assert _record_cuts(json.dumps(records(5)).encode(), 4) == []  # small: one file
    assert _record_cuts(json.dumps(records(5)).encode() + b" " * big, 1) == []  # one thread: one file


def test_a_cut_inside_a_string_falls_back_to_the_whole_file(cut_small_files: None, attempts: list[int]) -> None:
    # Every name holds "},{", so the cut lands inside a string: the pieces do not parse.
    data = json.dumps(records(200, name='A"},{"B'), separators=(",", ":")).encode()
    store = Store(":memory:")
    store._threads = 2
    with structlog.testing.capture_logs() as events:
        assert store.load("b", json_source(), data, WHEN) == 200
    assert attempts == [1, 0]
    assert [(e["event"], e["log_level"], e["pieces"]) for e in events] == [
        ("instrument_pieces_unreadable_reading_whole_file", "warning", 2)]
    names = {row[0] for row in store._con.execute("SELECT name FROM broker_instruments").fetchall()}
    assert names == {'A"},{"B'}


def test_a_cut_between_nested_objects_falls_back_to_the_whole_file(cut_small_files: None,
                                                                  attempts: list[int]) -> None:
    # Each record carries a list of objects, so "},{" mostly separates objects inside a record.
    rows = records(60)
    for row in rows:
        row["legs"] = [{"leg": n} for n in range(40)]
    data = json.dumps(rows, separators=(",", ":")).encode()
    cut = _record_cuts(data, 2)[0][0]
    with pytest.raises(json.JSONDecodeError):
        json.loads(data[:cut] + b"]")  # not a record boundary: the first piece does not parse
    store = Store(":memory:")
    store._threads = 2
    assert store.load("b", json_source(), data, WHEN) == 60
    assert attempts == [1, 0]


def test_rows_with_an_empty_symbol_or_token_are_not_contracts() -> None:
    rows = records(3)
    rows[0]["sym"] = "  "
    rows[1]["tok"] = None
    store = Store(":memory:")
    assert store.load("b", json_source(), json.dumps(rows).encode(), WHEN) == 1
    assert store._con.execute("SELECT broker_token FROM broker_instruments").fetchall() == [("2",)]


def test_the_canonical_view_forgets_a_contract_no_broker_lists_any_more(tmp_path: Path) -> None:
    store = Store(tmp_path / "m.duckdb")
    store.load("b", json_source(), json.dumps(records(6)).encode(), WHEN)
    assert store._con.execute("SELECT count(*) FROM instruments WHERE symbol = 'S3'").fetchone() == (1,)
    store.load("b", json_source(), json.dumps(records(3)).encode(), WHEN)  # S3 delisted
    assert store._con.execute("SELECT count(*) FROM instruments WHERE symbol = 'S3'").fetchone() == (0,)
    store.load("c", json_source(), json.dumps(records(3)).encode(), WHEN)  # a second broker, same contracts
    assert store._con.execute("SELECT count(*) FROM instruments").fetchone() == (3,)
    store.close()


def test_a_cache_from_the_previous_schema_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER); INSERT INTO schema_version VALUES (3)")
    con.execute("CREATE TABLE instruments (exchange VARCHAR, symbol VARCHAR); INSERT INTO instruments VALUES "
                "('NSE', 'OLD')")
    con.close()
    store = Store(path)
    kinds = dict(store._con.execute("SELECT table_name, table_type FROM information_schema.tables "
                                    "WHERE table_name = 'instruments'").fetchall())
    assert kinds == {"instruments": "VIEW"}
    assert store.load("b", json_source(), json.dumps(records(3)).encode(), WHEN) == 3
    store.close()
    assert Store(path).last_load("b") is not None  # the current version is kept on reopening


def test_the_key_index_holds_exactly_the_keys_it_was_built_from() -> None:
    day = dt.date(2025, 1, 30)
    keys = {("EQ", "NSE", "SBIN", None, None, None), ("FUT", "NFO", "NIFTY", day, None, None),
            ("OPT", "NFO", "NIFTY", day, 24000.0, "CE"), ("OPT", "NFO", "NIFTY", day, 24050.0, "CE"),
            ("OPT", "NFO", "NIFTY", day, 24000.0, "PE")}
    index = KeyIndex.from_keys(keys)
    assert len(index) == 5 and set(index) == keys and all(key in index for key in keys)
    assert ("OPT", "NFO", "NIFTY", day, 24100.0, "CE") not in index
    assert ("OPT", "BFO", "NIFTY", day, 24000.0, "CE") not in index
    assert ("EQ", "NSE", "SBIN") not in index and "SBIN" not in index
    grouped = [("EQ", "NSE", "SBIN", None, None, [None]), ("FUT", "NFO", "NIFTY", day, None, [None]),
               ("OPT", "NFO", "NIFTY", day, "CE", [24000.0, 24050.0]), ("OPT", "NFO", "NIFTY", day, "PE", [24000.0])]
    assert set(KeyIndex.from_series(grouped)) == keys


def test_a_file_is_written_in_row_groups_the_commit_can_compress_in_parallel(tmp_path: Path) -> None:
    store = Store(tmp_path / "m.duckdb")
    assert store.load("b", json_source(), json.dumps(records(70_000)).encode(), WHEN) == 70_000
    groups = store._con.execute("SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('broker_instruments')"
                                ).fetchone()
    assert groups is not None and groups[0] >= 70_000 // store_module._ROW_GROUP_ROWS
    store.close()
    plain = duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True)  # still an ordinary DuckDB file
    try:
        assert plain.execute("SELECT count(*) FROM instruments").fetchone() == (70_000,)
    finally:
        plain.close()


def test_a_file_another_process_holds_falls_back_to_memory(tmp_path: Path) -> None:
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
                               "sys.stdin.read()", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        store = Store(path)
        assert store.path == ":memory:" and "locked by another process" in store.fallback_reason
        assert store.load("b", json_source(), json.dumps(records(3)).encode(), WHEN) == 3
        store.close()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
