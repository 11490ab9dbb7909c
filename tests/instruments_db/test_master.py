"""The DuckDB instrument master: loading, freshness, single flight, validation, queries."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from tt_connect import instruments
from tt_connect.driver_api import InstrumentSource
from tt_connect.enums import Exchange, InstrumentKind, OptionType, OrderType, ProductType, Side
from tt_connect.errors import InstrumentError, InstrumentNotFoundError, InvalidOrderError, NetworkError
from tt_connect.instruments import Equity, Future, Option
from tt_connect.instruments_db import InstrumentMaster
from tt_connect.models import OrderRequest
from tt_connect.timeutil import IST, ManualClock

HEADER = "tok,exch,seg,kind,sym,und,exp,strike,opt,lot,tick,name\n"
ROWS_A = HEADER + """1,NSE,NSE,EQ,RELIANCE,RELIANCE,,,,1,0.05,RELIANCE INDUSTRIES
2,NSE,NSE,EQ,INFY,INFY,,,,1,0.05,INFOSYS
1,NFO,NFO-FUT,FUT,NIFTY,NIFTY,2025-01-30,,,75,0.05,NIFTY
3,NFO,NFO-OPT,OPT,NIFTY,NIFTY,2025-01-30,18000,CE,75,0.05,NIFTY
4,NFO,NFO-OPT,OPT,NIFTY,NIFTY,2025-01-30,18000,PE,75,0.05,NIFTY
5,NFO,NFO-OPT,OPT,NIFTY,NIFTY,2025-01-30,18100,CE,75,0.05,NIFTY
6,NFO,NFO-OPT,OPT,NIFTY,NIFTY,2025-01-23,18000,CE,75,0.05,NIFTY
7,NFO,NFO-FUT,FUT,NIFTY,NIFTY,2025-02-27,,,75,0.05,NIFTY
"""
ROWS_B = HEADER + "900,NSE,NSE,EQ,TCS,TCS,,,,1,0.05,TATA CONSULTANCY\n"
SELECT = """SELECT exch AS exchange, seg AS segment, kind, sym AS symbol, und AS underlying,
    TRY_CAST(exp AS DATE) AS expiry, TRY_CAST(strike AS DOUBLE) AS strike, NULLIF(opt, '') AS option_type,
    CAST(lot AS INTEGER) AS lot_size, CAST(tick AS DOUBLE) AS tick_size, NULL AS isin, name,
    tok AS broker_token, sym || CASE WHEN kind = 'EQ' THEN '-EQ' ELSE '' END AS broker_symbol,
    exch AS broker_exchange, seg AS broker_segment
