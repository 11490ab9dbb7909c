"""The regulatory order rate: at most N orders, modifications and cancellations a second per exchange.

Under SEBI's retail algo framework (in force since 1 April 2026) a client sending more than 10 orders a
second on an exchange must be a registered algo; brokers count modifications and cancellations too.
This limiter runs before each broker's own rate classes. It counts a window slightly longer than a
second (``margin``), because the exchange counts orders when they *arrive*: a first order on a new
connection arrives later than the next one on a warm one, and a window exactly one second long on
the sending side lets both ends of it land inside one second at the other end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from tt_connect.transport.rate_limit import MemoryWindowStore, WindowStore

__all__ = ["OrderRateLimiter"]


class OrderRateLimiter:
    """A sliding window per exchange; ``acquire`` waits for room (FIFO per exchange, cancellation-safe).

    The windows live in a :class:`~tt_connect.transport.WindowStore`: this process's memory unless
    :meth:`share` hands it the account's shared store, so that every process of the account keeps
    to the rate together (the exchange counts the client's orders, not one process's).
    """

    def __init__(self, per_second: float, *, margin: float = 0.1, now: Callable[[], float] = time.monotonic,
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

    async def acquire(self, exchange: str) -> None:
        """Wait until one more order to ``exchange`` stays within the rate, then count it."""
        if self.per_second <= 0:
            return
        windows = ((float(int(self.per_second)), self.window),)
        lock = self._locks.setdefault(exchange, asyncio.Lock())
        async with lock:
            while True:
                wait = await self._store.reserve(f"{self._scope}:{exchange}", windows, 1)
                if wait <= 0:
                    return
                await self._sleep(wait)
