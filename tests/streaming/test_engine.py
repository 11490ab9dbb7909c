"""The streaming engine against a real WebSocket server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web
from tt_connect import instruments
from tt_connect.driver_api import BrokerSymbol
from tt_connect.enums import Exchange, StreamMode
from tt_connect.errors import StreamingError, SubscriptionLimitError
from tt_connect.instruments import Equity
from tt_connect.models import Tick
from tt_connect.streaming import StreamEngine
from tt_connect.testing import StaticContext, eventually
from tt_connect.transport import AiohttpTransport

from tests.streaming.fake_feed import SEGMENT, FakeSpec, FeedServer


@pytest.fixture(autouse=True)
def _permissive() -> Iterator[None]:
    previous = instruments.set_validator(lambda _i: None)
    yield
    instruments.set_validator(previous)


@pytest.fixture
async def feed() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    app = web.Application()
    app.router.add_get("/ws", server.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.url = f"ws://127.0.0.1:{port}/ws"
    yield server
    await server.kill_all()
    await runner.cleanup()


def stocks(n: int) -> list[Equity]:
    return [Equity(exchange=Exchange.NSE, symbol=f"STOCK{i}") for i in range(1, n + 1)]


def context(items: list[Equity]) -> StaticContext:
    return StaticContext("fake", [(inst, BrokerSymbol(token=str(i), symbol=inst.symbol, exchange="NSE",
                                                     segment=SEGMENT, lot_size=1, tick_size=0.05))
                                  for i, inst in enumerate(items, start=1)])


@pytest.fixture
async def make_engine(feed: FeedServer) -> AsyncIterator[object]:
    made: list[tuple[StreamEngine, AiohttpTransport]] = []

    def build(items: list[Equity], **spec: object) -> StreamEngine:
        transport = AiohttpTransport()

        async def no_session() -> None:
            return None

        engine = StreamEngine(broker="fake", spec=FakeSpec(feed.url, **spec), transport=transport,  # type: ignore[arg-type]
                              ctx=context(items), session=no_session, backoff_base=0.01, backoff_max=0.05)
        made.append((engine, transport))
        return engine

    yield build
    for engine, transport in made:
        await engine.close()
        await transport.close()


async def test_a_killed_socket_reconnects_and_restores_every_subscription(feed: FeedServer, make_engine) -> None:
    items = stocks(3)
    engine = make_engine(items)
    ticks: list[Tick] = []
    await engine.subscribe(items[:2], mode=StreamMode.QUOTE, on_tick=ticks.append)
    await engine.subscribe(items[2:], mode=StreamMode.FULL, on_tick=ticks.append)
    await eventually(lambda: {t.instrument for t in ticks} == set(items), what="ticks for every instrument")
    await feed.kill_all()
    await eventually(lambda: engine.stats.reconnects >= 1, what="a reconnect")
    await eventually(lambda: feed.connections_opened >= 2 and feed.subscriptions[-1] == {1: "QUOTE", 2: "QUOTE",
                                                                                        3: "FULL"},
                     what="the same subscriptions with the same modes on the new socket")
    seen = len(ticks)
    await eventually(lambda: {t.instrument for t in ticks[seen:]} == set(items), what="ticks after the reconnect")


async def test_more_instruments_than_a_connection_allows_are_sharded(feed: FeedServer, make_engine) -> None:
    items = stocks(7)
    engine = make_engine(items, per_connection=2, connections=3)
    ticks: list[Tick] = []
    await engine.subscribe(items[:5], on_tick=ticks.append)
    await eventually(lambda: len(feed.sockets) == 3, what="three sockets")
    assert sorted(len(s) for s in feed.subscriptions) == [1, 2, 2]
    await eventually(lambda: {t.instrument for t in ticks} == set(items[:5]), what="ticks from every shard")
    with pytest.raises(SubscriptionLimitError, match="limit of 6"):
        await engine.subscribe(items[5:], on_tick=ticks.append)


async def test_a_slow_handler_keeps_memory_bounded_and_counts_conflation(feed: FeedServer, make_engine) -> None:
    items = stocks(3)
    engine = make_engine(items)
    peak = 0

    async def slow(tick: Tick) -> None:
        await asyncio.sleep(0.05)

    sub = await engine.subscribe(items, on_tick=slow)
    for _ in range(60):
        await asyncio.sleep(0.01)
        peak = max(peak, sub.queued)
    assert peak <= len(items), "never more queued ticks than instruments"
    assert sub.stats.conflated > 0 and sub.stats.ticks_received > sub.stats.ticks_delivered


async def test_unsubscribe_stops_ticks(feed: FeedServer, make_engine) -> None:
    items = stocks(2)
    engine = make_engine(items)
    ticks: list[Tick] = []
    sub = await engine.subscribe(items, on_tick=ticks.append)
    await eventually(lambda: len(ticks) > 5, what="ticks")
    await engine.unsubscribe([items[0]])
    await eventually(lambda: feed.subscriptions[-1] == {2: "FULL"}, what="the server to drop token 1")
    seen = len(ticks)
    await eventually(lambda: len(ticks) > seen + 5, what="more ticks of the other instrument")
    assert all(t.instrument == items[1] for t in ticks[seen + 1:])
    await sub.unsubscribe()
    await eventually(lambda: feed.subscriptions[-1] == {}, what="the server to drop everything")


async def test_a_stale_feed_is_dropped_and_reconnected(feed: FeedServer, make_engine) -> None:
    items = stocks(1)
    engine = make_engine(items, stale_after=0.2)
    ticks: list[Tick] = []
    await engine.subscribe(items, on_tick=ticks.append)
    await eventually(lambda: ticks, what="a tick")
    feed.silent = True
    await eventually(lambda: engine.stats.reconnects >= 1, what="a reconnect after silence")
    feed.silent = False
    seen = len(ticks)
    await eventually(lambda: len(ticks) > seen, what="ticks again")


async def test_a_raising_handler_does_not_stop_the_stream(feed: FeedServer, make_engine) -> None:
    items = stocks(1)
    engine = make_engine(items)
    calls: list[Tick] = []

    def flaky(tick: Tick) -> None:
        calls.append(tick)
        raise ValueError("strategy bug")

    await engine.subscribe(items, on_tick=flaky)
    await eventually(lambda: len(calls) >= 3, what="the handler to keep being called")


async def test_bad_subscriptions_are_refused(feed: FeedServer, make_engine) -> None:
    engine = make_engine(stocks(1))
    with pytest.raises(StreamingError):
        await engine.subscribe(["RELIANCE"], on_tick=print)  # type: ignore[list-item]
    with pytest.raises(StreamingError):
        await engine.subscribe([], on_tick=print)
    with pytest.raises(StreamingError):
        await engine.subscribe(stocks(1), mode="FAST", on_tick=print)  # type: ignore[arg-type]


async def test_close_leaves_no_task_behind(feed: FeedServer) -> None:
    items = stocks(2)
    transport = AiohttpTransport()

    async def no_session() -> None:
        return None

    engine = StreamEngine(broker="fake", spec=FakeSpec(feed.url), transport=transport, ctx=context(items),  # type: ignore[arg-type]
                          session=no_session)
    ticks: list[Tick] = []
    await engine.subscribe(items, on_tick=ticks.append)
    await eventually(lambda: ticks, what="a tick")
    await engine.close()
    await transport.close()
    leftover = [t for t in asyncio.all_tasks() if "tt_connect" in repr(t.get_coro())
                and t is not asyncio.current_task()]
    assert leftover == []
