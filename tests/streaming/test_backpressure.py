"""Backpressure: a slow handler conflates ticks per instrument; order updates are never conflated."""

from __future__ import annotations

import asyncio

from tt_connect.errors import StreamingError
from tt_connect.models import OrderUpdate, Tick
from tt_connect.streaming import Subscription
from tt_connect.testing import eventually

from tests.streaming.conftest import EngineFactory, stocks
from tests.streaming.fake_feed import FeedServer


async def test_a_slow_handler_keeps_memory_bounded_and_counts_conflation(
        feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(3)
    engine = make_engine(items)
    peak = 0
    subs: list[Subscription] = []
    delivered: list[Tick] = []

    async def slow(tick: Tick) -> None:
        nonlocal peak
        peak = max(peak, subs[0].queued_ticks)
        delivered.append(tick)
        await asyncio.sleep(0.03)  # the strategy's work, not synchronisation

    subs.append(await engine.subscribe(items, on_tick=slow))

    async def watch() -> bool:
        nonlocal peak
        peak = max(peak, subs[0].queued_ticks)
        return subs[0].stats.conflated >= 50

    await eventually(watch, interval=0.001, what="ticks conflated while the handler sleeps")
    stats = subs[0].stats
    assert peak <= len(items), f"at most one waiting tick per instrument, saw {peak}"
    assert stats.ticks_received >= stats.ticks_delivered + stats.conflated
    assert engine.stats.conflated >= stats.conflated
    prices = [t.last_price for t in delivered if t.instrument == items[0]]
    assert prices == sorted(prices), "conflation keeps the newest tick, never an older one"


async def test_order_updates_are_never_conflated_even_for_a_slow_handler(
        feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(1)
    engine = make_engine(items, carries_order_updates=True)
    received: list[OrderUpdate] = []

    async def slow(update: OrderUpdate) -> None:
        received.append(update)
        await asyncio.sleep(0.005)

    sub = await engine.subscribe([], on_order_update=slow)
    for n in range(30):
        await feed.push_order_update(f"order-{n}", token=1)

    await eventually(lambda: len(received) == 30, what="every order update")
    assert [u.order.order_id for u in received] == [f"order-{n}" for n in range(30)]
    assert received[0].order.instrument == items[0]
    assert sub.stats.dropped == 0 and sub.stats.conflated == 0


async def test_an_order_update_overflow_is_counted_and_reported(feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(1)
    errors: list[BaseException] = []
    engine = make_engine(items, carries_order_updates=True, max_order_updates=3, errors=errors)
    release = asyncio.Event()
    received: list[str] = []

    async def stuck(update: OrderUpdate) -> None:
        received.append(update.order.order_id)
        await release.wait()

    sub = await engine.subscribe([], on_order_update=stuck)
    for n in range(10):
        await feed.push_order_update(f"order-{n}", token=1)

    await eventually(lambda: sub.stats.dropped + sub.queued + len(received) == 10, what="all ten accounted for")
    assert sub.queued == 3, "the queue stays at its bound"
    assert sub.stats.dropped == 10 - 3 - len(received)
    assert [type(e) for e in errors] == [StreamingError], "one report per overflow episode"

    release.set()
    await eventually(lambda: sub.queued == 0, what="the queue drained")
    assert received == sorted(received, key=lambda o: int(o.split("-")[1])), "still in arrival order"
    assert engine.stats.dropped == sub.stats.dropped
