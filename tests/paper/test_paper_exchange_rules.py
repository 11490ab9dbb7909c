"""The exchange's order rules on the paper client: price band, freeze quantity, tick and lot sizes.

The engine's own refusals are covered in test_paper_engine.py; these go through the public client,
where the core refuses what it can check before sending (lot, tick, freeze) and the paper broker
refuses what only the market knows (the day's band), each as the cross-broker error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.enums import Exchange, OptionType, OrderStatus, OrderType, ProductType, RejectionReason, Side
from tt_connect.errors import InvalidOrderError, OrderRejectedError
from tt_connect.instruments import Equity
from tt_connect.paper import PaperEngine, PaperRejection, build_universe
from tt_connect.timeutil import IST, ManualClock


@pytest.fixture
async def broker() -> AsyncIterator[AsyncTTConnect]:
    async with AsyncTTConnect("paper", {"tick_interval": 0.05}, instruments_db=":memory:", journal="off") as client:
        yield client


def reliance() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="RELIANCE")


async def test_a_limit_buy_at_one_rupee_on_a_2900_share_is_outside_the_band(broker: AsyncTTConnect) -> None:
    last = (await broker.ltp(reliance()))[reliance()]
    assert 2500 < last < 3300
    for price in (1.0, round(last * 1.3, 1)):
        with pytest.raises(OrderRejectedError, match="price band") as info:
            await broker.place_order(reliance(), 1, Side.BUY, ProductType.CNC, OrderType.LIMIT, price=price)
        assert info.value.reason is RejectionReason.PRICE_OUTSIDE_BAND
    assert not await broker.orders(), "nothing reached the book"


async def test_modifying_a_resting_order_out_of_the_band_is_refused_and_leaves_it_as_it_was(
        broker: AsyncTTConnect) -> None:
    last = (await broker.ltp(reliance()))[reliance()]
    resting = round(last * 0.9, 1)
    order_id = await broker.place_order(reliance(), 1, Side.BUY, ProductType.CNC, OrderType.LIMIT, price=resting)
    with pytest.raises(OrderRejectedError) as info:
        await broker.modify_order(order_id, price=1.0)
    assert info.value.reason is RejectionReason.PRICE_OUTSIDE_BAND
    order = await broker.order(order_id)
    assert order.status is OrderStatus.OPEN and order.price == resting


async def test_a_price_off_the_tick_and_a_quantity_off_the_lot_are_invalid_orders(broker: AsyncTTConnect) -> None:
    with pytest.raises(InvalidOrderError, match=r"tick size 0\.05"):
        await broker.place_order(reliance(), 1, Side.BUY, ProductType.CNC, OrderType.LIMIT, price=2905.03)
    call = await broker.option("NIFTY", "weekly", offset=0, option_type=OptionType.CE)
    with pytest.raises(InvalidOrderError, match="lot size 75"):
        await broker.place_order(call, 100, Side.BUY, ProductType.NRML, OrderType.MARKET)
    assert not await broker.orders()


async def test_3000_nifty_options_never_fill_as_one_order(broker: AsyncTTConnect) -> None:
    """Refused before sending (as every broker's RMS does); ``place_sliced`` is the documented way."""
    call = await broker.option("NIFTY", "weekly", offset=0, option_type=OptionType.CE)
    with pytest.raises(InvalidOrderError, match="freeze quantity 1800"):
        await broker.place_order(call, 3000, Side.BUY, ProductType.NRML, OrderType.MARKET)
    assert not await broker.orders()


def test_the_engine_refuses_an_option_order_above_the_freeze_quantity_too() -> None:
    """Emulators host the engine directly: the exchange's refusal must not depend on the core's check."""
    engine = PaperEngine(build_universe(dt.date(2026, 11, 25)), clock=ManualClock(
        dt.datetime(2026, 11, 25, 10, 0, tzinfo=IST)))
    option = next(r for r in engine.rows.values() if r.symbol == "NIFTY" and r.kind == "OPT" and r.strike == 25000
                  and r.option_type == "CE")
    with pytest.raises(PaperRejection) as info:
        engine.place(token=option.token, side="BUY", qty=3000, order_type="MARKET", product="NRML")
    assert info.value.code == "FREEZE"
    assert engine.place(token=option.token, side="BUY", qty=1800, order_type="MARKET",
                        product="NRML").status == "COMPLETE"


async def test_the_quote_carries_the_band_and_its_edges_are_the_last_accepted_prices(broker: AsyncTTConnect) -> None:
    quote = (await broker.quote([reliance()]))[reliance()]
    low, high = quote.lower_circuit, quote.upper_circuit
    assert low == pytest.approx(quote.close * 0.8, abs=0.05) and high == pytest.approx(quote.close * 1.2, abs=0.05)
    assert round(low / 0.05, 6).is_integer() and round(high / 0.05, 6).is_integer()
    edge = await broker.place_order(reliance(), 1, Side.BUY, ProductType.CNC, OrderType.LIMIT, price=low)
    assert (await broker.order(edge)).status is OrderStatus.OPEN
    with pytest.raises(OrderRejectedError) as info:
        await broker.place_order(reliance(), 1, Side.BUY, ProductType.CNC, OrderType.LIMIT, price=round(low - 0.05, 2))
    assert info.value.reason is RejectionReason.PRICE_OUTSIDE_BAND
    with pytest.raises(OrderRejectedError):
        await broker.place_order(reliance(), 1, Side.SELL, ProductType.MIS, OrderType.LIMIT,
                                 price=round(high + 0.05, 2))
    option = await broker.option("NIFTY", "weekly", offset=0, option_type=OptionType.CE)
    chain_quote = (await broker.quote([option]))[option]
    assert chain_quote.lower_circuit == chain_quote.upper_circuit == 0.0, "no band on paper options"
