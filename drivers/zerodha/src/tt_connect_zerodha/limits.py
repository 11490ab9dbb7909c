"""Kite Connect's published rate limits, as rate classes the core enforces client-side.

Figures from the reference, section 1.12 (Zerodha staff on kite.trade/forum, citing
the docs): quote endpoints 1 request/s; historical candles 3/s; order placement,
modification and cancellation 10/s, 400/minute and 5000/day (2025 figures; older
posts said 200/minute and 3000/day); every other endpoint 10/s. Limits are
counted per api_key.
"""

from __future__ import annotations

from tt_connect.driver_api import RateClass, RateLimits

__all__ = ["DEFAULT", "HISTORICAL", "ORDERS", "QUOTE", "kite_rate_limits"]

QUOTE = "quote"
HISTORICAL = "historical"
ORDERS = "orders"
DEFAULT = "default"


def kite_rate_limits() -> RateLimits:
    """Return Kite's rate classes (per api_key)."""
    return RateLimits(
        classes=(
            RateClass(name=QUOTE, per_second=1),
            RateClass(name=HISTORICAL, per_second=3),
            RateClass(name=ORDERS, per_second=10, per_minute=400, per_day=5000),
            RateClass(name=DEFAULT, per_second=10),
        ),
        scope="api_key",
    )
