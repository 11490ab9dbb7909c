"""The regulatory order rate: at most N orders, modifications and cancellations a second per exchange.

Under SEBI's retail algo framework (in force since 1 April 2026) a client sending more than 10 orders a
second on an exchange must be a registered algo; brokers count modifications and cancellations too.
This limiter runs before each broker's own rate classes. The exchange counts orders when they
*arrive*, so an order holds its place in the window until the broker's reply comes back and is then
counted at the reply's time (see :mod:`tt_connect.transport.rate_limit`): one second after that, the
next order may leave. ``margin`` lengthens the window further for a broker that forwards to the
exchange after replying (none known; 0 by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from tt_connect.transport.rate_limit import _UNLIMITED, MemoryWindowStore, WindowStore, settle, take

__all__ = ["OrderRateLimiter"]


class OrderRateLimiter:
    """A sliding window per exchange; ``slot`` waits for room (FIFO per exchange, cancellation-safe).

    The windows live in a :class:`~tt_connect.transport.WindowStore`: this process's memory unless
    :meth:`share` hands it the account's shared store, so that every process of the account keeps
    to the rate together (the exchange counts the client's orders, not one process's).
    """

    def __init__(self, per_second: float, *, margin: float = 0.0, now: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.per_second = per_second
        self.window = 1.0 + margin
        self._sleep = sleep
        self._store: WindowStore = MemoryWindowStore(now)
        self._scope = "orders"
        self._locks: dict[str, asyncio.Lock] = {}

    def share(self, store: WindowStore, scope: str) -> None:
        """Count in ``store`` under ``scope`` (the account), with every other process of the account."""
        self._store = store
        self._scope = f"{scope}:orders"

    def slot(self, exchange: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold one order's place in ``exchange``'s window while the body sends it and awaits the reply.

        With no rate (``per_second <= 0``) a shared no-op context: no generator is made per order.
        """
        if self.per_second <= 0:
            return _UNLIMITED
        return self._held(exchange)

    @contextlib.asynccontextmanager
    async def _held(self, exchange: str) -> AsyncIterator[None]:
        windows = ((float(int(self.per_second)), self.window),)
        key = f"{self._scope}:{exchange}"
        async with self._locks.setdefault(exchange, asyncio.Lock()):
            ticket = await take(self._store, key, windows, 1, self._sleep)
        try:
            yield
        finally:
            await settle(self._store, key, ticket)
