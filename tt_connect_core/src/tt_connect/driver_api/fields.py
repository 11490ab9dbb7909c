"""Reading a broker payload's fields leniently: numbers sent as text, blanks, timestamps in a broker's format.

Brokers mix JSON numbers and numeric strings for one field, send ``null`` or ``""`` for zero, and
write times in their own ``strptime`` patterns without an offset (IST). Every parser needs the
same three readers; a field that is not what it should be is the broker's fault, so it raises
:class:`~tt_connect.errors.BrokerUnavailableError` naming the broker, never a raw ``ValueError``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Collection, Sequence

from tt_connect.errors import BrokerUnavailableError
from tt_connect.timeutil import IST

__all__ = ["ident", "integer", "integer_reader", "number", "number_reader", "text", "timestamp"]


def number_reader(broker: str, *, blanks: Collection[str] = ()) -> Callable[[object], float]:
    """Return a driver's number reader: a JSON number or numeric text (thousands commas allowed).

    Null, booleans, blank text and the broker's own ``blanks`` (Dhan's ``NA``) read as 0. NaN, an
    infinity or a number too big for a float (``1e999``) is refused: a price of ``inf`` would pass
    every risk check. One closure per driver, so the hot path pays no extra call layer.
    """
    zero_texts = frozenset(blanks) | {""}

    def refused(value: object, what: str) -> BrokerUnavailableError:
        return BrokerUnavailableError(f"{broker} sent {value!r:.40} where {what} belongs", broker=broker)

    def read(value: object) -> float:
        kind = type(value)
        if kind is float:
            if value - value == 0.0:  # type: ignore[operator]  # False for NaN and both infinities
                return value  # type: ignore[return-value]
            raise refused(value, "a finite number")
        if kind is int:
            try:
                return float(value)  # type: ignore[arg-type]
            except OverflowError:
                raise refused(value, "a finite number") from None
        if value is None or kind is bool:
            return 0.0
        if isinstance(value, (int, float)):  # a subclass (an IntEnum, numpy scalar): read as its kind
            return read(float(value))
        if not isinstance(value, str):
            raise refused(value, "a number")
        raw = value.strip().replace(",", "")
        if raw in zero_texts:
            return 0.0
        try:
            found = float(raw)
        except ValueError:
            raise refused(value, "a number") from None
        if found - found != 0.0:
            raise refused(value, "a finite number")
        return found

    return read


def integer_reader(broker: str, *, blanks: Collection[str] = ()) -> Callable[[object], int]:
    """Return a driver's whole-number reader: :func:`number_reader`'s value, truncated."""
    read_number = number_reader(broker, blanks=blanks)

    def read(value: object) -> int:
        if type(value) is int:
            return value
        return int(read_number(value))

    return read


def number(value: object, *, broker: str) -> float:
    """Read a number once (a parser off the hot path); see :func:`number_reader`."""
    return number_reader(broker)(value)


def integer(value: object, *, broker: str) -> int:
    """Read a whole number once; see :func:`integer_reader`."""
    return integer_reader(broker)(value)


def ident(value: object, *, broker: str, field: str) -> str:
    """Read an id the reply must carry (an order id, a trigger id): text or a whole number, never blank.

    A missing, null, blank or ``"None"`` id, or one of another type, is the broker's malfunction, and
    raises :class:`~tt_connect.errors.BrokerUnavailableError` naming the field: an id of ``"None"``
    would be looked up, modified or cancelled as if it were real.
    """
    kind = type(value)
    if kind is str:
        found = value.strip()  # type: ignore[attr-defined]
        if found and found != "None" and found != "null":
            return found  # type: ignore[no-any-return]
    elif kind is int:
        return str(value)
    raise BrokerUnavailableError(f"{broker} sent no usable {field} ({type(value).__name__})", broker=broker)


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
