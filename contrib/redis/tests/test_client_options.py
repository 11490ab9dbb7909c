"""The ordinary client API with the bus configured: ``feed=`` and ``account_store=`` (real Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis_bus import RedisServer
from tt_connect import AsyncTTConnect
from tt_connect.enums import Exchange, OrderType, ProductType, Side, StreamMode
from tt_connect.errors import ConfigurationError
from tt_connect.instruments import Equity
from tt_connect.models import Tick
from tt_connect.sharing import broker_feed, bus_namespace
from tt_connect.testing import eventually
from tt_connect_acme.emulator import AcmeEmulator
from tt_connect_redis import BusKeys, FeedHub
from tt_connect_redis.connection import connect


@pytest.fixture
async def paper_hub(redis_server: RedisServer, paper: AsyncTTConnect) -> AsyncIterator[FeedHub]:
    client = connect(redis_server.url)
    hub = FeedHub(redis=client, keys=BusKeys(bus_namespace(paper)), source=await broker_feed(paper), lease=2.0)
    await hub.start()
    yield hub
    await hub.close()
    await client.aclose()


async def test_a_client_given_a_feed_url_subscribes_through_the_hub_with_the_ordinary_api(
        redis_server: RedisServer, paper_hub: FeedHub) -> None:
    infy = Equity(exchange=Exchange.NSE, symbol="INFY")
    async with AsyncTTConnect("paper", {"tick_interval": 0.02}, feed=redis_server.url, instruments_db=":memory:",
                              session_store="memory") as strategy:
        ticks: list[Tick] = []
        sub = await strategy.subscribe([infy], on_tick=ticks.append, mode=StreamMode.QUOTE)
        await eventually(lambda: paper_hub.wanted == {infy: StreamMode.QUOTE}, what="the hub holds it for us")
        await eventually(lambda: len(ticks) >= 3, what="ticks through the bus")
        assert all(t.instrument == infy and t.mode is StreamMode.QUOTE for t in ticks)
        stats = strategy.stream_stats()
        assert stats is not None and stats.connections == 1 and stats.ticks_delivered >= 3
        await sub.unsubscribe()
        await eventually(lambda: paper_hub.wanted == {}, what="and lets it go")


def test_a_feed_url_nobody_serves_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match="ftp"):
        asyncio.run(_subscribe_with_feed("ftp://127.0.0.1/bus"))
    with pytest.raises(ConfigurationError):
        AsyncTTConnect("paper", login_lock=object())


async def _subscribe_with_feed(url: str) -> None:
    async with AsyncTTConnect("paper", feed=url, instruments_db=":memory:", session_store="memory") as strategy:
        await strategy.subscribe([Equity(exchange=Exchange.NSE, symbol="INFY")], on_tick=lambda t: None)


async def test_clients_sharing_an_account_store_keep_together_to_one_order_window(
        acme: AcmeEmulator, redis_server: RedisServer) -> None:
    clients = [AsyncTTConnect("acme", acme.driver_config(), account_store=redis_server.url,
                              instruments_db=":memory:") for _ in range(3)]
    try:
        await asyncio.gather(*(c.connect() for c in clients))
        infy = Equity(exchange=Exchange.NSE, symbol="INFY")

        async def place(client: AsyncTTConnect, n: int) -> list[str]:
            return [await client.place_order(instrument=infy, qty=1, side=Side.BUY, product=ProductType.MIS,
                                             order_type=OrderType.MARKET) for _ in range(n)]

        placed = await asyncio.gather(*(place(c, 3) for c in clients))
        assert sum(len(ids) for ids in placed) == 9
        assert acme.rate_limited == 0, "9 orders from three clients at once, none over Acme's 5/s"
    finally:
        for client in clients:
            await client.close()
