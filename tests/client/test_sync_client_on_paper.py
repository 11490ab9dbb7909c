"""The blocking client: same API, a private loop thread, handlers off the loop."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from tt_connect import Equity, Exchange, OrderType, ProductType, Side, TTConnect
from tt_connect.enums import OrderStatus, StreamMode
from tt_connect.errors import ClientClosedError, InvalidOrderError
from tt_connect.models import Tick
from tt_connect.testing import eventually_sync


@pytest.fixture
def broker() -> Iterator[TTConnect]:
    with TTConnect("paper", {"tick_interval": 0.02}, instruments_db=":memory:") as client:
        yield client


def reliance() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="RELIANCE")


def tt_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("tt-connect")]


def test_orders_and_portfolio_block_and_return_models(broker: TTConnect) -> None:
    order_id = broker.place_order(instrument=reliance(), qty=10, side=Side.BUY, product=ProductType.CNC,
                                  order_type=OrderType.MARKET)
    assert broker.order(order_id).status is OrderStatus.COMPLETE
    assert any(p.instrument == reliance() for p in broker.positions())
    assert broker.funds().equity.available_cash < 1_000_000
    assert {h.instrument.symbol for h in broker.holdings()} >= {"INFY", "TCS"}
    with pytest.raises(InvalidOrderError):
        broker.place_order(instrument=reliance(), qty=0, side=Side.BUY, product=ProductType.CNC,
                           order_type=OrderType.MARKET)


def test_blocking_subscribe_returns_when_a_handler_unsubscribes_after_trading(broker: TTConnect) -> None:
    placed: list[str] = []
    handler_threads: set[str] = set()
    holder: dict[str, object] = {}

    def on_tick(tick: Tick) -> None:
        handler_threads.add(threading.current_thread().name)
        if not placed:
            # A handler may call the blocking API: it runs off the event-loop thread.
            placed.append(broker.place_order(instrument=tick.instrument, qty=1, side=Side.BUY,
                                             product=ProductType.CNC, order_type=OrderType.MARKET))
            broker.unsubscribe([tick.instrument])

    holder["sub"] = broker.subscribe([reliance()], on_tick=on_tick, mode=StreamMode.LTP)
    assert placed and broker.order(placed[0]).status is OrderStatus.COMPLETE
    assert all("handler" in name for name in handler_threads)


def test_background_subscription_delivers_until_unsubscribed(broker: TTConnect) -> None:
    ticks: list[Tick] = []
    sub = broker.subscribe([reliance()], on_tick=ticks.append, block=False)
    eventually_sync(lambda: len(ticks) >= 3, what="three ticks")
    sub.unsubscribe()
    assert sub.stats.ticks_delivered >= 3
    assert sub.wait(timeout=1)


def test_on_error_hears_a_failing_handler_on_the_handler_thread(broker: TTConnect) -> None:
    heard: list[tuple[str, BaseException]] = []

    def on_tick(tick: Tick) -> None:
        raise KeyError(tick.instrument.symbol)

    def on_error(exc: BaseException) -> None:
        heard.append((threading.current_thread().name, exc))

    sub = broker.subscribe([reliance()], on_tick=on_tick, on_error=on_error, block=False)
    eventually_sync(lambda: len(heard) >= 2, what="two reported handler failures")
    sub.unsubscribe()
    assert all("handler" in name and isinstance(exc, KeyError) for name, exc in heard)


def test_blocking_iteration_over_ticks(broker: TTConnect) -> None:
    prices = []
    for tick in broker.stream([reliance()], StreamMode.LTP):
        prices.append(tick.last_price)
        if len(prices) == 3:
            break
    assert all(p > 0 for p in prices)


def test_close_stops_every_thread_and_later_calls_say_so() -> None:
    client = TTConnect("paper", instruments_db=":memory:")
    client.subscribe([reliance()], on_tick=lambda t: None, block=False)
    client.close()
    eventually_sync(lambda: not tt_threads(), what="tt-connect threads to end")
    with pytest.raises(ClientClosedError):
        client.funds()
    client.close()  # idempotent
