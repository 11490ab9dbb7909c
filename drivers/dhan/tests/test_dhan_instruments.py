"""The scrip-master SELECT: Dhan's compact and detailed CSVs -> canonical rows, through the core's Store."""

from __future__ import annotations

import datetime as _dt

import pytest
from tt_connect.instruments_db.store import Store
from tt_connect.paper.engine import PaperEngine
from tt_connect.paper.universe import build_universe
from tt_connect.timeutil import IST
from tt_connect_dhan.emulator.wire import DhanListing
from tt_connect_dhan.instruments import COMPACT_COLUMNS, dhan_instrument_source

LOADED_AT = _dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST)

# Rows in the shapes the live compact file has (PROTOCOL.md, "Instrument master").
COMPACT = "\n".join([
    ",".join(COMPACT_COLUMNS),
    "NSE,E,2885,EQUITY,,RELIANCE,1.0,Reliance Industries,,-0.01000,XX,10.0000,NA,ES,EQ,RELIANCE INDUSTRIES LTD",
    "NSE,E,9001,EQUITY,,SOMECO,1.0,Some Co,,-0.01000,XX,1.0000,NA,ES,BE,SOME CO LTD",
    "NSE,E,9002,EQUITY,,GOI2030,1.0,Goi 2030,,-0.01000,XX,1.0000,NA,DBT,GS,GOVT OF INDIA",
    "BSE,E,500325,EQUITY,,RELIANCE,1.0,Reliance Industries,,-0.01000,XX,5.0000,NA,ES,A,RELIANCE INDUSTRIES LTD",
    "NSE,I,13,INDEX,0,NIFTY,1.0,Nifty 50,,-0.01000,XX,5.0000,NA,INDEX,X,NIFTY",
    "BSE,I,51,INDEX,0,SENSEX,1.0,Sensex,,-0.01000,XX,5.0000,NA,INDEX,X,SENSEX",
    "NSE,D,52175,FUTIDX,0,NIFTY-Jan2025-FUT,75.0,NIFTY JAN FUT,2025-01-30 14:30:00,-0.01000,XX,10.0000,M,FUTIDX,,NIFTY",
    "NSE,D,43650,OPTIDX,0,NIFTY-Jan2025-24000-CE,75.0,NIFTY 30 JAN 24000 CALL,2025-01-30 14:30:00,24000.00000,CE,"
    "5.0000,M,OP,,NIFTY",
    "NSE,D,43651,OPTIDX,0,NIFTY-Jan2025-24000-CE,75.0,NIFTY 09 JAN 24000 CALL,2025-01-09 14:30:00,24000.00000,CE,"
    "5.0000,W,OP,,NIFTY",
    "MCX,M,440000,FUTCOM,0,GOLD-Feb2025-FUT,1.0,GOLD FEB FUT,2025-02-05 23:30:00,-0.01000,XX,100.0000,M,FUTCOM,,GOLD",
    "NSE,C,9021,OPTCUR,0,USDINR-Jan2025-85.25-CE,1.0,USDINR 29 JAN 85.25 CALL,2025-01-29 12:00:00,85.25000,CE,"
    "0.2500,M,OP,,USDINR",
]) + "\n"


def _load(data: bytes, *, detailed: bool) -> list[tuple[object, ...]]:
    store = Store(":memory:")
    source = dhan_instrument_source("https://example.test/c.csv", "https://example.test/d.csv" if detailed else "")
    store.load("dhan", source, data, LOADED_AT)
    return store._con.execute(
        "SELECT exchange, kind, symbol, underlying, expiry, strike, option_type, lot_size, tick_size, broker_token,"
        " broker_segment, isin FROM broker_instruments ORDER BY broker_segment, broker_token").fetchall()


def test_compact_master_rows_become_canonical_contracts() -> None:
    rows = {(r[10], r[9]): r for r in _load(COMPACT.encode(), detailed=False)}
    assert rows[("NSE_EQ", "2885")][:4] == ("NSE", "EQ", "RELIANCE", "RELIANCE")
    assert rows[("NSE_EQ", "2885")][8] == pytest.approx(0.10)  # ticks are in paise
    assert rows[("BSE_EQ", "500325")][:3] == ("BSE", "EQ", "RELIANCE")
    assert rows[("IDX_I", "13")][:4] == ("NSE", "IDX", "NIFTY 50", "NIFTY")
    assert rows[("IDX_I", "51")][:3] == ("BSE", "IDX", "SENSEX")
    future = rows[("NSE_FNO", "52175")]
    assert future[:5] == ("NFO", "FUT", "NIFTY", "NIFTY", _dt.date(2025, 1, 30)) and future[7] == 75
    monthly, weekly = rows[("NSE_FNO", "43650")], rows[("NSE_FNO", "43651")]
    assert monthly[4:7] == (_dt.date(2025, 1, 30), 24000.0, "CE")
    assert weekly[4] == _dt.date(2025, 1, 9)  # same trading symbol as the monthly: told apart by expiry
    assert rows[("MCX_COMM", "440000")][:3] == ("MCX", "FUT", "GOLD")
    currency = rows[("NSE_CURRENCY", "9021")]
    assert currency[:3] == ("CDS", "OPT", "USDINR") and currency[5] == 85.25
    assert currency[8] == pytest.approx(0.0025)


def test_nse_equities_keep_tradable_series_only() -> None:
    tokens = {r[9] for r in _load(COMPACT.encode(), detailed=False)}
    assert "9001" in tokens  # BE series is tradable
    assert "9002" not in tokens  # government securities are not equities


@pytest.mark.parametrize("detailed", [False, True], ids=["compact", "detailed"])
def test_the_emulators_masters_list_every_paper_contract(static_instruments: None, detailed: bool) -> None:
    engine = PaperEngine(build_universe(LOADED_AT.date()))
    listing = DhanListing(engine)
    data = listing.detailed_csv() if detailed else listing.compact_csv()
    rows = _load(data, detailed=detailed)
    assert len(rows) == len(engine.rows)
    by_key = {(r[10], r[9]): r for r in rows}
    infy = next(t for t, row in engine.rows.items() if row.symbol == "INFY" and row.kind == "EQ")
    loaded = by_key[("NSE_EQ", str(listing.security_id[infy]))]
    assert loaded[:3] == ("NSE", "EQ", "INFY")
    assert (loaded[11] is not None) == detailed  # ISINs come with the detailed file only
    assert by_key[("IDX_I", "25")][2] == "NIFTY BANK"
