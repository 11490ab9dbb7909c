"""Sharding across connections, the subscription limit, and shared instruments."""

from __future__ import annotations

import pytest
from tt_connect.enums import StreamMode
from tt_connect.errors import SubscriptionLimitError
from tt_connect.models import Tick
from tt_connect.testing import eventually

from tests.streaming.conftest import EngineFactory, stocks
from tests.streaming.fake_feed import FeedServer


async def test_more_instruments_than_a_connection_allows_are_sharded(
        feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(5)
    engine = make_engine(items, per_connection=2, connections=3)
    ticks: list[Tick] = []
    await engine.subscribe(items, on_tick=ticks.append)

    await eventually(lambda: len(feed.live) == 3, what="three sockets")
    await eventually(lambda: sorted(len(s.subscribed) for s in feed.live) == [1, 2, 2], what="2 + 2 + 1 instruments")
    tokens = [t for s in feed.live for t in s.subscribed]
    assert sorted(tokens) == [1, 2, 3, 4, 5], "each instrument on exactly one socket"
    await eventually(lambda: {t.instrument for t in ticks} == set(items), what="ticks from every shard")
    assert engine.stats.connections == 3


async def test_past_every_connection_s_capacity_subscribe_is_refused_with_the_numbers(
        feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(7)
    engine = make_engine(items, per_connection=2, connections=3)
    await engine.subscribe(items[:5], on_tick=lambda _t: None)

    with pytest.raises(SubscriptionLimitError, match=r"7 instruments exceed fake's limit of 6 \(3 connections x 2"):
        await engine.subscribe(items[5:], on_tick=lambda _t: None)

    assert sorted(t for s in feed.live for t in s.subscribed) == [1, 2, 3, 4, 5], "nothing half-subscribed"
    await engine.subscribe(items[5:6], on_tick=lambda _t: None)  # exactly at the limit is fine
    await eventually(lambda: sorted(t for s in feed.live for t in s.subscribed) == [1, 2, 3, 4, 5, 6],
                     what="the sixth instrument subscribed")


async def test_overlapping_subscribers_share_one_subscription_in_the_highest_mode(
        feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(3)
    engine = make_engine(items)
    first: list[Tick] = []
    second: list[Tick] = []
    ltp = await engine.subscribe(items[:2], mode=StreamMode.LTP, on_tick=first.append)
    full = await engine.subscribe(items[1:], mode=StreamMode.FULL, on_tick=second.append)

    await eventually(lambda: feed.live[0].subscribed == {1: "LTP", 2: "FULL", 3: "FULL"},
                     what="the shared instrument in FULL")
    await eventually(lambda: {t.instrument for t in first} == set(items[:2])
                     and {t.instrument for t in second} == set(items[1:]), what="ticks to both subscribers")
    assert {t.instrument for t in first} == set(items[:2]), "each subscriber gets only its instruments"
    assert {t.instrument for t in second} == set(items[1:])
    assert len(feed.opened) == 1

    await full.unsubscribe()
    await eventually(lambda: feed.live[0].subscribed == {1: "LTP", 2: "LTP"},
                     what="the shared instrument back to LTP, the other dropped")
    assert not ltp.closed


async def test_a_connection_left_without_instruments_is_closed(feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(4)
    engine = make_engine(items, per_connection=2, connections=2)
    await engine.subscribe(items[:2], on_tick=lambda _t: None)
    second = await engine.subscribe(items[2:], on_tick=lambda _t: None)
    await eventually(lambda: len(feed.live) == 2, what="two sockets")

    await second.unsubscribe()

    await eventually(lambda: len(feed.live) == 1, what="the emptied socket closed")
    assert engine.stats.connections == 1
    assert feed.live[0].subscribed == {1: "FULL", 2: "FULL"}
