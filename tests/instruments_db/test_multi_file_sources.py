"""A master of several files (Noren's per-exchange zips, Fyers' per-segment CSVs), compressed or not."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Iterator

import pytest
from tt_connect import instruments
from tt_connect.driver_api import InstrumentFile, InstrumentSource
from tt_connect.enums import Exchange
from tt_connect.errors import InstrumentError
from tt_connect.instruments import Equity, Future
from tt_connect.instruments_db import InstrumentMaster
from tt_connect.timeutil import IST, ManualClock

HEADER = "tok,sym,exp,lot,tick,name\n"
CASH = HEADER + "7,SBIN,,1,0.05,STATE BANK OF INDIA\n8,ITC,,1,0.05,ITC LTD\n"
FUTURES = HEADER + "35001,NIFTY,2025-01-30,75,0.05,NIFTY\n"
# The SELECT tells the files apart by the core's source_file column: each file is one exchange.
SELECT = """SELECT CASE source_file WHEN 'NSE' THEN 'NSE' ELSE 'NFO' END AS exchange,
    source_file AS segment, CASE source_file WHEN 'NSE' THEN 'EQ' ELSE 'FUT' END AS kind,
    sym AS symbol, sym AS underlying, TRY_CAST(exp AS DATE) AS expiry, NULL::DOUBLE AS strike,
    NULL AS option_type, CAST(lot AS INTEGER) AS lot_size, CAST(tick AS DOUBLE) AS tick_size, NULL AS isin,
    name, tok AS broker_token, sym AS broker_symbol, source_file AS broker_exchange, source_file AS broker_segment
FROM {source}"""
OPTIONS = "header=true, all_varchar=true"


def _zip(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _restore_validator() -> Iterator[None]:
    previous = instruments.get_validator()
    yield
    instruments.set_validator(previous)


@pytest.fixture
def clock() -> ManualClock:
    import datetime as dt

    return ManualClock(dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST))


async def test_a_gzip_file_and_a_zip_file_load_as_one_master_with_their_names(clock: ManualClock) -> None:
    source = InstrumentSource(select_sql=SELECT, files=(
        InstrumentFile(name="NSE", compression="gzip", read_options=OPTIONS,
                       local=lambda: gzip.compress(CASH.encode())),
        InstrumentFile(name="NFO", compression="zip", member="NFO_symbols.txt", read_options=OPTIONS,
                       local=lambda: _zip("NFO_symbols.txt", FUTURES)),
    ))
    master = InstrumentMaster(":memory:", clock=clock)
    report = await master.load("multi", source, None)
    assert report.rows == 3
    view = master.view("multi")
    assert view.by_token("NSE", "7") == Equity(exchange=Exchange.NSE, symbol="SBIN")
    future = view.by_token("NFO", "35001")
    assert isinstance(future, Future) and future.symbol == "NIFTY"


async def test_downloaded_files_are_fetched_each_and_named_in_the_load_record(clock: ManualClock) -> None:
    fetched: list[str] = []

    async def fetch(url: str) -> bytes:
        fetched.append(url)
        return (CASH if url.endswith("nse.csv") else FUTURES).encode()

    source = InstrumentSource(select_sql=SELECT, files=(
        InstrumentFile(name="NSE", url="http://127.0.0.1:1/nse.csv", read_options=OPTIONS),
        InstrumentFile(name="NFO", url="http://127.0.0.1:1/nfo.csv", read_options=OPTIONS),
    ))
    master = InstrumentMaster(":memory:", clock=clock)
    report = await master.load("multi", source, fetch)
    assert sorted(fetched) == ["http://127.0.0.1:1/nfo.csv", "http://127.0.0.1:1/nse.csv"]
    assert report.rows == 3 and "nse.csv" in report.source and "nfo.csv" in report.source


@pytest.mark.parametrize(("file", "wanted"), [
    (InstrumentFile(name="NSE", compression="gzip", read_options=OPTIONS, local=lambda: b"not gzip"),
     "not valid gzip"),
    (InstrumentFile(name="NSE", compression="zip", read_options=OPTIONS, local=lambda: b"not a zip"),
     "not a valid zip"),
    (InstrumentFile(name="NSE", compression="zip", member="missing.txt", read_options=OPTIONS,
                    local=lambda: _zip("other.txt", CASH)), "must name its member"),
])
async def test_a_file_that_does_not_decompress_is_an_instrument_error(clock: ManualClock, file: InstrumentFile,
                                                                     wanted: str) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    with pytest.raises(InstrumentError, match=wanted):
        await master.load("broken", InstrumentSource(select_sql=SELECT.replace("source_file", "'NSE'"),
                                                     files=(file,)), None)
