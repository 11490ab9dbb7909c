"""Fyers' error codes through the driver's error map: session-dead codes, the specific codes, the patterns that
refine them, the HTTP fallbacks and the rejection reasons."""

from __future__ import annotations

import pytest
from tt_connect.driver_api import BrokerFailure
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
from tt_connect_fyers.errors import ERROR_CODES, fyers_error_map

MAP = fyers_error_map()


@pytest.mark.parametrize(("code", "status", "message", "expected"), [
    ("-8", 401, "Your token has expired. Please generate a token", SessionExpiredError),
    ("-15", 401, "Please provide a valid token", SessionExpiredError),
    ("-16", 401, "Could not authenticate the user.", SessionExpiredError),
    ("-17", 401, "Token is invalid or expired", SessionExpiredError),
    ("-50", 400, "Invalid input: qty", BrokerInputError),
    ("-51", 400, "Invalid order id: 1", OrderNotFoundError),
    ("-51", 400, "Invalid GTT order id: 9", GttNotFoundError),
    ("-53", 400, "Invalid position id", BrokerInputError),
    ("-99", 400, "RMS:Margin Shortfall - insufficient funds: required 10, available 1", InsufficientFundsError),
    ("-99", 400, "RMS:Price outside the circuit limits - price 1 is outside the price band", OrderRejectedError),
    ("-99", 400, "Order is already traded; it cannot be cancelled.", OrderNotOpenError),
    ("-161", 400, "Order is already cancelled", OrderNotOpenError),
    ("-162", 400, "Order is already traded", OrderNotOpenError),
    ("-164", 400, "Order is already rejected", OrderNotOpenError),
    ("-300", 400, "Invalid symbol", BrokerInputError),
    ("-352", 400, "Invalid app id", BrokerInputError),
    ("-429", 429, "request limit reached", RateLimitError),
    ("-353", 400, "API limit exceeded", RateLimitError),
    ("-373", 403, "Orders are accepted only from a static IP whitelisted for this app.", IpNotWhitelistedError),
    ("-373", 403, "The app has no permission for this", PermissionDeniedError),
    ("-371", 400, "Invalid appIdHash.", AuthenticationError),
    ("-374", 400, "Invalid or expired auth code.", AuthenticationError),
    ("-96", 500, "Unexpected error", BrokerUnavailableError),
    (None, 401, "Unauthorized", SessionExpiredError),
    (None, 403, "Forbidden", PermissionDeniedError),
    (None, 502, "Bad gateway", BrokerUnavailableError),
    ("-1234", 400, "something new", BrokerRefusedError),
])
def test_each_reply_maps_to_its_error(code: str | None, status: int, message: str,
                                      expected: type[TTConnectError]) -> None:
    assert MAP.classify(BrokerFailure(message, code=code, http_status=status)) is expected


def test_every_listed_code_is_negative_text_or_the_multileg_400() -> None:
    assert all(code == "400" or (code.startswith("-") and code[1:].isdigit()) for code in ERROR_CODES)


@pytest.mark.parametrize(("text", "reason"), [
    ("RMS:Margin Shortfall - insufficient funds: required 10", RejectionReason.INSUFFICIENT_FUNDS),
    ("RMS:Price outside the circuit limits - price 1 is outside the price band", RejectionReason.PRICE_OUTSIDE_BAND),
    ("RMS:Quantity above the freeze limit - quantity 5000 is above the freeze quantity",
     RejectionReason.QUANTITY_ABOVE_FREEZE),
    ("RMS:Market is closed - the market is closed", RejectionReason.MARKET_CLOSED),
    ("price 1.03 is not a multiple of tick size", RejectionReason.INVALID_PRICE),
])
def test_rejection_texts_carry_their_reason(text: str, reason: RejectionReason) -> None:
    assert MAP.reason(text) is reason
