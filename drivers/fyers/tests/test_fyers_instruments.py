"""The Fyers symbol-master SELECT: every segment's headerless file, classified and named the canonical way."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import duckdb
import pytest
from tt_connect.driver_api import CANONICAL_COLUMNS
from tt_connect_fyers.config import MASTER_FIELDS, FyersConfig
from tt_connect_fyers.emulator import FyersEmulator
from tt_connect_fyers.emulator.wire import MASTER_NAMES
from tt_connect_fyers.instruments import FYERS_READ_OPTIONS, FYERS_SELECT
from tt_connect_fyers.mapping import fy_token_segment
from tt_connect_fyers.plugin import FyersDriver

_IST = _dt.timezone(_dt.timedelta(hours=5, minutes=30))
_EXPIRY = int(_dt.datetime(2025, 1, 30, 15, 30, tzinfo=_IST).timestamp())


def _row(fy: str, details: str, inst: int, ticker: str, exch: int, seg: int, under: str, *, expiry: str = "",
         strike: str = "-1.0", opt: str = "XX", lot: int = 1, tick: str = "0.05", isin: str = "") -> str:
    return (f"{fy},{details},{inst},{lot},{tick},{isin},0915-1530|1815-1915:,2025-01-06,{expiry},{ticker},{exch},{seg},"
            f"{fy[10:]},{under},-1,{strike},{opt},{fy},None,0,0.0")


FILES = {
    "NSE_CM": [
        _row("10100000003045", "STATE BANK OF INDIA", 0, "NSE:SBIN-EQ", 10, 10, "SBIN", isin="INE062A01020"),
        _row("10100000003046", "STATE BANK OF INDIA", 0, "NSE:SBIN-BE", 10, 10, "SBIN"),
        _row("10100000016669", "BAJAJ AUTO LIMITED", 0, "NSE:BAJAJ-AUTO-EQ", 10, 10, "BAJAJ-AUTO"),
        _row("10100000000001", "GOI LOAN 7.26% 2033", 6, "NSE:726GS2033-GS", 10, 10, "726GS2033"),
        _row("101000000026000", "Nifty 50", 10, "NSE:NIFTY50-INDEX", 10, 10, "NIFTY50"),
    ],
    "NSE_FO": [
        _row("101125013035001", "NIFTY 25 Jan 30 FUT", 11, "NSE:NIFTY25JANFUT", 10, 11, "NIFTY",
             expiry=str(_EXPIRY), lot=75),
        _row("101125013043650", "NIFTY 25 Jan 30 24000 CE", 14, "NSE:NIFTY25JAN24000CE", 10, 11, "NIFTY",
             expiry=str(_EXPIRY), strike="24000.0", opt="CE", lot=75),
    ],
    "NSE_CD": [_row("101225012912345", "USDINR 25 Jan 29 85.25 CE", 19, "NSE:USDINR25JAN85.25CE", 10, 12, "USDINR",
                    expiry=str(_EXPIRY - 86400), strike="85.25", opt="CE", tick="0.0025")],
    "NSE_COM": [_row("102025013099999", "GOLD 25 Jan FUT", 30, "NSE:GOLD25JANFUT", 10, 20, "GOLD",
                     expiry=str(_EXPIRY))],
    "BSE_CM": [_row("12100000500325", "RELIANCE INDUSTRIES LTD.", 0, "BSE:RELIANCE-A", 12, 10, "RELIANCE")],
    "BSE_FO": [_row("121125013011111", "SENSEX 25 Jan 30 FUT", 11, "BSE:SENSEX25JANFUT", 12, 11, "SENSEX",
                    expiry=str(_EXPIRY), lot=20)],
    "MCX_COM": [_row("112025020512345", "CRUDEOIL 25 Feb 19 FUT", 30, "MCX:CRUDEOIL25FEBFUT", 11, 20, "CRUDEOIL",
                     expiry=str(_EXPIRY + 20 * 86400), lot=100, tick="1.0")],
}


def _select(directory: Path, names: tuple[str, ...]) -> list[dict[str, object]]:
    readers = []
    for name in names:
        path = str(directory / f"{name}.csv").replace("'", "''")
        readers.append(f"SELECT *, '{name}' AS source_file FROM read_csv('{path}', {FYERS_READ_OPTIONS})")
    sql = FYERS_SELECT.replace("{source}", "(" + " UNION ALL BY NAME ".join(readers) + ")")
    con = duckdb.connect()
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


@pytest.fixture
def masters(tmp_path: Path) -> Path:
    for name, lines in FILES.items():
        (tmp_path / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_every_segment_is_classified_and_named_the_canonical_way(masters: Path) -> None:
    rows = _select(masters, tuple(FILES))
    assert set(rows[0]) == set(CANONICAL_COLUMNS)
    by_ticker = {r["broker_symbol"]: r for r in rows}
    assert set(by_ticker) == {"NSE:SBIN-EQ", "NSE:BAJAJ-AUTO-EQ", "NSE:NIFTY50-INDEX", "NSE:NIFTY25JANFUT",
                              "NSE:NIFTY25JAN24000CE", "NSE:USDINR25JAN85.25CE", "BSE:RELIANCE-A",
                              "BSE:SENSEX25JANFUT", "MCX:CRUDEOIL25FEBFUT"}, "one row per name, no G-secs, no NSE_COM"
    sbin = by_ticker["NSE:SBIN-EQ"]
    assert (sbin["exchange"], sbin["kind"], sbin["symbol"], sbin["isin"]) == ("NSE", "EQ", "SBIN", "INE062A01020")
    assert (sbin["broker_token"], sbin["broker_segment"], sbin["broker_exchange"]) == ("10100000003045", "NSE_CM",
                                                                                         "NSE")
    assert by_ticker["NSE:BAJAJ-AUTO-EQ"]["symbol"] == "BAJAJ-AUTO"
    index = by_ticker["NSE:NIFTY50-INDEX"]
    assert (index["kind"], index["symbol"]) == ("IDX", "NIFTY 50")
    option = by_ticker["NSE:NIFTY25JAN24000CE"]
    assert (option["exchange"], option["kind"], option["underlying"], option["expiry"], option["strike"],
            option["option_type"], option["lot_size"]) == ("NFO", "OPT", "NIFTY", _dt.date(2025, 1, 30), 24000.0,
                                                           "CE", 75)
    assert by_ticker["NSE:NIFTY25JANFUT"]["strike"] is None
    assert by_ticker["NSE:USDINR25JAN85.25CE"]["exchange"] == "CDS"
    assert by_ticker["NSE:USDINR25JAN85.25CE"]["tick_size"] == 0.0025
    assert by_ticker["BSE:RELIANCE-A"]["exchange"] == "BSE"
    assert by_ticker["BSE:SENSEX25JANFUT"]["exchange"] == "BFO"
    crude = by_ticker["MCX:CRUDEOIL25FEBFUT"]
    assert (crude["exchange"], crude["expiry"], crude["broker_segment"]) == ("MCX", _dt.date(2025, 2, 19), "MCX_COM")


def test_a_master_of_one_file_loads_too(masters: Path) -> None:
    assert {r["kind"] for r in _select(masters, ("NSE_CM",))} == {"EQ", "IDX"}


def test_every_fy_token_names_its_segment() -> None:
    for name, lines in FILES.items():
        for line in lines:
            assert fy_token_segment(line.split(",")[0]) == name
    assert fy_token_segment("99") is None


def test_the_source_lists_every_configured_file_and_skips_empty_ones() -> None:
    config = FyersConfig(app_id="XC4XXXXXXM-100", access_token="t", instruments_nse_com_url="")
    source = FyersDriver().instrument_source(config)
    assert [f.name for f in source.files] == [n for n in MASTER_FIELDS if n != "NSE_COM"]
    assert all(f.url and f.url.startswith("https://public.fyers.in/sym_details/") for f in source.files)


def test_the_emulators_masters_load_through_the_select(tmp_path: Path) -> None:
    with FyersEmulator(tick_interval=0.05) as emulator:
        for name in MASTER_NAMES:
            (tmp_path / f"{name}.csv").write_bytes(emulator.listing.master_csv(name))
        rows = _select(tmp_path, MASTER_NAMES)
        assert len(rows) == len(emulator.engine.rows), "every paper contract, once"
        kinds = {r["kind"] for r in rows}
        assert kinds == {"EQ", "IDX", "FUT", "OPT"}
        assert {r["symbol"] for r in rows if r["kind"] == "IDX"} == {
            row.symbol for row in emulator.engine.rows.values() if row.kind == "IDX"}


@pytest.mark.parametrize("expiry", ["999999999999999", "9223372036854775807", "-9223372036854775807",
                                    "99999999999999", "253402300800", "0", "-1", "x"])
def test_a_row_whose_expiry_no_date_can_hold_is_dropped_alone(tmp_path: Path, expiry: str) -> None:
    """An epoch past any calendar (or before 1970) drops its own row: it must neither fail the whole master
    (DuckDB's INTEGER cast or addition overflowing) nor load a DATE past year 9999, which DuckDB hands to
    Python as a string."""
    lines = [*FILES["NSE_FO"], _row("101125013099999", "NIFTY FAR FUT", 11, "NSE:NIFTYFARFUT", 10, 11, "NIFTY",
                                    expiry=expiry, lot=75)]
    (tmp_path / "NSE_FO.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = _select(tmp_path, ("NSE_FO",))
    assert {r["broker_symbol"] for r in rows} == {"NSE:NIFTY25JANFUT", "NSE:NIFTY25JAN24000CE"}
    assert all(isinstance(r["expiry"], _dt.date) for r in rows)


def test_the_last_expiry_a_date_can_hold_still_loads(tmp_path: Path) -> None:
    last = int(_dt.datetime(9999, 12, 31, 15, 30, tzinfo=_IST).timestamp())
    line = _row("101125013099999", "NIFTY FAR FUT", 11, "NSE:NIFTYFARFUT", 10, 11, "NIFTY", expiry=str(last), lot=75)
    (tmp_path / "NSE_FO.csv").write_text(line + "\n", encoding="utf-8")
    assert [r["expiry"] for r in _select(tmp_path, ("NSE_FO",))] == [_dt.date(9999, 12, 31)]
