"""A refusal an emulator's handler raises, and the pieces of a request it reads leniently.

Every emulator refuses requests the same way: a handler raises :class:`Refusal` with a
broker-neutral :class:`~tt_connect.emulation.host.ErrorKind`, the broker's own error code and
message, and optionally an HTTP status; :meth:`EmulatorHost.api` catches it and renders it in the
broker's envelope (``error_response``). The field readers below refuse a malformed field with the
broker's wording, which the emulator passes in.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from tt_connect.timeutil import IST

if TYPE_CHECKING:
    from tt_connect.emulation.host import ErrorKind

__all__ = ["CandleRange", "Refusal", "moment_field", "number_field"]

N = TypeVar("N", int, float)


class Refusal(Exception):
    """Raised by an emulator's handler: the broker refuses the request (rendered by ``error_response``)."""

    def __init__(self, kind: ErrorKind, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.code = code
        self.status = status


def number_field(fields: Mapping[str, Any], name: str, kind: type[N], refusal: Refusal, *,
                 required: bool = False) -> N | None:
    """Read a number sent as text or JSON; blank reads as None (``refusal`` when ``required``).

    ``refusal`` is what the broker answers for a malformed or missing field (its code and text).
    """
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise refusal
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        raise refusal from None
    if number != number or number in (float("inf"), float("-inf")):
        raise refusal
    if kind is int:
        if number != int(number):
            raise refusal
        return int(number)
    return number  # type: ignore[return-value]


def moment_field(fields: Mapping[str, Any], name: str, pattern: str, refusal: Refusal) -> _dt.datetime:
    """Read a timestamp in the broker's ``strptime`` pattern, as IST."""
    try:
        return _dt.datetime.strptime(str(fields[name]).strip(), pattern).replace(tzinfo=IST)
    except (KeyError, ValueError):
        raise refusal from None


@dataclass(frozen=True)
class CandleRange:
    """One broker interval: its name on the wire, its length and the most days one request may span."""

    name: str
    seconds: int
    max_days: int

    def check(self, start: _dt.datetime, end: _dt.datetime, backwards: Refusal, too_long: Refusal) -> None:
        """Refuse a range that runs backwards or spans more days than the broker serves at once."""
        if end <= start:
            raise backwards
        if (end - start).days > self.max_days:
            raise too_long
