"""How Kite's error replies and rejection texts map onto tt-connect's error tree, as data.

Kite names an exception class in ``error_type`` (``TokenException``, ``OrderException``...). Those
names are coarse: ``InputException`` carries a bad parameter, a closed market and a price beyond the
circuit limits alike; ``OrderException`` carries "no such order" and "already cancelled";
``NetworkException`` is also what a rate limit (HTTP 429) comes back as. So the map looks at the
message first (``patterns_first``), then at ``error_type``. HTTP 429 and a dead token come first in
every map. ``REASONS`` classify why an order was refused, for a synchronous refusal and for the
``status_message`` of an order Kite accepted and rejected afterwards. Sources: PROTOCOL.md.
"""

from __future__ import annotations

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

__all__ = ["CODE_REASONS", "ERROR_TYPES", "MESSAGE_PATTERNS", "REASONS", "is_session_dead", "kite_error_map"]

# error_type values from Kite's exceptions page and the official SDKs (reference section 1.11).
ERROR_TYPES: dict[str, type[TTConnectError]] = {
    "TokenException": SessionExpiredError,
    "UserException": PermissionDeniedError,
    "PermissionException": PermissionDeniedError,
    "PermissionError": PermissionDeniedError,
    "TwoFAException": AuthenticationError,
    "InputException": BrokerInputError,
    "OrderException": OrderRejectedError,
    "MarginException": InsufficientFundsError,
    "HoldingException": OrderRejectedError,
    "NetworkException": BrokerUnavailableError,
    "DataException": BrokerUnavailableError,
    "GeneralException": BrokerRefusedError,
}

# Messages that decide over a coarse error_type (first match wins, case-insensitive).
MESSAGE_PATTERNS: tuple[tuple[str, type[TTConnectError]], ...] = (
    (r"too many requests", RateLimitError),
    (r"couldn'?t find that `?trigger|trigger (id )?not found|invalid `?trigger_?id", GttNotFoundError),
    (r"couldn'?t find that `?order|order not found|invalid `?order_?id|no such order", OrderNotFoundError),
    (r"cannot be (modified|cancell?ed) as it is already|order is already (complete|cancell?ed|rejected)",
     OrderNotOpenError),
    (r"insufficient (funds|margin)|margin exceeds", InsufficientFundsError),
    (r"insufficient holdings|circuit limit|freeze (quantity|limit)|markets? (are|is) closed|stoploss .*orders? "
     r"should be", OrderRejectedError),
    (r"invalid `?(user_?id|password|totp|twofa|checksum|api_key)`?", AuthenticationError),
    (r"static ip|ip( address)? (is )?not (whitelisted|registered|allowed)", IpNotWhitelistedError),
)

REASONS: tuple[tuple[str, RejectionReason], ...] = (
    (r"insufficient (funds?|margin|holdings|balance)|margin exceeds", RejectionReason.INSUFFICIENT_FUNDS),
    (r"circuit limit|daily range|price band|price protection", RejectionReason.PRICE_OUTSIDE_BAND),
    (r"freeze (quantity|limit)", RejectionReason.QUANTITY_ABOVE_FREEZE),
    (r"markets? (are|is) closed", RejectionReason.MARKET_CLOSED),
    (r"tick size|trigger price|stoploss .*orders? should be", RejectionReason.INVALID_PRICE),
    (r"lot size|quantity .*multiple", RejectionReason.INVALID_QUANTITY),
    (r"not allowed for (intraday|mis)|ban period|not (allowed|enabled) for trading|blocked",
     RejectionReason.NOT_TRADABLE),
    (r"^rms:", RejectionReason.RISK_CHECK),
)
"""A rejection's text -> its canonical reason (Kite's RMS texts that name no specific rule are risk checks)."""

CODE_REASONS: dict[str, RejectionReason] = {
    "MarginException": RejectionReason.INSUFFICIENT_FUNDS,
    "HoldingException": RejectionReason.INSUFFICIENT_FUNDS,
}


def is_session_dead(failure: BrokerFailure) -> bool:
    """Return True when Kite says the access token is no longer valid (re-login needed)."""
    return failure.code == "TokenException"


def kite_error_map() -> ErrorMap:
    """Return the Zerodha error map."""
    return ErrorMap(codes=ERROR_TYPES, patterns=MESSAGE_PATTERNS, session_dead=is_session_dead,
                    patterns_first=True, reasons=REASONS, code_reasons=CODE_REASONS)
