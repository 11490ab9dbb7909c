"""How SmartAPI's error replies, and its rejected orders' texts, map onto tt-connect's error tree, as data.

SmartAPI answers errors with an ``errorcode`` (``AB1050``) from the trading backend or an
``errorCode`` (``AG8001``) from its API gateway, very often with HTTP 200 (reference 2.3). The
codes are the docs' error table (``AB1013`` "Order not found", ``AB1008`` "Invalid Order
Variety"...; smartapi-java's ``SmartAPIResponseHandler`` sorts the same codes into token, input
and order exceptions, see PROTOCOL.md). Some codes are coarse: ``AB1007`` ("AMX Error") covers
"INVALID PARAMETERS", "Login Id or password is invalid" and refusals of an order that is no
longer open. So message patterns are read before codes (``patterns_first``); HTTP 429 and a
dead session come first in every map.

SmartAPI accepts most risk refusals and shows the order ``rejected`` with a ``text`` (reference
2.5.1; staff, forum topic 147: "Your order has been rejected due to Insufficient Funds"):
``REJECTION_REASONS`` classifies those texts, and synchronous refusals, into a RejectionReason.
"""

from __future__ import annotations

import re

from tt_connect.driver_api import BrokerFailure, ErrorMap
from tt_connect.enums import RejectionReason
from tt_connect.errors import (
    AuthenticationError,
    BrokerInputError,
    BrokerUnavailableError,
    GttNotFoundError,
    InsufficientFundsError,
    IpNotWhitelistedError,
    OrderNotFoundError,
    OrderNotOpenError,
    OrderRejectedError,
    PermissionDeniedError,
    RateLimitError,
    SessionExpiredError,
    TTConnectError,
)

__all__ = ["CODE_REASONS", "DEAD_SESSION_CODES", "ERROR_CODES", "MESSAGE_PATTERNS", "REJECTION_REASONS",
           "angel_error_map", "is_session_dead"]

DEAD_SESSION_CODES = frozenset({"AG8001", "AG8002", "AG8003", "AB1010", "AB1011", "AB8050", "AB8051"})
"""Codes after which only a new login (or a token renewal) helps: invalid, expired or missing token,
the backend session expired, "Client not login", the refresh token invalid or expired."""

ERROR_CODES: dict[str, type[TTConnectError]] = {
    "AG8001": SessionExpiredError,     # Invalid Token
    "AG8002": SessionExpiredError,     # Token Expired
    "AG8003": SessionExpiredError,     # Token missing
    "AB1010": SessionExpiredError,     # AMX Session Expired
    "AB1011": SessionExpiredError,     # Client not login
    "AB8050": SessionExpiredError,     # Invalid Refresh Token
    "AB8051": SessionExpiredError,     # Refresh Token Expired
    "AB1000": AuthenticationError,     # Invalid Email Or Password
    "AB1050": AuthenticationError,     # Invalid TOTP
    "AB1034": AuthenticationError,     # Apps not found: the api_key is not mapped to the account
    "AB1006": PermissionDeniedError,   # Client Is Block For Trading
    "AB1007": BrokerInputError,        # AMX Error: "INVALID PARAMETERS" and other backend refusals
    "AB1008": BrokerInputError,        # Invalid Order Variety
    "AB1009": BrokerInputError,        # Symbol Not Found
    "AB1012": BrokerInputError,        # Invalid Product Type
    "AB4008": BrokerInputError,        # ordertag longer than 20 characters (SmartAPI forum, staff)
    "AB1013": OrderNotFoundError,      # Order not found
    "AB1017": OrderRejectedError,      # Position conversion failed
    "AB2002": OrderRejectedError,      # ROBO order is block
    "AB4036": OrderRejectedError,      # the token is under the exchange's cautionary listings (forum)
    "AB1004": BrokerUnavailableError,  # Something Went Wrong, Please Try After Sometime
    "AB2001": BrokerUnavailableError,  # Internal Error, Please try after sometime
}

MESSAGE_PATTERNS: tuple[tuple[str, type[TTConnectError]], ...] = (
    (r"exceeding access rate|too many requests|rate limit", RateLimitError),
    (r"static ip|ip( address)? (is )?not (whitelisted|registered|allowed)", IpNotWhitelistedError),  # unverified
    (r"invalid token|token expired|session expired", SessionExpiredError),
    (r"invalid totp", AuthenticationError),
    (r"login id or password|invalid (client ?code|pin|password)", AuthenticationError),
    (r"insufficient (funds?|margin|balance)|margin shortfall", InsufficientFundsError),
    (r"already (complete|completed|cancell?ed|rejected|executed|traded)|cannot be (modified|cancell?ed)",
     OrderNotOpenError),
    (r"(gtt|rule)\b.*not found|no such (gtt|rule)", GttNotFoundError),
    (r"order not found|no such order|invalid order ?id|order id does not exist", OrderNotFoundError),
    (r"product not allowed|not allowed in|rms:|order rejected|rejected due to|cautionary|blocked|"
     r"limit price protection|price band|circuit|freeze", OrderRejectedError),
    (r"invalid parameters?|invalid (variety|ordertype|order type|producttype|duration|quantity|price)",
     BrokerInputError),
)
"""Specific messages that override a coarse code (first match wins, case-insensitive)."""

REJECTION_REASONS: tuple[tuple[str, RejectionReason], ...] = (
    (r"insufficient (funds?|margin|balance|holdings?)|margin shortfall|margin exceeds",
     RejectionReason.INSUFFICIENT_FUNDS),
    (r"limit price protection|price band|circuit|outside the day's price", RejectionReason.PRICE_OUTSIDE_BAND),
    (r"freeze", RejectionReason.QUANTITY_ABOVE_FREEZE),
    (r"market (is )?closed|outside (the )?market hours", RejectionReason.MARKET_CLOSED),
    (r"cautionary|not allowed|not tradable|suspended|index", RejectionReason.NOT_TRADABLE),
    (r"tick size|trigger price|invalid price", RejectionReason.INVALID_PRICE),
    (r"lot size|invalid quantity|quantity should", RejectionReason.INVALID_QUANTITY),
    (r"rms", RejectionReason.RISK_CHECK),
)
"""A rejected order's ``text`` (or a refusal's message) -> why, first match wins, case-insensitive."""

CODE_REASONS: dict[str, RejectionReason] = {"AB4036": RejectionReason.NOT_TRADABLE}

_DEAD_MESSAGE = re.compile(r"invalid token|token expired|session expired", re.IGNORECASE)


def is_session_dead(failure: BrokerFailure) -> bool:
    """Return True when SmartAPI says the JWT no longer works (a new login is needed)."""
    if failure.code is not None:
        return failure.code in DEAD_SESSION_CODES
    return failure.http_status == 401 or _DEAD_MESSAGE.search(failure.message) is not None


def angel_error_map() -> ErrorMap:
    """Return the AngelOne error map: message patterns beat the coarse AB codes (``patterns_first``)."""
    return ErrorMap(codes=ERROR_CODES, patterns=MESSAGE_PATTERNS, http_status={401: SessionExpiredError},
                    session_dead=is_session_dead, patterns_first=True, reasons=REJECTION_REASONS,
                    code_reasons=CODE_REASONS)

