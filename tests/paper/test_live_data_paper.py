"""Live-data paper against the emulators as the live side: the Kite emulator, and AngelOne's.

The account (orders, fills, positions, funds) is the paper engine's; instruments, quotes, depth,
ticks and history are the emulator's, read through its real driver. To make the book exact the
tests freeze the emulator's market (volatility 0: prices and sizes stop moving) and then move a
price by hand, as the exchange would.

Live-data paper keeps the exchange's hours by default; the emulators trade at any hour, so these
tests set ``market_hours="always"`` (tests/paper/test_paper_driver_hours.py pins the default).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.auth.stores import MemoryStore
from tt_connect.enums import OrderStatus, OrderType, ProductType, Side, StreamMode
from tt_connect.instruments import Equity
from tt_connect.logs import configure_logging, reset_logging
from tt_connect.paper.fills import walk
from tt_connect.testing import eventually

zerodha_emulator = pytest.importorskip("tt_connect_zerodha.emulator")
KiteEmulator = zerodha_emulator.KiteEmulator



def stock() -> Equity:
    """NSE:RELIANCE (an instrument is checked against a loaded master, so it is built once a client is up)."""
    return Equity(exchange="NSE", symbol="RELIANCE")


def _freeze(emulator: Any) -> None:
    """Stop the emulator's random walk: its prices and book sizes hold still until moved by hand."""
    prices = emulator.engine.market.prices
    emulator.call(lambda: prices.vols.update({name: 0.0 for name in prices.vols}))


def _move(emulator: Any, underlying: str, factor: float) -> None:
    prices = emulator.engine.market.prices
    emulator.call(lambda: prices.levels.__setitem__(underlying, prices.levels[underlying] * factor))


@pytest.fixture(scope="module")
def kite() -> Iterator[Any]:
    with KiteEmulator(tick_interval=0.05) as running:
        _freeze(running)
        yield running


def kite_settings(kite: Any) -> dict[str, Any]:
    """The Kite emulator's announcement, logging in by the web login (so the live driver really logs in)."""
    settings = {k: v for k, v in kite.driver_config().items() if k not in ("access_token", "request_token")}
    return {**settings, "web_login": True}


def paper_on(kite: Any, **extra: Any) -> AsyncTTConnect:
    config = {"market": "zerodha", "zerodha": kite_settings(kite), "market_hours": "always", **extra}
    return AsyncTTConnect("paper", config, instruments_db=":memory:", session_store="memory")


async def test_a_market_order_walks_the_live_depth_level_by_level(kite: Any) -> None:
    async with paper_on(kite) as broker:
        assert broker.broker == "paper"
        quote = (await broker.quote([stock()]))[stock()]
        assert quote.depth is not None and len(quote.depth.asks) == 5
        asks = [(level.price, level.quantity, level.orders) for level in quote.depth.asks]
        qty = asks[0][1] + asks[1][1] + 1  # two full levels and one share of the third
        order_id = await broker.place_order(instrument=stock(), qty=qty, side=Side.BUY, product=ProductType.MIS,
                                            order_type=OrderType.MARKET)
        order = await broker.order(order_id)
        fills = [(t.qty, t.price) for t in await broker.order_trades(order_id)]
    assert order.status is OrderStatus.COMPLETE and order.filled_qty == qty
    assert fills == [(asks[0][1], asks[0][0]), (asks[1][1], asks[1][0]), (1, asks[2][0])]
    assert fills == walk(asks, "BUY", qty, None, last_price=quote.last_price, tick=0.05)
    vwap = sum(q * p for q, p in fills) / qty
    assert order.average_price == pytest.approx(vwap)


async def test_slippage_and_charges_cost_what_the_rules_say(kite: Any) -> None:
    from tt_connect.paper.margins import charges

    async with paper_on(kite, slippage_bps=10.0, charges=True) as broker:
        quote = (await broker.quote([stock()]))[stock()]
        assert quote.depth is not None
        best = quote.depth.asks[0]
        order_id = await broker.place_order(instrument=stock(), qty=1, side=Side.BUY, product=ProductType.CNC,
                                            order_type=OrderType.MARKET)
        fill = (await broker.order_trades(order_id))[0]
        funds = await broker.funds()
    expected = walk([(best.price, best.quantity, best.orders)], "BUY", 1, None, last_price=quote.last_price,
                    tick=0.05, slippage_bps=10.0)[0][1]
    assert expected > best.price and fill.price == expected  # 10 bps worse, rounded up to the tick
    fee = charges("EQ", "CNC", "BUY", 1, fill.price)
    assert fee > 0
    assert funds.equity.available_cash == pytest.approx(1_000_000 - fill.price - fee, abs=0.01)


