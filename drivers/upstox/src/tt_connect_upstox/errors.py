"""How Upstox's error replies map onto tt-connect's error tree, as data.

Upstox answers a failure with a real HTTP status (400, 401, 404, 429, 5xx) and the
envelope ``{"status": "error", "errors": [{"errorCode": "UDAPI100050", "message": ...}]}``
(the gateway writes the keys in camelCase and in snake_case). The ``UDAPI`` codes are
specific, so codes are read before message patterns; the patterns catch the refusals
whose code the documentation does not list (PROTOCOL.md marks them).
"""

from __future__ import annotations

from collections.abc import Mapping

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

__all__ = ["DEAD_SESSION_CODES", "ERROR_CODES", "MESSAGE_PATTERNS", "REJECTION_REASONS", "is_session_dead",
           "upstox_error_map"]

DEAD_SESSION_CODES = frozenset({"UDAPI100050"})
"""Invalid token (expired at 03:30 IST, logged out, or replaced): only a new login helps."""

ERROR_CODES: Mapping[str, type[TTConnectError]] = {
    # Common codes (error-codes page).
    "UDAPI10000": BrokerInputError,             # request not supported (bad URL)
    "UDAPI100016": AuthenticationError,   # invalid credentials (token exchange)
    "UDAPI100068": AuthenticationError,   # client_id / redirect_uri incorrect (authorize dialog)
    "UDAPI100073": AuthenticationError,   # client_id inactive
    "UDAPI10005": RateLimitError,         # too many requests
    "UDAPI100015": BrokerInputError,            # API version does not exist
    "UDAPI100050": SessionExpiredError,   # invalid token used to access API
    "UDAPI100067": PermissionDeniedError,  # not permitted with an extended_token
    "UDAPI100036": BrokerInputError,            # invalid input
    "UDAPI100038": BrokerInputError,            # invalid input passed to the API
    "UDAPI100500": BrokerUnavailableError,  # something went wrong
    # Order pages (place / modify / cancel v3).
    "UDAPI1004": BrokerInputError,              # valid order type is required
    "UDAPI1007": BrokerInputError,              # validity is required
    "UDAPI1010": BrokerInputError,              # order id: alphanumerics and '-' only
    "UDAPI1023": BrokerInputError,              # order id is required
    "UDAPI1055": BrokerInputError,              # validity is invalid
    "UDAPI1056": BrokerInputError,              # order_type is invalid
    "UDAPI100049": PermissionDeniedError,  # orders restricted: use Uplink Business
    "UDAPI100040": OrderNotOpenError,     # cancel of an already cancelled/rejected/completed order
    # UDAPI100010 "Order not found" is left to the patterns: Upstox answers it for orders and GTTs alike.
}

MESSAGE_PATTERNS: tuple[tuple[str, type[TTConnectError]], ...] = (
    (r"too many request", RateLimitError),
    (r"invalid token|token (is )?expired", SessionExpiredError),
    (r"insufficient (fund|margin|balance)|margin (insufficient|shortfall)", InsufficientFundsError),
    (r"gtt order (id )?not found|invalid gtt", GttNotFoundError),
    (r"order not found|no such order|order id does not exist", OrderNotFoundError),
    (r"(cancel|modif\w*) of already (cancelled|rejected|completed)|not (modifiable|cancellable)",
     OrderNotOpenError),
    (r"outside market hours|market (is )?closed|circuit limit|freeze quantity", OrderRejectedError),
    (r"invalid (input|instrument)", BrokerInputError),
    (r"static ip|not whitelisted|ip (address )?(is )?not (registered|allowed)", IpNotWhitelistedError),
)


REJECTION_REASONS: tuple[tuple[str, RejectionReason], ...] = (
    (r"rms:margin exceeds|insufficient (fund|margin|balance)|margin shortfall", RejectionReason.INSUFFICIENT_FUNDS),
    (r"circuit limit|price band", RejectionReason.PRICE_OUTSIDE_BAND),
    (r"freeze quantity", RejectionReason.QUANTITY_ABOVE_FREEZE),
    (r"market hours|market (is )?closed|place an amo", RejectionReason.MARKET_CLOSED),
    (r"tick size|trigger price", RejectionReason.INVALID_PRICE),
    (r"lot size|multiple of", RejectionReason.INVALID_QUANTITY),
    (r"not allowed|index cannot be traded|suspended", RejectionReason.NOT_TRADABLE),
    (r"^rms:", RejectionReason.RISK_CHECK),
)
"""Why an order was refused, from the texts Upstox's risk system and the exchange write in
``status_message`` (PROTOCOL.md, "Envelopes and errors")."""


def is_session_dead(failure: BrokerFailure) -> bool:
    """Return True when Upstox says the access token no longer works."""
    if failure.code is not None:
        return failure.code in DEAD_SESSION_CODES
    return failure.http_status == 401


def upstox_error_map() -> ErrorMap:
    """Return the Upstox error map: exact ``UDAPI`` codes first, then message patterns, then the status."""
    return ErrorMap(codes=ERROR_CODES, patterns=MESSAGE_PATTERNS,
                    http_status={401: SessionExpiredError, 403: PermissionDeniedError},
                    session_dead=is_session_dead, reasons=REJECTION_REASONS)
