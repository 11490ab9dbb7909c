"""Client-side rate limiting per rate class: sliding windows the broker agrees with.

A broker counts a request when it *arrives*. A client only knows when it sent one and when the
reply came back; the arrival lies somewhere between. Counting sends lets two batches a full window
apart at the client land closer together at the broker (the first opens new connections and arrives
late, the next reuses warm ones and arrives early), so the broker sees more than its limit.

So a call holds its slot from the moment it takes it until its reply (or failure) comes back, and is
then counted at the reply's time, which is never earlier than its arrival. The next call that needs
that slot leaves a full window after the reply: two arrivals in one window of the broker's length can
never exceed its limit, whatever the connection set-up or event-loop delays, with no margin to guess.
The price is one round trip per window (about 1 % at 10 ms on a 1 s window).

Where the windows live is a :class:`WindowStore`. The default keeps them in this process
(:class:`MemoryWindowStore`); a shared store (``tt-connect-redis``) makes every process on one api key
count against the same windows. Waits are cancellation-safe (a cancelled waiter takes no slot) and
bounded: past ``max_queue`` waiters a call fails with ``RateLimitQueueFullError``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol

from tt_connect.driver_api import RateClass, RateLimits
from tt_connect.errors import RateLimitQueueFullError
from tt_connect.timeutil import Clock, SystemClock

__all__ = ["MemoryWindowStore", "RateLimiter", "Window", "WindowStore", "settle", "take", "windows_of"]

_WINDOWS = (("per_second", 1.0), ("per_minute", 60.0), ("per_hour", 3600.0), ("per_day", 86400.0))

PENDING_POLL = 0.005
"""Seconds a waiter sleeps before looking again when a call still awaiting its reply holds the slot."""

Window = tuple[float, float]
"""(most calls allowed, span in seconds)."""

_tickets = itertools.count(1)


def windows_of(spec: RateClass) -> tuple[Window, ...]:
    """Return a rate class's windows as (limit, span) pairs, shortest span first."""
    return tuple((float(getattr(spec, attr)), span) for attr, span in _WINDOWS if getattr(spec, attr) is not None)


class WindowStore(Protocol):
    """Keeps the log of rate-limit buckets; shared by every limiter that uses it."""

    async def reserve(self, key: str, windows: Sequence[Window], cost: int, ticket: str) -> float:
        """Record a call of ``cost`` under ``key`` as ``ticket`` and return 0 if every window has room now.

        Otherwise record nothing and return the seconds until the call may fit. The check and the
        record are one atomic step, also across processes for a shared store. The call is held in the
        windows as in flight until :meth:`settle` is given the same ticket.
        """
        ...

    async def settle(self, key: str, ticket: str) -> None:
        """The call's reply came back: count it at this instant from now on (the latest it can have arrived)."""
        ...


class _Sent:
    __slots__ = ("cost", "pending", "stamp")

    def __init__(self, stamp: float, cost: int) -> None:
        self.stamp = stamp
        self.cost = cost
        self.pending = True


class _Log:
    """One bucket's recent calls, in the order they took their slots."""

    def __init__(self) -> None:
        self.sent: collections.deque[_Sent] = collections.deque()
        self.held: dict[str, _Sent] = {}

    def delay(self, windows: Sequence[Window], now: float, cost: int) -> float:
        """Seconds until a call of ``cost`` may fit every window (0 when it fits now).

        A call in flight counts as if it arrived now: its window cannot start to close before its reply.
        """
        longest = max((span for _, span in windows), default=0.0)
        sent = self.sent
        while sent and not sent[0].pending and sent[0].stamp <= now - longest:
            sent.popleft()
        wait = 0.0
        for limit, span in windows:
            since = now - span
            used = sum(s.cost for s in sent if s.pending or s.stamp > since)
            if used + cost <= limit:
                continue
            excess = used + cost - limit
            freed = 0
            for stamp, weight in sorted((now if s.pending else s.stamp, s.cost) for s in sent
                                        if s.pending or s.stamp > since):
                freed += weight
                if freed >= excess:
                    wait = max(wait, stamp + span - now if stamp < now else PENDING_POLL)
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
        return 0 if log is None else sum(s.cost for s in log.sent)

    async def reserve(self, key: str, windows: Sequence[Window], cost: int, ticket: str) -> float:
        log = self._logs.get(key)
        if log is None:
            log = self._logs[key] = _Log()
        now = self._monotonic()
        wait = log.delay(windows, now, cost)
        if wait <= 0:
            entry = _Sent(now, cost)
            log.sent.append(entry)
            log.held[ticket] = entry
        return wait

    async def settle(self, key: str, ticket: str) -> None:
        log = self._logs.get(key)
        entry = log.held.pop(ticket, None) if log is not None else None
        if entry is not None:
            entry.stamp = max(entry.stamp, self._monotonic())
            entry.pending = False


class _Bucket:
    def __init__(self, spec: RateClass, key: str) -> None:
        self.spec = spec
        self.key = key
        self.windows = windows_of(spec)
        self.lock = asyncio.Lock()
        self.waiting = 0


async def take(store: WindowStore, key: str, windows: Sequence[Window], cost: int,
               sleep: Callable[[float], Awaitable[None]]) -> str:
    """Wait until ``store`` records a call under ``key``; return its ticket (settle it after the reply)."""
    ticket = f"{id(store):x}.{next(_tickets)}"
    while True:
        wait = await store.reserve(key, windows, cost, ticket)
        if wait <= 0:
            return ticket
        await sleep(wait)


async def settle(store: WindowStore, key: str, ticket: str) -> None:
    """Settle ``ticket`` even while the caller is being cancelled (the slot must not stay in flight)."""
    await asyncio.shield(store.settle(key, ticket))


class _Unlimited(contextlib.AbstractAsyncContextManager[None]):
    """The slot of a class without limits: enters and leaves at once."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


_UNLIMITED = _Unlimited()


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

    def slot(self, rate_class: str, cost: int = 1) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold a slot of the class for the body (send the request and await its reply inside it).

        A class without limits gets a shared no-op context: no generator is made for it.
        """
        bucket = self._bucket(rate_class)
        if bucket is None:
            return _UNLIMITED
        return self._held(bucket, cost)

    @contextlib.asynccontextmanager
    async def _held(self, bucket: _Bucket, cost: int) -> AsyncIterator[None]:
        if bucket.waiting >= bucket.spec.max_queue:
            raise RateLimitQueueFullError(
                f"{bucket.waiting} calls are already waiting for the {bucket.spec.name!r} rate limit; "
                "slow down the caller", retry_after=1.0)
        bucket.waiting += 1
        try:
            async with bucket.lock:  # FIFO: one waiter of this process asks the store and sleeps at a time
                ticket = await take(self._store, bucket.key, bucket.windows, cost, self._sleep)
        finally:
            bucket.waiting -= 1
        try:
            yield
        finally:
            await settle(self._store, bucket.key, ticket)

    async def acquire(self, rate_class: str, cost: int = 1) -> None:
        """Take a slot for a call whose reply is not awaited here: it counts from now."""
        async with self.slot(rate_class, cost):
            pass
