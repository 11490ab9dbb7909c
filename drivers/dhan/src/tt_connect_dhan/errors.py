"""How DhanHQ's error replies map onto tt-connect's error tree, as data.

Every failure is ``{"errorType", "errorCode", "errorMessage"}`` with an HTTP 4xx/5xx
status (v2 intro page; the SDK copies exactly these three keys, ``dhan_http.py``).
Trading codes are ``DH-901`` .. ``DH-910``; Data-API and socket codes are ``800`` ..
``814`` (annexure). ``DH-906`` ("Order Error") is one coarse class for every order
refusal and ``DH-901`` answers a bad PIN as well as a dead token, so, as for Kite and
AngelOne, message patterns are read before codes (``patterns_first``). Risk refusals
come back as REJECTED orders whose ``omsErrorDescription`` the ``reasons`` classify.
The wording of Dhan's messages is not published: the patterns match the emulator's
texts and the usual OMS words (PROTOCOL.md, "unverified").
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from tt_connect.driver_api import BrokerFailure, ErrorMap
from tt_connect.enums import RejectionReason
from tt_connect.errors import (
    AuthenticationError,
    BrokerInputError,
    BrokerRefusedError,
    BrokerUnavailableError,
    GttNotFoundError,
    InputError,
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

__all__ = ["DEAD_SESSION_CODES", "ERROR_CODES", "MESSAGE_PATTERNS", "REJECTION_REASONS", "dhan_error_map",
           "is_session_dead"]

ERROR_CODES: Mapping[str, type[TTConnectError]] = {
    # Trading API errors (annexure "Trading API Error").
    "DH-901": SessionExpiredError,      # client id or access token invalid or expired
    "DH-902": PermissionDeniedError,    # no Data-API subscription / no trading access
    "DH-903": PermissionDeniedError,    # account issue: segment not active, ...
    "DH-904": RateLimitError,           # too many requests
    "DH-905": BrokerInputError,         # missing or bad fields
    "DH-906": OrderRejectedError,       # the order request cannot be processed
    "DH-907": BrokerInputError,         # bad parameters, or no data for them
    "DH-908": BrokerUnavailableError,   # internal server error
    "DH-909": BrokerUnavailableError,   # the API could not reach its backend
    "DH-910": BrokerRefusedError,       # others
    # Data API errors (annexure "Data API Error"); also the reason inside a socket's disconnect packet.
    "800": BrokerUnavailableError,      # internal server error
    "804": InputError,                  # more instruments than allowed
    "805": RateLimitError,              # too many requests or connections
    "806": PermissionDeniedError,       # Data APIs not subscribed
    "807": SessionExpiredError,         # access token expired
    "808": AuthenticationError,         # authentication failed
    "809": SessionExpiredError,         # access token invalid
    "810": AuthenticationError,         # client id invalid
    "811": BrokerInputError,            # invalid expiry date
    "812": BrokerInputError,            # invalid date format
    "813": BrokerInputError,            # invalid security id
    "814": BrokerInputError,            # invalid request
}

DEAD_SESSION_CODES = frozenset({"DH-901", "807", "809"})
"""Codes after which only a new login (or a renewed token) helps."""

_LOGIN_REFUSAL = r"invalid (client id or )?pin|invalid totp|app_id|app_secret|tokenid"
"""A login step's own refusal (DH-901 too): wrong credentials, not a dead session."""

MESSAGE_PATTERNS: tuple[tuple[str, type[TTConnectError]], ...] = (
    (r"too many requests|rate limit", RateLimitError),
    (_LOGIN_REFUSAL, AuthenticationError),
    (r"forever order (is )?(not found|already)", GttNotFoundError),
    (r"order (id )?not found|invalid order ?id|no order with", OrderNotFoundError),
    (r"(is )?already (traded|cancelled|rejected|expired|closed)|cannot be (modified|cancelled)", OrderNotOpenError),
    (r"insufficient (fund|balance|margin)|margin exceeds|shortfall", InsufficientFundsError),
    (r"static ip|ip (is )?not (whitelisted|registered)", IpNotWhitelistedError),
)
"""Specific messages that override the coarse codes (first match wins, case-insensitive)."""

REJECTION_REASONS: tuple[tuple[str, RejectionReason], ...] = (
    (r"insufficient|margin exceeds|shortfall", RejectionReason.INSUFFICIENT_FUNDS),
    (r"circuit|price band|price range|outside the price", RejectionReason.PRICE_OUTSIDE_BAND),
    (r"freeze", RejectionReason.QUANTITY_ABOVE_FREEZE),
    (r"market (is )?closed|outside market hours", RejectionReason.MARKET_CLOSED),
    (r"not tradable|not allowed (for|to) trad|index", RejectionReason.NOT_TRADABLE),
    (r"tick size", RejectionReason.INVALID_PRICE),
    (r"lot size|multiple of the lot|quantity", RejectionReason.INVALID_QUANTITY),
    (r"^rms|risk", RejectionReason.RISK_CHECK),
)
"""``omsErrorDescription`` of a REJECTED order (and a synchronous refusal's text) -> canonical reason."""

_LOGIN = re.compile(_LOGIN_REFUSAL, re.IGNORECASE)


def is_session_dead(failure: BrokerFailure) -> bool:
    """Return True when Dhan says the access token no longer works (not when a login step is refused)."""
    if _LOGIN.search(failure.message):
        return False
    if failure.code is not None:
        return failure.code in DEAD_SESSION_CODES
    return failure.http_status == 401


def dhan_error_map() -> ErrorMap:
    """Return the Dhan error map: message patterns beat the coarse DH-9xx codes."""
    return ErrorMap(codes=ERROR_CODES, patterns=MESSAGE_PATTERNS, http_status={401: SessionExpiredError},
                    session_dead=is_session_dead, patterns_first=True, reasons=REJECTION_REASONS)
