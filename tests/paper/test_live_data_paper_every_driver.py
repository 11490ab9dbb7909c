"""Live-data paper on every shipped driver: each emulator as the live side, the account on paper.

One pass per driver: its master is the catalogue, its quote's depth fills a market order, a limit
below the market rests and is cancelled, the position and funds are the paper engine's, and its
stream delivers ticks to a paper subscriber.

Live-data paper keeps the exchange's hours by default; the emulators trade at any hour, so these
tests set ``market_hours="always"`` (tests/paper/test_paper_driver_hours.py pins the default).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.enums import OrderStatus, OrderType, ProductType, Side, StreamMode
from tt_connect.instruments import Equity
from tt_connect.paper.fills import walk
from tt_connect.testing import eventually

EMULATORS = {
    "zerodha": ("tt_connect_zerodha.emulator", "KiteEmulator"),
    "angelone": ("tt_connect_angelone.emulator", "SmartApiEmulator"),
    "upstox": ("tt_connect_upstox.emulator", "UpstoxEmulator"),
    "dhan": ("tt_connect_dhan.emulator", "DhanEmulator"),
    "shoonya": ("tt_connect_noren.emulator", "shoonya"),
    "flattrade": ("tt_connect_noren.emulator", "flattrade"),
    "noren": ("tt_connect_noren.emulator", "noren"),
    "fyers": ("tt_connect_fyers.emulator", "FyersEmulator"),
}


@pytest.fixture(params=sorted(EMULATORS))
def live(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any]]:
    broker = request.param
    module_name, attr = EMULATORS[broker]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        pytest.skip(f"the {broker} driver is not installed")
    factory = module.EMULATORS[attr] if hasattr(module, "EMULATORS") and attr in module.EMULATORS else \
        getattr(module, attr)
    with factory(tick_interval=0.05) as emulator:
        prices = emulator.engine.market.prices
        emulator.call(lambda: prices.vols.update({name: 0.0 for name in prices.vols}))  # a still book
        yield broker, emulator


async def test_paper_trades_on_each_drivers_market(live: tuple[str, Any]) -> None:
    broker_name, emulator = live
    settings = {k: v for k, v in emulator.driver_config().items() if k != "broker"}
    config = {"market": broker_name, broker_name: settings, "market_hours": "always"}
    async with AsyncTTConnect("paper", config, instruments_db=":memory:", session_store="memory") as broker:
        stock = Equity(exchange="NSE", symbol="RELIANCE")
        assert broker._rt.market.name == broker_name
        quote = (await broker.quote([stock]))[stock]
        asks = [(level.price, level.quantity, level.orders) for level in quote.depth.asks] if quote.depth else []
        qty = asks[0][1] + 1 if asks else 7
        bought = await broker.place_order(instrument=stock, qty=qty, side=Side.BUY, product=ProductType.MIS,
                                          order_type=OrderType.MARKET)
        fills = [(t.qty, t.price) for t in await broker.order_trades(bought)]
        assert sum(q for q, _ in fills) == qty
        if asks:
            assert fills == walk(asks, "BUY", qty, None, last_price=quote.last_price, tick=0.05)
        limit = round(round(quote.last_price * 0.97 / 0.05) * 0.05, 2)
        resting = await broker.place_order(instrument=stock, qty=1, side=Side.BUY, product=ProductType.MIS,
                                           order_type=OrderType.LIMIT, price=limit)
        assert (await broker.order(resting)).status is OrderStatus.OPEN
        await broker.cancel_order(resting)
        positions = [(p.instrument, p.quantity) for p in await broker.positions()]
        funds = await broker.funds()
        ticks: list[Any] = []
        subscription = await broker.subscribe([stock], on_tick=ticks.append, mode=StreamMode.QUOTE)
        prices = emulator.engine.market.prices
        emulator.call(lambda: prices.levels.__setitem__("RELIANCE", prices.levels["RELIANCE"] * 1.001))
        await eventually(lambda: ticks, timeout=10, what=f"a tick from {broker_name}")
        await subscription.unsubscribe()
        assert ticks[0].instrument == stock
        assert positions == [(stock, qty)]
    assert funds.equity.used_margin > 0 and funds.equity.available_cash == pytest.approx(1_000_000)
    assert emulator.engine.orders == {}, "no order reached the live broker"
