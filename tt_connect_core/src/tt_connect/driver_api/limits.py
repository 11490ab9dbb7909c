"""A broker's published rate limits, as data: the core's limiter enforces them per rate class."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["RateClass", "RateLimits"]


class RateClass(msgspec.Struct, frozen=True, kw_only=True):
    """One metered bucket of a broker's API. None means "no limit on that window"."""

    name: str
    per_second: float | None = None
    per_minute: float | None = None
    per_hour: float | None = None
    """SmartAPI publishes hourly caps; without this window they had to be approximated per day."""
    per_day: float | None = None
    max_queue: int = 1000
    """Calls allowed to wait for a slot before RateLimitQueueFullError is raised."""


class RateLimits(msgspec.Struct, frozen=True, kw_only=True):
    """Every rate class of a broker; requests name their class, unknown names use ``default``."""

    classes: tuple[RateClass, ...]
    scope: Literal["api_key", "user", "ip"] = "api_key"

    def get(self, name: str) -> RateClass | None:
        """Return the class called ``name`` or the default class."""
        fallback = None
        for rc in self.classes:
            if rc.name == name:
                return rc
            if rc.name == "default":
                fallback = rc
        return fallback
