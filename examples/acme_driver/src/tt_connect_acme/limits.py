"""Acme's published limits: 10 requests a second, 5 orders a second, 5 logins a second."""

from __future__ import annotations

from tt_connect.driver_api import RateClass, RateLimits

__all__ = ["ACME_LIMITS", "ORDERS", "QUOTES"]

ORDERS = "orders"
QUOTES = "quotes"

ACME_LIMITS = RateLimits(classes=(
    RateClass(name="default", per_second=10),
    RateClass(name=ORDERS, per_second=5, per_minute=200),
    RateClass(name=QUOTES, per_second=2),
    RateClass(name="session", per_second=5),
))
