"""How DhanHQ's error replies map onto tt-connect's error tree, as data.

Every failure is ``{"errorType", "errorCode", "errorMessage"}`` with an HTTP 4xx/5xx
status (v2 intro page; the SDK copies exactly these three keys, ``dhan_http.py``).
Trading codes are ``DH-901`` .. ``DH-910``; Data-API and socket codes are ``800`` ..
``814`` (annexure). ``DH-906`` ("Order Error") is one coarse class for every order
refusal, so, as for Kite and AngelOne, message patterns are read before codes
(``patterns_first``); HTTP 429 and a dead session come first in every map.
"""

from __future__ import annotations

from collections.abc import Mapping

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

__all__ = ["DEAD_SESSION_CODES", "ERROR_CODES", "MESSAGE_PATTERNS", "dhan_error_map", "is_session_dead"]

ERROR_CODES: Mapping[str, type[TTConnectError]] = {
    # Trading API errors (annexure "Trading API Error").
    "DH-901": SessionExpiredError,      # client id or access token invalid or expired
    "DH-902": PermissionDeniedError,    # no Data-API subscription / no trading access
    "DH-903": PermissionDeniedError,    # account issue: segment not active, ...
    "DH-904": RateLimitError,           # too many requests
    "DH-905": InputError,               # missing or bad fields
    "DH-906": OrderRejectedError,       # the order request cannot be processed
    "DH-907": InputError,               # bad parameters, or no data for them
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
    "811": InputError,                  # invalid expiry date
    "812": InputError,                  # invalid date format
    "813": InputError,                  # invalid security id
    "814": InputError,                  # invalid request
}

DEAD_SESSION_CODES = frozenset({"DH-901", "807", "809"})
"""Codes after which only a new login (or a renewed token) helps."""

MESSAGE_PATTERNS: tuple[tuple[str, type[TTConnectError]], ...] = (
    (r"too many requests|rate limit", RateLimitError),
    (r"insufficient (fund|balance|margin)|margin exceeds|shortfall", InsufficientFundsError),
    (r"order (id )?not found|invalid order ?id|no (such )?order", OrderNotFoundError),
    (r"(traded|cancelled|rejected|expired) order|order is (already )?(traded|cancelled|rejected|expired)"
     r"|not (in )?(a )?(pending|open) (state|order)", OrderRejectedError),
    (r"static ip|ip (is )?not (whitelisted|registered)", PermissionDeniedError),
)
"""Specific messages that override the coarse codes (first match wins, case-insensitive). The exact
wording of Dhan's messages is not published; see PROTOCOL.md "unverified"."""


def is_session_dead(failure: BrokerFailure) -> bool:
    """Return True when Dhan says the access token no longer works."""
    if failure.code is not None:
        return failure.code in DEAD_SESSION_CODES
    return failure.http_status == 401


def dhan_error_map() -> ErrorMap:
    """Return the Dhan error map: message patterns beat the coarse DH-9xx codes."""
    return ErrorMap(codes=ERROR_CODES, patterns=MESSAGE_PATTERNS, http_status={401: SessionExpiredError},
                    session_dead=is_session_dead, patterns_first=True)
