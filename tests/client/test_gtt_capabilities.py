"""A broker that holds single LIMIT triggers only (AngelOne) gets no GTT it cannot hold: the core refuses first."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import msgspec
import pytest
from tt_connect import AsyncTTConnect, Equity, Exchange, GttLeg, OrderType, ProductType, Side
from tt_connect.driver_api import Capabilities
from tt_connect.drivers import register_driver, unregister_driver
from tt_connect.enums import GttType
from tt_connect.errors import UnsupportedOperationError
from tt_connect.paper.driver import PaperDriver


class SingleTriggerPaper(PaperDriver):
    """Paper, declaring the GTT matrix of a broker with one-trigger LIMIT rules."""

    name = "paper-single-gtt"

    def capabilities(self) -> Capabilities:
        return msgspec.structs.replace(super().capabilities(), gtt_types=frozenset({GttType.SINGLE}),
                                       gtt_order_types=frozenset({OrderType.LIMIT}))


@pytest.fixture
def registered() -> Iterator[None]:
    register_driver(SingleTriggerPaper.name, SingleTriggerPaper())
    yield
    unregister_driver(SingleTriggerPaper.name)


@pytest.fixture
async def broker(registered: None) -> AsyncIterator[AsyncTTConnect]:
    async with AsyncTTConnect(SingleTriggerPaper.name, {"tick_interval": 0.02}, instruments_db=":memory:") as client:
        yield client


def _leg(trigger: float, side: Side = Side.SELL, **overrides: object) -> GttLeg:
    fields: dict[str, object] = {"trigger_price": trigger, "side": side, "qty": 1, "product": ProductType.CNC,
                                 "price": trigger}
    fields.update(overrides)
    return GttLeg(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("legs", "message"), [
    ([_leg(2000.0), _leg(3500.0)], "OCO"),
    ([_leg(2000.0, Side.BUY, order_type=OrderType.MARKET, price=None)], "order type MARKET"),
    ([_leg(2000.0, Side.BUY, product=ProductType.NRML)], "product NRML"),
])
async def test_a_trigger_the_broker_cannot_hold_is_unsupported_before_sending(
        broker: AsyncTTConnect, legs: list[GttLeg], message: str) -> None:
    with pytest.raises(UnsupportedOperationError, match=message):
        await broker.place_gtt(Equity(exchange=Exchange.NSE, symbol="RELIANCE"), legs, last_price=2905.0)
    assert await broker.gtts() == []


async def test_a_single_limit_trigger_is_still_placed(broker: AsyncTTConnect) -> None:
    gtt_id = await broker.place_gtt(Equity(exchange=Exchange.NSE, symbol="RELIANCE"), _leg(2000.0, Side.BUY),
                                    last_price=2905.0)
    assert (await broker.gtt(gtt_id)).type is GttType.SINGLE
