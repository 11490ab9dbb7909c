"""A broker's error replies as data: the failure a driver raises and the map the core applies."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tt_connect.enums import RejectionReason
from tt_connect.errors import (
    AuthenticationError,
    BrokerRefusedError,
    BrokerUnavailableError,
    RateLimitError,
    SessionExpiredError,
    TTConnectError,
)

__all__ = ["BrokerFailure", "ErrorMap"]


class BrokerFailure(Exception):
    """Raised by a driver's ``unwrap`` (or a login step) when the broker's reply is an error.

    The core maps it to the error tree with the driver's :class:`ErrorMap`.
    """

    def __init__(
        self, message: str, *, code: str | None = None, http_status: int | None = None, raw: Any = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.raw = raw


def _never(_: BrokerFailure) -> bool:
    return False


@dataclass(frozen=True)
class ErrorMap:
    """How a broker's error replies map to the error tree, as data.

    Lookup order, most specific signal first:

    1. HTTP 429 is a rate limit, whatever the body says (Kite sends it as a
       ``NetworkException``);
    2. a failure ``session_dead`` recognises is a :class:`SessionExpiredError`;
    3. exact ``codes`` and message ``patterns`` (regexes, first match wins):
       codes first, unless ``patterns_first`` (for brokers whose codes are
       coarse classes, like Kite's ``OrderException`` for both "rejected" and
       "no such order"); a pattern's class that refines the code's (a subclass)
       wins either way, so a permission code whose text names the static IP is
       :class:`~tt_connect.errors.IpNotWhitelistedError`;
    4. ``http_status``, then the generic classes by status range.

    ``reasons`` (message regex -> :class:`RejectionReason`, first match wins) and
    ``code_reasons`` classify why an order was refused: the core applies them to
    synchronous refusals (``OrderRejectedError.reason``) and to the ``status_message``
    of every REJECTED order a parser returns (``Order.rejection_reason``).
    """

    codes: Mapping[str, type[TTConnectError]] = field(default_factory=dict)
    patterns: Sequence[tuple[str, type[TTConnectError]]] = ()
    http_status: Mapping[int, type[TTConnectError]] = field(default_factory=dict)
    session_dead: Callable[[BrokerFailure], bool] = _never
    patterns_first: bool = False
    reasons: Sequence[tuple[str, RejectionReason]] = ()
    code_reasons: Mapping[str, RejectionReason] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", tuple((re.compile(p, re.IGNORECASE), cls) for p, cls in self.patterns))
        object.__setattr__(self, "_reasons", tuple((re.compile(p, re.IGNORECASE), r) for p, r in self.reasons))

    def _by_code(self, failure: BrokerFailure) -> type[TTConnectError] | None:
        return self.codes.get(failure.code) if failure.code is not None else None

    def _by_pattern(self, failure: BrokerFailure) -> type[TTConnectError] | None:
        for pattern, cls in self._compiled:  # type: ignore[attr-defined]
            if pattern.search(failure.message):
                return cls  # type: ignore[no-any-return]
        return None

    def classify(self, failure: BrokerFailure) -> type[TTConnectError]:
        """Return the error class for a failure."""
        status = failure.http_status
        if status == 429:
            return RateLimitError
        if self.session_dead(failure):
            return SessionExpiredError
        by_code, by_pattern = self._by_code(failure), self._by_pattern(failure)
        if by_code is not None and by_pattern is not None and issubclass(by_pattern, by_code):
            return by_pattern  # the code names the class, the text the case (PermissionDenied: the IP)
        found = (by_pattern or by_code) if self.patterns_first else (by_code or by_pattern)
        if found is not None:
            return found
        if status is not None:
            if status in self.http_status:
                return self.http_status[status]
            if status in (401, 403):
                return AuthenticationError
            if status >= 500:
                return BrokerUnavailableError
        return BrokerRefusedError

    def reason(self, message: str, code: str | None = None) -> RejectionReason | None:
        """Return the canonical reason of a refusal or rejection, or None when nothing matches."""
        if code is not None and code in self.code_reasons:
            return self.code_reasons[code]
        for pattern, reason in self._reasons:  # type: ignore[attr-defined]
            if pattern.search(message):
                return reason  # type: ignore[no-any-return]
        return None