async def test_a_limit_rests_until_the_live_price_crosses_it_then_fills_at_its_price(kite: Any) -> None:
    async with paper_on(kite) as broker:
        updates: list[Any] = []
        await broker.subscribe([], on_order_update=updates.append)
        quote = (await broker.quote([stock()]))[stock()]
        limit = round(round(quote.last_price * 0.995 / 0.05) * 0.05, 2)
        order_id = await broker.place_order(instrument=stock(), qty=5, side=Side.BUY, product=ProductType.MIS,
                                            order_type=OrderType.LIMIT, price=limit)
        assert (await broker.order(order_id)).status is OrderStatus.OPEN
        _move(kite, "RELIANCE", 0.99)  # the market falls through the limit; the emulator streams it
        try:
            order = await eventually(lambda: _done(broker, order_id), timeout=10, what="the limit to fill")
        finally:
            _move(kite, "RELIANCE", 1 / 0.99)
        fills = await broker.order_trades(order_id)
        await eventually(lambda: any(u.order.order_id == order_id and u.order.status is OrderStatus.COMPLETE
                                     for u in updates), what="the fill's order update")
    assert order.status is OrderStatus.COMPLETE and order.average_price == pytest.approx(limit)
    assert [(t.qty, t.price) for t in fills] == [(5, limit)]


async def _done(broker: AsyncTTConnect, order_id: str) -> Any:
    order = await broker.order(order_id)
    return order if order.status.is_terminal else None


def _saved(state: str) -> bool:
    return Path(state).exists() and Path(state + ".instruments.json").exists()


async def test_the_account_survives_a_restart_on_the_live_market(kite: Any, tmp_path: Path) -> None:
    state = str(tmp_path / "paper.json")
    async with paper_on(kite, state_file=state) as broker:
        bought = await broker.place_order(instrument=stock(), qty=3, side=Side.BUY, product=ProductType.CNC,
                                          order_type=OrderType.MARKET)
        last = (await broker.ltp([stock()]))[stock()]
        limit = round(round(last * 0.995 / 0.05) * 0.05, 2)
        resting = await broker.place_order(instrument=stock(), qty=2, side=Side.BUY, product=ProductType.CNC,
                                           order_type=OrderType.LIMIT, price=limit)
        before = await broker.funds()
    assert _saved(state), "the account and its instrument numbering are on disk"
    async with paper_on(kite, state_file=state) as broker:
        updates: list[Any] = []
        await broker.subscribe([], on_order_update=updates.append)  # no REST call: the order works by itself
        _move(kite, "RELIANCE", 0.99)
        try:
            await eventually(lambda: any(u.order.order_id == resting and u.order.status is OrderStatus.COMPLETE
                                         for u in updates), timeout=10, what="the restored limit to fill")
        finally:
            _move(kite, "RELIANCE", 1 / 0.99)
        orders = {o.order_id: o for o in await broker.orders()}
        positions = [(p.instrument, p.quantity) for p in await broker.positions()]
        after = await broker.funds()
        assert positions == [(stock(), 5)]
        assert orders[bought].status is OrderStatus.COMPLETE and orders[bought].instrument == stock()
        assert orders[resting].average_price == pytest.approx(limit)
    assert after.equity.available_cash == pytest.approx(before.equity.available_cash - 2 * limit)


async def test_history_and_ticks_are_the_live_drivers(kite: Any) -> None:
    import datetime as _dt

    async with paper_on(kite) as broker:
        candles = await broker.history(stock(), "MINUTE_5", _dt.date.today() - _dt.timedelta(days=3))
        ticks: list[Any] = []
        subscription = await broker.subscribe([stock()], on_tick=ticks.append, mode=StreamMode.FULL)
        _move(kite, "RELIANCE", 1.001)
        await eventually(lambda: ticks, timeout=10, what="a live tick")
        _move(kite, "RELIANCE", 1 / 1.001)
        await subscription.unsubscribe()
        assert broker.capabilities.stream_modes == broker._rt.market.capabilities.stream_modes
        assert ticks[0].instrument == stock() and ticks[0].depth is not None
    assert candles and all(c.open > 0 for c in candles)


async def test_the_live_driver_logs_in_by_itself_and_no_secret_reaches_the_logs(kite: Any) -> None:
    logs = io.StringIO()
    configure_logging(format="json", level="DEBUG", stream=logs)
    store = MemoryStore()
    logins = kite.session_routes.web_logins
    try:
        config = {"market": "zerodha", "zerodha": kite_settings(kite), "market_hours": "always"}
        async with AsyncTTConnect("paper", config, instruments_db=":memory:", session_store=store) as broker:
            await broker.place_order(instrument=stock(), qty=1, side=Side.BUY, product=ProductType.MIS,
                                     order_type=OrderType.MARKET)
            shown = repr(broker._rt.config)
    finally:
        reset_logging()
    assert kite.session_routes.web_logins == logins + 1, "the zerodha driver did not log in"
    sessions = [json.loads(data) for data in store._data.values()]
    assert [s["broker"] for s in sessions] == ["zerodha"], "the session belongs to the live driver's store key"
    text = logs.getvalue()
    assert '"broker": "zerodha"' in text or '"broker":"zerodha"' in text
    for secret in (kite.api_secret, kite.password, kite.totp_secret, sessions[0]["access_token"]):
        assert secret not in text and secret not in shown


