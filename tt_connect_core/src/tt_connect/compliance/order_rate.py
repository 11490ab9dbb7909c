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
import collections
import time
from collections.abc import Awaitable, Callable

__all__ = ["OrderRateLimiter"]


class OrderRateLimiter:
    """A sliding window per exchange; ``acquire`` waits for room (FIFO per exchange, cancellation-safe)."""

    def __init__(self, per_second: float, *, margin: float = 0.1, now: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.per_second = per_second
        self.window = 1.0 + margin
        self._now = now
        self._sleep = sleep
        self._sent: dict[str, collections.deque[float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, exchange: str) -> None:
        """Wait until one more order to ``exchange`` stays within the rate, then count it."""
        if self.per_second <= 0:
            return
        limit = int(self.per_second)
        sent = self._sent.setdefault(exchange, collections.deque())
        lock = self._locks.setdefault(exchange, asyncio.Lock())
        async with lock:
            while True:
                now = self._now()
                while sent and sent[0] <= now - self.window:
                    sent.popleft()
                if len(sent) < limit:
                    sent.append(now)
                    return
                await self._sleep(sent[0] + self.window - now)
