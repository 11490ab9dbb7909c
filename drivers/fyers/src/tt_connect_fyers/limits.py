"""Fyers' published rate limits, as one rate class the core enforces client-side (per user).

v3 reference, "Rate limits": 10 requests a second, 200 a minute and 100,000 a day per user, for all
APIs together (the day limit was raised from 10,000 on 22 Aug 2024); order writes at most 10 a second,
modify and cancel included, which the shared window already guarantees. Going over the minute limit
more than three times in a day blocks the user for the rest of the day, so the client keeps under the
windows rather than leaning on 429s. Requests still name their kind (``orders``, ``data``...) for the
logs; every name resolves to the one shared bucket.
"""

from __future__ import annotations

from tt_connect.driver_api import RateClass, RateLimits

__all__ = ["DATA", "NON_TRADING", "ORDERS", "PER_DAY", "PER_MINUTE", "PER_SECOND", "fyers_rate_limits"]

ORDERS = "orders"
DATA = "data"
NON_TRADING = "non_trading"
PER_SECOND, PER_MINUTE, PER_DAY = 10, 200, 100_000


def fyers_rate_limits() -> RateLimits:
    """Return Fyers' one shared budget (every request name falls into the ``default`` class)."""
    return RateLimits(classes=(RateClass(name="default", per_second=PER_SECOND, per_minute=PER_MINUTE,
                                         per_day=PER_DAY),), scope="user")
