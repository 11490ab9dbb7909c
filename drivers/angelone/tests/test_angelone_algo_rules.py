"""SEBI's retail-algo rules on the SmartAPI emulator, measured on arrival at the broker.

SmartAPI slices nothing itself and has no algo ID field, so here the core slices a 3,000-unit NIFTY
order into children it places one by one, paces a burst to 10 orders a second per exchange, and
refuses an algo ID it could not deliver rather than drop it silently.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.enums import Exchange, OrderStatus, OrderType, ProductType, Side
from tt_connect.errors import UnsupportedOperationError
from tt_connect.exchange_rules import FREEZE_QUANTITIES
from tt_connect.instruments import Equity
from tt_connect_angelone.emulator import SmartApiEmulator


def _client(emulator: SmartApiEmulator, **options: object) -> AsyncTTConnect:
    return AsyncTTConnect("angelone", emulator.driver_config(), instruments_db=":memory:", session_store="memory",
                          **options)  # type: ignore[arg-type]


async def test_a_burst_of_50_orders_arrives_at_no_more_than_10_a_second() -> None:
    with SmartApiEmulator(tick_interval=0.05) as emulator:  # SmartAPI's own windows on: no 429 may happen
        async with _client(emulator) as broker:
            itc = Equity(exchange=Exchange.NSE, symbol="ITC")
            ids = await asyncio.gather(*(broker.place_order(instrument=itc, qty=1, side=Side.BUY,
                                                            product=ProductType.CNC, order_type=OrderType.MARKET)
                                         for _ in range(50)))
        writes = list(emulator.order_writes)
    assert len(set(ids)) == 50 and [w.action for w in writes] == ["place"] * 50, "each order arrived once"
    assert emulator.order_writes.busiest_second("NSE") <= 10
    assert emulator.rate_limited == 0


async def test_an_algo_id_is_refused_where_smartapi_has_no_field_for_it() -> None:
    with SmartApiEmulator(tick_interval=0.05) as emulator:
        async with _client(emulator, algo_id="EXCH-ALGO-7") as broker:
            with pytest.raises(UnsupportedOperationError, match="no algo ID field"):
                await broker.place_order(instrument=Equity(exchange=Exchange.NSE, symbol="ITC"), qty=1,
                                         side=Side.BUY, product=ProductType.CNC, order_type=OrderType.MARKET)
        assert not list(emulator.order_writes), "nothing was sent"


async def test_a_3000_unit_nifty_option_order_is_sliced_by_the_core_into_legal_children() -> None:
    with SmartApiEmulator(tick_interval=0.05) as emulator:
        async with _client(emulator) as broker:
            expiry = broker.nearest_expiry("NIFTY")
            calls = [row.call for row in (await broker.option_chain("NIFTY", expiry)).rows if row.call]
            option = max(calls, key=lambda call: call.strike)  # far out of the money: affordable
            sliced = await broker.place_sliced(option, qty=3000, side=Side.BUY, product=ProductType.NRML,
                                               order_type=OrderType.MARKET)
            children = [await broker.order(order_id) for order_id in sliced.order_ids]
        writes = list(emulator.order_writes)
    freeze = FREEZE_QUANTITIES["NIFTY"]
    assert not sliced.native and sliced.complete
    assert [w.action for w in writes] == ["place", "place"], "each child sent once"
    assert [c.qty for c in children] == [freeze, 3000 - freeze]
    assert all(c.status is OrderStatus.COMPLETE and c.instrument == option for c in children)
    assert len({c.tag for c in children}) == 2, "each child carries its own exactly-once tag"
    assert Counter(o.qty for o in emulator.engine.orders.values()) == Counter([freeze, 3000 - freeze])
