from __future__ import annotations

import pickle

import pytest
from tt_connect import errors
from tt_connect.redact import register_secret


def test_refused_errors_are_never_retryable_and_transient_ones_are() -> None:
    assert not errors.OrderRejectedError("no").retryable
    assert not errors.InsufficientFundsError("no").retryable
    assert errors.NetworkError("down").retryable
    assert errors.RateLimitError("slow down", retry_after=1.5).retry_after == 1.5
    assert errors.BrokerUnavailableError("502").retryable


def test_order_status_unknown_carries_the_tag_and_is_not_retryable() -> None:
    err = errors.OrderStatusUnknownError("lost", tag="abc123", broker="zerodha")
    assert err.tag == "abc123"
    assert err.retryable is False
    assert "broker=zerodha" in str(err)


@pytest.mark.parametrize(
    ("cls", "base"),
    [
        (errors.SessionExpiredError, errors.BrokerRefusedError),
        (errors.InvalidOrderError, errors.InputError),
        (errors.InvalidSubscriptionError, errors.InputError),
        (errors.InvalidSubscriptionError, errors.StreamingError),
        (errors.BrokerInputError, errors.InputError),
        (errors.BrokerInputError, errors.BrokerRefusedError),
        (errors.OrderNotOpenError, errors.OrderRejectedError),
        (errors.GttNotFoundError, errors.OrderNotFoundError),
        (errors.InsufficientFundsError, errors.OrderRejectedError),
        (errors.OrderNotFoundError, errors.BrokerRefusedError),
        (errors.RateLimitQueueFullError, errors.TransientError),
        (errors.UnknownBrokerError, errors.ConfigurationError),
        (errors.InstrumentNotFoundError, errors.InstrumentError),
        (errors.SubscriptionLimitError, errors.StreamingError),
    ],
)
def test_error_tree(cls: type[errors.TTConnectError], base: type[errors.TTConnectError]) -> None:
    assert issubclass(cls, base)
    assert issubclass(cls, errors.TTConnectError)


def test_an_input_mistake_found_before_sending_is_not_a_broker_refusal() -> None:
    for cls in (errors.InputError, errors.InvalidOrderError, errors.InvalidSubscriptionError):
        assert not issubclass(cls, errors.BrokerRefusedError), cls


def test_an_order_refusal_carries_its_canonical_reason() -> None:
    from tt_connect.enums import RejectionReason

    assert errors.InsufficientFundsError("no margin").reason is RejectionReason.INSUFFICIENT_FUNDS
    refused = errors.OrderRejectedError("outside band", reason=RejectionReason.PRICE_OUTSIDE_BAND)
    assert refused.reason is RejectionReason.PRICE_OUTSIDE_BAND
    assert errors.OrderRejectedError("who knows").reason is None
    import pickle

    assert pickle.loads(pickle.dumps(refused)).reason is RejectionReason.PRICE_OUTSIDE_BAND


def test_every_error_carries_broker_code_status_and_a_redacted_raw_payload() -> None:
    register_secret("s3cr3t-access-token")
    err = errors.BrokerRefusedError(
        "token s3cr3t-access-token rejected",
        broker="zerodha",
        code="TokenException",
        http_status=403,
        raw={"access_token": "s3cr3t-access-token", "message": "bad s3cr3t-access-token"},
    )
    assert (err.broker, err.code, err.http_status) == ("zerodha", "TokenException", 403)
    assert "s3cr3t-access-token" not in str(err)
    assert "s3cr3t-access-token" not in repr(err)
    assert "s3cr3t-access-token" not in repr(err.raw)


def test_errors_survive_pickling_with_their_data() -> None:
    err = errors.OrderStatusUnknownError("lost", tag="t1", broker="paper", http_status=504)
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is errors.OrderStatusUnknownError
    assert (clone.tag, clone.broker, clone.http_status) == ("t1", "paper", 504)
