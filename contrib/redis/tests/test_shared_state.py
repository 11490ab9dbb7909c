"""Rate-limit windows, the session and the login, shared through a real Redis.

Separate limiters and clients, each with its own Redis connections, stand for separate processes
(the benchmark runs ten real processes against the Kite emulator). The account is the example
driver's (examples/acme_driver): a key-and-secret login and Acme's 5 orders/s.
"""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis
from redis_bus import RedisServer
from tt_connect import AsyncTTConnect
from tt_connect.driver_api import RateClass, RateLimits
from tt_connect.transport import RateLimiter
from tt_connect_acme.emulator import AcmeEmulator
from tt_connect_redis import RedisLoginLock, RedisWindowStore
from tt_connect_redis.connection import connect

LIMITS = RateLimits(classes=(RateClass(name="orders", per_second=10, per_minute=400),))


async def test_processes_on_one_api_key_never_exceed_the_windows_together(redis_server: RedisServer) -> None:
    clients = [connect(redis_server.url) for _ in range(3)]
    limiters = [RateLimiter(LIMITS, store=RedisWindowStore(c), scope="zerodha:key-a") for c in clients]
    other_account = RateLimiter(LIMITS, store=RedisWindowStore(clients[0]), scope="zerodha:key-b")
    stamps: list[float] = []

    async def send(limiter: RateLimiter, n: int) -> None:
        for _ in range(n):
            await limiter.acquire("orders")
            stamps.append(time.monotonic())

    try:
        started = time.monotonic()
        await asyncio.gather(*(send(limiter, 9) for limiter in limiters))
        elapsed = time.monotonic() - started
        stamps.sort()
        for i, first in enumerate(stamps):
            in_window = sum(1 for s in stamps[i:] if s < first + 1.0 - 0.005)  # 5 ms: two clocks, one Redis
            assert in_window <= 10, f"{in_window} calls in one second across the three processes"
        assert elapsed >= 2.0, "27 calls at 10/s need two full seconds of waiting"
        quick = time.monotonic()
        for _ in range(10):
            await other_account.acquire("orders")
        assert time.monotonic() - quick < 0.5, "another api key has windows of its own"
    finally:
        for client in clients:
            await client.aclose()


async def test_one_login_serves_every_process_and_a_renewal_logs_in_once(
        acme: AcmeEmulator, redis_server: RedisServer) -> None:
    clients = [AsyncTTConnect("acme", acme.driver_config(), account_store=redis_server.url,
                              instruments_db=":memory:") for _ in range(3)]
    try:
        await asyncio.gather(*(c.connect() for c in clients))
        assert acme.sessions.live() == 1, "three processes starting together log in once"
        acme.faults.expire_sessions()
        profiles = await asyncio.gather(*(c.profile() for c in clients))
        assert len(profiles) == 3
        assert acme.sessions.live() == 1, "and renew the dead session once, together"
        async with Redis.from_url(redis_server.url) as probe:
            keys = [k async for k in probe.scan_iter("ttc:session:acme:*")]
            assert len(keys) == 1
            ttl = await probe.ttl(keys[0])
        assert 0 < ttl <= 86_400, "the stored session expires in Redis when the broker's does"
    finally:
        for client in clients:
            await client.close()


async def test_a_login_lock_left_by_a_dead_process_frees_itself(redis_server: RedisServer) -> None:
    client = connect(redis_server.url)
    try:
        dead = RedisLoginLock(client, expiry=0.3)
        held = dead.hold("zerodha", "acct")
        await held.__aenter__()  # the holder dies here, without releasing
        started = time.monotonic()
        async with RedisLoginLock(client, expiry=5.0, wait=5.0).hold("zerodha", "acct"):
            waited = time.monotonic() - started
        assert 0.1 < waited < 2.0, "the next login waited for the lock's expiry, not for ever"
    finally:
        await client.aclose()
