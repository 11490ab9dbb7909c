"""Every documented Upstox error code maps onto the error tree; dead sessions are recognised."""

from __future__ import annotations

import pytest
from tt_connect.driver_api import BrokerFailure
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
)
from tt_connect_upstox.errors import ERROR_CODES, upstox_error_map


@pytest.mark.parametrize(("code", "status", "expected"), [
    ("UDAPI100050", 401, SessionExpiredError), ("UDAPI100016", 401, AuthenticationError),
    ("UDAPI100068", 400, AuthenticationError), ("UDAPI10005", 429, RateLimitError),
    ("UDAPI100038", 400, InputError), ("UDAPI100010", 400, OrderNotFoundError),
    ("UDAPI100040", 400, OrderRejectedError), ("UDAPI100049", 403, PermissionDeniedError),
    ("UDAPI100500", 500, BrokerUnavailableError), ("UDAPI1056", 400, InputError),
])
def test_codes_map_to_their_error_class(code: str, status: int, expected: type) -> None:
    assert upstox_error_map().classify(BrokerFailure("any", code=code, http_status=status)) is expected


def test_every_code_of_the_table_classifies_as_itself_or_a_subclass() -> None:
    error_map = upstox_error_map()
    for code, cls in ERROR_CODES.items():
        status = 429 if cls is RateLimitError else 400
        assert issubclass(error_map.classify(BrokerFailure("m", code=code, http_status=status)), cls)


@pytest.mark.parametrize(("message", "expected"), [
    ("RMS:Margin Exceeds, insufficient funds", InsufficientFundsError),
    ("Modify of already cancelled/rejected/completed order is not allowed", OrderRejectedError),
    ("GTT order not found: GTT-C1", OrderNotFoundError),
    ("The price set should be within the circuit limits.", OrderRejectedError),
])
def test_refusals_without_a_listed_code_are_classified_by_message(message: str, expected: type) -> None:
    assert upstox_error_map().classify(BrokerFailure(message, code="UDAPI999999", http_status=400)) is expected


def test_a_401_without_a_code_is_a_dead_session_and_an_unknown_400_a_refusal() -> None:
    error_map = upstox_error_map()
    assert error_map.classify(BrokerFailure("Unauthorized", http_status=401)) is SessionExpiredError
    assert error_map.classify(BrokerFailure("odd", code="UDAPI999999", http_status=400)) is BrokerRefusedError
