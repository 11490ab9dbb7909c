"""Kite error envelopes -> BrokerFailure codes -> the error tree; rejection texts -> canonical reasons."""

from __future__ import annotations

import msgspec
import pytest
from kite_mock_files import mock_json
from tt_connect.driver_api import BrokerFailure, HttpResponse
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
from tt_connect_zerodha.api import ZerodhaApi
from tt_connect_zerodha.errors import kite_error_map


def error_reply(status: int, error_type: str, message: str) -> HttpResponse:
    body = {"status": "error", "message": message, "error_type": error_type, "data": None}
    return HttpResponse(status=status, body=msgspec.json.encode(body))


def failure_of(response: HttpResponse) -> BrokerFailure:
    with pytest.raises(BrokerFailure) as caught:
        ZerodhaApi().unwrap(response)
    return caught.value


@pytest.mark.parametrize(("status", "error_type", "message", "expected"), [
    (403, "TokenException", "Incorrect `api_key` or `access_token`.", SessionExpiredError),
    (400, "InputException", "Missing or empty field `quantity`", BrokerInputError),
    (400, "OrderException", "Order cannot be modified as it is being processed. Try later.", OrderRejectedError),
    (400, "OrderException", "Order cannot be cancelled as it is already cancelled.", OrderNotOpenError),
    (400, "OrderException", "Order cannot be modified as it is already completed.", OrderNotOpenError),
    (400, "GeneralException", "Couldn't find that `order_id`.", OrderNotFoundError),
    (400, "GeneralException", "Couldn't find that `trigger_id`.", GttNotFoundError),
    (400, "InputException", "Markets are closed right now. Use GTT for placing long standing orders instead.",
     OrderRejectedError),
    (400, "InputException", "Your order price is lower than the current lower circuit limit of 1250.70. "
                            "Place an order within the daily range.", OrderRejectedError),
    (400, "InputException", "Quantity is more than the freeze quantity of 1800 for NIFTY.", OrderRejectedError),
    (400, "HoldingException", "Insufficient holdings to sell 5 ITC.", OrderRejectedError),
    (400, "InputException", "Invalid `user_id` or `password`.", AuthenticationError),
    (403, "TokenException", "Invalid `checksum`.", SessionExpiredError),
    (403, "PermissionException", "Orders are allowed only from your registered static IP.", IpNotWhitelistedError),
    (400, "MarginException", "Margin shortfall", InsufficientFundsError),
    (503, "NetworkException", "Gateway unreachable", BrokerUnavailableError),
    (502, "DataException", "Unparseable OMS response", BrokerUnavailableError),
    (500, "GeneralException", "Something happened", BrokerRefusedError),
    (403, "PermissionException", "Not permitted for this app", PermissionDeniedError),
    (429, "NetworkException", "Too many requests", RateLimitError),
    (400, "GeneralException", "Couldn't find that order.", OrderNotFoundError),
    (404, "OrderException", "Order not found", OrderNotFoundError),
    (400, "InputException", "Insufficient funds. Required margin is 95417.84", InsufficientFundsError),
    (400, "MarginException", "Insufficient funds. Required margin is 228365.92 but available margin is 228358.50.",
     InsufficientFundsError),
])
def test_error_envelopes_map_to_the_error_tree(
    status: int, error_type: str, message: str, expected: type[TTConnectError]
) -> None:
    failure = failure_of(error_reply(status, error_type, message))
    assert (failure.code, failure.http_status, failure.message) == (error_type, status, message)
    assert failure.raw["error_type"] == error_type
    assert kite_error_map().classify(failure) is expected


def test_only_token_exception_means_the_session_is_dead() -> None:
    errors = kite_error_map()
    assert errors.session_dead(failure_of(error_reply(403, "TokenException", "Token expired")))
    assert not errors.session_dead(failure_of(error_reply(403, "PermissionException", "No")))
    assert not errors.session_dead(failure_of(error_reply(400, "InputException", "Bad")))


def test_unknown_error_type_falls_back_on_the_http_status() -> None:
    errors = kite_error_map()
    assert errors.classify(failure_of(error_reply(502, "NewException", "Upstream"))) is BrokerUnavailableError
    assert errors.classify(failure_of(error_reply(400, "NewException", "Bad"))) is BrokerRefusedError


def test_a_proxy_html_page_is_broker_unavailable() -> None:
    with pytest.raises(BrokerUnavailableError, match="not JSON"):
        ZerodhaApi().unwrap(HttpResponse(status=502, body=b"<html>Bad Gateway</html>"))


def test_http_error_without_an_envelope_is_a_failure_with_its_status() -> None:
    failure = failure_of(HttpResponse(status=504, body=b'{"detail": "timeout"}'))
    assert failure.code is None and failure.http_status == 504
    assert kite_error_map().classify(failure) is BrokerUnavailableError


def test_success_envelope_returns_data_and_odd_envelopes_are_refused() -> None:
    api = ZerodhaApi()
    assert api.unwrap(HttpResponse(status=200, body=b'{"status": "success", "data": true}')) is True
    with pytest.raises(BrokerUnavailableError, match="unexpected envelope"):
        api.unwrap(HttpResponse(status=200, body=b'{"hello": "world"}'))


@pytest.mark.parametrize(("text", "code", "reason"), [
    (mock_json("orders.json")["data"][3]["status_message"], None, RejectionReason.INSUFFICIENT_FUNDS),
    (mock_json("autoslice_response.json")["data"]["children"][2]["error"]["message"], "MarginException",
     RejectionReason.INSUFFICIENT_FUNDS),
    ("Your order price is higher than the current upper circuit limit of 1528.60. Place an order within the "
     "daily range.", "InputException", RejectionReason.PRICE_OUTSIDE_BAND),
    ("The order was cancelled by the exchange because the price is outside the current allowed limit price "
     "protection range.", None, RejectionReason.PRICE_OUTSIDE_BAND),
    ("Quantity is more than the freeze quantity of 1800 for NIFTY. Split the order.", "InputException",
     RejectionReason.QUANTITY_ABOVE_FREEZE),
    ("Markets are closed right now. Use GTT for placing long standing orders instead.", "InputException",
     RejectionReason.MARKET_CLOSED),
    ("Trigger price for stoploss buy orders should be higher than the last traded price.", "InputException",
     RejectionReason.INVALID_PRICE),
    ("Insufficient holdings to sell 5 ITC.", "HoldingException", RejectionReason.INSUFFICIENT_FUNDS),
    ("RMS:Rule: Check holding for sell order exceeds", None, RejectionReason.RISK_CHECK),
])
def test_rejection_texts_name_their_canonical_reason(text: str, code: str | None, reason: RejectionReason) -> None:
    assert kite_error_map().reason(text, code) is reason


def test_a_text_no_rule_names_has_no_reason_of_its_own() -> None:
    """The core then calls it OTHER; the driver does not guess."""
    assert kite_error_map().reason("Something unusual happened") is None
