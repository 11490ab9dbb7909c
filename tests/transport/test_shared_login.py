"""Processes that share a session store and a login lock log in once between them.

Two AuthManagers stand for two processes: they share one store object and one lock (an
asyncio.Lock here; tt-connect-redis tests the same with Redis across processes).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from tt_connect.auth import AuthManager, MemoryStore
from tt_connect.driver_api import HttpRequest, HttpResponse
from tt_connect.transport import AiohttpTransport

from tests.transport.fake_broker import PASSWORD, TOTP_SECRET, FakeAuth, FakeBrokerServer, FakeConfig


class SharedLock:
    """One lock for every 'process' of the test, counting how often it was taken."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.taken = 0

    @contextlib.asynccontextmanager
    async def _held(self) -> AsyncIterator[None]:
        async with self.lock:
            self.taken += 1
            yield

    def hold(self, broker: str, account: str) -> contextlib.AbstractAsyncContextManager[None]:
        return self._held()


async def _managers(server: FakeBrokerServer, transport: AiohttpTransport, store: MemoryStore,
                    lock: SharedLock | None, n: int = 2) -> list[AuthManager]:
    config = FakeConfig(base_url=server.url, password=PASSWORD, totp_secret=TOTP_SECRET)

    async def send(request: HttpRequest) -> HttpResponse:
        return await transport.send(request, timeout=5.0)

    return [AuthManager(broker="fake", spec=FakeAuth(config), store=store, account="acct", send=send,
                        login_lock=lock) for _ in range(n)]


async def test_processes_renewing_a_dead_session_together_log_in_once(server: FakeBrokerServer) -> None:
    transport, store, lock = AiohttpTransport(), MemoryStore(), SharedLock()
    first, second = await _managers(server, transport, store, lock)
    try:
        dead = await first.session()
        assert await second.session() == dead, "the second process restores the first one's session"
        assert server.logins == 1
        server.login_delay = 0.05
        server.expire()
        renewed = await asyncio.gather(first.renew(dead), second.renew(dead))
        assert server.logins == 2, "one login for both processes"
        assert renewed[0].access_token == renewed[1].access_token != dead.access_token
        assert store.load("fake", "acct") == renewed[0]
        assert lock.taken == 3, "the first login, then each renewal waited for the lock"
    finally:
        await transport.close()


async def test_without_a_shared_lock_each_process_logs_in_itself(server: FakeBrokerServer) -> None:
    transport, store = AiohttpTransport(), MemoryStore()
    first, second = await _managers(server, transport, store, None)
    try:
        dead = await first.session()
        await second.session()
        server.login_delay = 0.05
        server.expire()
        await asyncio.gather(first.renew(dead), second.renew(dead))
        assert server.logins == 3, "the lock is what makes the renewal single-flight across processes"
    finally:
        await transport.close()
