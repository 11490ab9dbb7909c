"""The instrument master beyond the happy path: progress, failures, two brokers, lookups, the schema."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
import structlog
from tt_connect import instruments
from tt_connect.driver_api import InstrumentSource
from tt_connect.enums import Exchange, InstrumentKind, OptionType, OrderType, ProductType, Side
from tt_connect.errors import (
    DriverError,
    InstrumentError,
    InstrumentNotFoundError,
    InstrumentsNotReadyError,
    InvalidOrderError,
    NetworkError,
    TTConnectError,
)
from tt_connect.instruments import Equity, Future, Index, Option
from tt_connect.instruments_db import InstrumentMaster
from tt_connect.models import OrderRequest
from tt_connect.timeutil import IST, ManualClock

COLUMNS = "tok,exch,seg,kind,sym,exp,strike,opt,lot,tick,name\n"
# Broker "alpha": cash, an index, weekly and monthly BANKNIFTY options, and a token ("7") reused across segments.
ALPHA = COLUMNS + """7,NSE,NSE,EQ,SBIN,,,,1,0.05,STATE BANK OF INDIA
8,NSE,NSE,EQ,SBICARD,,,,1,0.05,SBI CARDS
9,NSE,INDICES,IDX,BANKNIFTY,,,,1,0.05,NIFTY BANK
7,NFO,NFO-OPT,OPT,BANKNIFTY,2025-01-15,50000,CE,30,0.05,BANKNIFTY
11,NFO,NFO-OPT,OPT,BANKNIFTY,2025-01-15,50000,PE,30,0.05,BANKNIFTY
12,NFO,NFO-OPT,OPT,BANKNIFTY,2025-01-29,50000,CE,30,0.05,BANKNIFTY
13,NFO,NFO-OPT,OPT,BANKNIFTY,2025-01-29,50500,CE,30,0.05,BANKNIFTY
14,NFO,NFO-OPT,OPT,BANKNIFTY,2025-02-26,50000,CE,30,0.05,BANKNIFTY
15,NFO,NFO-FUT,FUT,BANKNIFTY,2025-01-29,,,30,0.20,BANKNIFTY
16,XXX,NSE,EQ,IGNORED,,,,1,0.05,UNKNOWN EXCHANGE ROW
"""
# Broker "beta": a different universe, and beta's token 7 in NSE is another company than alpha's.
BETA = COLUMNS + """7,NSE,NSE,EQ,ITC,,,,1,0.05,ITC LTD
8,NSE,NSE,EQ,SBIN,,,,1,0.05,STATE BANK OF INDIA
"""
SELECT = """SELECT exch AS exchange, seg AS segment, kind, sym AS symbol, sym AS underlying,
    TRY_CAST(exp AS DATE) AS expiry, TRY_CAST(strike AS DOUBLE) AS strike, NULLIF(opt, '') AS option_type,
    CAST(lot AS INTEGER) AS lot_size, CAST(tick AS DOUBLE) AS tick_size, NULL AS isin, name,
    tok AS broker_token, sym AS broker_symbol, exch AS broker_exchange, seg AS broker_segment
