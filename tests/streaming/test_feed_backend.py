"""The engine over a feed other than the broker's sockets: the FeedBackend seam."""

from __future__ import annotations

import asyncio
import datetime as _dt
from collections.abc import Collection, Mapping

import pytest
from tt_connect.enums import OrderStatus, OrderType, ProductType, Side, StreamMode
from tt_connect.errors import SubscriptionLimitError
from tt_connect.instruments import Instrument
from tt_connect.models import Order, OrderUpdate, Tick
from tt_connect.streaming import FeedSink, StreamEngine
from tt_connect.testing import eventually
from tt_connect.timeutil import IST

from tests.streaming.conftest import stocks

NOW = _dt.datetime(2026, 1, 5, 10, 0, tzinfo=IST)


class ScriptedFeed:
    """A feed the test drives by hand: it records what the engine wants and pushes events."""

    carries_order_updates = True

    def __init__(self, capacity: int = 100) -> None:
        self.capacity = capacity
        self.sink: FeedSink | None = None
        self.wanted: list[tuple[dict[Instrument, StreamMode], bool]] = []
        self.acknowledged: list[OrderUpdate] = []
        self.closed = False

    @property
    def live_connections(self) -> int:
        return 0 if self.closed else 1

    def bind(self, sink: FeedSink) -> None:
        self.sink = sink

    def check(self, instruments: Collection[Instrument]) -> None:
        if len(instruments) > self.capacity:
            raise SubscriptionLimitError(f"{len(instruments)} > {self.capacity}")

    async def want(self, wanted: Mapping[Instrument, StreamMode], order_updates: bool) -> None:
        self.wanted.append((dict(wanted), order_updates))

    async def until_live(self, instruments: Collection[Instrument], order_updates: bool, timeout: float) -> None:
        return None

    def acknowledge(self, update: OrderUpdate) -> None:
        self.acknowledged.append(update)

    async def reconnect(self) -> None:
        return None

    async def close(self) -> None:
        self.closed = True

    def push(self, *events: Tick | OrderUpdate) -> bool:
        assert self.sink is not None
        return self.sink.deliver(list(events))


def tick(instrument: Instrument, price: float) -> Tick:
    return Tick(instrument=instrument, mode=StreamMode.LTP, last_price=price, received_at=NOW)  # type: ignore[arg-type]


def update(order_id: str) -> OrderUpdate:
    (infy,) = stocks(1)
    order = Order(order_id=order_id, instrument=infy, side=Side.BUY, qty=1, order_type=OrderType.MARKET,
                  product=ProductType.CNC, status=OrderStatus.COMPLETE)
    return OrderUpdate(order=order, received_at=NOW)


@pytest.fixture
def scripted() -> ScriptedFeed:
    return ScriptedFeed(capacity=3)


async def test_engine_tells_the_feed_the_merged_wanted_state_in_the_highest_mode(scripted: ScriptedFeed) -> None:
    a, b = stocks(2)
    engine = StreamEngine(broker="bus", feed=scripted)
    first = await engine.subscribe([a], mode=StreamMode.LTP, on_tick=lambda t: None)
    await engine.subscribe([a, b], mode=StreamMode.FULL, on_tick=lambda t: None)
    assert scripted.wanted[-1] == ({a: StreamMode.FULL, b: StreamMode.FULL}, False)
    await first.unsubscribe()
    await engine.unsubscribe([b])
    assert scripted.wanted[-1] == ({a: StreamMode.FULL}, False)
    await engine.close()
    assert scripted.closed


async def test_a_feed_refusal_subscribes_nothing(scripted: ScriptedFeed) -> None:
    engine = StreamEngine(broker="bus", feed=scripted)
    with pytest.raises(SubscriptionLimitError):
        await engine.subscribe(stocks(4), on_tick=lambda t: None)
    assert scripted.wanted == []
    assert engine.stats.connections == 1
    await engine.close()


async def test_feed_events_reach_handlers_with_conflation_per_instrument(scripted: ScriptedFeed) -> None:
    a, b = stocks(2)
    engine = StreamEngine(broker="bus", feed=scripted)
    seen: list[tuple[Instrument, float]] = []
    release = asyncio.Event()

    async def slow(t: Tick) -> None:
        await release.wait()
        seen.append((t.instrument, t.last_price))

    sub = await engine.subscribe([a, b], mode=StreamMode.LTP, on_tick=slow)
    scripted.push(tick(a, 1.0))
    await asyncio.sleep(0)  # the handler takes the first tick and blocks
    assert scripted.push(tick(a, 2.0), tick(b, 5.0), tick(a, 3.0))
    release.set()
    await eventually(lambda: len(seen) == 3)
    assert seen == [(a, 1.0), (b, 5.0), (a, 3.0)]
    assert sub.stats.conflated == 1
    await engine.close()


async def test_order_update_is_acknowledged_only_after_every_subscriber_handled_it(scripted: ScriptedFeed) -> None:
    engine = StreamEngine(broker="bus", feed=scripted)
    release = asyncio.Event()
    handled: list[str] = []

    async def slow(u: OrderUpdate) -> None:
        await release.wait()
        handled.append(u.order.order_id)

    await engine.subscribe([], on_order_update=lambda u: handled.append(u.order.order_id))
    await engine.subscribe([], on_order_update=slow)
    assert scripted.wanted[-1] == ({}, True)
    event = update("O1")
    scripted.push(event)
    await eventually(lambda: handled == ["O1"])
    assert scripted.acknowledged == []
    release.set()
    await eventually(lambda: scripted.acknowledged == [event])
    assert handled == ["O1", "O1"]
    await engine.close()


async def test_an_update_discarded_unhandled_is_never_acknowledged(scripted: ScriptedFeed) -> None:
    engine = StreamEngine(broker="bus", feed=scripted)
    started = asyncio.Event()

    async def stuck(u: OrderUpdate) -> None:
        started.set()
        await asyncio.Event().wait()

    sub = await engine.subscribe([], on_order_update=stuck)
    scripted.push(update("O1"), update("O2"))
    await started.wait()
    await sub.unsubscribe()  # O1 is cancelled mid-handler, O2 was still waiting
    assert scripted.acknowledged == []
    await engine.close()
