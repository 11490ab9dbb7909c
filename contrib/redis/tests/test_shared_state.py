"""Rate-limit windows, the session and the login, shared through a real Redis.

Separate limiter and auth objects, each with its own Redis connections, stand for separate
processes (the benchmark runs ten real processes against the Kite emulator).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from redis.asyncio import Redis
from redis_bus import RedisServer
from tt_connect.auth import AuthManager
from tt_connect.driver_api import HttpRequest, HttpResponse, RateClass, RateLimits
from tt_connect.transport import AiohttpTransport, RateLimiter
from tt_connect_redis import RedisLoginLock, RedisSessionStore, RedisWindowStore
from tt_connect_redis.connection import connect
from tt_connect_zerodha.auth import KiteAuth
from tt_connect_zerodha.config import ZerodhaConfig
from tt_connect_zerodha.emulator import KiteEmulator

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


@pytest.fixture
def kite() -> Iterator[KiteEmulator]:
    with KiteEmulator() as emulator:
        yield emulator


def _config(kite: KiteEmulator) -> ZerodhaConfig:
    return ZerodhaConfig(**kite.driver_config(user_id=kite.user_id, password=kite.password,
                                              totp_secret=kite.totp_secret, web_login=True))


async def test_one_login_serves_every_process_and_a_renewal_logs_in_once(
        kite: KiteEmulator, redis_server: RedisServer) -> None:
    transport = AiohttpTransport()
    logins: list[str] = []

    async def send(request: HttpRequest) -> HttpResponse:
        if request.endpoint == "web.login":
            logins.append(request.url)
        return await transport.send(request, timeout=10.0)

    clients = [connect(redis_server.url) for _ in range(3)]
    stores = [RedisSessionStore(redis_server.url) for _ in range(3)]
    managers = [AuthManager(broker="zerodha", spec=KiteAuth(_config(kite)), store=store, account="user:ZE1234",
                            send=send, login_lock=RedisLoginLock(client))
                for store, client in zip(stores, clients)]
    try:
        sessions = await asyncio.gather(*(m.session() for m in managers))
        assert len(logins) == 1, "three processes starting together log in once"
        assert len({s.access_token for s in sessions}) == 1
        kite.faults.expire_sessions()
        renewed = await asyncio.gather(*(m.renew(sessions[0]) for m in managers))
        assert len(logins) == 2, "and renew the dead session once"
        assert len({s.access_token for s in renewed}) == 1 and renewed[0].access_token != sessions[0].access_token
        async with Redis.from_url(redis_server.url) as probe:
            ttl = await probe.ttl("ttc:session:zerodha:user:ZE1234")
        assert 0 < ttl <= 86_400, "the stored session expires in Redis when the broker's does"
    finally:
        await transport.close()
        for client in clients:
            await client.aclose()
        for store in stores:
            store.close()


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
