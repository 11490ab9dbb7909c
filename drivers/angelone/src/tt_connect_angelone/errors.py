"""How SmartAPI's error replies map onto tt-connect's error tree, as data.

SmartAPI answers errors with an ``errorcode`` (``AB1050``) from the trading
backend or an ``errorCode`` (``AG8001``) from its API gateway, very often with
HTTP 200 (reference 2.3). Some codes are coarse: ``AB1007`` covers both
"INVALID PARAMETERS" and "Login Id or password is invalid". So, as for Kite,
message patterns are read before codes (``patterns_first``); HTTP 429 and a dead
session come first in every map.
"""

from __future__ import annotations

import re

from tt_connect.driver_api import BrokerFailure, ErrorMap
from tt_connect.errors import (
    AuthenticationError,
    BrokerUnavailableError,
    InputError,
    InsufficientFundsError,
    OrderNotFoundError,
    OrderRejectedError,
    RateLimitError,
    SessionExpiredError,
    TTConnectError,
)

__all__ = ["DEAD_SESSION_CODES", "ERROR_CODES", "MESSAGE_PATTERNS", "angel_error_map",
           "is_session_dead"]

DEAD_SESSION_CODES = frozenset({"AG8001", "AG8002", "AG8003", "AB1010", "AB8050", "AB8051"})
"""Codes after which only a new login helps (reference 2.3: AG8001 confirmed by staff, the rest from
the docs' error table as the reference lists it)."""

# Reference 2.3. Codes marked [UNVERIFIED] there are mapped by their documented meaning.
ERROR_CODES: dict[str, type[TTConnectError]] = {
    "AG8001": SessionExpiredError,   # Invalid Token: expired or unauthorised JWT
    "AG8002": SessionExpiredError,   # Token expired
    "AG8003": SessionExpiredError,   # Token missing
    "AB1010": SessionExpiredError,   # (AMX) session expired
    "AB8050": SessionExpiredError,   # refresh token invalid
    "AB8051": SessionExpiredError,   # refresh token expired
    "AB1050": AuthenticationError,   # Invalid TOTP
    "AB1034": AuthenticationError,   # Apps not found: the api_key is not mapped to the account
    "AB1007": InputError,            # generic backend ("AMX") error, e.g. "INVALID PARAMETERS"
    "AB1004": BrokerUnavailableError,  # "Something Went Wrong, Please Try After Sometime"
    "AB2001": BrokerUnavailableError,  # internal error
    "AB4008": InputError,            # "Ordertag length should not exceed 20 characters" (SmartAPI forum, staff)
}

# Specific messages that override a coarse code (first match wins, case-insensitive).
MESSAGE_PATTERNS: tuple[tuple[str, type[TTConnectError]], ...] = (
    (r"exceeding access rate|too many requests|rate limit", RateLimitError),
    (r"invalid token|token expired|session expired", SessionExpiredError),
    (r"invalid totp", AuthenticationError),
    (r"login id or password|invalid (client ?code|pin|password)", AuthenticationError),
    (r"insufficient (funds|fund|margin|balance)|margin shortfall|fund limit insufficient", InsufficientFundsError),
    (r"order not found|no such order|invalid order ?id|order id does not exist", OrderNotFoundError),
    (r"product not allowed|not allowed in|rms:|order rejected|blocked", OrderRejectedError),
    (r"invalid parameters?|invalid (variety|ordertype|order type|producttype|duration|quantity|price)",
     InputError),
)

_DEAD_MESSAGE = re.compile(r"invalid token|token expired|session expired", re.IGNORECASE)


def is_session_dead(failure: BrokerFailure) -> bool:
    """Return True when SmartAPI says the JWT no longer works (a new login is needed)."""
    if failure.code is not None:
        return failure.code in DEAD_SESSION_CODES
    return failure.http_status == 401 or _DEAD_MESSAGE.search(failure.message) is not None


def angel_error_map() -> ErrorMap:
    """Return the AngelOne error map: message patterns beat the coarse AB codes (``patterns_first``)."""
    return ErrorMap(codes=ERROR_CODES, patterns=MESSAGE_PATTERNS, http_status={401: SessionExpiredError},
                    session_dead=is_session_dead, patterns_first=True)
