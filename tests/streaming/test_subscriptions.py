"""Subscribing, unsubscribing, iterating, handlers, bad input and a clean close."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import pytest
from tt_connect.enums import StreamMode
from tt_connect.errors import InstrumentNotFoundError, InvalidSubscriptionError, StreamingError, TTConnectError
from tt_connect.models import OrderUpdate, Tick
from tt_connect.testing import eventually

from tests.streaming.conftest import EngineFactory, stocks
from tests.streaming.fake_feed import FeedServer


async def test_unsubscribe_stops_ticks_for_every_subscriber(feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(2)
    engine = make_engine(items)
    ticks: list[Tick] = []
    sub = await engine.subscribe(items, on_tick=ticks.append)
    await eventually(lambda: {t.instrument for t in ticks} == set(items), what="ticks of both")

    await engine.unsubscribe([items[0]])

    await eventually(lambda: feed.live[0].subscribed == {2: "FULL"}, what="the server to drop token 1")
    seen = len(ticks)
    await eventually(lambda: len(ticks) > seen + 5, what="more ticks of the other instrument")
    assert all(t.instrument == items[1] for t in ticks[seen:])
    assert sub.instruments == frozenset(items[1:])

    await engine.unsubscribe([items[1]])
    await asyncio.wait_for(sub.wait_closed(), 5)  # a subscriber with nothing left ends
    await eventually(lambda: not feed.live, what="the idle socket closed")


async def test_stream_yields_ticks_and_unsubscribes_when_the_loop_ends(
        feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(2)
    engine = make_engine(items)
    got: list[Tick | OrderUpdate] = []
    async with contextlib.aclosing(engine.stream(items[:1], mode=StreamMode.QUOTE)) as ticks:
        async for tick in ticks:
            got.append(tick)
            if len(got) == 3:
                break
    assert all(isinstance(t, Tick) and t.instrument == items[0] for t in got)
    await eventually(lambda: feed.opened[0].subscribed == {}, what="the server to see the unsubscribe")
    await eventually(lambda: not feed.live, what="the idle socket closed")
    assert engine.stats.connections == 0


async def test_plain_and_async_handlers_both_receive_ticks(feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(1)
    engine = make_engine(items)
    plain: list[Tick] = []
    awaited: list[Tick] = []
    loop_threads: set[int] = set()

    def plain_handler(tick: Tick) -> None:
        loop_threads.add(threading.get_ident())
        plain.append(tick)

    async def async_handler(tick: Tick) -> None:
        await asyncio.sleep(0)
        awaited.append(tick)

    await engine.subscribe(items, on_tick=plain_handler)
    await engine.subscribe(items, on_tick=async_handler)
    await eventually(lambda: len(plain) >= 5 and len(awaited) >= 5, what="ticks to both handlers")
    assert loop_threads == {threading.get_ident()}, "plain handlers are called on the event loop"
    assert plain[0].received_at.tzinfo is not None


async def test_a_raising_handler_is_reported_and_keeps_receiving(feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(1)
    errors: list[BaseException] = []
    engine = make_engine(items, errors=errors)
    calls: list[Tick] = []

    def flaky(tick: Tick) -> None:
        calls.append(tick)
        raise ValueError("strategy bug")

    await engine.subscribe(items, on_tick=flaky)
    await eventually(lambda: len(calls) >= 3, what="the handler to keep being called")
    assert errors and all(isinstance(e, ValueError) for e in errors)
    assert engine.stats.connections == 1


async def test_on_error_hears_its_own_handler_failures_and_no_one_else_does(
        feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(1)
    engine = make_engine(items)
    heard: list[BaseException] = []
    bystander: list[BaseException] = []
    healthy: list[Tick] = []

    def flaky(tick: Tick) -> None:
        raise ValueError("strategy bug")

    async def async_on_error(exc: BaseException) -> None:
        heard.append(exc)

    await engine.subscribe(items, on_tick=flaky, on_error=async_on_error)
    await engine.subscribe(items, on_tick=healthy.append, on_error=bystander.append)
    await eventually(lambda: len(heard) >= 3 and len(healthy) >= 3, what="errors and ticks to keep flowing")
    assert all(isinstance(e, ValueError) and str(e) == "strategy bug" for e in heard)
    assert bystander == []


async def test_an_on_error_that_raises_is_logged_not_fed_back(feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(1)
    engine_errors: list[BaseException] = []
    engine = make_engine(items, errors=engine_errors)
    ticks: list[Tick] = []
    calls: list[BaseException] = []

    def handler(tick: Tick) -> None:
        ticks.append(tick)
        raise ValueError("strategy bug")

    def broken_on_error(exc: BaseException) -> None:
        calls.append(exc)
        raise RuntimeError("error handler bug")

    await engine.subscribe(items, on_tick=handler, on_error=broken_on_error)
    await eventually(lambda: len(ticks) >= 3, what="ticks despite both handlers failing")
    assert calls and all(isinstance(e, ValueError) for e in calls)
    assert any(isinstance(e, RuntimeError) for e in engine_errors)


async def test_a_handler_may_unsubscribe_itself(feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(1)
    engine = make_engine(items)
    calls: list[Tick] = []
    holder: list[Any] = []

    async def once(tick: Tick) -> None:
        calls.append(tick)
        await holder[0].unsubscribe()

    holder.append(await engine.subscribe(items, on_tick=once))
    await asyncio.wait_for(holder[0].wait_closed(), 5)
    await eventually(lambda: not feed.live, what="the socket closed")
    assert len(calls) == 1


async def test_order_updates_on_a_socket_of_their_own_open_only_while_wanted(
        feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(2)
    engine = make_engine(items, order_updates_url=feed.url.replace("/ws", "/orders"))
    ticks: list[Tick] = []
    updates: list[OrderUpdate] = []
    market = await engine.subscribe(items, on_tick=ticks.append)
    assert [s.path for s in feed.live] == ["/ws"], "no order socket before anyone wants updates"
    orders = await engine.subscribe([], on_order_update=updates.append)
    await eventually(lambda: [s.path for s in feed.live] == ["/ws", "/orders"], what="the order socket")
    await feed.push_order_update("order-7", token=2, status="COMPLETE", path="/orders")
    await eventually(lambda: updates, what="the order update")
    assert updates[0].order.order_id == "order-7" and updates[0].order.instrument == items[1]
    assert engine.stats.connections == 2
    await orders.unsubscribe()
    await eventually(lambda: [s.path for s in feed.live] == ["/ws"], what="the order socket to close")
    await eventually(lambda: ticks, what="ticks still flowing")
    await market.unsubscribe()


async def test_order_updates_keep_connection_zero_open_without_instruments(
        feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(1)
    engine = make_engine(items, carries_order_updates=True)
    updates: list[OrderUpdate] = []
    sub = await engine.subscribe([], on_order_update=updates.append)
    assert len(feed.live) == 1 and feed.live[0].subscribed == {}

    await feed.push_order_update("order-1", token=1, status="COMPLETE")
    await eventually(lambda: updates, what="the order update")
    assert updates[0].order.order_id == "order-1" and updates[0].order.instrument == items[0]

    ticks: list[Tick] = []
    tick_sub = await engine.subscribe(items, on_tick=ticks.append)
    await tick_sub.unsubscribe()
    assert len(feed.live) == 1, "connection #0 stays while order updates are wanted"

    await sub.unsubscribe()
    await eventually(lambda: not feed.live, what="connection #0 closed once nobody wants anything")


@pytest.mark.parametrize(("call", "message"), [
    (lambda e, i: e.subscribe(["INFY"], on_tick=print), "cannot read instrument 'INFY'"),
    (lambda e, i: e.subscribe({"INFY": 1}, on_tick=print), "must be an instrument or a list of them"),
    (lambda e, i: e.subscribe("INFY", on_tick=print), "write EXCHANGE:SYMBOL"),
    (lambda e, i: e.subscribe([], on_tick=print), "at least one instrument"),
    (lambda e, i: e.subscribe(i, mode="FAST", on_tick=print), "mode must be one of StreamMode.LTP"),
    (lambda e, i: e.subscribe(i), "needs on_tick"),
    (lambda e, i: e.subscribe(i, on_tick="print"), "on_tick must be a function"),
    (lambda e, i: e.subscribe(i, on_tick=print, on_error="log"), "on_error must be a function"),
    (lambda e, i: e.subscribe([], on_order_update=print), "carries no order updates"),
    (lambda e, i: e.unsubscribe([42]), "must be an instrument"),
])
async def test_bad_input_is_refused_with_a_clear_streaming_error(
        feed: FeedServer, make_engine: EngineFactory, call: Any, message: str) -> None:
    items = stocks(1)
    engine = make_engine(items)
    with pytest.raises(StreamingError, match=message) as refused:
        await call(engine, items)
    if "order updates" not in message:  # the arguments were wrong: an InputError, also a StreamingError
        assert isinstance(refused.value, InvalidSubscriptionError)
    assert not feed.opened


async def test_an_unknown_instrument_is_refused_before_anything_is_sent(
        feed: FeedServer, make_engine: EngineFactory) -> None:
    listed, unlisted = stocks(2)
    engine = make_engine([listed])
    with pytest.raises(InstrumentNotFoundError):
        await engine.subscribe([listed, unlisted], on_tick=print)
    assert not feed.opened


async def test_a_mode_may_be_given_by_name(feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(1)
    engine = make_engine(items)
    sub = await engine.subscribe(items, mode="ltp", on_tick=lambda _t: None)  # type: ignore[arg-type]
    assert sub.mode is StreamMode.LTP
    await eventually(lambda: feed.live[0].subscribed == {1: "LTP"}, what="LTP on the wire")


async def test_close_leaves_no_task_and_no_thread_and_ends_every_subscription(
        feed: FeedServer, make_engine: EngineFactory) -> None:
    threads_before = set(threading.enumerate())
    tasks_before = asyncio.all_tasks()
    items = stocks(4)
    engine = make_engine(items, per_connection=2, ping_interval=0.01)
    ticks: list[Tick] = []
    sub = await engine.subscribe(items, on_tick=ticks.append)
    iterator = engine.stream(items[:1])
    await anext(iterator)
    await eventually(lambda: ticks, what="a tick")

    await engine.close()

    await asyncio.wait_for(sub.wait_closed(), 1)
    await iterator.aclose()
    leftover = {t for t in asyncio.all_tasks() - tasks_before if not t.done()} - {asyncio.current_task()}
    assert leftover == set(), [t.get_name() for t in leftover]
    assert set(threading.enumerate()) <= threads_before
    await eventually(lambda: not feed.live, what="the server to see every socket closed")
    with pytest.raises(StreamingError, match="closed"):
        await engine.subscribe(items, on_tick=print)
    await engine.close()  # idempotent
    assert isinstance(StreamingError("x"), TTConnectError)