FROM {source}"""


def csv_source(url: str = "http://127.0.0.1:1/alpha.csv", publish: dt.time = dt.time(8, 0)) -> InstrumentSource:
    return InstrumentSource.one_file(select_sql=SELECT, url=url, read_options="header=true, all_varchar=true",
                            publish_time=publish)


def local_source(body: str) -> InstrumentSource:
    return InstrumentSource.one_file(select_sql=SELECT, local=body.encode, read_options="header=true, all_varchar=true")


@pytest.fixture(autouse=True)
def _restore_validator() -> Iterator[None]:
    previous = instruments.get_validator()
    yield
    instruments.set_validator(previous)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2025, 1, 6, 7, 0, tzinfo=IST))


class Download:
    """A fake downloader; ``accepts_progress`` says whether it takes the client's progress keyword."""

    def __init__(self, body: str) -> None:
        self.body = body.encode()
        self.calls = 0
        self.error: Exception | None = None
        self.release = asyncio.Event()
        self.release.set()

    async def plain(self, url: str) -> bytes:
        self.calls += 1
        await self.release.wait()
        if self.error is not None:
            raise self.error
        return self.body

    async def with_progress(self, url: str, *, progress: Callable[[int, int | None], None] | None = None) -> bytes:
        body = await self.plain(url)
        if progress is not None:
            progress(len(body) // 2, None)
            progress(len(body), len(body))
        return body


async def loaded(clock: ManualClock, body: str = ALPHA, broker: str = "alpha") -> InstrumentMaster:
    master = InstrumentMaster(":memory:", clock=clock)
    await master.load(broker, csv_source(), Download(body).plain)
    return master


def test_constructing_before_any_master_is_loaded_is_not_ready(no_validator: None) -> None:
    with pytest.raises(InstrumentsNotReadyError):
        Equity(exchange=Exchange.NSE, symbol="SBIN")


async def test_progress_is_passed_to_a_downloader_that_takes_it(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    seen: list[tuple[int, int | None]] = []
    await master.load("alpha", csv_source(), Download(ALPHA).with_progress,
                      progress=lambda done, total: seen.append((done, total)))
    size = len(ALPHA.encode())
    assert seen == [(size // 2, None), (size, size)]


async def test_progress_is_reported_once_for_a_plain_downloader_and_a_local_source(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    seen: list[tuple[int, int | None]] = []
    await master.load("alpha", csv_source(), Download(ALPHA).plain,
                      progress=lambda done, total: seen.append((done, total)))
    await master.load("paperish", local_source(BETA), None, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(len(ALPHA.encode()),) * 2, (len(BETA.encode()),) * 2]


async def test_rows_outside_the_canonical_vocabulary_are_dropped(clock: ManualClock) -> None:
    master = await loaded(clock)
    view = master.view("alpha")
    assert len(view) == 9
    with pytest.raises(InstrumentNotFoundError):
        view.by_token("NSE", "16")


async def test_a_load_before_the_publish_time_is_replaced_after_it(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    download = Download(ALPHA)
    await master.load("alpha", csv_source(), download.plain)  # 07:00, before today's 08:00 publish
    clock.advance(59 * 60)  # 07:59: still yesterday's publication
    assert (await master.load("alpha", csv_source(), download.plain)).reused
    clock.advance(2 * 60)  # 08:01: today's file is out
    report = await master.load("alpha", csv_source(), download.plain)
    assert not report.reused and download.calls == 2
    assert report.loaded_at == dt.datetime(2025, 1, 6, 8, 1, tzinfo=IST)


async def test_force_reloads_a_fresh_master(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    download = Download(ALPHA)
    await master.load("alpha", csv_source(), download.plain)
    report = await master.load("alpha", csv_source(), download.plain, force=True)
    assert not report.reused and download.calls == 2


async def test_a_failing_first_download_fails_every_waiter_with_one_attempt(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    download = Download(ALPHA)
    download.error = NetworkError("connection reset")
    download.release.clear()
    waiters = [asyncio.ensure_future(master.load("alpha", csv_source(), download.plain, allow_stale=True))
               for _ in range(3)]
    await asyncio.sleep(0)
    download.release.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    # nothing stored yet, so allow_stale has nothing to fall back on
    assert download.calls == 1 and all(isinstance(r, NetworkError) for r in results)


async def test_a_foreign_exception_from_the_downloader_becomes_a_tt_connect_error(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    download = Download(ALPHA)
    download.error = OSError("disk on fire")
    with pytest.raises(InstrumentError, match="allow_stale"):
        await master.load("alpha", csv_source(), download.plain)


async def test_a_stale_fallback_is_announced_as_a_warning_event(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    download = Download(ALPHA)
    await master.load("alpha", csv_source(), download.plain)
    clock.advance(24 * 3600)
    download.error = OSError("unreachable")
    with structlog.testing.capture_logs() as events:
        report = await master.load("alpha", csv_source(), download.plain, allow_stale=True)
    assert report.stale and not report.reused
    assert report.loaded_at == dt.datetime(2025, 1, 6, 7, 0, tzinfo=IST)
    assert [e["log_level"] for e in events if e.get("broker") == "alpha"] == ["warning"]
    # yesterday's contracts still construct and resolve
    sbin = Equity(exchange=Exchange.NSE, symbol="SBIN")
    assert master.view("alpha").resolve(sbin).token == "7"


@pytest.mark.parametrize(("broker", "source"), [("", csv_source()), (None, csv_source()), ("alpha", "not a source")])
async def test_bad_load_arguments_are_refused_clearly(clock: ManualClock, broker: object, source: object) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    with pytest.raises(InstrumentError):
        await master.load(broker, source, Download(ALPHA).plain)  # type: ignore[arg-type]


async def test_a_source_without_a_download_or_local_file_is_refused(clock: ManualClock) -> None:
    master = InstrumentMaster(":memory:", clock=clock)
    with pytest.raises(InstrumentError, match="no instrument file to download"):
        await master.load("alpha", InstrumentSource.one_file(select_sql=SELECT), None)
    with pytest.raises(DriverError, match="names no file"):
        await master.load("alpha", InstrumentSource(select_sql=SELECT, files=()), None)


async def test_a_json_master_loads_through_read_json(clock: ManualClock) -> None:
    rows = [{"tok": "1", "exch": "NSE", "seg": "NSE", "kind": "EQ", "sym": "WIPRO", "exp": None, "strike": None,
             "opt": None, "lot": "1", "tick": "0.05", "name": "WIPRO LTD"}]
    source = InstrumentSource.one_file(select_sql=SELECT, format="json", local=lambda: json.dumps(rows).encode())
    master = InstrumentMaster(":memory:", clock=clock)
    assert (await master.load("jsonbroker", source, None)).rows == 1
    assert master.view("jsonbroker").by_symbol("NSE", "WIPRO").symbol == "WIPRO"


async def test_two_brokers_keep_their_own_rows_and_tokens(clock: ManualClock) -> None:
    master = await loaded(clock)
    await master.load("beta", csv_source("http://127.0.0.1:1/beta.csv"), Download(BETA).plain)
    alpha, beta = master.view("alpha"), master.view("beta")
    # the same (segment, token) is a different company at each broker
    assert alpha.by_token("NSE", "7").symbol == "SBIN" and beta.by_token("NSE", "7").symbol == "ITC"
    # and in alpha, token 7 is also a BANKNIFTY option in another segment
    assert isinstance(alpha.by_token("NFO-OPT", "7"), Option)
    sbin = Equity(exchange=Exchange.NSE, symbol="SBIN")
    assert (alpha.resolve(sbin).token, beta.resolve(sbin).token) == ("7", "8")
    itc = Equity(exchange=Exchange.NSE, symbol="ITC")  # only beta lists it, yet it constructs
    with pytest.raises(InstrumentNotFoundError, match="alpha") as missing:
        alpha.lot_size(itc)
    assert missing.value.broker == "alpha"
    # replacing beta's rows leaves alpha's alone
    only_itc = Download(COLUMNS + "5,NSE,NSE,EQ,ITC,,,,1,0.05,ITC\n")
    await master.load("beta", csv_source("http://127.0.0.1:1/beta.csv"), only_itc.plain, force=True)
    assert len(master.view("beta")) == 1 and len(master.view("alpha")) == 9
    with pytest.raises(InstrumentNotFoundError):
        Equity(exchange=Exchange.NSE, symbol="NOSUCHCO")


async def test_a_second_client_reuses_the_catalogue_already_in_memory(clock: ManualClock) -> None:
    master = await loaded(clock)
    first = master.view("alpha")
    report = await master.load("alpha", csv_source(), Download(ALPHA).plain)
    assert report.reused and master.view("alpha") is first


async def test_lookups_after_close_keep_working_for_what_was_resolved(clock: ManualClock) -> None:
    master = await loaded(clock)
    view = master.view("alpha")
    call = Option(exchange=Exchange.NFO, symbol="BANKNIFTY", expiry=dt.date(2025, 1, 15),
                  strike=50000, option_type=OptionType.CE)
    symbol = view.resolve(call)
    master.close()
    # the decoder's per-tick path: a subscribed (resolved) contract is a dict hit, no database needed
    assert view.by_token(symbol.segment, symbol.token) == call
    assert view.by_symbol(symbol.exchange, symbol.symbol) is view.by_token(symbol.segment, symbol.token)
    assert view.lot_size(call) == 30
    Equity(exchange=Exchange.NSE, symbol="SBIN")  # construction still validates in memory
    with pytest.raises(InstrumentError, match="closed"):
        view.by_token("NSE", "8")


async def test_lookups_with_wrong_types_are_instrument_errors(clock: ManualClock) -> None:
    view = (await loaded(clock)).view("alpha")
    with pytest.raises(InstrumentError):
        view.by_token("NSE", 7)  # type: ignore[arg-type]
    with pytest.raises(InstrumentError):
        view.resolve("SBIN")  # type: ignore[arg-type]
    with pytest.raises(InstrumentError):
        view.expiries("")
    with pytest.raises(InstrumentError):
        view.strikes("BANKNIFTY", 20250129)  # type: ignore[arg-type]
    with pytest.raises(InstrumentError):
        view.search("SBI", limit=0)


async def test_misses_name_the_nearest_expiries_and_strikes(clock: ManualClock) -> None:
    await loaded(clock)
    with pytest.raises(InstrumentNotFoundError) as expiry:
        Option(exchange=Exchange.NFO, symbol="BANKNIFTY", expiry=dt.date(2025, 1, 22),
               strike=50000, option_type=OptionType.CE)
    assert expiry.value.suggestions == ("2025-01-15", "2025-01-29", "2025-02-26")
    with pytest.raises(InstrumentNotFoundError) as strike:
        Option(exchange=Exchange.NFO, symbol="BANKNIFTY", expiry=dt.date(2025, 1, 29),
               strike=51000, option_type=OptionType.CE)
    assert strike.value.suggestions == ("50000", "50500")
    with pytest.raises(InstrumentNotFoundError) as symbol:
        Equity(exchange=Exchange.NSE, symbol="SBI")
    assert set(symbol.value.suggestions) >= {"SBIN", "SBICARD"}


async def test_queries_over_weekly_and_monthly_series(clock: ManualClock) -> None:
    view = (await loaded(clock)).view("alpha")
    assert view.expiries("BANKNIFTY") == [dt.date(2025, 1, 15), dt.date(2025, 1, 29), dt.date(2025, 2, 26)]
    assert view.nearest_expiry("BANKNIFTY", on_or_after=dt.date(2025, 1, 6)) == dt.date(2025, 1, 15)
    assert view.nearest_expiry("BANKNIFTY", on_or_after=dt.date(2025, 1, 16)) == dt.date(2025, 1, 29)
    assert view.monthly_expiry("BANKNIFTY", on_or_after=dt.date(2025, 1, 6)) == dt.date(2025, 1, 29)
    assert view.monthly_expiry("BANKNIFTY", on_or_after=dt.date(2025, 1, 30)) == dt.date(2025, 2, 26)
    assert view.nearest_expiry("BANKNIFTY", kind=InstrumentKind.FUT, on_or_after=dt.date(2025, 1, 6)) == \
        dt.date(2025, 1, 29)
    with pytest.raises(InstrumentNotFoundError):
        view.nearest_expiry("BANKNIFTY", on_or_after=dt.date(2025, 3, 1))
    chain = view.option_chain("banknifty", "2025-01-15")
    assert chain.underlying == "BANKNIFTY" and [(r.strike, r.call is not None, r.put is not None)
                                                for r in chain.rows] == [(50000.0, True, True)]
    with pytest.raises(InstrumentNotFoundError, match="2025-01-15"):
        view.option_chain("BANKNIFTY", "2025-01-16")
    assert [i.symbol for i in view.search("SBI")] == ["SBICARD", "SBIN"]  # prefix matches, by symbol
    assert [i.symbol for i in view.search("SBIN")][:1] == ["SBIN"]
    assert [i.symbol for i in view.search("state bank")] == ["SBIN"]
    assert len(view.search("BANKNIFTY", limit=3)) == 3
    assert isinstance(view.search("BANKNIFTY")[0], Index)
    assert view.tick_size(Future(exchange=Exchange.NFO, symbol="BANKNIFTY", expiry=dt.date(2025, 1, 29))) == 0.2


async def test_check_order_refuses_non_positive_quantities_and_off_tick_triggers(clock: ManualClock) -> None:
    view = (await loaded(clock)).view("alpha")
    fut = Future(exchange=Exchange.NFO, symbol="BANKNIFTY", expiry=dt.date(2025, 1, 29))

    def order(qty: int, price: float, trigger_price: float | None = None) -> OrderRequest:
        kind = OrderType.LIMIT if trigger_price is None else OrderType.SL
        return OrderRequest(instrument=fut, qty=qty, side=Side.SELL, product=ProductType.NRML, order_type=kind,
                            price=price, trigger_price=trigger_price)

    view.check_order(order(60, price=50000.2, trigger_price=50000.4))
    for qty in (0, -30, 45):
        with pytest.raises(InvalidOrderError, match="lot size 30"):
            view.check_order(order(qty, price=50000.2))
    with pytest.raises(InvalidOrderError, match="trigger_price") as off:
        view.check_order(order(30, price=50000.2, trigger_price=50000.1))
    assert isinstance(off.value, TTConnectError) and off.value.broker == "alpha"


async def test_the_file_holds_the_canonical_broker_and_load_tables(clock: ManualClock, tmp_path: Path) -> None:
    path = tmp_path / "instruments.duckdb"
    master = InstrumentMaster(path, clock=clock)
    await master.load("alpha", csv_source(), Download(ALPHA).plain)
    await master.load("beta", csv_source("http://127.0.0.1:1/beta.csv"), Download(BETA).plain)
    master.close()
    con = duckdb.connect(str(path), read_only=True)
    try:
        # SBIN is listed by both brokers but is one canonical contract
        assert con.execute("SELECT count(*) FROM instruments WHERE symbol = 'SBIN'").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM instruments").fetchone() == (10,)
        tokens = con.execute("SELECT broker, broker_token FROM broker_instruments WHERE symbol = 'SBIN' "
                             "ORDER BY broker").fetchall()
        assert tokens == [("alpha", "7"), ("beta", "8")]
        loads = con.execute("SELECT broker, source, row_count FROM loads ORDER BY broker").fetchall()
        assert loads == [("alpha", "http://127.0.0.1:1/alpha.csv", 9), ("beta", "http://127.0.0.1:1/beta.csv", 2)]
    finally:
        con.close()


def test_the_default_database_lives_in_the_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TT_CONNECT_CACHE_DIR", str(tmp_path / "cache"))
    master = InstrumentMaster()
    try:
        assert Path(master.path) == tmp_path / "cache" / "instruments.duckdb"
    finally:
        master.close()


async def test_query_arguments_of_the_wrong_kind_are_instrument_errors(clock: ManualClock) -> None:
    view = (await loaded(clock)).view("alpha")
    with pytest.raises(InstrumentError, match="kind must be one of"):
        view.expiries("BANKNIFTY", kind="WEEKLY")  # type: ignore[arg-type]
    assert view.expiries("BANKNIFTY", kind="fut") == [dt.date(2025, 1, 29)]  # type: ignore[arg-type]
    with pytest.raises(InstrumentError, match="on_or_after"):
        view.nearest_expiry("BANKNIFTY", on_or_after="2025-01-06")  # type: ignore[arg-type]
    with pytest.raises(InvalidOrderError, match="OrderRequest"):
        view.check_order({"qty": 30})  # type: ignore[arg-type]


async def test_series_queries_and_miss_suggestions_survive_close(clock: ManualClock) -> None:
    master = await loaded(clock)
    view = master.view("alpha")
    master.close()
    assert view.strikes("BANKNIFTY", dt.date(2025, 1, 29)) == [50000.0, 50500.0]
    assert [f.expiry for f in view.futures("BANKNIFTY")] == [dt.date(2025, 1, 29)]
    with pytest.raises(InstrumentNotFoundError) as strike:
        Option(exchange=Exchange.NFO, symbol="BANKNIFTY", expiry=dt.date(2025, 1, 15),
               strike=49000, option_type=OptionType.PE)
    assert strike.value.suggestions == ("50000",)


async def test_a_miss_is_explained_by_the_master_loaded_last_even_a_reloaded_one(clock: ManualClock) -> None:
    from tt_connect.instruments_db.registry import registrations_kept

    with registrations_kept():
        await loaded(clock)  # alpha lists SBIN (a cash symbol) and BANKNIFTY options
        other = COLUMNS + "21,NFO,NFO-OPT,OPT,BANKNIFTY,2025-01-29,48000,CE,30,0.05,BANKNIFTY\n"
        await loaded(clock, other, "gamma")  # gamma lists BANKNIFTY too, with other strikes
        await loaded(clock)  # alpha reloaded (a second client, the morning refresh): it explains misses again
        with pytest.raises(InstrumentNotFoundError, match="nearest strikes") as miss:
            Option(exchange=Exchange.NFO, symbol="BANKNIFTY", expiry=dt.date(2025, 1, 29),
                   strike=51000, option_type=OptionType.CE)
        assert miss.value.suggestions == ("50000", "50500"), "alpha's strikes, not gamma's"
