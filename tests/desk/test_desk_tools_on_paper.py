"""Sliced orders, baskets, target positions and bulk cancel/close on the paper broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.desk.tools import slice_quantities
from tt_connect.enums import Exchange, OptionType, OrderStatus, OrderType, ProductType, Side
from tt_connect.errors import InsufficientFundsError, InvalidOrderError, UnsupportedOperationError
from tt_connect.instruments import Equity
from tt_connect.models import OrderRequest


@pytest.fixture
async def broker() -> AsyncIterator[AsyncTTConnect]:
    async with AsyncTTConnect("paper", {"tick_interval": 0.05}, instruments_db=":memory:", journal="off") as client:
        yield client


def reliance() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="RELIANCE")


@pytest.mark.parametrize(("qty", "lot", "freeze", "children"), [
    (3000, 75, 1800, [1800, 1200]), (1800, 75, 1800, [1800]), (5400, 75, 1800, [1800, 1800, 1800]),
    (990, 30, 900, [900, 90]), (3900, 65, 1800, [1755, 1755, 390]),
])
def test_slices_are_whole_lots_within_the_freeze_quantity(qty: int, lot: int, freeze: int,
                                                          children: list[int]) -> None:
    assert slice_quantities(qty, lot, freeze) == children
    assert all(c % lot == 0 and c <= freeze for c in children) and sum(children) == qty


async def test_a_3000_unit_nifty_order_becomes_legal_children_each_placed_once(broker: AsyncTTConnect) -> None:
    option = await broker.option("NIFTY", "weekly", offset=0, option_type=OptionType.CE)
    lot = broker.lot_size(option)
    qty = (3000 // lot) * lot
    with pytest.raises(InvalidOrderError, match="freeze quantity 1800"):
        await broker.place_order(option, qty, Side.BUY, ProductType.NRML, OrderType.MARKET)
    sliced = await broker.place_sliced(option, qty, Side.BUY, ProductType.NRML, OrderType.MARKET, tag="big")
    assert sliced.complete and not sliced.native
    assert sum(c.qty for c in sliced.children) == qty and all(c.qty <= 1800 for c in sliced.children)
    orders = {o.order_id: o for o in await broker.orders()}
    assert len(set(sliced.order_ids)) == len(sliced.children)
    assert all(orders[i].qty == c.qty and orders[i].tag.startswith("big") for i, c in zip(sliced.order_ids,
                                                                                            sliced.children))
    assert len({orders[i].tag for i in sliced.order_ids}) == len(sliced.order_ids), "each child its own tag"


async def test_a_basket_places_hedges_first_and_reports_every_leg(broker: AsyncTTConnect) -> None:
    expiry = broker.expiry("NIFTY", "weekly")
    short = await broker.option("NIFTY", expiry, offset=1, option_type="CE")
    hedge = await broker.option("NIFTY", expiry, offset=4, option_type="CE")
    lot = broker.lot_size(short)
    legs = [OrderRequest(instrument=short, qty=lot, side=Side.SELL, product=ProductType.NRML,
                         order_type=OrderType.MARKET),
            OrderRequest(instrument=hedge, qty=lot, side=Side.BUY, product=ProductType.NRML,
                         order_type=OrderType.MARKET)]
    result = await broker.place_basket(legs)
    assert result.complete and result.margin is not None
    assert [leg.request.side for leg in result.legs] == [Side.BUY, Side.SELL], "the hedge went first"
    for leg in result.legs:
        assert leg.order_id is not None and (await broker.order(leg.order_id)).status is OrderStatus.COMPLETE


async def test_a_basket_whose_third_leg_is_refused_stops_and_unwinds_the_filled_legs(broker: AsyncTTConnect) -> None:
    equity = reliance()
    legs = [OrderRequest(instrument=equity, qty=2, side=Side.BUY, product=ProductType.MIS, order_type=OrderType.MARKET),
            OrderRequest(instrument=Equity(exchange=Exchange.NSE, symbol="TCS"), qty=1, side=Side.BUY,
                         product=ProductType.MIS, order_type=OrderType.MARKET),
            # a delivery sale of a stock the account does not hold: the broker refuses it
            OrderRequest(instrument=Equity(exchange=Exchange.NSE, symbol="SBIN"), qty=1, side=Side.SELL,
                         product=ProductType.CNC, order_type=OrderType.MARKET),
            OrderRequest(instrument=equity, qty=1, side=Side.BUY, product=ProductType.MIS, order_type=OrderType.MARKET)]
    result = await broker.place_basket(legs, hedges_first=False, unwind_on_failure=True)
    assert not result.complete
    first, second, third, fourth = result.legs
    assert first.order_id and second.order_id and third.order_id is None and third.error
    assert fourth.order_id is None and fourth.error and "not sent" in fourth.error
    assert first.unwound_by and second.unwound_by
    net = {p.instrument: p.quantity for p in await broker.positions() if p.product is ProductType.MIS}
    assert net.get(equity, 0) == 0 and net.get(Equity(exchange=Exchange.NSE, symbol="TCS"), 0) == 0
    placed = [o for o in await broker.orders() if o.status is OrderStatus.COMPLETE]
    assert len(placed) == 4, "two legs and their two reversals, nothing twice"


async def test_a_basket_beyond_the_margin_sends_nothing(broker: AsyncTTConnect) -> None:
    before = len(await broker.orders())
    huge = OrderRequest(instrument=reliance(), qty=100_000, side=Side.BUY, product=ProductType.CNC,
                        order_type=OrderType.MARKET)
    with pytest.raises(InsufficientFundsError, match="nothing was sent"):
        await broker.place_basket([huge])
    assert len(await broker.orders()) == before


async def test_set_position_sends_only_the_difference_or_nothing(broker: AsyncTTConnect) -> None:
    first = await broker.set_position("NSE:RELIANCE", 5, "MIS")
    assert len(first) == 1
    assert await broker.set_position(reliance(), 5, ProductType.MIS) == []
    (down,) = await broker.set_position(reliance(), -2, ProductType.MIS)
    order = await broker.order(down)
    assert order.side is Side.SELL and order.qty == 7
    net = sum(p.quantity for p in await broker.positions() if p.instrument == reliance() and
              p.product is ProductType.MIS)
    assert net == -2
    with pytest.raises(InvalidOrderError):
        await broker.set_position(reliance(), 2.5, "MIS")  # type: ignore[arg-type]


async def test_cancel_all_and_close_all_report_what_they_did(broker: AsyncTTConnect) -> None:
    last = (await broker.ltp(reliance()))[reliance()]
    tick = broker.tick_size(reliance())
    resting = [await broker.place_order(reliance(), 1, "BUY", "MIS", "LIMIT", price=round(last * 0.9 / tick) * tick)
               for _ in range(3)]
    await broker.place_order("NSE:TCS", 2, "BUY", "MIS", "MARKET")
    assert {o.order_id for o in await broker.open_orders(product="MIS")} >= set(resting)
    cancelled = await broker.cancel_all(exchange="NSE")
    assert {item.subject for item in cancelled.done} >= set(resting) and not cancelled.failed
    assert await broker.open_orders() == []
    closed = await broker.close_all(product="MIS")
    assert closed.done and not closed.failed
    assert all(p.quantity == 0 for p in await broker.positions() if p.product is ProductType.MIS)
    assert (await broker.close_all()).done == ()


async def test_an_algo_id_on_a_broker_without_the_field_is_refused_clearly(broker: AsyncTTConnect) -> None:
    with pytest.raises(UnsupportedOperationError, match="no algo ID field"):
        await broker.place_order(reliance(), 1, "BUY", "CNC", "MARKET", algo_id="ALGO123")
    with pytest.raises(InvalidOrderError):
        await broker.place_order(reliance(), 1, "BUY", "CNC", "MARKET", algo_id=42)  # type: ignore[arg-type]
