"""The BOD-file SELECT: Upstox records in the real layout -> canonical rows."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tt_connect.driver_api import CANONICAL_COLUMNS
from tt_connect.timeutil import IST
from tt_connect_upstox.instruments import UPSTOX_READ_OPTIONS, UPSTOX_SELECT, upstox_instrument_source

EXPIRY_MS = int(_dt.datetime(2025, 1, 30, 23, 59, 59, tzinfo=IST).timestamp() * 1000)
RECORDS: list[dict[str, Any]] = [
    {"segment": "NSE_EQ", "name": "RELIANCE INDUSTRIES LTD", "exchange": "NSE", "isin": "INE002A01018",
     "instrument_type": "EQ", "instrument_key": "NSE_EQ|INE002A01018", "lot_size": 1, "freeze_quantity": 100000.0,
     "exchange_token": "2885", "tick_size": 10.0, "trading_symbol": "RELIANCE", "short_name": "RELIANCE"},
    {"segment": "NSE_EQ", "name": "GOI LOAN", "exchange": "NSE", "isin": "IN0020200153", "instrument_type": "GS",
     "instrument_key": "NSE_EQ|IN0020200153", "lot_size": 1, "tick_size": 1.0, "trading_symbol": "718GS2033"},
    {"segment": "BSE_EQ", "name": "RELIANCE INDUSTRIES LTD", "exchange": "BSE", "isin": "INE002A01018",
     "instrument_type": "A", "instrument_key": "BSE_EQ|INE002A01018", "lot_size": 1, "tick_size": 5.0,
     "trading_symbol": "RELIANCE"},
    {"segment": "NSE_INDEX", "name": "Nifty 50", "exchange": "NSE", "instrument_type": "INDEX",
     "instrument_key": "NSE_INDEX|Nifty 50", "exchange_token": "Nifty 50", "trading_symbol": "NIFTY"},
    {"weekly": False, "segment": "NSE_FO", "name": "NIFTY", "exchange": "NSE", "expiry": EXPIRY_MS,
     "instrument_type": "CE", "asset_symbol": "NIFTY", "underlying_symbol": "NIFTY",
     "instrument_key": "NSE_FO|43919", "lot_size": 75, "freeze_quantity": 1800.0, "exchange_token": "43919",
     "minimum_lot": 75, "tick_size": 5.0, "trading_symbol": "NIFTY 24000 CE 30 JAN 25", "strike_price": 24000.0,
     "underlying_key": "NSE_INDEX|Nifty 50", "qty_multiplier": 1.0},
    {"segment": "NSE_FO", "name": "NIFTY", "exchange": "NSE", "expiry": EXPIRY_MS, "instrument_type": "FUT",
     "underlying_symbol": "NIFTY", "instrument_key": "NSE_FO|35001", "lot_size": 75, "tick_size": 10.0,
     "trading_symbol": "NIFTY FUT 30 JAN 25"},
    {"segment": "NCD_FO", "name": "USDINR", "exchange": "NSE", "expiry": EXPIRY_MS, "instrument_type": "FUT",
     "underlying_symbol": "USDINR", "instrument_key": "NCD_FO|1001", "lot_size": 1, "tick_size": 0.25,
     "trading_symbol": "USDINR FUT 30 JAN 25"},
    {"segment": "NSE_COM", "name": "GOLD", "exchange": "NSE", "expiry": EXPIRY_MS, "instrument_type": "FUT",
     "underlying_symbol": "GOLD", "instrument_key": "NSE_COM|9", "lot_size": 1, "tick_size": 100.0,
     "trading_symbol": "GOLD FUT 30 JAN 25"},
]


def _load(tmp_path: Path, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    path = tmp_path / "complete.json"
    path.write_text(json.dumps(records))
    con = duckdb.connect()
    select = UPSTOX_SELECT.replace("{source}", f"read_json('{path}', {UPSTOX_READ_OPTIONS})")
    cursor = con.execute(select)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def test_select_emits_the_canonical_columns(tmp_path: Path) -> None:
    (row, *_) = _load(tmp_path, RECORDS)
    assert set(CANONICAL_COLUMNS) <= set(row)


def test_every_segment_maps_to_its_canonical_row(tmp_path: Path) -> None:
    rows = {r["broker_token"]: r for r in _load(tmp_path, RECORDS)}
    assert set(rows) == {"NSE_EQ|INE002A01018", "BSE_EQ|INE002A01018", "NSE_INDEX|Nifty 50", "NSE_FO|43919",
                         "NSE_FO|35001", "NCD_FO|1001"}, "debt series and NSE commodity rows are left out"
    equity = rows["NSE_EQ|INE002A01018"]
    assert (equity["exchange"], equity["kind"], equity["symbol"], equity["isin"]) == ("NSE", "EQ", "RELIANCE",
                                                                                      "INE002A01018")
    assert equity["tick_size"] == pytest.approx(0.10), "tick sizes are in paise"
    assert rows["BSE_EQ|INE002A01018"]["exchange"] == "BSE"
    index = rows["NSE_INDEX|Nifty 50"]
    assert (index["kind"], index["symbol"], index["underlying"]) == ("IDX", "NIFTY 50", "NIFTY")
    option = rows["NSE_FO|43919"]
    assert (option["exchange"], option["kind"], option["symbol"], option["strike"], option["option_type"]) == (
        "NFO", "OPT", "NIFTY", 24000.0, "CE")
    assert option["expiry"] == _dt.date(2025, 1, 30), "the IST day of the expiry instant"
    assert (option["lot_size"], option["broker_symbol"], option["broker_segment"]) == (75, "NIFTY 24000 CE 30 JAN 25",
                                                                                        "NSE_FO")
    future = rows["NSE_FO|35001"]
    assert (future["kind"], future["strike"], future["option_type"]) == ("FUT", None, None)
    assert rows["NCD_FO|1001"]["exchange"] == "CDS" and rows["NCD_FO|1001"]["tick_size"] == pytest.approx(0.0025)


def test_a_symbol_listed_in_two_series_keeps_the_ordinary_one(tmp_path: Path) -> None:
    second = {**RECORDS[0], "instrument_type": "BE", "instrument_key": "NSE_EQ|INE002A01099"}
    rows = [r for r in _load(tmp_path, [second, RECORDS[0]]) if r["kind"] == "EQ"]
    assert [r["broker_token"] for r in rows] == ["NSE_EQ|INE002A01018"]


def test_the_emulator_file_loads_through_the_same_select(tmp_path: Path) -> None:
    from tt_connect.paper.engine import PaperEngine
    from tt_connect.paper.universe import build_universe
    from tt_connect_upstox.emulator.wire import UpstoxListing

    engine = PaperEngine(build_universe(_dt.date(2025, 1, 6)))
    listing = UpstoxListing(engine, "EMU123")
    rows = _load(tmp_path, listing.bod_file())
    assert len(rows) == len(engine.rows)
    by_key = {r["broker_token"]: r for r in rows}
    for token, universe_row in engine.rows.items():
        row = by_key[listing.key[token]]
        assert (row["kind"], row["symbol"], row["expiry"], row["lot_size"]) == (
            universe_row.kind, universe_row.symbol if universe_row.kind != "FUT" and universe_row.kind != "OPT"
            else universe_row.underlying, universe_row.expiry, universe_row.lot_size)
        assert row["tick_size"] == pytest.approx(universe_row.tick_size)


def test_the_source_is_one_gzipped_json_file_from_the_configured_url() -> None:
    source = upstox_instrument_source("http://127.0.0.1:1/complete.json.gz")
    (file,) = source.files
    assert (file.format, file.compression, file.url) == ("json", "gzip", "http://127.0.0.1:1/complete.json.gz")
    assert source.authenticated is False
