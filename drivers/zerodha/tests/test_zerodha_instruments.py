"""The instrument SELECT, run by DuckDB over the official CSV samples and through the core's store."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import duckdb
import pytest
from kite_mock_files import MOCKS
from tt_connect.driver_api import CANONICAL_COLUMNS, InstrumentSource
from tt_connect.instruments_db.store import Store
from tt_connect.timeutil import IST
from tt_connect_zerodha.instruments import KITE_PUBLISH_TIME, kite_instrument_source

HEADER = ("instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,"
          "instrument_type,segment,exchange\n")
# Rows in today's shapes: named derivatives, weekly and monthly forms, indices, currency and commodity.
SYNTHETIC = HEADER + "\n".join([
    "256265,1001,NIFTY 50,NIFTY 50,0,,0,0,0,EQ,INDICES,NSE",
    "260105,1016,NIFTY BANK,NIFTY BANK,0,,0,0,0,EQ,INDICES,NSE",
    "265,1,SENSEX,SENSEX,0,,0,0,0,EQ,INDICES,BSE",
    "13238786,51714,NIFTY25AUGFUT,NIFTY,0,2025-08-28,0,0.1,75,FUT,NFO-FUT,NFO",
    "10189826,39804,NIFTY2580724400CE,NIFTY,0,2025-08-07,24400,0.05,75,CE,NFO-OPT,NFO",
    "12345602,48225,NIFTYNXT502513018000CE,,0,2025-01-30,18000,0.05,25,CE,NFO-OPT,NFO",
    "12345612,48226,NIFTYNXT5025JAN18000.5PE,,0,2025-01-30,18000.5,0.05,25,PE,NFO-OPT,NFO",
    "412675,1612,USDINR21JUNFUT,USDINR,0,2021-06-28,0,0.0025,1,FUT,CDS-FUT,CDS",
    "58424839,228222,GOLDPETAL21JUNFUT,GOLDPETAL,0,2021-06-04,0,1,1,FUT,MCX-FUT,MCX",
    "1234,5,SOMEBOND,SOME BOND,0,,0,0.01,1,EQ,NCO,NCO",
]) + "\n"


def run_select(path: Path) -> list[dict[str, object]]:
    source = kite_instrument_source("http://127.0.0.1:8999/instruments")
    (file,) = source.files
    reader = f"read_csv('{path}', {file.read_options})"
    con = duckdb.connect()
    cursor = con.execute(source.select_sql.replace("{source}", reader))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def test_select_emits_every_canonical_column_for_the_official_sample() -> None:
    rows = run_select(MOCKS / "instruments_all.csv")
    assert len(rows) == 99
    assert set(CANONICAL_COLUMNS) <= set(rows[0])
    kinds: dict[object, int] = {}
    for row in rows:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    assert kinds == {"EQ": 74, "OPT": 25}


def test_official_sample_options_get_their_underlying_from_the_tradingsymbol() -> None:
    rows = {r["broker_symbol"]: r for r in run_select(MOCKS / "instruments_all.csv")}
    option = rows["BANKNIFTY18JAN23500CE"]
    assert (option["exchange"], option["kind"], option["symbol"], option["underlying"]) == (
        "NFO", "OPT", "BANKNIFTY", "BANKNIFTY")
    assert (option["expiry"], option["strike"], option["option_type"]) == (_dt.date(2018, 1, 25), 23500.0, "CE")
    assert (option["lot_size"], option["tick_size"]) == (40, 0.05)
    assert (option["broker_token"], option["broker_exchange"], option["broker_segment"]) == (
        "12073986", "NFO", "NFO-OPT")
    equity = rows["CENTRALBK-BE"]
    assert (equity["kind"], equity["segment"], equity["symbol"], equity["name"]) == (
        "EQ", "NSE_EQ", "CENTRALBK-BE", "CENTRAL BANK OF INDIA")
    assert equity["strike"] is None and equity["option_type"] is None and equity["expiry"] is None


def test_nse_sample_is_all_cash_equities() -> None:
    rows = run_select(MOCKS / "instruments_nse.csv")
    assert len(rows) == 99 and {r["kind"] for r in rows} == {"EQ"} and {r["exchange"] for r in rows} == {"NSE"}


@pytest.fixture
def synthetic(tmp_path: Path) -> dict[object, dict[str, object]]:
    path = tmp_path / "instruments.csv"
    path.write_text(SYNTHETIC)
    return {r["broker_symbol"]: r for r in run_select(path)}


def test_indices_become_idx_with_their_fno_underlying(synthetic: dict[object, dict[str, object]]) -> None:
    nifty = synthetic["NIFTY 50"]
    assert (nifty["kind"], nifty["symbol"], nifty["underlying"], nifty["segment"], nifty["broker_segment"]) == (
        "IDX", "NIFTY 50", "NIFTY", "NSE_INDEX", "INDICES")
    assert synthetic["NIFTY BANK"]["underlying"] == "BANKNIFTY"
    assert (synthetic["SENSEX"]["exchange"], synthetic["SENSEX"]["kind"]) == ("BSE", "IDX")


def test_derivatives_use_kites_name_column(synthetic: dict[object, dict[str, object]]) -> None:
    future = synthetic["NIFTY25AUGFUT"]
    assert (future["kind"], future["symbol"], future["expiry"], future["strike"]) == (
        "FUT", "NIFTY", _dt.date(2025, 8, 28), None)
    assert synthetic["NIFTY2580724400CE"]["symbol"] == "NIFTY"
    assert (synthetic["USDINR21JUNFUT"]["exchange"], synthetic["USDINR21JUNFUT"]["symbol"]) == ("CDS", "USDINR")
    assert synthetic["GOLDPETAL21JUNFUT"]["symbol"] == "GOLDPETAL"


def test_unnamed_weekly_and_fractional_strikes_keep_digits_in_the_symbol(
    synthetic: dict[object, dict[str, object]]
) -> None:
    assert synthetic["NIFTYNXT502513018000CE"]["symbol"] == "NIFTYNXT50"
    fractional = synthetic["NIFTYNXT5025JAN18000.5PE"]
    assert (fractional["symbol"], fractional["strike"], fractional["option_type"]) == ("NIFTYNXT50", 18000.5, "PE")


def test_core_store_loads_the_select(synthetic: dict[object, dict[str, object]]) -> None:
    source = kite_instrument_source("http://127.0.0.1:8999/instruments")
    store = Store(":memory:")
    count = store.load("zerodha", source, SYNTHETIC.encode(), _dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST))
    assert count == 9  # the NCO row is outside the canonical exchanges


def test_source_is_authenticated_csv_published_at_half_past_eight() -> None:
    source = kite_instrument_source("http://127.0.0.1:8999/instruments")
    assert isinstance(source, InstrumentSource)
    (file,) = source.files
    assert (file.url, file.format, file.compression, source.authenticated) == (
        "http://127.0.0.1:8999/instruments", "csv", "none", True)
    assert source.publish_time == KITE_PUBLISH_TIME == _dt.time(8, 30)
