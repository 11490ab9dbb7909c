"""The unified error tree.

The first split is what a caller must do next:

* :class:`InputError` - the arguments of the call were wrong. Found by
  tt-connect before anything was sent (:class:`InvalidOrderError`,
  :class:`InvalidSubscriptionError`, plain ``InputError``) or by the broker
  (:class:`BrokerInputError`). Never retried.
* :class:`BrokerRefusedError` - the broker said no. Retrying the same call
  will fail the same way; never retried.
* :class:`TransientError` - the call may succeed if repeated (network, 5xx,
  rate limit). Reads are retried by the library; ``retryable`` is True.
* :class:`OrderStatusUnknownError` - a write whose outcome could not be
  established. Not retryable: repeating it could place a second order.

Configuration, instrument, unsupported-operation and streaming errors sit
beside them. Every error is data: ``broker``, ``code``, ``http_status``,
``retryable`` and a redacted ``raw`` payload, so callers never match on text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from tt_connect.redact import redact, redact_text

if TYPE_CHECKING:
    from tt_connect.enums import RejectionReason

__all__ = [
    "AuthenticationError",
    "BrokerInputError",
    "BrokerRefusedError",
    "BrokerUnavailableError",
    "ClientClosedError",
    "ConfigurationError",
    "DriverError",
    "GttNotFoundError",
    "InputError",
    "InstrumentError",
    "InstrumentNotFoundError",
    "InstrumentsNotReadyError",
    "InsufficientFundsError",
    "InvalidOrderError",
    "InvalidSubscriptionError",
    "IpNotWhitelistedError",
    "NetworkError",
    "OrderNotFoundError",
    "OrderNotOpenError",
    "OrderRejectedError",
    "OrderStatusUnknownError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitQueueFullError",
    "SessionExpiredError",
    "StreamingError",
    "SubscriptionLimitError",
    "TTConnectError",
    "TransientError",
    "UnknownBrokerError",
    "UnsupportedOperationError",
]


class TTConnectError(Exception):
    """Base of every error tt-connect raises.

    Parameters
    ----------
    message
        What happened and, where possible, what to do about it.
    broker
        Name of the driver involved, when there is one.
    code
        The broker's own error code or type, when it gave one.
    http_status
        HTTP status of the reply, when there was one.
    retryable
        Whether repeating the same call may succeed. Defaults per class.
    raw
        The broker's payload; redacted before it is stored.
    """

    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        broker: str | None = None,
        code: str | None = None,
        http_status: int | None = None,
        retryable: bool | None = None,
        raw: Any = None,
    ) -> None:
        self.message = redact_text(message)
        self.broker = broker
        self.code = code
        self.http_status = http_status
        self.retryable = self.default_retryable if retryable is None else retryable
        self.raw = redact(raw)
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message]
        details = []
        if self.broker:
            details.append(f"broker={self.broker}")
        if self.code:
            details.append(f"code={self.code}")
        if self.http_status is not None:
            details.append(f"http_status={self.http_status}")
        if details:
            parts.append(f"[{', '.join(details)}]")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: type[TTConnectError], message: str, state: dict[str, Any]) -> TTConnectError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


# -- configuration and environment -------------------------------------------------------


class ConfigurationError(TTConnectError):
    """The client was set up wrongly: bad config key, wrong type, missing secret."""


class UnknownBrokerError(ConfigurationError):
    """No driver is installed under the requested name.

    ``distribution`` names the package that provides it (``tt-connect-zerodha``);
    ``suggestions`` holds the closest known driver names, for a typo.
    """

    def __init__(self, message: str, *, distribution: str | None = None, suggestions: tuple[str, ...] = (),
                 **kw: Any) -> None:
        super().__init__(message, **kw)
        self.distribution = distribution
        self.suggestions = suggestions


class DriverError(ConfigurationError):
    """A driver breaks the driver contract (API version, async hooks, missing hooks)."""


class ClientClosedError(TTConnectError):
    """The client was used after ``close()``; create a new client."""


class UnsupportedOperationError(TTConnectError):
    """The selected broker does not support this operation (see its capability matrix)."""


# -- instruments -------------------------------------------------------------------------


class InstrumentError(TTConnectError):
    """Base of instrument master errors."""


class InstrumentsNotReadyError(InstrumentError):
    """An instrument was built before any client loaded the instrument master."""


class InstrumentNotFoundError(InstrumentError):
    """No such contract in the instrument master; the message names the nearest valid ones."""

    def __init__(self, message: str, *, suggestions: tuple[str, ...] = (), **kw: Any) -> None:
        super().__init__(message, **kw)
        self.suggestions = suggestions


# -- the arguments were wrong -----------------------------------------------------------


class InputError(TTConnectError):
    """The arguments of a call were wrong: nothing useful can come of repeating it unchanged.

    Raised by tt-connect before anything is sent (the message says what to pass instead), or,
    as :class:`BrokerInputError`, when the broker refused a parameter.
    """


class InvalidOrderError(InputError):
    """An order was refused before sending: qty not a lot multiple, price off tick, missing price,
    a product or order type the broker does not offer, a risk check of an extension plugin."""


# -- the broker refused ------------------------------------------------------------------


class BrokerRefusedError(TTConnectError):
    """The broker rejected the call; repeating it unchanged will fail again."""


class BrokerInputError(BrokerRefusedError, InputError):
    """The broker refused a parameter of the request."""


class PermissionDeniedError(BrokerRefusedError):
    """The account or app is not permitted to do this."""


class IpNotWhitelistedError(PermissionDeniedError):
    """The broker refused a request that did not come from the account's whitelisted static IP.

    Since April 2026 SEBI's algo framework lets API orders come only from a static IP registered
    with the broker. Register this machine's public IP with the broker (``set_static_ip`` where the
    broker offers it), or send the traffic from the registered address (``source_address``, ``proxy``).
    Not retryable.
    """


class AuthenticationError(BrokerRefusedError):
    """Login failed: wrong credentials, TOTP or api key."""


class SessionExpiredError(AuthenticationError):
    """The session is dead and cannot be renewed silently; log in again."""


class OrderRejectedError(BrokerRefusedError):
    """The order was rejected by the broker, the exchange or a risk check.

    ``reason`` is the canonical :class:`~tt_connect.enums.RejectionReason` (the same value a
    rejected ``Order`` carries in ``rejection_reason``); None when the driver could not tell.
    """

    default_reason: ClassVar[str | None] = None

    def __init__(self, message: str, *, reason: RejectionReason | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        if reason is None and self.default_reason is not None:
            from tt_connect.enums import RejectionReason

            reason = RejectionReason(self.default_reason)
        self.reason = reason


class InsufficientFundsError(OrderRejectedError):
    """Not enough margin or holdings for the order."""

    default_reason = "INSUFFICIENT_FUNDS"


class OrderNotOpenError(OrderRejectedError):
    """The order can no longer be modified or cancelled: it is complete, cancelled or rejected
    (cancelling an order twice raises this too)."""


class OrderNotFoundError(BrokerRefusedError):
    """No order with that id exists."""


class GttNotFoundError(OrderNotFoundError):
    """No GTT trigger with that id exists."""


# -- transient or unknown ----------------------------------------------------------------


class TransientError(TTConnectError):
    """The call may succeed if repeated."""

    default_retryable = True


class NetworkError(TransientError):
    """The broker could not be reached, or the connection broke."""


class BrokerUnavailableError(TransientError):
    """The broker answered with a server error or an unreadable page (e.g. a proxy's HTML)."""


class RateLimitError(TransientError):
    """The broker's rate limit was hit; ``retry_after`` says how long to wait, when known."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class RateLimitQueueFullError(RateLimitError):
    """Too many calls are already waiting for a rate-limit slot; slow the caller down."""


class OrderStatusUnknownError(TTConnectError):
    """An order was sent but its outcome could not be established.

    ``tag`` is the unique tag the order carried: look it up in the order book
    before placing it again. Not retryable, by design.
    """

    def __init__(self, message: str, *, tag: str, **kw: Any) -> None:
        kw.setdefault("retryable", False)
        super().__init__(message, **kw)
        self.tag = tag


# -- streaming ---------------------------------------------------------------------------


class StreamingError(TTConnectError):
    """The market-data or order-update stream failed."""


class InvalidSubscriptionError(InputError, StreamingError):
    """The arguments of ``subscribe``/``stream``/``unsubscribe`` were wrong (mode, instruments, handlers)."""


class SubscriptionLimitError(StreamingError):
    """More instruments were requested than the broker's connections can carry."""
