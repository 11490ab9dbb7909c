"""Upstox's published rate limits as rate classes (per user and API; PROTOCOL.md, "Rate limits").

Standard APIs allow 50 requests a second, 500 a minute and 2,000 in 30 minutes; the multi-order
APIs 4, 40 and 160. The limiter has no 30-minute window, so the half-hour cap is enforced as the
same number per hour: never above Upstox's limit, at the cost of half its hourly allowance.
"""

from __future__ import annotations

from tt_connect.driver_api import RateClass, RateLimits

__all__ = ["upstox_rate_limits"]


def upstox_rate_limits() -> RateLimits:
    """Return the rate classes the translator's requests name (``default`` for the standard APIs)."""
    return RateLimits(scope="user", classes=(
        RateClass(name="default", per_second=50, per_minute=500, per_hour=2000),
        RateClass(name="orders", per_second=50, per_minute=500, per_hour=2000),
        RateClass(name="multi", per_second=4, per_minute=40, per_hour=160),
    ))
