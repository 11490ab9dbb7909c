"""GTT triggers, the margin calculator and position conversion through the public API, on paper."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tt_connect import AsyncTTConnect, Equity, Exchange, GttLeg, OrderRequest, OrderType, ProductType, Side
from tt_connect.enums import GttStatus, GttType, OrderStatus
from tt_connect.errors import InvalidOrderError, OrderRejectedError
from tt_connect.testing import eventually


@pytest.fixture
async def broker() -> AsyncIterator[AsyncTTConnect]:
    async with AsyncTTConnect("paper", {"tick_interval": 0.02}, instruments_db=":memory:") as client:
        yield client


def reliance() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="RELIANCE")


def grid(price: float) -> float:
    return round(round(price / 0.05) * 0.05, 2)


async def test_a_gtt_just_above_the_market_fires_its_order_when_crossed(broker: AsyncTTConnect) -> None:
    last = (await broker.ltp(reliance()))[reliance()]
    trigger = grid(last + 0.05)
    leg = GttLeg(trigger_price=trigger, side=Side.BUY, qty=1, product=ProductType.CNC,
                 order_type=OrderType.MARKET)
    gtt_id = await broker.place_gtt(reliance(), leg, last_price=last)

    async def fired() -> bool:
        return (await broker.gtt(gtt_id)).status is GttStatus.TRIGGERED

    # The paper price is a random walk: one tick above the reference is crossed within seconds
    # almost surely; if the walk drifts down first, a second GTT below catches the other way.
    below = await broker.place_gtt(reliance(), GttLeg(trigger_price=grid(last - 0.05), side=Side.BUY, qty=1,
                                                       product=ProductType.CNC, order_type=OrderType.MARKET),
                                   last_price=last)

    async def either() -> bool:
        return await fired() or (await broker.gtt(below)).status is GttStatus.TRIGGERED

    await eventually(either, timeout=30, what="one of the two GTTs to trigger")
    fired_orders = [o for o in await broker.orders() if o.tag.startswith("gtt")]
    assert fired_orders and all(o.status is OrderStatus.COMPLETE for o in fired_orders)
    assert all(o.instrument == reliance() and o.side is Side.BUY for o in fired_orders)


async def test_an_oco_keeps_its_legs_sorted_and_is_listed_as_oco(broker: AsyncTTConnect) -> None:
    last = (await broker.ltp(reliance()))[reliance()]
    target = GttLeg(trigger_price=grid(last * 1.1), side=Side.SELL, qty=1, product=ProductType.CNC,
                    price=grid(last * 1.1))
    stop = GttLeg(trigger_price=grid(last * 0.9), side=Side.SELL, qty=1, product=ProductType.CNC,
                  price=grid(last * 0.9))
    gtt_id = await broker.place_gtt(reliance(), [target, stop])  # the last price is read by the client
    gtt = await broker.gtt(gtt_id)
    assert gtt.type is GttType.OCO and gtt.legs == (stop, target)
    assert [g.gtt_id for g in await broker.gtts()] == [gtt_id]


@pytest.mark.parametrize(("legs", "message"), [
    ([], "one leg"),
    ([GttLeg(trigger_price=100.0, side=Side.BUY, qty=1, product=ProductType.CNC)], "needs a price"),
    ([GttLeg(trigger_price=100.0, side=Side.BUY, qty=0, product=ProductType.CNC, price=100.0)], "qty"),
    ([GttLeg(trigger_price=100.0, side=Side.BUY, qty=1, product=ProductType.CNC, order_type=OrderType.SL,
             price=100.0)], "LIMIT or MARKET"),
    ([GttLeg(trigger_price=3000.0, side=Side.SELL, qty=1, product=ProductType.CNC, price=3000.0),
      GttLeg(trigger_price=3100.0, side=Side.SELL, qty=1, product=ProductType.CNC, price=3100.0)], "below and one"),
    ([GttLeg(trigger_price=2000.0, side=Side.SELL, qty=1, product=ProductType.CNC, price=2000.0),
      GttLeg(trigger_price=3100.0, side=Side.BUY, qty=1, product=ProductType.CNC, price=3100.0)], "same side"),
    ([GttLeg(trigger_price=2905.0, side=Side.BUY, qty=1, product=ProductType.CNC, price=2905.0)], "at once"),
    ([GttLeg(trigger_price=2000.01, side=Side.BUY, qty=1, product=ProductType.CNC, price=2000.0)], "tick size"),
])
async def test_gtts_that_could_never_work_are_refused_before_sending(
        broker: AsyncTTConnect, legs: list[GttLeg], message: str) -> None:
    with pytest.raises(InvalidOrderError, match=message):
        await broker.place_gtt(reliance(), legs, last_price=2905.0)
    assert await broker.gtts() == []


async def test_margins_match_what_the_order_then_blocks(broker: AsyncTTConnect) -> None:
    order = OrderRequest(instrument=reliance(), qty=10, side=Side.BUY, product=ProductType.MIS,
                         order_type=OrderType.MARKET)
    (margin,) = await broker.order_margins(order)
    assert margin.var == margin.total > 0 and margin.charges > 0
    before = (await broker.funds()).equity.used_margin
    await broker.place_order(instrument=reliance(), qty=10, side=Side.BUY, product=ProductType.MIS,
                             order_type=OrderType.MARKET)
    blocked = (await broker.funds()).equity.used_margin - before
    assert blocked == pytest.approx(margin.total, rel=0.01)


async def test_a_hedged_basket_needs_less_than_its_parts(broker: AsyncTTConnect) -> None:
    buy = OrderRequest(instrument=reliance(), qty=10, side=Side.BUY, product=ProductType.MIS,
                       order_type=OrderType.MARKET)
    sell = OrderRequest(instrument=reliance(), qty=10, side=Side.SELL, product=ProductType.MIS,
                        order_type=OrderType.MARKET)
    basket = await broker.basket_margin([buy, sell])
    assert basket.final.total < basket.initial.total
    assert basket.initial.total == pytest.approx(sum(m.total for m in basket.orders), abs=0.05)


async def test_converting_intraday_to_delivery_moves_the_position_and_the_cash(broker: AsyncTTConnect) -> None:
    await broker.place_order(instrument=reliance(), qty=4, side=Side.BUY, product=ProductType.MIS,
                             order_type=OrderType.MARKET)
    cash = (await broker.funds()).equity.available_cash
    assert await broker.convert_position(reliance(), Side.BUY, 4, ProductType.MIS, ProductType.CNC)
    positions = {p.product: p for p in await broker.positions() if p.instrument == reliance()}
    assert positions[ProductType.CNC].quantity == 4 and positions[ProductType.MIS].quantity == 0
    assert (await broker.funds()).equity.available_cash < cash  # delivery pays for the shares
    with pytest.raises(OrderRejectedError, match="no buy position"):
        await broker.convert_position(reliance(), Side.BUY, 1, ProductType.MIS, ProductType.CNC)
    with pytest.raises(InvalidOrderError, match="already"):
        await broker.convert_position(reliance(), Side.BUY, 1, ProductType.CNC, ProductType.CNC)


@pytest.mark.parametrize("call", [
    lambda b: b.order_margins([]),
    lambda b: b.order_margins(["RELIANCE"]),
    lambda b: b.order_margins(None),
    lambda b: b.basket_margin([{"instrument": "NSE:RELIANCE"}]),
    lambda b: b.order_margins(OrderRequest(instrument=reliance(), qty=3, side=Side.BUY, product=ProductType.CNC,
                                           order_type=OrderType.LIMIT, price=2905.01)),
    lambda b: b.convert_position("RELIANCE", Side.BUY, 1, ProductType.MIS, ProductType.CNC),
    lambda b: b.convert_position(reliance(), "UP", 1, ProductType.MIS, ProductType.CNC),
    lambda b: b.convert_position(reliance(), Side.BUY, 0, ProductType.MIS, ProductType.CNC),
    lambda b: b.convert_position(reliance(), Side.BUY, 1, "INTRADAY", ProductType.CNC),
    lambda b: b.place_gtt(42, GttLeg(trigger_price=1.0, side=Side.BUY, qty=1,
                                     product=ProductType.CNC, price=1.0), last_price=2.0),
    lambda b: b.place_gtt(reliance(), "a leg", last_price=2905.0),
    lambda b: b.gtt(""),
    lambda b: b.cancel_gtt(None),
])
async def test_garbage_into_gtt_margin_and_conversion_calls_is_an_invalid_order_error(
        broker: AsyncTTConnect, call: object) -> None:
    assert callable(call)
    with pytest.raises(InvalidOrderError):
        await call(broker)
