"""Every documented Upstox error code maps onto the error tree; dead sessions are recognised."""

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
    OrderNotFoundError,
    OrderNotOpenError,
    OrderRejectedError,
    PermissionDeniedError,
    RateLimitError,
    SessionExpiredError,
)
from tt_connect_upstox.emulator.wire import CIRCUIT_MESSAGE, FREEZE_MESSAGE, HOURS_MESSAGE
from tt_connect_upstox.errors import ERROR_CODES, upstox_error_map


@pytest.mark.parametrize(("code", "status", "expected"), [
    ("UDAPI100050", 401, SessionExpiredError), ("UDAPI100016", 401, AuthenticationError),
    ("UDAPI100068", 400, AuthenticationError), ("UDAPI10005", 429, RateLimitError),
    ("UDAPI100038", 400, BrokerInputError), ("UDAPI100040", 400, OrderNotOpenError),
    ("UDAPI100049", 403, PermissionDeniedError), ("UDAPI100500", 500, BrokerUnavailableError),
    ("UDAPI1056", 400, BrokerInputError),
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
    ("Modify of already cancelled/rejected/completed order is not allowed", OrderNotOpenError),
    ("GTT order not found: GTT-C1", GttNotFoundError),
    ("Order not found", OrderNotFoundError),
    ("The price set should be within the circuit limits.", OrderRejectedError),
])
def test_refusals_without_a_listed_code_are_classified_by_message(message: str, expected: type) -> None:
    assert upstox_error_map().classify(BrokerFailure(message, code="UDAPI999999", http_status=400)) is expected


def test_a_401_without_a_code_is_a_dead_session_and_an_unknown_400_a_refusal() -> None:
    error_map = upstox_error_map()
    assert error_map.classify(BrokerFailure("Unauthorized", http_status=401)) is SessionExpiredError
    assert error_map.classify(BrokerFailure("odd", code="UDAPI999999", http_status=400)) is BrokerRefusedError


def test_order_not_found_is_read_from_the_text_because_upstox_answers_it_for_gtts_too() -> None:
    error_map = upstox_error_map()
    gtt = BrokerFailure("GTT order not found: GTT-C99", code="UDAPI100010", http_status=400)
    order = BrokerFailure("Order not found", code="UDAPI100010", http_status=400)
    assert error_map.classify(gtt) is GttNotFoundError and error_map.classify(order) is OrderNotFoundError


@pytest.mark.parametrize(("text", "reason"), [
    ("RMS:Margin Exceeds, insufficient funds: required 1.00, available 0.00 for entity account-X",
     RejectionReason.INSUFFICIENT_FUNDS),
    (CIRCUIT_MESSAGE, RejectionReason.PRICE_OUTSIDE_BAND), (FREEZE_MESSAGE, RejectionReason.QUANTITY_ABOVE_FREEZE),
    (HOURS_MESSAGE, RejectionReason.MARKET_CLOSED), ("price 1.03 is not a multiple of the tick size 0.05",
                                                     RejectionReason.INVALID_PRICE),
    ("quantity 3 is not a multiple of the lot size 75", RejectionReason.INVALID_QUANTITY),
])
def test_rejection_texts_classify_to_their_canonical_reason(text: str, reason: RejectionReason) -> None:
    assert upstox_error_map().reason(text) is reason
