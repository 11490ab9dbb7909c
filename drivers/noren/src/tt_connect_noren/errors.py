"""How Noren's error replies map onto tt-connect's error tree, as data.

Noren answers every failure with ``{"stat":"Not_Ok","emsg":"<Category> : <detail>"}``
and HTTP 200 (the SDKs never look at the status; reference 3.8). There are no numeric
codes, so the map is message patterns, most specific first. The category before the
colon is the broker's coarse class (``Session Expired``, ``Invalid Input``,
``Rejected``); the detail decides within it. ``NO_DATA`` recognises the "no data"
reply an empty book gets, which the translator turns into an empty list.
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

__all__ = ["MESSAGE_PATTERNS", "NO_DATA", "REJECTION_PATTERNS", "is_no_data", "is_session_dead",
           "noren_error_map"]

NO_DATA = re.compile(r"no data", re.IGNORECASE)
"""``Error Occurred : 5 "no data"`` / ``No Data :``: an empty book or series, not a failure (reference 3.8)."""

_SESSION_DEAD = re.compile(r"^\s*session expired|invalid session key|invalid access token|invalid user id",
                           re.IGNORECASE)

MESSAGE_PATTERNS: tuple[tuple[str, type[TTConnectError]], ...] = (
    (r"too many requests|rate limit|request limit", RateLimitError),
    (r"static ip|ip( address)? (is )?not (whitelisted|registered|allowed)", IpNotWhitelistedError),  # unverified
    (r"^\s*session expired", SessionExpiredError),
    (r"wrong password|invalid (otp|totp|2fa|factor2)|password expired|change password|invalid (app ?key|vendor)|"
     r"invalid checksum|invalid (auth ?code|code)|user blocked", AuthenticationError),
    (r"margin shortfall|insufficient (funds|fund|margin|balance)|not enough (margin|funds)", InsufficientFundsError),
    (r"order not found to (cancel|modify)|order (is )?not (in )?open", OrderNotOpenError),
    (r"alert (id )?not found|al_id not found|invalid al_id", GttNotFoundError),
    (r"order not found|invalid (norenordno|order ?(no|number|id))", OrderNotFoundError),
    (r"not allowed|blocked|not enabled|permission", PermissionDeniedError),
    (r"^\s*rejected\s*:|rms:|red:", OrderRejectedError),
    (r"server timeout|internal error|try again", BrokerUnavailableError),
    (r"^\s*invalid input|missing|jdata|invalid \w+", BrokerInputError),
)
"""``emsg`` patterns (case-insensitive, first match wins). Sources per line in PROTOCOL.md, "Errors"."""

REJECTION_PATTERNS: tuple[tuple[str, RejectionReason], ...] = (
    (r"margin shortfall|insufficient (funds|fund|margin|balance)", RejectionReason.INSUFFICIENT_FUNDS),
    (r"circuit|price range|price band|dpr|out of (the )?range", RejectionReason.PRICE_OUTSIDE_BAND),
    (r"freeze", RejectionReason.QUANTITY_ABOVE_FREEZE),
    (r"market (is )?closed|session (is )?closed|outside market hours", RejectionReason.MARKET_CLOSED),
    (r"not tradable|not allowed in an index|trading is not allowed|suspended|ban period",
     RejectionReason.NOT_TRADABLE),
    (r"tick size|multiple of tick|trigger price", RejectionReason.INVALID_PRICE),
    (r"lot size|multiple of lot|quantity", RejectionReason.INVALID_QUANTITY),
    (r"holdings|rms|red:", RejectionReason.RISK_CHECK),
)
"""``rejreason`` / ``emsg`` pattern -> canonical rejection reason, first match wins (texts: PROTOCOL.md, Errors)."""


def is_session_dead(failure: BrokerFailure) -> bool:
    """Return True when Noren says the session key no longer works (only a new login helps)."""
    return _SESSION_DEAD.search(failure.message) is not None


def is_no_data(message: str) -> bool:
    """Return True for the reply an empty book or series gets."""
    return NO_DATA.search(message) is not None


def noren_error_map() -> ErrorMap:
    """Return the Noren error map: patterns only (Noren has no codes), a dead session first."""
    return ErrorMap(patterns=MESSAGE_PATTERNS, http_status={401: SessionExpiredError},
                    session_dead=is_session_dead, reasons=REJECTION_PATTERNS)
