"""The public client on the SmartAPI emulator: what a strategy sees of issue 13's AngelOne defects, now fixed.

The translator keeps no state, so a client that did not place an order can modify and cancel it;
cancelling twice is ``OrderNotOpenError``; an order too big for the account turns REJECTED with a canonical reason;
what SmartAPI cannot take is refused by the core before anything is sent. (An unknown order id on
every path is the conformance suite's cross-broker tier.)
"""

from __future__ import annotations

import asyncio
import datetime as _dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.enums import (
    CandleInterval,
    OrderStatus,
    OrderType,
    ProductType,
    RejectionReason,
    Side,
    Validity,
    Variety,
)
from tt_connect.errors import InvalidOrderError, OrderNotOpenError, UnsupportedOperationError
from tt_connect.instruments import Equity, Exchange
from tt_connect.models import GttLeg
from tt_connect.testing import eventually
from tt_connect_angelone.emulator import SmartApiEmulator

RELIANCE = "NSE:RELIANCE"


@pytest.fixture(scope="module")
def emulator() -> Iterator[SmartApiEmulator]:
    with SmartApiEmulator(tick_interval=0.05) as running:
        yield running


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One 0600 session file for the module's clients, as a restarted bot finds its session: SmartAPI (and
    the emulator) meter logins at one a second."""
    return tmp_path_factory.mktemp("angelone-sessions")


def _client(emulator: SmartApiEmulator, sessions: Path | None = None) -> AsyncTTConnect:
    store: dict[str, Any] = {"session_store": "memory"} if sessions is None else {
        "session_store": "file", "session_path": str(sessions)}
    return AsyncTTConnect("angelone", emulator.driver_config(), instruments_db=":memory:", **store)


@pytest.fixture
async def broker(emulator: SmartApiEmulator, sessions: Path) -> AsyncIterator[AsyncTTConnect]:
    async with _client(emulator, sessions) as client:
        yield client


async def _resting_buy(broker: AsyncTTConnect, qty: int = 2) -> tuple[str, float]:
    """A LIMIT buy 5 % under the market: it rests, open, until changed."""
    stock = Equity(exchange=Exchange.NSE, symbol="RELIANCE")
    last = (await broker.ltp(stock))[stock]
    price = round(round(last * 0.95 / 0.05) * 0.05, 2)
    order_id = await broker.place_order(instrument=stock, qty=qty, side=Side.BUY, product=ProductType.CNC,
                                        order_type=OrderType.LIMIT, price=price)
    return order_id, price


async def test_a_fresh_client_modifies_and_cancels_an_order_another_client_placed(
        emulator: SmartApiEmulator, broker: AsyncTTConnect, sessions: Path) -> None:
    order_id, price = await _resting_buy(broker)
    async with _client(emulator, sessions) as fresh:  # a new process: it has seen no order
        lower = round(price - 1.0, 2)
        await fresh.modify_order(order_id, qty=3, price=lower, validity=Validity.DAY)
        changed = emulator.call(lambda: emulator.engine.orders[order_id])
        assert (changed.qty, changed.price, changed.status) == (3, lower, "OPEN")
        await fresh.cancel_order(order_id)
        assert (await fresh.order(order_id)).status is OrderStatus.CANCELLED
    assert (await broker.order(order_id)).status is OrderStatus.CANCELLED, "the placing client sees it too"


async def test_cancelling_twice_is_order_not_open(broker: AsyncTTConnect) -> None:
    order_id, _ = await _resting_buy(broker)
    await broker.cancel_order(order_id)
    with pytest.raises(OrderNotOpenError, match="already cancelled"):
        await broker.cancel_order(order_id)
    with pytest.raises(OrderNotOpenError, match="cannot be modified"):
        await broker.modify_order(order_id, qty=5)


async def test_an_order_beyond_the_funds_turns_rejected_with_its_reason(broker: AsyncTTConnect) -> None:
    order_id = await broker.place_order(instrument=RELIANCE, qty=100_000, side=Side.BUY, product=ProductType.CNC,
                                        order_type=OrderType.MARKET)

    async def rejected() -> Any:
        order = await broker.order(order_id)
        return order if order.status.is_terminal else None

    order = await eventually(rejected, timeout=10, what="the order to end")
    assert order.status is OrderStatus.REJECTED
    assert order.rejection_reason is RejectionReason.INSUFFICIENT_FUNDS
    assert "Insufficient Funds" in order.status_message
    listed = {o.order_id: o for o in await broker.orders()}
    assert listed[order_id].rejection_reason is RejectionReason.INSUFFICIENT_FUNDS, "the book's copy too"


@pytest.mark.parametrize(("order", "error"), [
    ({"order_type": OrderType.LIMIT}, InvalidOrderError),
    ({"order_type": OrderType.SL, "price": 2900.0}, InvalidOrderError),
    ({"validity": Validity.TTL, "validity_ttl": 5}, UnsupportedOperationError),
    ({"variety": Variety.ICEBERG, "iceberg_legs": 2}, UnsupportedOperationError),
    ({"variety": Variety.CO, "trigger_price": 2800.0}, UnsupportedOperationError),
    ({"product": ProductType.NRML}, UnsupportedOperationError),
    ({"product": ProductType.MTF}, UnsupportedOperationError),
    ({"tag": "x" * 13}, InvalidOrderError),
])
async def test_what_smartapi_cannot_take_is_refused_by_the_core_before_sending(
        emulator: SmartApiEmulator, broker: AsyncTTConnect, order: dict[str, Any], error: type[Exception]) -> None:
    placed = emulator.call(lambda: len(emulator.engine.orders))
    arguments: dict[str, Any] = {"instrument": RELIANCE, "qty": 1, "side": Side.BUY, "product": ProductType.CNC,
                                 "order_type": OrderType.MARKET, **order}
    with pytest.raises(error):
        await broker.place_order(**arguments)
    assert emulator.call(lambda: len(emulator.engine.orders)) == placed, "nothing reached SmartAPI"


@pytest.mark.parametrize(("legs", "message"), [
    ([GttLeg(trigger_price=2000.0, side=Side.SELL, qty=1, product=ProductType.CNC, price=2000.0),
      GttLeg(trigger_price=3500.0, side=Side.SELL, qty=1, product=ProductType.CNC, price=3500.0)], "OCO"),
    ([GttLeg(trigger_price=2000.0, side=Side.BUY, qty=1, product=ProductType.CNC, order_type=OrderType.MARKET)],
     "MARKET"),
])
async def test_a_gtt_smartapi_cannot_hold_is_refused_before_sending(
        emulator: SmartApiEmulator, broker: AsyncTTConnect, legs: list[GttLeg], message: str) -> None:
    with pytest.raises(UnsupportedOperationError, match=message):
        await broker.place_gtt(RELIANCE, legs, last_price=2905.0)
    assert emulator.call(lambda: len(emulator.engine.triggers.gtts)) == 0


async def test_a_long_range_of_minute_candles_is_split_by_the_core_into_ranges_smartapi_serves(
        emulator: SmartApiEmulator, broker: AsyncTTConnect) -> None:
    end = emulator.clock.now().replace(hour=15, minute=0, second=0, microsecond=0) - _dt.timedelta(days=1)
    served = emulator.requests_served
    candles = await broker.history(RELIANCE, CandleInterval.MINUTE_1, end - _dt.timedelta(days=75), end)
    assert emulator.requests_served - served == 3, "75 days of one-minute candles: three 30-day requests"
    stamps = [c.timestamp for c in candles]
    assert stamps == sorted(set(stamps)) and stamps, "merged in order, the boundary candles kept once"


async def test_two_bots_of_one_account_starting_together_both_run(emulator: SmartApiEmulator) -> None:
    """SmartAPI answers the second login within its 1/s window with a 429: that bot waits and logs in."""
    logins, refused = emulator.login.logins, emulator.rate_limited
    first, second = _client(emulator), _client(emulator)
    try:
        await asyncio.gather(first.connect(), second.connect())
        profiles = await asyncio.gather(first.profile(), second.profile())
    finally:
        await asyncio.gather(first.close(), second.close())
    assert [p.user_id for p in profiles] == [emulator.client_code] * 2
    assert emulator.login.logins == logins + 2 and emulator.rate_limited > refused
