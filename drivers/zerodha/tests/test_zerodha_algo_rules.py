"""SEBI's retail-algo rules on the Kite emulator, measured where they matter: at the broker.

What the emulator logged on arrival is the proof, not the client's own bookkeeping: a burst of
orders arrives at no more than 10 a second per exchange, each carrying the configured algo ID,
and a 3,000-unit NIFTY order arrives once and becomes legal child orders.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from kite_clients import client
from tt_connect.enums import Exchange, OrderStatus, OrderType, ProductType, Side
from tt_connect.exchange_rules import FREEZE_QUANTITIES
from tt_connect.instruments import Equity
from tt_connect_zerodha.emulator import KiteEmulator


async def test_a_burst_of_50_orders_arrives_at_10_a_second_each_with_the_algo_id() -> None:
    with KiteEmulator(tick_interval=0.05) as emulator:  # Kite's own rate windows on: no 429 may happen
        async with client(emulator, algo_id="EXCH-ALGO-7") as broker:
            itc = Equity(exchange=Exchange.NSE, symbol="ITC")
            ids = await asyncio.gather(*(broker.place_order(instrument=itc, qty=1, side=Side.BUY,
                                                            product=ProductType.CNC, order_type=OrderType.MARKET)
                                         for _ in range(50)))
        writes = list(emulator.order_writes)
    assert len(set(ids)) == 50 and len(writes) == 50, "each order arrived once"
    assert emulator.order_writes.busiest_second("NSE") <= 10
    assert {w.algo_id for w in writes} == {"EXCH-ALGO-7"}
    assert emulator.rate_limited == 0, "the core's pacing kept inside Kite's windows"
    span = writes[-1].at - writes[0].at
    assert span >= 3.9, f"50 orders at 10/s need about 4.9 s, took {span:.2f} s"


async def test_a_3000_unit_nifty_option_order_arrives_once_and_becomes_legal_children() -> None:
    with KiteEmulator(tick_interval=0.05, enforce_rate_limits=False) as emulator:
        async with client(emulator) as broker:
            expiry = broker.nearest_expiry("NIFTY")
            calls = [row.call for row in (await broker.option_chain("NIFTY", expiry)).rows if row.call]
            option = max(calls, key=lambda call: call.strike)  # far out of the money: affordable
            assert 3000 % broker.lot_size(option) == 0
            sliced = await broker.place_sliced(option, qty=3000, side=Side.BUY, product=ProductType.NRML,
                                               order_type=OrderType.MARKET)
            children = [await broker.order(order_id) for order_id in sliced.order_ids]
        writes = list(emulator.order_writes)
    freeze = FREEZE_QUANTITIES["NIFTY"]
    assert sliced.native and sliced.complete
    assert [w.action for w in writes] == ["place"], "one autoslice request: Kite splits it"
    assert sorted((c.qty for c in children), reverse=True) == [freeze, 3000 - freeze]
    assert all(c.status is OrderStatus.COMPLETE and c.instrument == option for c in children)
    assert Counter(o.qty for o in emulator.engine.orders.values()) == Counter([freeze, 3000 - freeze])