def test_a_config_file_reuses_the_live_brokers_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tt_connect.config import load_config, parse_driver_config
    from tt_connect.paper.driver import PaperConfig

    monkeypatch.setenv("KITE_SECRET_FOR_TEST", "not-a-real-secret-9431")
    path = tmp_path / "tt-connect.toml"
    path.write_text('broker = "paper"\n\n[paper]\nmarket = "zerodha"\nslippage_bps = 5\n\n'
                    '[zerodha]\napi_key = "kite-key"\napi_secret = { env = "KITE_SECRET_FOR_TEST" }\n')
    loaded = load_config(path)
    config = parse_driver_config(PaperConfig, loaded.settings, broker="paper")
    assert isinstance(config, PaperConfig)
    assert config.market == "zerodha" and config.slippage_bps == 5
    assert config.market_config == {"api_key": "kite-key", "api_secret": "not-a-real-secret-9431"}
    assert "not-a-real-secret-9431" not in repr(config)


angelone_emulator = pytest.importorskip("tt_connect_angelone.emulator")


@pytest.fixture(scope="module")
def angel() -> Iterator[Any]:
    with angelone_emulator.SmartApiEmulator(tick_interval=0.05) as running:
        _freeze(running)
        yield running


async def test_on_angelone_a_market_order_walks_the_depth_and_a_limit_fills_on_the_cross(angel: Any) -> None:
    config = {"market": "angelone", "angelone": angel.driver_config(), "market_hours": "always"}
    async with AsyncTTConnect("paper", config, instruments_db=":memory:", session_store="memory") as broker:
        quote = (await broker.quote([stock()]))[stock()]
        assert quote.depth is not None and quote.depth.bids
        bids = [(level.price, level.quantity, level.orders) for level in quote.depth.bids]
        qty = bids[0][1] + 1
        sold = await broker.place_order(instrument=stock(), qty=qty, side=Side.SELL, product=ProductType.MIS,
                                        order_type=OrderType.MARKET)
        fills = [(t.qty, t.price) for t in await broker.order_trades(sold)]
        assert fills == [(bids[0][1], bids[0][0]), (1, bids[1][0])]
        limit = round(round(quote.last_price * 1.005 / 0.05) * 0.05, 2)
        resting = await broker.place_order(instrument=stock(), qty=qty, side=Side.BUY, product=ProductType.MIS,
                                           order_type=OrderType.LIMIT, price=round(quote.last_price * 0.99 / 0.05)
                                           * 0.05)
        assert (await broker.order(resting)).status is OrderStatus.OPEN
        take_profit = await broker.place_order(instrument=stock(), qty=1, side=Side.SELL, product=ProductType.MIS,
                                               order_type=OrderType.LIMIT, price=limit)
        _move(angel, "RELIANCE", 1.01)
        try:
            order = await eventually(lambda: _done(broker, take_profit), timeout=10, what="the sell limit to fill")
        finally:
            _move(angel, "RELIANCE", 1 / 1.01)
        assert order.average_price == pytest.approx(limit)
        assert (await broker.order(resting)).status is OrderStatus.OPEN
        await broker.cancel_order(resting)
        net = sum(p.quantity for p in await broker.positions() if p.instrument == stock())
    assert net == -qty - 1


def test_the_blocking_client_takes_the_same_config(kite: Any) -> None:
    from tt_connect import TTConnect

    config = {"market": "zerodha", "zerodha": kite_settings(kite), "market_hours": "always"}
    with TTConnect("paper", config, instruments_db=":memory:", session_store="memory") as broker:
        order_id = broker.place_order(instrument=stock(), qty=2, side=Side.BUY, product=ProductType.MIS,
                                      order_type=OrderType.MARKET)
        assert broker.order(order_id).status is OrderStatus.COMPLETE
        assert [(p.instrument, p.quantity) for p in broker.positions()] == [(stock(), 2)]


def test_paper_cannot_trade_on_itself_and_an_unknown_market_is_named() -> None:
    from tt_connect.errors import ConfigurationError, UnknownBrokerError

    with pytest.raises(ConfigurationError, match="synthetic"):
        AsyncTTConnect("paper", {"market": "paper"})
    with pytest.raises(UnknownBrokerError, match="zerodah"):
        AsyncTTConnect("paper", {"market": "zerodah", "zerodah": {}})


async def test_a_renewed_live_session_reconnects_the_paper_clients_stream(kite: Any) -> None:
    async with paper_on(kite) as broker:
        ticks: list[Any] = []
        await broker.subscribe([stock()], on_tick=ticks.append, mode=StreamMode.QUOTE)
        logins = kite.session_routes.web_logins
        kite.faults.expire_sessions()
        await broker.quote([stock()])  # the live driver finds its session dead and logs in again
        assert kite.session_routes.web_logins == logins + 1
        stats = broker.stream_stats()
        assert stats is not None
        await eventually(lambda: stats.reconnects >= 1, timeout=10, what="the stream to reconnect")
        ticks.clear()
        _move(kite, "RELIANCE", 1.001)
        try:
            await eventually(lambda: ticks, timeout=10, what="ticks on the renewed session")
        finally:
            _move(kite, "RELIANCE", 1 / 1.001)
