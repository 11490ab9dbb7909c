"""Noren's ``emsg`` texts -> the error tree: a dead session first, then the most specific pattern."""

from __future__ import annotations

import pytest
from tt_connect.driver_api import BrokerFailure
from tt_connect.enums import RejectionReason
from tt_connect.errors import (
    AuthenticationError,
    BrokerInputError,
    BrokerUnavailableError,
    GttNotFoundError,
    InsufficientFundsError,
    OrderNotFoundError,
    OrderNotOpenError,
    OrderRejectedError,
    RateLimitError,
    SessionExpiredError,
    TTConnectError,
)
from tt_connect_noren.errors import is_no_data, noren_error_map


@pytest.mark.parametrize(("emsg", "expected"), [
    ("Session Expired :  Invalid Session Key", SessionExpiredError),
    ("Session Expired : Invalid User Id", SessionExpiredError),
    ("Invalid Input : Wrong Password", AuthenticationError),
    ("Invalid Input : Invalid OTP", AuthenticationError),
    ("Invalid Input : Invalid checksum", AuthenticationError),
    ("Invalid Input : Missing uid or actid or prd.", BrokerInputError),
    ("Invalid Input : jData is Missing.", BrokerInputError),
    ("Rejected : ORA:Order not found", OrderNotFoundError),
    ("Invalid Input : Alert Id not found", GttNotFoundError),
    ("RED:Margin Shortfall:INR 17,894.82 Available:INR 0.00 for C-FA12345 [SHOONYA_STD]", InsufficientFundsError),
    ("Rejected : RED:Order price is outside the day's circuit limits", OrderRejectedError),
    ("Server Timeout :  please retry", BrokerUnavailableError),
    ("Too many requests", RateLimitError),
])
def test_each_documented_message_maps_to_its_error_class(emsg: str, expected: type[TTConnectError]) -> None:
    assert noren_error_map().classify(BrokerFailure(emsg, http_status=200)) is expected


def test_an_order_no_longer_open_is_not_open_not_missing() -> None:
    found = noren_error_map().classify(BrokerFailure("Rejected : ORA:Order not found to Cancel", http_status=200))
    assert found is OrderNotOpenError


@pytest.mark.parametrize(("rejreason", "reason"), [
    ("RED:Margin Shortfall:INR 17,894.82 Available:INR 0.00 for C-FA12345 [SHOONYA_STD]",
     RejectionReason.INSUFFICIENT_FUNDS),
    ("RED:Order price is outside the day's circuit limits", RejectionReason.PRICE_OUTSIDE_BAND),
    ("RED:Order quantity exceeds the freeze quantity", RejectionReason.QUANTITY_ABOVE_FREEZE),
    ("RED:Market is Closed", RejectionReason.MARKET_CLOSED),
    ("RED:Order quantity is not a multiple of the lot size", RejectionReason.INVALID_QUANTITY),
])
def test_rejection_texts_name_their_canonical_reason(rejreason: str, reason: RejectionReason) -> None:
    assert noren_error_map().reason(rejreason) is reason


def test_http_429_is_a_rate_limit_whatever_the_body_says() -> None:
    assert noren_error_map().classify(BrokerFailure("Invalid Input : x", http_status=429)) is RateLimitError


def test_the_no_data_reply_of_an_empty_book_is_recognised() -> None:
    assert is_no_data('Error Occurred : 5 "no data"')
    assert is_no_data("No Data :")
    assert not is_no_data("Invalid Input : Invalid Trading Symbol")
