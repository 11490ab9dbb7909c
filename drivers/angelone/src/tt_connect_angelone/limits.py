"""SmartAPI's published rate limits, as rate classes the core enforces client-side.

Figures from the reference, section 2.4 (AngelOne staff announcement "Changes in API Rate
Limit", per second / minute / hour, one row per endpoint). Limits are counted per user id
across all of its apps (reference 2.3), and each endpoint has a window of its own: a bot that
reads the order book, the trade book, positions and holdings waits for none of the others.

* login 1/s; token renewal 1/s and 1000/h; logout 1/s;
* place, modify and cancel order 20/s, 500/min, 1000/h: **Decision** counted together, as the
  exchange counts order actions (SEBI's per-second order threshold), not per endpoint;
* order book, trade book, positions, holdings: 1/s each;
* single order status 10/s, 500/min, 5000/h;
* market quote 1/s (announced 2023-11-17, stricter than the table's 10/s);
* candles 3/s, 500/min, 5000/h;
* profile 3/s, 1000/h; funds (RMS) 2/s;
* each GTT call, the margin calculator and position conversion 10/s, 500/min, 5000/h.
"""

from __future__ import annotations

from tt_connect.driver_api import RateClass, RateLimits

__all__ = [
    "CONVERT",
    "DEFAULT",
    "FUNDS",
    "GTT_CANCEL",
    "GTT_CREATE",
    "GTT_DETAILS",
    "GTT_LIST",
    "GTT_MODIFY",
    "HISTORICAL",
    "HOLDINGS",
    "LOGIN",
    "LOGOUT",
    "MARGINS",
    "ORDERS",
    "ORDER_BOOK",
    "ORDER_STATUS",
    "POSITIONS",
    "PROFILE",
    "QUOTE",
    "RENEW",
    "TRADE_BOOK",
    "angel_rate_limits",
]

LOGIN = "login"
RENEW = "renew"
LOGOUT = "logout"
PROFILE = "profile"
FUNDS = "funds"
ORDERS = "orders"
ORDER_BOOK = "order_book"
TRADE_BOOK = "trade_book"
POSITIONS = "positions"
HOLDINGS = "holdings"
ORDER_STATUS = "order_status"
QUOTE = "quote"
HISTORICAL = "historical"
GTT_CREATE = "gtt_create"
GTT_MODIFY = "gtt_modify"
GTT_CANCEL = "gtt_cancel"
GTT_DETAILS = "gtt_details"
GTT_LIST = "gtt_list"
MARGINS = "margins"
CONVERT = "convert"
DEFAULT = "default"

_TEN_PER_SECOND = (GTT_CREATE, GTT_MODIFY, GTT_CANCEL, GTT_DETAILS, GTT_LIST, MARGINS, CONVERT, ORDER_STATUS)


def angel_rate_limits() -> RateLimits:
    """Return SmartAPI's rate classes (per user id)."""
    return RateLimits(
        classes=(
            RateClass(name=LOGIN, per_second=1),
            RateClass(name=RENEW, per_second=1, per_hour=1000),
            RateClass(name=LOGOUT, per_second=1),
            RateClass(name=PROFILE, per_second=3, per_hour=1000),
            RateClass(name=FUNDS, per_second=2),
            RateClass(name=ORDERS, per_second=20, per_minute=500, per_hour=1000),
            *(RateClass(name=name, per_second=1) for name in (ORDER_BOOK, TRADE_BOOK, POSITIONS, HOLDINGS)),
            *(RateClass(name=name, per_second=10, per_minute=500, per_hour=5000) for name in _TEN_PER_SECOND),
            RateClass(name=QUOTE, per_second=1),
            RateClass(name=HISTORICAL, per_second=3, per_minute=500, per_hour=5000),
            RateClass(name=DEFAULT, per_second=1),
        ),
        scope="user",
    )
