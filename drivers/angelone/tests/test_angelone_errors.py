"""SmartAPI error envelopes -> BrokerFailure codes -> the error tree, and the session-dead rule."""

from __future__ import annotations

import pytest
from angelone_fakes import fixture_bytes
from tt_connect.driver_api import BrokerFailure, HttpResponse
from tt_connect.enums import RejectionReason
from tt_connect.errors import (
    AuthenticationError,
    BrokerInputError,
    BrokerRefusedError,
    BrokerUnavailableError,
    GttNotFoundError,
    InsufficientFundsError,
    OrderNotFoundError,
    OrderNotOpenError,
    OrderRejectedError,
    PermissionDeniedError,
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
    ("error_invalid_parameters.json", 200, "AB1007", BrokerInputError, False),
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
    ("Order not found", "AB1013", 200, OrderNotFoundError),
    ("Order 250106000000101 is already cancelled and cannot be cancelled", "AB1007", 200, OrderNotOpenError),
    ("Order 250106000000101 is already complete and cannot be modified", "AB1007", 200, OrderNotOpenError),
    ("GTT rule 99 not found", "AB1007", 200, GttNotFoundError),
    ("NRML product not allowed in nse_cm", None, 200, OrderRejectedError),
    ("Invalid Order Variety", "AB1008", 200, BrokerInputError),
    ("Client Is Block For Trading", "AB1006", 200, PermissionDeniedError),
    ("Client not login", "AB1011", 200, SessionExpiredError),
    ("Login Id or password is invalid", "AB1007", 200, AuthenticationError),
    ("Token expired", "AG8002", 200, SessionExpiredError),
    ("Apps not found", "AB1034", 200, AuthenticationError),
    ("Internal Error", "AB2001", 200, BrokerUnavailableError),
    ("Ordertag length should not exceed 20 characters", "AB4008", 200, BrokerInputError),
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
    with pytest.raises(BrokerFailure) as proxy:
        api.unwrap(HttpResponse(status=502, body=b"<html>Bad Gateway</html>"))
    assert angel_error_map().classify(proxy.value) is BrokerUnavailableError
    with pytest.raises(BrokerFailure) as throttled:
        api.unwrap(HttpResponse(status=403, body=b"Access denied because of exceeding access rate"))
    assert angel_error_map().classify(throttled.value) is RateLimitError
    with pytest.raises(BrokerUnavailableError):
        api.unwrap(HttpResponse(status=200, body=b"<html>maintenance</html>"))
    with pytest.raises(BrokerUnavailableError):
        api.unwrap(HttpResponse(status=200, body=b'{"message": "no status at all"}'))
    with pytest.raises(BrokerFailure) as caught:
        api.unwrap(HttpResponse(status=500, body=b"[]"))
    assert caught.value.http_status == 500


@pytest.mark.parametrize(("message", "reason"), [
    ("Your order has been rejected due to Insufficient Funds.", RejectionReason.INSUFFICIENT_FUNDS),
    ("Order price is beyond the Limit Price Protection range defined by the exchange. Please increase the stop "
     "loss limit price above 101.5", RejectionReason.PRICE_OUTSIDE_BAND),
    ("NRML product not allowed in nse_cm", RejectionReason.NOT_TRADABLE),
    ("The order cannot be processed as the token is categorised under cautionary listings by the exchange.",
     RejectionReason.NOT_TRADABLE),
    ("Adapter is Logged Off", None),
])
def test_rejection_texts_are_classified_into_canonical_reasons(message: str, reason: RejectionReason | None) -> None:
    assert angel_error_map().reason(message) is reason


def test_every_text_the_emulator_rejects_with_has_the_paper_engines_reason() -> None:
    """The emulator words each paper refusal as SmartAPI does; the driver must read back the same reason."""
    from tt_connect.paper.api import REJECTION_REASONS
    from tt_connect_angelone.emulator.wire import REJECTION_TEXTS

    errors = angel_error_map()
    for paper_code, (code, text) in REJECTION_TEXTS.items():
        if paper_code in REJECTION_REASONS:
            assert errors.reason(text, code) is REJECTION_REASONS[paper_code], (paper_code, text)
    refused = errors.classify(BrokerFailure(REJECTION_TEXTS["FUNDS"][1], code="AB1007", http_status=200))
    assert refused is InsufficientFundsError
