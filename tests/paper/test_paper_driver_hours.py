"""The paper driver on the exchange calendar: what it accepts follows the calendar at this moment."""

from __future__ import annotations

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.calendar import MarketCalendar
from tt_connect.enums import Exchange, OrderType, ProductType, RejectionReason, Side, Variety
from tt_connect.errors import BrokerInputError, OrderRejectedError
from tt_connect.instruments import Equity


async def test_a_regular_order_is_accepted_only_while_the_calendar_says_so() -> None:
    config = {"market_hours": "exchange", "tick_interval": 0.05}
    async with AsyncTTConnect("paper", config, instruments_db=":memory:") as broker:
        infy = Equity(exchange=Exchange.NSE, symbol="INFY")
        accepts = MarketCalendar().market_status("NSE").accepts_orders
        if accepts:
            order_id = await broker.place_order(instrument=infy, qty=1, side=Side.BUY, product=ProductType.CNC,
                                                order_type=OrderType.MARKET)
            assert order_id
        else:
            with pytest.raises(OrderRejectedError) as refused:
                await broker.place_order(instrument=infy, qty=1, side=Side.BUY, product=ProductType.CNC,
                                         order_type=OrderType.MARKET)
            assert refused.value.reason is RejectionReason.MARKET_CLOSED
            assert "after-market order" in str(refused.value)
        amo = await broker.place_order(instrument=infy, qty=1, side=Side.BUY, product=ProductType.CNC,
                                       order_type=OrderType.LIMIT, price=1800.0, variety=Variety.AMO)
        placed = await broker.order(amo)
        assert placed.variety is Variety.AMO


async def test_a_bad_square_off_time_is_refused_by_name() -> None:
    with pytest.raises(BrokerInputError, match="square_off_at"):
        async with AsyncTTConnect("paper", {"square_off_at": "3pm"}, instruments_db=":memory:") as broker:
            await broker.funds()


def test_live_data_paper_keeps_the_exchange_hours_unless_told_otherwise() -> None:
    from tt_connect.paper.driver import PaperConfig

    assert PaperConfig().hours() == "always", "the synthetic market never closes: the demo runs at any hour"
    assert PaperConfig(market="zerodha").hours() == "exchange", "on live data the paper market closes with it"
    assert PaperConfig(market="zerodha", market_hours="always").hours() == "always"
    assert PaperConfig(market_hours="exchange").hours() == "exchange"
