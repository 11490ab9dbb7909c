"""Noren's rate classes. No Noren broker publishes figures in the sources read (reference 3.11,
PROTOCOL.md "Unverified"): these are the limits the emulator enforces, conservative for every profile."""

from __future__ import annotations

from tt_connect.driver_api import RateClass, RateLimits

__all__ = ["noren_rate_limits"]


def noren_rate_limits() -> RateLimits:
    return RateLimits(classes=(RateClass(name="orders", per_second=10, per_minute=200),
                               RateClass(name="login", per_second=1),
                               RateClass(name="default", per_second=20)), scope="user")
