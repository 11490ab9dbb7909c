"""The scrip-master SELECT, run by DuckDB over the hand-built fixture and through the core's store."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

import duckdb
import pytest
from angelone_fakes import FIXTURES, fixture_bytes
from tt_connect.driver_api import CANONICAL_COLUMNS
from tt_connect.instruments_db.store import Store
from tt_connect.timeutil import IST
from tt_connect_angelone.instruments import ANGEL_READ_OPTIONS, ANGEL_SELECT, angel_instrument_source


@pytest.fixture(scope="module")
def rows() -> dict[tuple[Any, ...], dict[str, Any]]:
    path = str(FIXTURES / "scrip_master.json").replace("'", "''")
    relation = duckdb.sql(ANGEL_SELECT.replace("{source}", f"read_json('{path}', {ANGEL_READ_OPTIONS})"))
    assert relation is not None
    assert set(CANONICAL_COLUMNS) <= set(relation.columns)
    out = {}
    for values in relation.fetchall():
        row = dict(zip(relation.columns, values))
        key = (row["kind"], row["exchange"], row["symbol"], row["expiry"], row["strike"], row["option_type"])
        assert key not in out, f"duplicate canonical contract {key}"
        out[key] = row
    return out


def test_nse_equities_lose_their_series_suffix_and_keep_one_row(rows: dict[tuple[Any, ...], Any]) -> None:
    sbin = rows[("EQ", "NSE", "SBIN", None, None, None)]
    assert (sbin["broker_token"], sbin["broker_symbol"], sbin["broker_exchange"], sbin["broker_segment"]) == (
        "3045", "SBIN-EQ", "NSE", "NSE")
    assert (sbin["tick_size"], sbin["lot_size"], sbin["segment"]) == (0.05, 1, "NSE_EQ")
    assert rows[("EQ", "NSE", "IDEA", None, None, None)]["broker_symbol"] == "IDEA-BE"
    assert rows[("EQ", "BSE", "SBIN", None, None, None)]["broker_token"] == "500112"
    symbols = {key[2] for key in rows if key[0] == "EQ"}
    assert not any("-" in symbol for symbol in symbols) and "763GS2030" not in symbols


def test_index_rows_use_the_nse_index_name(rows: dict[tuple[Any, ...], Any]) -> None:
    nifty = rows[("IDX", "NSE", "NIFTY 50", None, None, None)]
    assert (nifty["underlying"], nifty["broker_token"], nifty["broker_symbol"], nifty["segment"]) == (
        "NIFTY", "99926000", "Nifty 50", "NSE_INDEX")
    assert rows[("IDX", "NSE", "NIFTY BANK", None, None, None)]["underlying"] == "BANKNIFTY"
    assert ("IDX", "BSE", "SENSEX", None, None, None) in rows


def test_derivatives_rescale_strike_and_tick_and_read_the_expiry(rows: dict[tuple[Any, ...], Any]) -> None:
    expiry = _dt.date(2025, 1, 30)
    call = rows[("OPT", "NFO", "NIFTY", expiry, 24000.0, "CE")]
    assert (call["lot_size"], call["tick_size"], call["broker_token"]) == (75, 0.05, "43650")
    assert ("OPT", "NFO", "NIFTY", expiry, 24000.0, "PE") in rows
    assert rows[("FUT", "NFO", "NIFTY", expiry, None, None)]["broker_symbol"] == "NIFTY30JAN25FUT"
    assert ("OPT", "NFO", "RELIANCE", expiry, 1250.5, "CE") in rows
    currency = rows[("OPT", "CDS", "USDINR", _dt.date(2025, 1, 24), 83.25, "CE")]
    assert currency["tick_size"] == pytest.approx(0.0025)
    assert rows[("FUT", "MCX", "GOLDM", _dt.date(2025, 2, 5), None, None)]["tick_size"] == 1.0
    assert ("OPT", "BFO", "SENSEX", _dt.date(2025, 1, 7), 78000.0, "CE") in rows
    assert not any(key[1] == "NCDEX" for key in rows)


def test_the_core_store_loads_the_master_through_the_select() -> None:
    source = angel_instrument_source("https://example.test/OpenAPIScripMaster.json")
    (master,) = source.files
    assert master.format == "json" and not source.authenticated
    store = Store(":memory:")
    count = store.load("angelone", source, fixture_bytes("scrip_master.json"),
                       _dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST))
    assert count == 14


def test_an_index_listed_twice_keeps_its_999_token_and_a_share_of_the_same_name_stays(tmp_path: Any) -> None:
    def record(token: str, symbol: str, name: str, itype: str, segment: str) -> dict[str, str]:
        return {"token": token, "symbol": symbol, "name": name, "expiry": "", "strike": "0.000000", "lotsize": "1",
                "instrumenttype": itype, "exch_seg": segment, "tick_size": "0.000000"}

    master = tmp_path / "master.json"
    master.write_text(json.dumps([
        record("26000", "NIFTY 50", "NIFTY", "INDEX", "NSE"),
        record("99926000", "Nifty 50", "NIFTY", "AMXIDX", "NSE"),
        record("99919000", "SENSEX", "SENSEX", "AMXIDX", "BSE"),
        {**record("500000", "SENSEX", "SENSEX", "", "BSE"), "tick_size": "5.000000"},
    ]))
    path = str(master).replace("'", "''")
    relation = duckdb.sql(ANGEL_SELECT.replace("{source}", f"read_json('{path}', {ANGEL_READ_OPTIONS})"))
    assert relation is not None
    found = sorted((r[relation.columns.index("kind")], r[relation.columns.index("exchange")],
                    r[relation.columns.index("symbol")], r[relation.columns.index("broker_token")])
                   for r in relation.fetchall())
    assert found == [("EQ", "BSE", "SENSEX", "500000"), ("IDX", "BSE", "SENSEX", "99919000"),
                     ("IDX", "NSE", "NIFTY 50", "99926000")]
