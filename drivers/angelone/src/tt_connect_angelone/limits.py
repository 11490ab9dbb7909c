"""SmartAPI's published rate limits, as rate classes the core enforces client-side.

Figures from the reference, section 2.4 (AngelOne staff announcement "Changes in
API Rate Limit", per second / minute / hour), every window metered client-side.
Limits are counted per user id across all of its apps (reference 2.3).

* login: 1/s; token renewal 1/s (1000/h);
* place, modify and cancel order: 20/s, 500/min, 1000/h;
* order book, trade book, positions, holdings: 1/s;
* single order status, LTP: 10/s, 500/min, 5000/h;
* market quote: 1/s (announced 2023-11-17, stricter than the table's 10/s);
* candles: 3/s, 500/min, 5000/h;
* profile: 3/s, 1000/h; funds (RMS): 2/s; logout 1/s;
* GTT rules (all five calls, metered together), margin calculator, position
  conversion: 10/s, 500/min, 5000/h each.
"""

from __future__ import annotations

from tt_connect.driver_api import RateClass, RateLimits

__all__ = [
    "BOOKS",
    "CONVERT",
    "DEFAULT",
    "FUNDS",
    "GTT",
    "HISTORICAL",
    "LOGIN",
    "MARGINS",
    "ORDERS",
    "ORDER_STATUS",
    "PROFILE",
    "QUOTE",
    "RENEW",
    "angel_rate_limits",
]

LOGIN = "login"
RENEW = "renew"
PROFILE = "profile"
FUNDS = "funds"
ORDERS = "orders"
BOOKS = "books"
ORDER_STATUS = "order_status"
QUOTE = "quote"
HISTORICAL = "historical"
GTT = "gtt"
MARGINS = "margins"
CONVERT = "convert"
DEFAULT = "default"


def angel_rate_limits() -> RateLimits:
    """Return SmartAPI's rate classes (per user id)."""
    return RateLimits(
        classes=(
            RateClass(name=LOGIN, per_second=1),
            RateClass(name=RENEW, per_second=1, per_hour=1000),
            RateClass(name=PROFILE, per_second=3, per_hour=1000),
            RateClass(name=FUNDS, per_second=2),
            RateClass(name=ORDERS, per_second=20, per_minute=500, per_hour=1000),
            RateClass(name=BOOKS, per_second=1),
            RateClass(name=ORDER_STATUS, per_second=10, per_minute=500, per_hour=5000),
            RateClass(name=QUOTE, per_second=1),
            RateClass(name=HISTORICAL, per_second=3, per_minute=500, per_hour=5000),
            RateClass(name=GTT, per_second=10, per_minute=500, per_hour=5000),
            RateClass(name=MARGINS, per_second=10, per_minute=500, per_hour=5000),
            RateClass(name=CONVERT, per_second=10, per_minute=500, per_hour=5000),
            RateClass(name=DEFAULT, per_second=1),
        ),
        scope="user",
    )
