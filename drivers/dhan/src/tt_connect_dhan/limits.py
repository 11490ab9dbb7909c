"""DhanHQ's published rate limits, as rate classes the core enforces client-side (per user).

v2 intro page (PROTOCOL.md, "Rate limits"): order APIs 10/s (v2.3 release notes; the table once
said 25), 250/min, 1000/h, 7000/day; data APIs (historical candles) 5/s and 100000/day; quote APIs
(``/marketfeed/*``) 1/s; every other API 20/s; the option chain 1 request every 3 s.
"""

from __future__ import annotations

from tt_connect.driver_api import RateClass, RateLimits

__all__ = ["DATA", "NON_TRADING", "OPTION_CHAIN", "ORDERS", "QUOTE", "dhan_rate_limits"]

ORDERS = "orders"
DATA = "data"
QUOTE = "quote"
OPTION_CHAIN = "option_chain"
NON_TRADING = "non_trading"


def dhan_rate_limits() -> RateLimits:
    """Return DhanHQ's rate classes; unnamed requests fall in the 20/s class of non-trading APIs."""
    return RateLimits(
        classes=(
            RateClass(name=ORDERS, per_second=10, per_minute=250, per_hour=1000, per_day=7000),
            RateClass(name=DATA, per_second=5, per_day=100_000),
            RateClass(name=QUOTE, per_second=1),
            RateClass(name=OPTION_CHAIN, per_second=1 / 3),
            RateClass(name=NON_TRADING, per_second=20),
            RateClass(name="default", per_second=20),
        ),
        scope="user",
    )
