"""Indian Standard Time, and a clock that tests can move."""

from __future__ import annotations

import datetime as _dt
import time
from typing import Protocol

__all__ = ["IST", "Clock", "ManualClock", "SystemClock", "next_daily", "now_ist"]

IST = _dt.timezone(_dt.timedelta(hours=5, minutes=30), "IST")


def now_ist() -> _dt.datetime:
    """Return the current time, aware, in IST."""
    return _dt.datetime.now(IST)


class Clock(Protocol):
    """Source of wall-clock time (aware IST) and monotonic time."""

    def now(self) -> _dt.datetime: ...

    def monotonic(self) -> float: ...


class SystemClock:
    """The real clock."""

    def now(self) -> _dt.datetime:
        return _dt.datetime.now(IST)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock a test sets and advances; monotonic time moves with it."""

    def __init__(self, start: _dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(IST)
        self._mono = 1000.0

    def now(self) -> _dt.datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move both clocks forward."""
        self._now += _dt.timedelta(seconds=seconds)
        self._mono += seconds

    def set(self, when: _dt.datetime) -> None:
        """Jump the wall clock (monotonic time moves by the same amount, never back)."""
        delta = (when.astimezone(IST) - self._now).total_seconds()
        self._now = when.astimezone(IST)
        self._mono += max(delta, 0.0)


def next_daily(after: _dt.datetime, at: _dt.time) -> _dt.datetime:
    """Return the first moment strictly after ``after`` whose IST wall time is ``at``."""
    local = after.astimezone(IST)
    candidate = _dt.datetime.combine(local.date(), at, IST)
    if candidate <= local:
        candidate += _dt.timedelta(days=1)
    return candidate


def last_daily(before: _dt.datetime, at: _dt.time) -> _dt.datetime:
    """Return the latest moment at or before ``before`` whose IST wall time is ``at``."""
    local = before.astimezone(IST)
    candidate = _dt.datetime.combine(local.date(), at, IST)
    if candidate > local:
        candidate -= _dt.timedelta(days=1)
    return candidate
