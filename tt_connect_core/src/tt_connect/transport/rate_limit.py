"""Client-side rate limiting per rate class: sliding windows that are never exceeded.

Each class keeps the send times of its recent calls per window (second,
minute, hour, day). A caller waits until every window has room; waits are
cancellation-safe (a cancelled waiter takes no slot) and bounded: past
``max_queue`` waiters the call fails with ``RateLimitQueueFullError`` instead
of growing an unbounded backlog.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable

from tt_connect.driver_api import RateClass, RateLimits
from tt_connect.errors import RateLimitQueueFullError
from tt_connect.timeutil import Clock, SystemClock

__all__ = ["RateLimiter"]

_WINDOWS = (("per_second", 1.0), ("per_minute", 60.0), ("per_hour", 3600.0), ("per_day", 86400.0))


class _Bucket:
    def __init__(self, spec: RateClass) -> None:
        self.spec = spec
        self.windows = [(float(getattr(spec, attr)), span) for attr, span in _WINDOWS
                        if getattr(spec, attr) is not None]
        self.sent: collections.deque[tuple[float, int]] = collections.deque()
        self.lock = asyncio.Lock()
        self.waiting = 0

    def delay(self, now: float, cost: int) -> float:
        """Seconds until a call of ``cost`` fits every window (0 when it fits now)."""
        longest = max((span for _, span in self.windows), default=0.0)
        while self.sent and self.sent[0][0] <= now - longest:
            self.sent.popleft()
        wait = 0.0
        for limit, span in self.windows:
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


class RateLimiter:
    """Enforces a broker's :class:`RateLimits` for one client (one api key)."""

    def __init__(
        self,
        limits: RateLimits | None,
        *,
        clock: Clock | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limits = limits
        self._clock: Clock = clock or SystemClock()
        self._sleep = sleep
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, rate_class: str) -> _Bucket | None:
        if self._limits is None:
            return None
        spec = self._limits.get(rate_class)
        if spec is None:
            return None
        bucket = self._buckets.get(spec.name)
        if bucket is None:
            bucket = self._buckets[spec.name] = _Bucket(spec)
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
            async with bucket.lock:  # FIFO: one waiter computes and sleeps at a time
                while True:
                    now = self._clock.monotonic()
                    wait = bucket.delay(now, cost)
                    if wait <= 0:
                        bucket.sent.append((now, cost))
                        return
                    await self._sleep(wait)
        finally:
            bucket.waiting -= 1
