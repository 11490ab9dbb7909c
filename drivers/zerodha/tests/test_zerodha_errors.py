"""Kite error envelopes -> BrokerFailure codes -> the error tree."""

from __future__ import annotations

import msgspec
import pytest
from tt_connect.driver_api import BrokerFailure, HttpResponse
from tt_connect.errors import (
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
    (400, "InputException", "Missing or empty field `quantity`", InputError),
    (400, "OrderException", "Order cannot be modified as it is being processed", OrderRejectedError),
    (400, "MarginException", "Margin shortfall", InsufficientFundsError),
    (503, "NetworkException", "Gateway unreachable", BrokerUnavailableError),
    (502, "DataException", "Unparseable OMS response", BrokerUnavailableError),
    (500, "GeneralException", "Something happened", BrokerRefusedError),
    (403, "PermissionException", "Not permitted for this app", PermissionDeniedError),
    (429, "NetworkException", "Too many requests", RateLimitError),
    (400, "GeneralException", "Couldn't find that order.", OrderNotFoundError),
    (404, "OrderException", "Order not found", OrderNotFoundError),
    (400, "InputException", "Insufficient funds. Required margin is 95417.84", InsufficientFundsError),
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
