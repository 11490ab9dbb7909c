"""Client-side rate limiting per rate class: sliding windows that are never exceeded.

Each class keeps the send times of its recent calls per window (second,
minute, hour, day). A caller waits until every window has room; waits are
cancellation-safe (a cancelled waiter takes no slot) and bounded: past
``max_queue`` waiters the call fails with ``RateLimitQueueFullError`` instead
of growing an unbounded backlog.

Where the windows live is a :class:`WindowStore`. The default keeps them in
this process (:class:`MemoryWindowStore`); a shared store (``tt-connect-redis``)
makes every process on one api key count against the same windows, so ten
strategy processes together stay under the broker's limits.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from tt_connect.driver_api import RateClass, RateLimits
from tt_connect.errors import RateLimitQueueFullError
from tt_connect.timeutil import Clock, SystemClock

__all__ = ["MemoryWindowStore", "RateLimiter", "Window", "WindowStore", "windows_of"]

_WINDOWS = (("per_second", 1.0), ("per_minute", 60.0), ("per_hour", 3600.0), ("per_day", 86400.0))

Window = tuple[float, float]
"""(most calls allowed, span in seconds)."""


def windows_of(spec: RateClass) -> tuple[Window, ...]:
    """Return a rate class's windows as (limit, span) pairs, shortest span first."""
    return tuple((float(getattr(spec, attr)), span) for attr, span in _WINDOWS if getattr(spec, attr) is not None)


class WindowStore(Protocol):
    """Keeps the send log of rate-limit buckets; shared by every limiter that uses it."""

    async def reserve(self, key: str, windows: Sequence[Window], cost: int) -> float:
        """Record a call of ``cost`` under ``key`` and return 0 if every window has room now.

        Otherwise record nothing and return the seconds until the call would fit. The check
        and the record are one atomic step, also across processes for a shared store.
        """
        ...


class _Log:
    """One bucket's recent sends, oldest first: (time, cost)."""

    def __init__(self) -> None:
        self.sent: collections.deque[tuple[float, int]] = collections.deque()

    def delay(self, windows: Sequence[Window], now: float, cost: int) -> float:
        """Seconds until a call of ``cost`` fits every window (0 when it fits now)."""
        longest = max((span for _, span in windows), default=0.0)
        while self.sent and self.sent[0][0] <= now - longest:
            self.sent.popleft()
        wait = 0.0
        for limit, span in windows:
            used = 0
            # Walk back from the newest send until the window would have room.
            for stamp, weight in reversed(self.sent):
                if stamp <= now - span:
                    break
                used += weight
            if used + cost <= limit:
                continue
            excess = used + cost - limit
            freed = 0
            for stamp, weight in self.sent:
                if stamp <= now - span:
                    continue
                freed += weight
                if freed >= excess:
                    wait = max(wait, stamp + span - now)
                    break
        return wait


class MemoryWindowStore:
    """Windows in this process, timed by ``monotonic`` (the default store)."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._logs: dict[str, _Log] = {}

    def recorded(self, key: str) -> int:
        """Return the cost recorded under ``key`` and not yet forgotten (for tests and diagnostics)."""
        log = self._logs.get(key)
        return 0 if log is None else sum(cost for _, cost in log.sent)

    async def reserve(self, key: str, windows: Sequence[Window], cost: int) -> float:
        log = self._logs.get(key)
        if log is None:
            log = self._logs[key] = _Log()
        now = self._monotonic()
        wait = log.delay(windows, now, cost)
        if wait <= 0:
            log.sent.append((now, cost))
        return wait


class _Bucket:
    def __init__(self, spec: RateClass, key: str) -> None:
        self.spec = spec
        self.key = key
        self.windows = windows_of(spec)
        self.lock = asyncio.Lock()
        self.waiting = 0


class RateLimiter:
    """Enforces a broker's :class:`RateLimits` for one client (one api key).

    Parameters
    ----------
    limits
        The driver's rate classes; None means no client-side limiting.
    clock, sleep
        Time source of the default store, and how waits happen (tests pass virtual ones).
    store
        Where the windows live (default: this process only).
    scope
        Prefix of every bucket key in the store: the broker and the account or api key the
        limits are counted against, so clients of different accounts never share windows.
    """

    def __init__(
        self,
        limits: RateLimits | None,
        *,
        clock: Clock | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        store: WindowStore | None = None,
        scope: str = "",
    ) -> None:
        self._limits = limits
        self._sleep = sleep
        self._store: WindowStore = store or MemoryWindowStore((clock or SystemClock()).monotonic)
        self._scope = scope
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, rate_class: str) -> _Bucket | None:
        if self._limits is None:
            return None
        spec = self._limits.get(rate_class)
        if spec is None:
            return None
        bucket = self._buckets.get(spec.name)
        if bucket is None:
            key = f"{self._scope}:{spec.name}" if self._scope else spec.name
            bucket = self._buckets[spec.name] = _Bucket(spec, key)
        return bucket

    async def acquire(self, rate_class: str, cost: int = 1) -> None:
        """Wait for room in every window of the class, then record the call."""
        bucket = self._bucket(rate_class)
        if bucket is None:
            return
        if bucket.waiting >= bucket.spec.max_queue:
            raise RateLimitQueueFullError(
                f"{bucket.waiting} calls are already waiting for the {bucket.spec.name!r} rate limit; "
                "slow down the caller", retry_after=1.0)
        bucket.waiting += 1
        try:
            async with bucket.lock:  # FIFO: one waiter of this process asks the store and sleeps at a time
                while True:
                    wait = await self._store.reserve(bucket.key, bucket.windows, cost)
                    if wait <= 0:
                        return
                    await self._sleep(wait)
        finally:
            bucket.waiting -= 1
