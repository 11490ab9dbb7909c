"""A hub on the paper broker and consumer engines reading it through a real Redis."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis
from redis_bus import Bus
from tt_connect.enums import Exchange, OrderStatus, OrderType, ProductType, Side, StreamMode
from tt_connect.instruments import Equity
from tt_connect.models import OrderUpdate, Tick
from tt_connect.testing import eventually


def equity(symbol: str) -> Equity:
    return Equity(exchange=Exchange.NSE, symbol=symbol)


async def test_consumers_share_one_broker_subscription_each_instrument_once_in_the_highest_mode(bus: Bus) -> None:
    infy, tcs, reliance = equity("INFY"), equity("TCS"), equity("RELIANCE")
    hub = await bus.hub()
    first, second = bus.engine(), bus.engine()
    seen_first: list[Tick] = []
    seen_second: list[Tick] = []
    await first.subscribe([infy, tcs], mode=StreamMode.LTP, on_tick=seen_first.append)
    sub = await second.subscribe([tcs, reliance], mode=StreamMode.FULL, on_tick=seen_second.append)
    await eventually(lambda: hub.wanted == {infy: StreamMode.LTP, tcs: StreamMode.FULL,
                                            reliance: StreamMode.FULL}, what="the union of both holds")
    await eventually(lambda: {t.instrument for t in seen_first} == {infy, tcs}, what="first gets its two")
    await eventually(lambda: {t.instrument for t in seen_second} == {tcs, reliance}, what="second its two")
    assert all(t.instrument in (infy, tcs) for t in seen_first), "a consumer gets only its own instruments"
    full = [t for t in seen_second if t.instrument == reliance][-1]
    assert full.mode is StreamMode.FULL and full.depth is not None, "FULL ticks keep their depth"
    assert full.received_at.utcoffset() is not None and full.received_at.utcoffset().total_seconds() == 19800

    await sub.unsubscribe()
    await eventually(lambda: hub.wanted == {infy: StreamMode.LTP, tcs: StreamMode.LTP},
                     what="RELIANCE leaves the broker; TCS stays for the first consumer, in its mode")


async def test_order_updates_reach_each_application_once_and_are_acknowledged(
        bus: Bus, redis_client: Redis) -> None:
    await bus.hub()
    strategy_a = [bus.engine(bus.feed(group="strategy-a")) for _ in range(2)]
    strategy_b = bus.engine(bus.feed(group="strategy-b"))
    got_a: list[tuple[int, OrderUpdate]] = []
    got_b: list[OrderUpdate] = []
    for n, engine in enumerate(strategy_a):
        await engine.subscribe([], on_order_update=lambda u, n=n: got_a.append((n, u)))
    await strategy_b.subscribe([], on_order_update=got_b.append)
    await eventually(lambda: _groups(redis_client, bus), what="both groups exist")

    broker = bus.client
    order_ids = [await broker.place_order(instrument=equity("INFY"), qty=1, side=Side.BUY,
                                          product=ProductType.CNC, order_type=OrderType.MARKET)
                 for _ in range(3)]
    # Each order is seen through to its last update (COMPLETE) by both applications before counting.
    def finished(updates: list[OrderUpdate]) -> bool:
        return {u.order.order_id for u in updates if u.order.status is OrderStatus.COMPLETE} >= set(order_ids)

    await eventually(lambda: finished(got_b), what="B sees every order complete")
    await eventually(lambda: finished([u for _, u in got_a]), what="A sees every order complete")
    keys_a = [(u.order.order_id, u.order.status, u.order.filled_qty) for _, u in got_a]
    assert len(keys_a) == len(set(keys_a)), "each update reaches application A once, across its two processes"
    assert len(got_b) == len(got_a), "and application B gets the same updates"

    async def nothing_pending() -> bool:
        pending = [await redis_client.xpending(bus.keys.orders, group) for group in ("strategy-a", "strategy-b")]
        return all(p["pending"] == 0 for p in pending)

    await eventually(nothing_pending, what="every update acknowledged once handled")


async def _groups(client: Redis, bus: Bus) -> bool:
    groups = await client.xinfo_groups(bus.keys.orders)
    return {g["name"].decode() for g in groups} >= {"strategy-a", "strategy-b"}


async def test_a_consumer_that_dies_is_forgotten_after_its_lease(bus: Bus, redis_client: Redis) -> None:
    hub = await bus.hub(lease=1.0)
    feed = bus.feed(lease=1.0)
    engine = bus.engine(feed)
    await engine.subscribe([equity("SBIN")], on_tick=lambda t: None)
    await eventually(lambda: equity("SBIN") in hub.wanted)
    for task in feed._tasks.values():  # the process "dies": no more renewals, no goodbye
        task.cancel()
    await eventually(lambda: hub.wanted == {}, timeout=5.0, what="its holds expire and the hub lets SBIN go")
    assert not await redis_client.sismember(bus.keys.consumers, feed.consumer)


async def test_an_update_a_dead_process_left_unacknowledged_goes_to_another_of_its_application(
        bus: Bus, redis_client: Redis) -> None:
    await bus.hub()
    crashing_feed = bus.feed(group="strategy-c", claim_idle=0.3)
    crashing = bus.engine(crashing_feed)
    started: list[OrderUpdate] = []

    async def crashes_mid_handler(update: OrderUpdate) -> None:
        started.append(update)
        await asyncio.Event().wait()

    await crashing.subscribe([], on_order_update=crashes_mid_handler)
    order_id = await bus.client.place_order(instrument=equity("INFY"), qty=1, side=Side.BUY,
                                            product=ProductType.CNC, order_type=OrderType.MARKET)
    await eventually(lambda: started, what="the first process took the update")
    for task in crashing_feed._tasks.values():  # it dies: no acknowledgement, no goodbye
        task.cancel()
    survivor = bus.engine(bus.feed(group="strategy-c", claim_idle=0.3))
    taken_over: list[OrderUpdate] = []
    await survivor.subscribe([], on_order_update=taken_over.append)
    await eventually(lambda: any(u.order.order_id == order_id for u in taken_over), timeout=5.0,
                     what="another process of the application takes it over")

    async def nothing_pending() -> bool:
        return (await redis_client.xpending(bus.keys.orders, "strategy-c"))["pending"] == 0

    await eventually(nothing_pending, what="and acknowledges it")
