"""How Kite's error replies map onto tt-connect's error tree, as data.

Kite names an exception class in ``error_type`` (``TokenException``,
``OrderException``...). Those names are coarse: ``OrderException`` covers both
"rejected" and "no such order", and ``NetworkException`` is also what a rate
limit (HTTP 429) comes back as. So the Kite map asks the core to look at message
patterns before ``error_type`` (``patterns_first``); HTTP 429 and a dead token
come first in every map.
"""

from __future__ import annotations

from tt_connect.driver_api import BrokerFailure, ErrorMap
from tt_connect.errors import (
    AuthenticationError,
    BrokerRefusedError,
    BrokerUnavailableError,
    InputError,
    InsufficientFundsError,
    OrderNotFoundError,
    OrderRejectedError,
    PermissionDeniedError,
    RateLimitError,
    SessionExpiredError,
    TTConnectError,
)

__all__ = ["ERROR_TYPES", "MESSAGE_PATTERNS", "is_session_dead", "kite_error_map"]

# error_type values from Kite's exceptions page and the official SDKs (reference section 1.11).
ERROR_TYPES: dict[str, type[TTConnectError]] = {
    "TokenException": SessionExpiredError,
    "UserException": PermissionDeniedError,
    "PermissionException": PermissionDeniedError,
    "PermissionError": PermissionDeniedError,
    "TwoFAException": AuthenticationError,
    "InputException": InputError,
    "OrderException": OrderRejectedError,
    "MarginException": InsufficientFundsError,
    "HoldingException": OrderRejectedError,
    "NetworkException": BrokerUnavailableError,
    "DataException": BrokerUnavailableError,
    "GeneralException": BrokerRefusedError,
}

# Specific messages that override a coarse error_type (first match wins, case-insensitive).
MESSAGE_PATTERNS: tuple[tuple[str, type[TTConnectError]], ...] = (
    (r"too many requests", RateLimitError),
    (r"order not found|couldn'?t find that order|invalid order[ _]?id|no such order", OrderNotFoundError),
    (r"insufficient (funds|margin)|margin exceeds", InsufficientFundsError),
    (r"insufficient holdings", OrderRejectedError),
)


def is_session_dead(failure: BrokerFailure) -> bool:
    """Return True when Kite says the access token is no longer valid (re-login needed)."""
    return failure.code == "TokenException"


def kite_error_map() -> ErrorMap:
    """Return the Zerodha error map."""
    return ErrorMap(codes=ERROR_TYPES, patterns=MESSAGE_PATTERNS, session_dead=is_session_dead,
                    patterns_first=True)
