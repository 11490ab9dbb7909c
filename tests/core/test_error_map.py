"""ErrorMap.classify: the most specific signal wins, in one order every driver shares."""

from __future__ import annotations

import pytest
from tt_connect.driver_api import BrokerFailure, ErrorMap
from tt_connect.errors import (
    AuthenticationError,
    BrokerRefusedError,
    BrokerUnavailableError,
    InputError,
    OrderNotFoundError,
    OrderRejectedError,
    RateLimitError,
    SessionExpiredError,
    TTConnectError,
)

CODES = {"OrderException": OrderRejectedError, "InputException": InputError, "NetworkException": BrokerUnavailableError}
PATTERNS = ((r"no such order", OrderNotFoundError),)


def failure(message: str = "", code: str | None = None, status: int | None = 400) -> BrokerFailure:
    return BrokerFailure(message, code=code, http_status=status)


@pytest.mark.parametrize(("patterns_first", "given", "expected"), [
    # HTTP 429 is a rate limit even when the body names a coarse class.
    (False, failure("Too many requests", "NetworkException", 429), RateLimitError),
    (True, failure("Too many requests", "NetworkException", 429), RateLimitError),
    # A dead session beats everything but 429.
    (True, failure("Token is invalid", "DEAD"), SessionExpiredError),
    # Codes first by default; patterns first where codes are coarse.
    (False, failure("No such order", "OrderException"), OrderRejectedError),
    (True, failure("No such order", "OrderException"), OrderNotFoundError),
    (True, failure("Quantity must be positive", "InputException"), InputError),
    # Then the status: a mapped one, then the generic ranges.
    (False, failure("gone", status=410), OrderNotFoundError),
    (False, failure("who are you", status=403), AuthenticationError),
    (False, failure("oops", status=502), BrokerUnavailableError),
    (False, failure("nope", status=400), BrokerRefusedError),
    (False, failure("nope", status=None), BrokerRefusedError),
])
def test_classification_order(patterns_first: bool, given: BrokerFailure, expected: type[TTConnectError]) -> None:
    errors = ErrorMap(codes=CODES, patterns=PATTERNS, http_status={410: OrderNotFoundError},
                      session_dead=lambda f: f.code == "DEAD", patterns_first=patterns_first)
    assert errors.classify(given) is expected


@pytest.mark.parametrize("patterns_first", [False, True])
def test_a_pattern_that_refines_the_codes_class_wins_in_either_order(patterns_first: bool) -> None:
    from tt_connect.errors import IpNotWhitelistedError, PermissionDeniedError

    errors = ErrorMap(codes={"E403": PermissionDeniedError, "E400": InputError},
                      patterns=((r"static ip", IpNotWhitelistedError),), patterns_first=patterns_first)
    assert errors.classify(failure("Static IP not whitelisted", "E403", 403)) is IpNotWhitelistedError
    assert errors.classify(failure("not permitted", "E403", 403)) is PermissionDeniedError
    unrelated = errors.classify(failure("static ip field is malformed", "E400"))
    assert unrelated is (IpNotWhitelistedError if patterns_first else InputError), "no refinement: the order rules"
