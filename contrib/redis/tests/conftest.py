"""Fixtures: a real redis-server per test (see redis_bus.py), a ticking paper client, a bus, and the
example driver's emulator (an account with a key-and-secret login and 5 orders/s)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis_bus import Bus, RedisServer
from tt_connect import AsyncTTConnect
from tt_connect_acme.emulator import AcmeEmulator


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def redis_client(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    yield client
    with contextlib.suppress(Exception):
        await client.aclose()


@pytest.fixture
async def paper(tmp_path: Path) -> AsyncIterator[AsyncTTConnect]:
    """A connected paper client ticking every 20 ms: the hub's broker (and the instrument master)."""
    client = AsyncTTConnect("paper", {"tick_interval": 0.02}, instruments_db=":memory:", session_store="memory")
    await client.connect()
    yield client
    await client.close()


@pytest.fixture
async def bus(redis_server: RedisServer, paper: AsyncTTConnect) -> AsyncIterator[Bus]:
    made = Bus(redis_server, paper)
    yield made
    await made.close()


@pytest.fixture
def acme() -> Iterator[AcmeEmulator]:
    with AcmeEmulator() as emulator:
        yield emulator
