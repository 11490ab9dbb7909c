"""How Fyers' error replies map onto tt-connect's error tree, as data.

Every failure is ``{"s": "error", "code": <negative int>, "message": ...}`` with HTTP 400, 401, 403,
429 or 500 (v3 reference, "Error codes"; the SDK returns the JSON body as is). The codes are
specific (``-51`` invalid order id, ``-99`` order rejected...), but one of them answers for GTT
and regular orders alike and ``-99`` carries the real reason in its text, so a few narrow message
patterns are read first (``patterns_first``). Risk refusals come back as ``-99`` refusals or as
REJECTED orders whose ``message`` the ``reasons`` classify. Fyers' wording of its messages is
not published: the patterns match the emulator's texts and the usual OMS words (PROTOCOL.md,
"unverified").
"""

from __future__ import annotations

from collections.abc import Mapping

from tt_connect.driver_api import BrokerFailure, ErrorMap
from tt_connect.enums import RejectionReason
from tt_connect.errors import (
    AuthenticationError,
    BrokerInputError,
    BrokerRefusedError,
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

__all__ = ["DEAD_SESSION_CODES", "ERROR_CODES", "MESSAGE_PATTERNS", "REJECTION_REASONS", "fyers_error_map",
           "is_session_dead"]

ERROR_CODES: Mapping[str, type[TTConnectError]] = {
    # The v3 reference's table.
    "-8": SessionExpiredError,          # token expired
    "-15": SessionExpiredError,         # invalid token
    "-16": SessionExpiredError,         # the server cannot authenticate the token
    "-17": SessionExpiredError,         # token invalid or expired
    "-50": BrokerInputError,            # invalid parameter(s); the message names them
    "-51": OrderNotFoundError,          # invalid order id
    "-53": BrokerInputError,            # invalid position id
    "-99": OrderRejectedError,          # order rejected; the reason is in the message
    "-300": BrokerInputError,           # invalid symbol
    "-352": BrokerInputError,           # invalid app id / no position to exit
    "-429": RateLimitError,             # rate limit exceeded (second, minute or day)
    "400": BrokerInputError,            # multileg: invalid input
    # The older order-validation codes of Fyers' official error CSV (sample-code repository).
    "-101": BrokerInputError, "-305": BrokerInputError, "-323": BrokerInputError, "-308": BrokerInputError,
    "-309": BrokerInputError, "-390": BrokerInputError, "-310": BrokerInputError, "-311": BrokerInputError,
    "-316": BrokerInputError, "-313": BrokerInputError, "-314": BrokerInputError, "-315": BrokerInputError,
    "-325": BrokerInputError, "-326": BrokerInputError, "-327": BrokerInputError, "-328": BrokerInputError,
    "-392": BrokerInputError, "-372": BrokerInputError,
    "-209": OrderNotFoundError,         # invalid order number
    "-159": OrderNotFoundError,         # invalid order number
    "-161": OrderNotOpenError,          # already cancelled
    "-162": OrderNotOpenError,          # already traded
    "-164": OrderNotOpenError,          # already rejected
    "-163": OrderRejectedError,         # modification failed
    "-397": BrokerInputError,           # position quantity is zero
    "-398": BrokerInputError,           # no open positions
    "-399": BrokerInputError,           # no pending orders
    "-329": BrokerRefusedError,         # exit request already being processed: check positions
    "-353": RateLimitError,             # API limit exceeded
    "-373": PermissionDeniedError,      # the app lacks the permission
    "-374": AuthenticationError,        # auth code missing
    "-371": AuthenticationError,        # appIdHash invalid
    "-157": AuthenticationError,        # the user does not exist
    "-201": BrokerUnavailableError, "-202": BrokerUnavailableError, "-204": BrokerUnavailableError,
    "-205": BrokerUnavailableError,     # connection errors (retryable)
    "-96": BrokerUnavailableError,      # unexpected error
}

DEAD_SESSION_CODES = frozenset({"-8", "-15", "-16", "-17"})
"""Codes after which only a new login helps (refresh tokens were discontinued on 1 April 2026)."""

MESSAGE_PATTERNS: tuple[tuple[str, type[TTConnectError]], ...] = (
    (r"too many requests|rate limit", RateLimitError),
    (r"gtt (order )?(id )?(is )?(not found|invalid|does not exist)|invalid gtt", GttNotFoundError),
    (r"(is )?already (traded|filled|cancelled|canceled|rejected|expired|executed)|not (an )?open order|"
     r"cannot be (modified|cancelled)", OrderNotOpenError),
    (r"insufficient (fund|balance|margin)|margin (shortfall|exceeds)", InsufficientFundsError),
    (r"static ip|ip (address )?(is )?not (whitelisted|registered)", IpNotWhitelistedError),
)
"""Specific messages that refine the codes (first match wins, case-insensitive)."""

REJECTION_REASONS: tuple[tuple[str, RejectionReason], ...] = (
    (r"insufficient|margin (shortfall|exceeds)|shortfall", RejectionReason.INSUFFICIENT_FUNDS),
    (r"circuit|price band|price range|outside the (day'?s )?(price|range)|dpr", RejectionReason.PRICE_OUTSIDE_BAND),
    (r"freeze", RejectionReason.QUANTITY_ABOVE_FREEZE),
    (r"market (is )?closed|outside market hours|market hours", RejectionReason.MARKET_CLOSED),
    (r"not tradable|not allowed (for|to) trad|index", RejectionReason.NOT_TRADABLE),
    (r"tick size|multiple of tick", RejectionReason.INVALID_PRICE),
    (r"lot size|multiple of the lot|quantity", RejectionReason.INVALID_QUANTITY),
    (r"^rms|risk", RejectionReason.RISK_CHECK),
)
"""A ``-99`` refusal's text and a REJECTED order's ``message`` -> the canonical reason."""


def is_session_dead(failure: BrokerFailure) -> bool:
    """Return True when Fyers says the access token no longer works (a login step's own refusal is not)."""
    if failure.code is not None:
        return failure.code in DEAD_SESSION_CODES
    return failure.http_status == 401


def fyers_error_map() -> ErrorMap:
    """Return the Fyers error map: narrow message patterns first, then the codes, then the HTTP status."""
    return ErrorMap(codes=ERROR_CODES, patterns=MESSAGE_PATTERNS, patterns_first=True,
                    http_status={401: SessionExpiredError, 403: PermissionDeniedError, 429: RateLimitError,
                                 500: BrokerUnavailableError},
                    session_dead=is_session_dead, reasons=REJECTION_REASONS)
