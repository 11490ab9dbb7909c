"""The symbol-file SELECT over files in the real layout: every segment classified, one row per contract."""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

import duckdb
import pytest
from tt_connect.driver_api import CANONICAL_COLUMNS
from tt_connect_noren.instruments import NOREN_READ_OPTIONS, NOREN_SELECT, symbol_file_urls

CASH = "Exchange,Token,LotSize,Symbol,TradingSymbol,Instrument,TickSize,\n"
DERIVATIVES = "Exchange,Token,LotSize,Symbol,TradingSymbol,Expiry,Instrument,OptionType,StrikePrice,TickSize,\n"


def _load(tmp_path: Path, files: dict[str, str]) -> list[dict[str, object]]:
    paths = []
    for name, text in files.items():
        path = tmp_path / f"{name}_symbols.txt"
        path.write_text(text)
        paths.append(f"'{path}'")
    select = NOREN_SELECT.replace("{source}", f"read_csv([{', '.join(paths)}], union_by_name=true, "
                                              f"{NOREN_READ_OPTIONS})")
    con = duckdb.connect()
    cursor = con.execute(select)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def test_every_kind_of_row_maps_to_canonical_columns(tmp_path: Path) -> None:
    rows = _load(tmp_path, {
        "NSE": CASH + "NSE,2885,1,RELIANCE,RELIANCE-EQ,EQ,0.05,\nNSE,26000,1,NIFTY,Nifty 50,INDEX,0.05,\n"
                      "NSE,9999,1,RELIANCE,RELIANCE-BL,BL,0.05,\nNSE,7000,1,760GS2030,760GS2030-GS,GS,0.01,\n",
        "NFO": DERIVATIVES + "NFO,42697,75,NIFTY,NIFTY27JUL23F,27-JUL-2023,FUTIDX,XX,-0.01,0.05,\n"
                             "NFO,42698,75,NIFTY,NIFTY27JUL23C19500,27-JUL-2023,OPTIDX,CE,19500,0.05,\n",
        "MCX": DERIVATIVES + "MCX,420001,100,CRUDEOIL,CRUDEOIL16NOV22P5400,16-NOV-2022,OPTFUT,PE,5400,1,\n",
    })
    assert set(rows[0]) == set(CANONICAL_COLUMNS)
    by_token = {row["broker_token"]: row for row in rows}
    assert set(by_token) == {"2885", "26000", "42697", "42698", "420001"}  # BL and GS series left out
    assert by_token["2885"]["kind"] == "EQ" and by_token["2885"]["symbol"] == "RELIANCE"
    assert by_token["26000"]["kind"] == "IDX" and by_token["26000"]["symbol"] == "NIFTY 50"
    future = by_token["42697"]
    assert (future["kind"], future["expiry"], future["strike"], future["lot_size"]) == (
        "FUT", _dt.date(2023, 7, 27), None, 75)
    option = by_token["42698"]
    assert (option["kind"], option["strike"], option["option_type"], option["broker_symbol"]) == (
        "OPT", 19500.0, "CE", "NIFTY27JUL23C19500")
    assert by_token["420001"]["exchange"] == "MCX" and by_token["420001"]["option_type"] == "PE"


def test_a_name_listed_in_two_share_series_keeps_the_most_ordinary_one(tmp_path: Path) -> None:
    rows = _load(tmp_path, {"NSE": CASH + "NSE,1,1,ABC,ABC-BE,BE,0.05,\nNSE,2,1,ABC,ABC-EQ,EQ,0.05,\n"})
    assert [row["broker_symbol"] for row in rows] == ["ABC-EQ"]


def test_the_full_size_generated_master_loads_every_segment(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[3] / "bench"))
    try:
        import noren_symbol_files
    finally:
        sys.path.pop(0)
    files = {exchange: noren_symbol_files.symbol_file(exchange).decode() for exchange in noren_symbol_files.FILES}
    rows = _load(tmp_path, files)
    exchanges = {row["exchange"] for row in rows}
    assert exchanges == {"NSE", "BSE", "NFO", "BFO", "CDS", "MCX"}
    assert len(rows) > 170_000
    assert all(row["lot_size"] and row["tick_size"] is not None for row in rows[:1000])


@pytest.mark.parametrize("base", ["https://api.shoonya.com", "https://api.shoonya.com/"])
def test_symbol_file_urls_are_one_zip_per_exchange(base: str) -> None:
    urls = symbol_file_urls(base)
    assert urls["NFO"] == "https://api.shoonya.com/NFO_symbols.txt.zip"
    assert set(urls) == {"NSE", "BSE", "NFO", "BFO", "CDS", "MCX"}