FROM {source}"""


def source(url: str = "http://127.0.0.1:1/a.csv") -> InstrumentSource:
    return InstrumentSource.one_file(select_sql=SELECT, url=url, read_options="header=true, all_varchar=true",
                            publish_time=dt.time(8, 0))


@pytest.fixture(autouse=True)
def _restore_validator() -> Iterator[None]:
    previous = instruments.get_validator()
    yield
    instruments.set_validator(previous)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST))


class Fetcher:
    def __init__(self, body: str) -> None:
        self.body = body.encode()
        self.calls = 0
        self.fail = False

    async def __call__(self, url: str) -> bytes:
        self.calls += 1
        await asyncio.sleep(0.01)
        if self.fail:
            raise NetworkError("download failed")
        return self.body


async def test_load_maps_rows_and_builds_a_catalogue(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    report = await master.load("a", source(), Fetcher(ROWS_A))
    assert (report.rows, report.reused, report.stale) == (8, False, False)
    view = master.view("a")
    call = Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=dt.date(2025, 1, 30),
                  strike=18000, option_type=OptionType.CE)
    assert view.resolve(call).token == "3" and view.resolve(call).segment == "NFO-OPT"
    # tokens collide across segments: (segment, token) tells them apart
    assert view.by_token("NSE", "1") == Equity(exchange=Exchange.NSE, symbol="RELIANCE")
    assert isinstance(view.by_token("NFO-FUT", "1"), Future)
    assert view.by_symbol("NSE", "INFY-EQ").symbol == "INFY"
    with pytest.raises(InstrumentNotFoundError):
        view.by_token("NSE", "404")


async def test_a_fresh_load_is_reused_and_a_new_publish_reloads(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    fetch = Fetcher(ROWS_A)
    await master.load("a", source(), fetch)
    again = await master.load("a", source(), fetch)
    assert again.reused and fetch.calls == 1
    clock.advance(3600 * 24)  # past the next 08:00 publish
    later = await master.load("a", source(), fetch)
    assert not later.reused and fetch.calls == 2


async def test_concurrent_first_use_shares_one_download(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    fetch = Fetcher(ROWS_A)
    reports = await asyncio.gather(*(master.load("a", source(), fetch) for _ in range(5)))
    assert fetch.calls == 1 and {r.rows for r in reports} == {8}


async def test_a_failed_refresh_keeps_yesterday_only_when_allowed(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    fetch = Fetcher(ROWS_A)
    await master.load("a", source(), fetch)
    clock.advance(3600 * 24)
    fetch.fail = True
    with pytest.raises(NetworkError):
        await master.load("a", source(), fetch)
    report = await master.load("a", source(), fetch, allow_stale=True)
    assert report.stale and report.rows == 8


async def test_construction_validates_and_names_the_nearest_contracts(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    await master.load("a", source(), Fetcher(ROWS_A))
    with pytest.raises(InstrumentNotFoundError) as strike:
        Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=dt.date(2025, 1, 30),
               strike=18050, option_type=OptionType.CE)
    assert strike.value.suggestions == ("18000", "18100")
    with pytest.raises(InstrumentNotFoundError) as expiry:
        Future(exchange=Exchange.NFO, symbol="NIFTY", expiry=dt.date(2025, 1, 29))
    assert "2025-01-30" in expiry.value.suggestions
    with pytest.raises(InstrumentNotFoundError, match="similar: RELIANCE"):
        Equity(exchange=Exchange.NSE, symbol="RELIANC")


async def test_two_brokers_in_one_process(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    await master.load("a", source(), Fetcher(ROWS_A))
    await master.load("b", source("http://127.0.0.1:1/b.csv"), Fetcher(ROWS_B))
    tcs = Equity(exchange=Exchange.NSE, symbol="TCS")  # listed only by b: still a valid instrument
    reliance = Equity(exchange=Exchange.NSE, symbol="RELIANCE")
    assert master.view("b").resolve(tcs).token == "900"
    with pytest.raises(InstrumentNotFoundError, match="not listed by a"):
        master.view("a").resolve(tcs)
    assert master.view("a").resolve(reliance).token == "1"


async def test_queries(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    await master.load("a", source(), Fetcher(ROWS_A))
    view = master.view("a")
    assert view.expiries("nifty") == [dt.date(2025, 1, 23), dt.date(2025, 1, 30)]
    assert view.expiries("NIFTY", kind=InstrumentKind.FUT) == [dt.date(2025, 1, 30), dt.date(2025, 2, 27)]
    assert view.strikes("NIFTY", "2025-01-30") == [18000.0, 18100.0]
    chain = view.option_chain("NIFTY", dt.date(2025, 1, 30))
    assert [(r.strike, r.call is not None, r.put is not None) for r in chain.rows] == [
        (18000.0, True, True), (18100.0, True, False)]
    assert [f.expiry for f in view.futures("NIFTY")] == [dt.date(2025, 1, 30), dt.date(2025, 2, 27)]
    assert view.nearest_expiry("NIFTY", on_or_after=dt.date(2025, 1, 24)) == dt.date(2025, 1, 30)
    assert view.monthly_expiry("NIFTY", on_or_after=dt.date(2025, 1, 6)) == dt.date(2025, 1, 30)
    assert view.search("REL")[0].symbol == "RELIANCE"
    assert view.search("infosys")[0].symbol == "INFY"
    for bad in ("", 5):
        with pytest.raises(InstrumentError):
            view.search(bad)  # type: ignore[arg-type]
    with pytest.raises(InstrumentError):
        view.strikes("NIFTY", "30-01-2025")
    with pytest.raises(InstrumentNotFoundError):
        view.futures("NOPE")


async def test_check_order_refuses_lot_and_tick_violations(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    await master.load("a", source(), Fetcher(ROWS_A))
    view = master.view("a")
    fut = Future(exchange=Exchange.NFO, symbol="NIFTY", expiry=dt.date(2025, 1, 30))
    ok = OrderRequest(instrument=fut, qty=150, side=Side.BUY, product=ProductType.NRML,
                      order_type=OrderType.LIMIT, price=18000.05)
    view.check_order(ok)
    with pytest.raises(InvalidOrderError, match="lot size 75"):
        view.check_order(OrderRequest(instrument=fut, qty=100, side=Side.BUY, product=ProductType.NRML,
                                      order_type=OrderType.MARKET))
    with pytest.raises(InvalidOrderError, match="tick size"):
        view.check_order(OrderRequest(instrument=fut, qty=75, side=Side.BUY, product=ProductType.NRML,
                                      order_type=OrderType.LIMIT, price=18000.02))


async def test_a_file_database_survives_reopening(clock: ManualClock, tmp_path: Path) -> None:
    path = tmp_path / "master.duckdb"
    first = InstrumentMaster(path, clock=clock)
    await first.load("a", source(), Fetcher(ROWS_A))
    first.close()
    second = InstrumentMaster(path, clock=clock)
    fetch = Fetcher(ROWS_A)
    report = await second.load("a", source(), fetch)
    assert report.reused and fetch.calls == 0 and len(second.view("a")) == 8
    second.close()


async def test_a_select_missing_columns_is_a_driver_error(clock: ManualClock) -> None:
    from tt_connect.errors import DriverError

    master = InstrumentMaster(":memory:", clock=clock)
    bad = InstrumentSource.one_file(select_sql="SELECT sym AS symbol FROM {source}", url="http://127.0.0.1:1/x",
                           read_options="header=true")
    with pytest.raises(DriverError, match="does not emit"):
        await master.load("a", bad, Fetcher(ROWS_A))
    with pytest.raises(InstrumentError, match="could not be read"):
        await master.load("c", source(), Fetcher("\x00\x01 not a csv at all\n\"unterminated"))
