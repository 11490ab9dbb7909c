"""Faults a test injects into an emulator, and the request-rate windows that produce 429s.

Both are touched from two threads (the test's and the emulator's loop), so
every counter sits behind a lock.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["Faults", "RateWindow"]


class Faults:
    """The emulator's :class:`tt_connect.testing.FaultInjector`, plus HTTP failures on demand."""

    def __init__(self, expire_sessions: Callable[[], None], kill_streams: Callable[[], None],
                 close_market: Callable[[], None] | None = None, open_market: Callable[[], None] | None = None) -> None:
        self._expire = expire_sessions
        self._kill = kill_streams
        self._close_market = close_market
        self._open_market = open_market
        self._lock = threading.Lock()
        self._drops = 0
        self._failures: deque[int] = deque()
        self.ip_whitelisted = True
        """False: the caller is not on the account's static-IP whitelist, so order writes are refused."""
        self.rate_limited = 0
        """How many requests the emulator's own rate windows refused with a 429 (injected ones not counted)."""

    def drop_next_order_response(self) -> None:
        """Act on the next order placement, then close the connection without replying."""
        with self._lock:
            self._drops += 1

    def fail_next(self, status: int = 503, count: int = 1) -> None:
        """Answer the next ``count`` API requests with ``status`` (a 5xx or 429) without acting on them."""
        with self._lock:
            self._failures.extend([status] * count)

    def expire_sessions(self) -> None:
        """Invalidate every issued access token now."""
        self._expire()

    def kill_streams(self) -> None:
        """Abort every open streaming socket, as a network failure would."""
        self._kill()

    def close_market(self) -> None:
        """Close the session: regular orders are refused as the broker refuses them outside market hours."""
        if self._close_market is None:
            raise NotImplementedError("this emulator has no market-hours switch")
        self._close_market()

    def open_market(self) -> None:
        """Open the session again (waiting AMO orders start working)."""
        if self._open_market is None:
            raise NotImplementedError("this emulator has no market-hours switch")
        self._open_market()

    def set_ip_whitelisted(self, whitelisted: bool) -> None:
        """Put the caller on (True) or off (False) the account's static-IP whitelist for order writes."""
        self.ip_whitelisted = whitelisted

    def take_drop(self) -> bool:
        """Consume one pending dropped response; called by the order handler after it acted."""
        with self._lock:
            if self._drops:
                self._drops -= 1
                return True
            return False

    def take_failure(self) -> int | None:
        """Consume one pending HTTP failure; called before a request is handled."""
        with self._lock:
            return self._failures.popleft() if self._failures else None


class RateWindow:
    """At most ``limit`` requests in any ``period`` seconds (a sliding window, as brokers count)."""

    def __init__(self, limit: int, period: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        if limit <= 0 or period <= 0:
            raise ValueError("a rate window needs a positive limit and period")
        self.limit = limit
        self.period = period
        self._clock = clock
        self._stamps: deque[float] = deque()

    def admit(self) -> bool:
        """Record one request and say whether it is within the limit (a refused one is not counted)."""
        now = self._clock()
        stamps = self._stamps
        while stamps and now - stamps[0] >= self.period:
            stamps.popleft()
        if len(stamps) >= self.limit:
            return False
        stamps.append(now)
        return True
