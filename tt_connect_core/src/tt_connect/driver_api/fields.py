"""Reading a broker payload's fields leniently: numbers sent as text, blanks, timestamps in a broker's format.

Brokers mix JSON numbers and numeric strings for one field, send ``null`` or ``""`` for zero, and
write times in their own ``strptime`` patterns without an offset (IST). Every parser needs the
same three readers; a field that is not what it should be is the broker's fault, so it raises
:class:`~tt_connect.errors.BrokerUnavailableError` naming the broker, never a raw ``ValueError``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

from tt_connect.errors import BrokerUnavailableError
from tt_connect.timeutil import IST

__all__ = ["integer", "number", "text", "timestamp"]


def number(value: object, *, broker: str) -> float:
    """Read a JSON number or a numeric string (thousands commas allowed); null, blank and booleans read as 0."""
    if value is None or isinstance(value, bool):
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    raw = str(value).strip().replace(",", "")
    if not raw:
        return 0.0
    try:
        return float(raw)
    except ValueError:
        raise BrokerUnavailableError(f"{broker} sent {value!r} where a number belongs", broker=broker) from None


def integer(value: object, *, broker: str) -> int:
    """Read a whole number the way :func:`number` reads a number."""
    return int(number(value, broker=broker))


def text(value: object) -> str:
    """Read a text field: null is empty, surrounding blanks go."""
    return "" if value is None else str(value).strip()


def timestamp(value: object, formats: Sequence[str]) -> _dt.datetime | None:
    """Read a time in one of the broker's ``strptime`` formats (IST when it has no offset), else ISO 8601.

    None for null, blank or unreadable: a timestamp is never worth failing a whole book for.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip()
    for fmt in formats:
        try:
            parsed = _dt.datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=IST) if parsed.tzinfo is None else parsed.astimezone(IST)
    try:
        parsed = _dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return parsed.replace(tzinfo=IST) if parsed.tzinfo is None else parsed.astimezone(IST)
