"""The paper margin model through the public client: the calculator, then the account after placing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.enums import OrderType, ProductType, Side
from tt_connect.models import OrderRequest


@pytest.fixture
async def broker() -> AsyncIterator[AsyncTTConnect]:
    async with AsyncTTConnect("paper", {"tick_interval": 0.05}, instruments_db=":memory:", journal="off") as client:
        yield client


def leg(instrument: object, side: Side, qty: int) -> OrderRequest:
    return OrderRequest(instrument=instrument, qty=qty, side=side, product=ProductType.NRML,  # type: ignore[arg-type]
                        order_type=OrderType.MARKET)


async def test_the_credit_spread_quotes_and_blocks_far_less_than_the_naked_short(broker: AsyncTTConnect) -> None:
    expiry = broker.expiry("NIFTY", "weekly")
    short = await broker.option("NIFTY", expiry, offset=2, option_type="CE")
    hedge = await broker.option("NIFTY", expiry, offset=6, option_type="CE")
    lot = broker.lot_size(short)
    (naked,) = await broker.order_margins([leg(short, Side.SELL, lot)])
    basket = await broker.basket_margin([leg(short, Side.SELL, lot), leg(hedge, Side.BUY, lot)])
    assert naked.span > 0 and naked.exposure > 0 and naked.total == pytest.approx(naked.span + naked.exposure)
    assert basket.final.total < naked.total / 2 < basket.initial.total
    assert basket.final.option_premium > 0 and basket.final.exposure == pytest.approx(naked.exposure, rel=0.01)
    before = (await broker.funds()).equity
    result = await broker.place_basket([leg(short, Side.SELL, lot), leg(hedge, Side.BUY, lot)])
    assert result.complete
    after = (await broker.funds()).equity
    # Positions hold SPAN + exposure; the hedge's premium left as cash, the short's came in.
    assert after.used_margin - before.used_margin == pytest.approx(
        basket.final.total - basket.final.option_premium, rel=0.05)
    assert after.used_margin < naked.total / 2
