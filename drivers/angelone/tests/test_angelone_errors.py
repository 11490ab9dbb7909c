"""SmartAPI error envelopes -> BrokerFailure codes -> the error tree, and the session-dead rule."""

from __future__ import annotations

import pytest
from angelone_fakes import fixture_bytes
from tt_connect.driver_api import BrokerFailure, HttpResponse
from tt_connect.errors import (
    AuthenticationError,
    BrokerRefusedError,
    BrokerUnavailableError,
    InputError,
    InsufficientFundsError,
    OrderNotFoundError,
    OrderRejectedError,
    RateLimitError,
    SessionExpiredError,
    TTConnectError,
)
from tt_connect_angelone.api import AngelOneApi
from tt_connect_angelone.errors import angel_error_map


@pytest.mark.parametrize(("fixture", "status", "code", "cls", "dead"), [
    ("error_invalid_token.json", 200, "AG8001", SessionExpiredError, True),
    ("error_invalid_token.json", 401, "AG8001", SessionExpiredError, True),
    ("error_invalid_totp.json", 200, "AB1050", AuthenticationError, False),
    ("error_invalid_parameters.json", 200, "AB1007", InputError, False),
    ("error_string_status.json", 200, "AB1004", BrokerUnavailableError, False),
])
def test_error_envelopes_raise_broker_failures_that_map_to_the_tree(
        fixture: str, status: int, code: str, cls: type[TTConnectError], dead: bool) -> None:
    with pytest.raises(BrokerFailure) as caught:
        AngelOneApi().unwrap(HttpResponse(status=status, body=fixture_bytes(fixture)))
    failure = caught.value
    assert (failure.code, failure.http_status) == (code, status)
    errors = angel_error_map()
    assert errors.classify(failure) is cls
    assert errors.session_dead(failure) is dead


@pytest.mark.parametrize(("message", "code", "status", "cls"), [
    ("Access denied because of exceeding access rate", None, 403, RateLimitError),
    ("anything", None, 429, RateLimitError),
    ("Insufficient Funds. Required margin is 1200", "AB4036", 200, InsufficientFundsError),
    ("Order not found", None, 200, OrderNotFoundError),
    ("NRML product not allowed in nse_cm", None, 200, OrderRejectedError),
    ("Login Id or password is invalid", "AB1007", 200, AuthenticationError),
    ("Token expired", "AG8002", 200, SessionExpiredError),
    ("Apps not found", "AB1034", 200, AuthenticationError),
    ("Internal Error", "AB2001", 200, BrokerUnavailableError),
    ("Ordertag length should not exceed 20 characters", "AB4008", 200, InputError),
    ("something new", "AB9999", 200, BrokerRefusedError),
    ("gateway trouble", None, 502, BrokerUnavailableError),
])
def test_codes_messages_and_statuses_pick_the_most_specific_class(
        message: str, code: str | None, status: int, cls: type[TTConnectError]) -> None:
    assert angel_error_map().classify(BrokerFailure(message, code=code, http_status=status)) is cls


def test_only_token_failures_mean_the_session_is_dead() -> None:
    dead = angel_error_map().session_dead
    assert dead(BrokerFailure("Invalid Token", code="AG8001", http_status=200))
    assert dead(BrokerFailure("Session expired", http_status=200))
    assert dead(BrokerFailure("no body", http_status=401))
    assert not dead(BrokerFailure("INVALID PARAMETERS", code="AB1007", http_status=200))
    assert not dead(BrokerFailure("Invalid totp", code="AB1050", http_status=200))


def test_success_envelopes_return_their_data_and_odd_bodies_are_transient() -> None:
    api = AngelOneApi()
    assert api.unwrap(HttpResponse(status=200, body=b'{"status":true,"message":"SUCCESS","errorcode":"",'
                                                    b'"data":{"x":1}}')) == {"x": 1}
    assert api.unwrap(HttpResponse(status=200, body=b'{"status":"true","data":"null"}')) is None
    with pytest.raises(BrokerUnavailableError):
        api.unwrap(HttpResponse(status=502, body=b"<html>Bad Gateway</html>"))
    with pytest.raises(BrokerUnavailableError):
        api.unwrap(HttpResponse(status=200, body=b'{"message": "no status at all"}'))
    with pytest.raises(BrokerFailure) as caught:
        api.unwrap(HttpResponse(status=500, body=b"[]"))
    assert caught.value.http_status == 500
