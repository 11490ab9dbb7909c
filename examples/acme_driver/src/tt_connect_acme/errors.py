"""Acme's error codes -> the error tree, and its rejection texts -> canonical reasons."""

from __future__ import annotations

from tt_connect.driver_api import ErrorMap
from tt_connect.enums import RejectionReason
from tt_connect.errors import (
    BrokerInputError,
    InsufficientFundsError,
    IpNotWhitelistedError,
    OrderNotFoundError,
    OrderNotOpenError,
    OrderRejectedError,
    PermissionDeniedError,
)

__all__ = ["ACME_ERRORS"]

ACME_ERRORS = ErrorMap(
    codes={
        "ACM-400": BrokerInputError,
        "ACM-402": InsufficientFundsError,
        "ACM-403": PermissionDeniedError,
        "ACM-404": OrderNotFoundError,
        "ACM-409": OrderNotOpenError,
        "ACM-422": OrderRejectedError,
    },
    # ACM-403 is every permission refusal; its text says when the caller's IP is the cause.
    patterns=((r"static ip", IpNotWhitelistedError),),
    patterns_first=True,
    session_dead=lambda failure: failure.code == "ACM-401",
    reasons=(
        (r"insufficient (funds|margin)", RejectionReason.INSUFFICIENT_FUNDS),
        (r"outside the price band", RejectionReason.PRICE_OUTSIDE_BAND),
        (r"freeze quantity", RejectionReason.QUANTITY_ABOVE_FREEZE),
        (r"market is closed", RejectionReason.MARKET_CLOSED),
        (r"not tradable", RejectionReason.NOT_TRADABLE),
    ),
)
