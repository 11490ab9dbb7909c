"""Orders on the Kite emulator: what Kite refuses at once and what it accepts and rejects afterwards, in its words;
modify and cancel from a client that did not place the order; what the core refuses before sending anything."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from kite_clients import client
from tt_connect.enums import Exchange, OrderStatus, OrderType, ProductType, RejectionReason, Side, Validity, Variety
from tt_connect.errors import InvalidOrderError, OrderRejectedError, OrderStatusUnknownError
from tt_connect.instruments import Equity, Future
from tt_connect.models import OrderUpdate
from tt_connect.testing import eventually
from tt_connect.timeutil import IST
from tt_connect_zerodha.emulator import KiteEmulator


def infy() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="INFY")


def itc() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="ITC")


@pytest.fixture
def emulator() -> Iterator[KiteEmulator]:
    """Kite without its rate windows: two clients quoting within a second would wait out a 429 (tested below)."""
    with KiteEmulator(tick_interval=0.05, enforce_rate_limits=False) as running:
        yield running


async def _resting_buy(broker: Any, **options: Any) -> str:
    """Place an infy() limit buy 5 % under the market (inside the price band), so it rests in the book."""
    last = (await broker.ltp(infy()))[infy()]
    order_id: str = await broker.place_order(instrument=infy(), side=Side.BUY, product=ProductType.CNC,
                                             order_type=OrderType.LIMIT, price=round(last * 0.95, 1), **options)
    return order_id


async def _refused(broker: Any, reason: RejectionReason, **order: Any) -> OrderRejectedError:
    with pytest.raises(OrderRejectedError) as caught:
        await broker.place_order(**order)
    assert caught.value.reason is reason, caught.value
    return caught.value


# -- Kite's pre-trade checks: an error reply, no order in the book ------------------------------------


async def test_a_price_beyond_the_circuit_limits_is_refused_with_kites_text(emulator: KiteEmulator) -> None:
    async with client(emulator) as broker:
        last = (await broker.ltp(infy()))[infy()]
        refusal = await _refused(broker, RejectionReason.PRICE_OUTSIDE_BAND, instrument=infy(), qty=1, side=Side.BUY,
                                 product=ProductType.CNC, order_type=OrderType.LIMIT, price=round(last * 0.5, 1))
    assert refusal.code == "InputException" and "lower circuit limit" in refusal.message
    assert not emulator.engine.orders, "Kite refuses it before the order book"


async def test_a_quantity_above_the_freeze_limit_is_refused_by_kite_and_before_sending(
        emulator: KiteEmulator) -> None:
    """Kite's own pre-trade check answers a raw order above the freeze limit; the core never sends one."""
    async with client(emulator) as broker:
        future: Future = broker.futures("NIFTY")[0]
        lot = broker.lot_size(future)
        served = emulator.requests_served
        with pytest.raises(InvalidOrderError, match="freeze quantity"):
            await broker.place_order(instrument=future, qty=(1800 // lot + 1) * lot, side=Side.BUY,
                                     product=ProductType.NRML, order_type=OrderType.MARKET)
        assert emulator.requests_served == served
    status, body = await _raw_order(emulator, tradingsymbol=_kite_future(emulator, "NIFTY"), exchange="NFO",
                                    quantity=str((1800 // lot + 1) * lot), product="NRML")
    assert (status, body["error_type"]) == (400, "InputException")
    assert "freeze quantity of 1800" in body["message"]


async def test_place_sliced_uses_kites_autoslice_and_every_child_is_within_the_freeze_limit(
        emulator: KiteEmulator) -> None:
    async with client(emulator) as broker:
        expiry = broker.nearest_expiry("NIFTY")
        calls = [row.call for row in (await broker.option_chain("NIFTY", expiry)).rows if row.call is not None]
        call = max(calls, key=lambda option: option.strike)  # far out of the money: the account pays for it
        lot = broker.lot_size(call)
        sliced = await broker.place_sliced(call, qty=(1800 // lot + 1) * lot, side=Side.BUY, product=ProductType.NRML,
                                           order_type=OrderType.MARKET)
        children = [await broker.order(order_id) for order_id in sliced.order_ids]
    assert sliced.native and [c.qty for c in children] == [1800 // lot * lot, lot]
    assert all(c.instrument == call and c.status is OrderStatus.COMPLETE for c in children)
    tags = [c.raw["tags"] for c in children]
    assert all("autoslice" in t and any(x.startswith("autoslice:") for x in t) for t in tags)


async def _raw_order(emulator: KiteEmulator, **fields: str) -> tuple[int, Any]:
    headers = {"X-Kite-Version": "3", "Authorization": f"token {emulator.api_key}:{emulator.access_token}"}
    form = {"transaction_type": "BUY", "order_type": "MARKET", **fields}
    async with aiohttp.ClientSession() as http, \
            http.post(f"{emulator.base_url}/orders/regular", data=form, headers=headers) as reply:
        return reply.status, await reply.json()


def _kite_future(emulator: KiteEmulator, underlying: str) -> str:
    """The tradingsymbol of the nearest future of ``underlying`` in the emulator's listing."""
    rows = sorted((r for r in emulator.engine.rows.values() if r.kind == "FUT" and r.underlying == underlying),
                  key=lambda r: r.expiry or _dt.date.max)
    return emulator.listing.tradingsymbol[rows[0].token]


async def test_a_stop_loss_trigger_on_the_wrong_side_of_the_market_is_refused(emulator: KiteEmulator) -> None:
    async with client(emulator) as broker:
        last = (await broker.ltp(infy()))[infy()]
        refusal = await _refused(broker, RejectionReason.INVALID_PRICE, instrument=infy(), qty=1, side=Side.BUY,
                                 product=ProductType.CNC, order_type=OrderType.SL_M,
                                 trigger_price=round(last * 0.97, 1))
    assert "stoploss buy orders should be higher" in refusal.message


async def test_selling_shares_not_held_is_a_holding_exception(emulator: KiteEmulator) -> None:
    async with client(emulator) as broker:
        refusal = await _refused(broker, RejectionReason.INSUFFICIENT_FUNDS, instrument=itc(), qty=5,
                                 side=Side.SELL, product=ProductType.CNC, order_type=OrderType.MARKET)
    assert refusal.code == "HoldingException"


async def test_a_closed_market_refuses_regular_orders_and_keeps_an_amo_for_the_open(emulator: KiteEmulator) -> None:
    async with client(emulator) as broker:
        emulator.faults.close_market()
        try:
            refusal = await _refused(broker, RejectionReason.MARKET_CLOSED, instrument=infy(), qty=1, side=Side.BUY,
                                     product=ProductType.CNC, order_type=OrderType.MARKET)
            assert refusal.message.startswith("Markets are closed right now")
            amo = await broker.place_order(instrument=infy(), qty=1, side=Side.BUY, product=ProductType.CNC,
                                           order_type=OrderType.MARKET, variety=Variety.AMO)
            waiting = await broker.order(amo)
            assert waiting.status is OrderStatus.PENDING and waiting.raw["status"] == "AMO REQ RECEIVED"
        finally:
            emulator.faults.open_market()
        opened = await eventually(lambda: _final(broker, amo), timeout=10, what="the AMO to fill at the open")
    assert opened.status is OrderStatus.COMPLETE and opened.variety is Variety.AMO


async def _final(broker: Any, order_id: str) -> Any:
    order = await broker.order(order_id)
    return order if order.status.is_terminal else None


# -- what Kite accepts and rejects afterwards -------------------------------------------------------


async def test_an_order_beyond_the_funds_is_accepted_then_rejected_with_kites_text(emulator: KiteEmulator) -> None:
    updates: list[OrderUpdate] = []
    async with client(emulator) as broker:
        subscription = await broker.subscribe([], on_order_update=updates.append)
        try:
            order_id = await broker.place_order(instrument=infy(), qty=100_000, side=Side.BUY, product=ProductType.CNC,
                                                order_type=OrderType.MARKET)
            rejected = await broker.order(order_id)
            await eventually(lambda: any(u.order.order_id == order_id for u in updates), timeout=10,
                             what="the rejection on the stream")
        finally:
            await subscription.unsubscribe()
    assert rejected.status is OrderStatus.REJECTED and rejected.rejection_reason is RejectionReason.INSUFFICIENT_FUNDS
    assert rejected.status_message.startswith("Insufficient funds. Required margin is ")
    assert "but available margin is" in rejected.status_message  # the official mock's wording (orders.json)
    update = next(u for u in updates if u.order.order_id == order_id)
    assert update.order.status_message == rejected.status_message
    assert update.order.rejection_reason is RejectionReason.INSUFFICIENT_FUNDS


# -- modify and cancel -----------------------------------------------------------------------------


async def test_a_fresh_client_modifies_and_cancels_an_order_another_client_placed(emulator: KiteEmulator) -> None:
    """The second client is told neither the variety nor anything else: the core reads the order first."""
    async with client(emulator) as first:
        iceberg = await _resting_buy(first, qty=10, variety=Variety.ICEBERG, iceberg_legs=2)
    async with client(emulator) as second:
        last = (await second.ltp(infy()))[infy()]
        assert await second.modify_order(iceberg, price=round(last * 0.94, 1)) == iceberg
        assert await second.cancel_order(iceberg) == iceberg
        cancelled = await second.order(iceberg)
    assert cancelled.status is OrderStatus.CANCELLED and cancelled.variety is Variety.ICEBERG
    assert cancelled.price == pytest.approx(round(last * 0.94, 1))


async def test_kite_addresses_an_order_by_its_variety(emulator: KiteEmulator) -> None:
    async with client(emulator) as broker:
        iceberg = await _resting_buy(broker, qty=10, variety=Variety.ICEBERG, iceberg_legs=2)
    headers = {"X-Kite-Version": "3", "Authorization": f"token {emulator.api_key}:{emulator.access_token}"}
    async with aiohttp.ClientSession() as http, \
            http.delete(f"{emulator.base_url}/orders/regular/{iceberg}", headers=headers) as reply:
        body = await reply.json()
    assert reply.status == 400 and body["error_type"] == "InputException"
    assert emulator.engine.orders[iceberg].status == "OPEN"


async def test_an_iceberg_ttl_order_reads_back_as_it_was_sent(emulator: KiteEmulator) -> None:
    async with client(emulator) as broker:
        order_id = await _resting_buy(broker, qty=10, validity=Validity.TTL, validity_ttl=3,
                                      variety=Variety.ICEBERG, iceberg_legs=2, tag="ice")
        order = await broker.order(order_id)
        await broker.cancel_order(order_id, variety=Variety.ICEBERG)
    assert (order.variety, order.validity, order.qty) == (Variety.ICEBERG, Validity.TTL, 10)
    assert order.raw is not None and order.raw["validity_ttl"] == 3 and order.raw["tags"] == [order.tag]
    assert order.tag.startswith("ice")


async def test_market_protection_alone_can_be_modified(emulator: KiteEmulator) -> None:
    async with client(emulator) as broker:
        order_id = await _resting_buy(broker, qty=1, market_protection=2)
        before = await broker.order(order_id)
        assert await broker.modify_order(order_id, market_protection=-1) == order_id
        after = await broker.order(order_id)
        await broker.cancel_order(order_id)
    assert before.raw is not None and before.raw["market_protection"] == 2
    assert after.raw is not None and after.raw["market_protection"] == -1
    assert (after.qty, after.price) == (before.qty, before.price)


# -- what never reaches Kite -----------------------------------------------------------------------


async def test_the_core_refuses_incomplete_orders_before_anything_reaches_kite(emulator: KiteEmulator) -> None:
    mistakes: list[dict[str, Any]] = [
        {"order_type": OrderType.LIMIT},  # no price
        {"order_type": OrderType.MARKET, "validity": Validity.TTL},  # no TTL minutes
        {"order_type": OrderType.MARKET, "variety": Variety.ICEBERG},  # no legs
        {"order_type": OrderType.MARKET, "variety": Variety.CO, "product": ProductType.MIS},  # no stop-loss
        {"order_type": OrderType.MARKET, "tag": "a" * 13},  # no room for tt-connect's unique suffix in 20
    ]
    async with client(emulator) as broker:
        served = emulator.requests_served
        for mistake in mistakes:
            with pytest.raises(InvalidOrderError):
                await broker.place_order(**{"instrument": infy(), "qty": 1, "side": Side.BUY,
                                            "product": ProductType.CNC, **mistake})
        assert emulator.requests_served == served and not emulator.engine.orders


# -- faults and limits ------------------------------------------------------------------------------


async def test_a_dropped_order_reply_is_recovered_by_tag_without_a_second_order(emulator: KiteEmulator) -> None:
    async with client(emulator) as broker:
        before = len(emulator.engine.orders)
        emulator.faults.drop_next_order_response()
        try:
            order_id = await broker.place_order(instrument=itc(), qty=1, side=Side.BUY, product=ProductType.CNC,
                                                order_type=OrderType.MARKET)
        except OrderStatusUnknownError:  # allowed by the contract, but the emulator lists the order: not expected
            pytest.fail("the order is in the book under our tag; the client should have found it")
        assert not emulator.faults.take_drop(), "the fault was not exercised"
        assert len(emulator.engine.orders) == before + 1
        assert emulator.engine.orders[order_id].tag


async def test_injected_5xx_on_a_read_is_retried(emulator: KiteEmulator) -> None:
    async with client(emulator) as broker:
        served = emulator.requests_served
        emulator.faults.fail_next(503, count=2)
        assert (await broker.funds()).equity.available_margin > 0
        assert emulator.requests_served - served >= 3
        assert emulator.faults.take_failure() is None


async def test_an_order_refused_with_429_is_sent_again_after_kites_retry_after() -> None:
    """Another program on the same api key just sent this second's ten orders; Kite's 429 acted on nothing."""
    import asyncio

    form = {"exchange": "NSE", "tradingsymbol": "INFY", "transaction_type": "BUY", "quantity": "1",
            "product": "CNC", "order_type": "MARKET"}
    with KiteEmulator(tick_interval=0.05) as emulator:
        headers = {"X-Kite-Version": "3", "Authorization": f"token {emulator.api_key}:{emulator.access_token}"}
        async with client(emulator) as broker:
            async with aiohttp.ClientSession() as http:
                async def place() -> int:
                    async with http.post(f"{emulator.base_url}/orders/regular", data=form,
                                         headers=headers) as reply:
                        return reply.status

                statuses = await asyncio.gather(*(place() for _ in range(10)))
            order_id = await broker.place_order(instrument=infy(), qty=1, side=Side.BUY, product=ProductType.CNC,
                                                order_type=OrderType.MARKET)
        assert statuses == [200] * 10 and emulator.rate_limited >= 1
        assert len(emulator.engine.orders) == 11 and emulator.engine.orders[order_id].status == "COMPLETE"


async def test_a_history_longer_than_kites_range_arrives_in_one_piece(emulator: KiteEmulator) -> None:
    """130 days of 5-minute candles: Kite serves 100 days per request; the core splits and merges."""
    from tt_connect.enums import CandleInterval

    async with client(emulator) as broker:
        end = _dt.datetime.now(IST).replace(hour=15, minute=30, second=0, microsecond=0) - _dt.timedelta(days=1)
        start = end - _dt.timedelta(days=130)
        candles = await broker.history(infy(), CandleInterval.MINUTE_5, start, end)
    stamps = [c.timestamp for c in candles]
    assert stamps == sorted(set(stamps)), "ordered, and no candle twice where the parts meet"
    assert stamps[0] - start < _dt.timedelta(days=5) and end - stamps[-1] < _dt.timedelta(days=5)
    days = {s.date() for s in stamps}
    boundary = (start + _dt.timedelta(days=100)).date()
    assert any(d < boundary for d in days) and any(d > boundary for d in days), "both parts arrived"
