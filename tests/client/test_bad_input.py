"""Garbage into every public entry point gives a TTConnectError subclass with a clear message, never a raw
KeyError, TypeError, IndexError or OverflowError; and one coercion rule accepts the same spellings everywhere."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.enums import Exchange, InstrumentKind, OrderStatus
from tt_connect.errors import InputError, InstrumentError, InvalidOrderError, InvalidSubscriptionError, TTConnectError
from tt_connect.instruments import Equity, Future, Option
from tt_connect.models import GttLeg

Call = Callable[[AsyncTTConnect], Any]


@pytest.fixture
async def broker() -> AsyncIterator[AsyncTTConnect]:
    async with AsyncTTConnect("paper", {"tick_interval": 0.05}, instruments_db=":memory:") as client:
        yield client


def _reliance() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="RELIANCE")


GARBAGE: list[tuple[str, Call]] = [
    ("order id None", lambda b: b.order(None)),
    ("order id list", lambda b: b.order_history(["1"])),
    ("order id blank", lambda b: b.order_trades("  ")),
    ("positions day text", lambda b: b.positions(day="yes")),
    ("place qty inf", lambda b: b.place_order(_reliance(), float("inf"), "BUY", "CNC", "MARKET")),
    ("place qty huge float", lambda b: b.place_order(_reliance(), 1e999, "BUY", "CNC", "MARKET")),
    ("place price inf", lambda b: b.place_order(_reliance(), 1, "BUY", "CNC", "LIMIT", price=float("inf"))),
    ("place price nan", lambda b: b.place_order(_reliance(), 1, "BUY", "CNC", "LIMIT", price=float("nan"))),
    ("place price huge int", lambda b: b.place_order(_reliance(), 1, "BUY", "CNC", "LIMIT", price=10**400)),
    ("place side word", lambda b: b.place_order(_reliance(), 1, "LONG", "CNC", "MARKET")),
    ("place product number", lambda b: b.place_order(_reliance(), 1, "BUY", 7, "MARKET")),
    ("place order type None", lambda b: b.place_order(_reliance(), 1, "BUY", "CNC", None)),
    ("place instrument dict", lambda b: b.place_order({"symbol": "RELIANCE"}, 1, "BUY", "CNC", "MARKET")),
    ("place instrument text without exchange", lambda b: b.place_order("RELIANCE", 1, "BUY", "CNC", "MARKET")),
    ("place tag spaces", lambda b: b.place_order(_reliance(), 1, "BUY", "CNC", "MARKET", tag="a b")),
    ("place ttl without minutes", lambda b: b.place_order(_reliance(), 1, "BUY", "CNC", "MARKET", validity="TTL")),
    ("place disclosed above qty", lambda b: b.place_order(_reliance(), 1, "BUY", "CNC", "MARKET", disclosed_qty=5)),
    ("modify nothing", lambda b: b.modify_order("1")),
    ("modify qty text", lambda b: b.modify_order("1", qty="2")),
    ("modify to ttl", lambda b: b.modify_order("1", validity="TTL")),
    ("cancel variety word", lambda b: b.cancel_order("1", variety="NIGHT")),
    ("quote empty", lambda b: b.quote([])),
    ("quote number", lambda b: b.quote(42)),
    ("quote mode word", lambda b: b.quote(_reliance(), mode="FAST")),
    ("ltp bytes", lambda b: b.ltp(b"NSE:RELIANCE")),
    ("history interval word", lambda b: b.history(_reliance(), "fortnight", dt.date(2026, 1, 1))),
    ("history start text", lambda b: b.history(_reliance(), "1d", "last tuesday")),
    ("history start after end", lambda b: b.history(_reliance(), "1d", "2026-11-20", "2026-11-10")),
    ("history oi text", lambda b: b.history(_reliance(), "1d", "2026-11-20", oi="yes")),
    ("gtt legs text", lambda b: b.place_gtt(_reliance(), "leg", last_price=2900.0)),
    ("gtt leg side word", lambda b: b.place_gtt(_reliance(), GttLeg(trigger_price=2800.0, side="UP", qty=1,  # type: ignore[arg-type]
                                                                    product="CNC", price=2800.0), 2900.0)),
    ("gtt id None", lambda b: b.gtt(None)),
    ("margins of text", lambda b: b.order_margins("RELIANCE")),
    ("convert same product", lambda b: b.convert_position(_reliance(), "BUY", 1, "CNC", "cnc")),
    ("convert overnight text", lambda b: b.convert_position(_reliance(), "BUY", 1, "MIS", "CNC", overnight="y")),
    ("subscribe dict", lambda b: b.subscribe({"NSE:RELIANCE": 1}, on_tick=print)),
    ("subscribe mode word", lambda b: b.subscribe(_reliance(), on_tick=print, mode="FAST")),
    ("subscribe handler text", lambda b: b.subscribe(_reliance(), on_tick="print")),
    ("unsubscribe number", lambda b: b.unsubscribe(42)),
    ("complete login blank", lambda b: b.complete_login("  ")),
    ("lot size of text", lambda b: b.lot_size("RELIANCE")),
    ("expiries kind word", lambda b: b.expiries("NIFTY", kind="SWAP")),
    ("option offset text", lambda b: b.option("NIFTY", "weekly", offset="2")),
    ("option type word", lambda b: b.option("NIFTY", "weekly", option_type="CALL")),
    ("option expiry word", lambda b: b.option("NIFTY", "fortnightly")),
    ("underlying unknown", lambda b: b.underlying_price("NOSUCHSTOCK")),
    ("chain rate negative", lambda b: b.option_chain("NIFTY", "weekly", with_greeks=True, rate=-1)),
    ("sliced qty text", lambda b: b.place_sliced(_reliance(), "3000", "BUY", "CNC", "MARKET")),
    ("sliced index", lambda b: b.place_sliced("NSE:NIFTY 50", 75, "BUY", "NRML", "MARKET")),
    ("basket of text", lambda b: b.place_basket("RELIANCE")),
    ("basket empty", lambda b: b.place_basket([])),
    ("basket unwind text", lambda b: b.place_basket([], unwind_on_failure="yes")),
    ("set position product word", lambda b: b.set_position(_reliance(), 5, "LONGTERM")),
    ("open orders exchange word", lambda b: b.open_orders(exchange="NYSE")),
    ("cancel all underlying number", lambda b: b.cancel_all(underlying=42)),
    ("close all product word", lambda b: b.close_all(product="FOREVER")),
    ("static ip on paper", lambda b: b.static_ip()),
    ("static ip garbage", lambda b: b.set_static_ip("not-an-ip")),
]


@pytest.mark.parametrize(("what", "call"), GARBAGE, ids=[what for what, _ in GARBAGE])
async def test_garbage_is_a_tt_connect_error_with_a_message(broker: AsyncTTConnect, what: str, call: Call) -> None:
    async def run() -> None:
        result = call(broker)
        if inspect.isawaitable(result):
            await result

    with pytest.raises(TTConnectError) as raised:
        await run()
    assert str(raised.value).strip(), what
    if isinstance(raised.value, InputError):
        assert not raised.value.http_status, f"{what}: refused before sending"


async def test_stream_arguments_are_invalid_subscription_errors_also_streaming_errors(broker: AsyncTTConnect) -> None:
    with pytest.raises(InvalidSubscriptionError):
        await broker.subscribe(_reliance(), on_tick=print, mode="FAST")


async def test_one_coercion_rule_enum_names_in_any_case_iso_dates_and_instrument_text(broker: AsyncTTConnect) -> None:
    order_id = await broker.place_order("NSE:RELIANCE", 1, "buy", "Cnc", "market")
    order = await broker.order(order_id)
    assert order.instrument == _reliance() and order.status is OrderStatus.COMPLETE
    future = broker.futures("NIFTY")[0]
    await broker.place_order(str(future), broker.lot_size(future), "SELL", "nrml", "MARKET")
    candles = await broker.history("NSE:RELIANCE", "1d", "2026-10-01", dt.datetime.now().isoformat())
    assert candles
    assert set(await broker.ltp(["NSE:RELIANCE", _reliance()])) == {_reliance()}
    quotes = await broker.quote("NSE:RELIANCE", mode="ltp")
    assert quotes[_reliance()].last_price > 0
    assert broker.expiries("NIFTY", kind="fut") == broker.expiries("NIFTY", kind=InstrumentKind.FUT)


def test_a_positional_or_unknown_instrument_argument_is_an_instrument_error() -> None:
    with pytest.raises(InstrumentError, match="keyword arguments"):
        Equity(Exchange.NSE, "RELIANCE")  # type: ignore[misc]
    with pytest.raises(InstrumentError, match="its fields"):
        Future(exchange=Exchange.NFO, symbol="NIFTY", expiri="2026-12-30")  # type: ignore[call-arg]
    with pytest.raises(InstrumentError):
        Option(exchange=Exchange.NFO, symbol="NIFTY", expiry="2026-12-30", strike=float("nan"), option_type="CE")


async def test_every_public_coroutine_is_covered_by_the_garbage_table() -> None:
    covered = {"order", "order_history", "order_trades", "positions", "place_order", "modify_order", "cancel_order",
               "quote", "ltp", "history", "place_gtt", "gtt", "order_margins", "convert_position", "subscribe",
               "unsubscribe", "complete_login", "option", "underlying_price", "place_sliced", "place_basket",
               "set_position", "open_orders", "cancel_all", "close_all", "static_ip", "set_static_ip"}
    takes_no_argument = {"connect", "close", "profile", "funds", "holdings", "orders", "trades", "gtts", "logout"}
    checked_elsewhere = {"modify_gtt", "cancel_gtt", "basket_margin", "option_chain", "stream"}
    public = {name for name, member in inspect.getmembers(AsyncTTConnect) if not name.startswith("_")
              and (inspect.iscoroutinefunction(member) or inspect.isasyncgenfunction(member))}
    assert public <= covered | takes_no_argument | checked_elsewhere, public - covered - takes_no_argument


@pytest.mark.parametrize("call", [
    lambda b: b.modify_gtt(None, _reliance(), GttLeg(trigger_price=1, side="BUY", qty=1, product="CNC", price=1)),
    lambda b: b.cancel_gtt(["1"]),
    lambda b: b.basket_margin([]),
    lambda b: b.option_chain("NIFTY", "soon"),
    lambda b: b.option_chain("NIFTY", b.nearest_expiry("NIFTY"), with_quotes="yes"),
])
async def test_garbage_into_the_remaining_entry_points(broker: AsyncTTConnect, call: Callable[[AsyncTTConnect],
                                                                                              Awaitable[Any]]) -> None:
    with pytest.raises(TTConnectError):
        await call(broker)


async def test_stream_with_garbage_is_an_invalid_subscription_error(broker: AsyncTTConnect) -> None:
    async def first_tick() -> None:
        async for _tick in broker.stream(42):  # type: ignore[arg-type]
            break

    with pytest.raises(InvalidSubscriptionError):
        await first_tick()
    with pytest.raises(InvalidOrderError):
        broker.tick_size({"symbol": "RELIANCE"})  # type: ignore[arg-type]
