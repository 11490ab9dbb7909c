"""One coercion rule for every argument of the public API.

- an enum-valued argument: the member, or its name or value in any case (``"buy"``, ``"Cnc"``,
  ``"sl-m"``);
- a date: ``date``, ``datetime`` or an ISO string; a moment: the same, naive ones read as IST;
- a number: finite (``inf`` and ``nan`` are refused), positive where it must be; a quantity: a
  whole number;
- an instrument: an instrument object, or the canonical text ``parse_instrument`` reads
  (``"NSE:RELIANCE"``, ``"NFO:NIFTY 30-JAN-2025 18000 CE"``).

Each function takes the error class to raise, so order arguments fail as ``InvalidOrderError``,
stream arguments as ``InvalidSubscriptionError`` and the rest as ``InputError``; every message
names the argument and what to pass instead.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import TypeAlias, TypeVar

from tt_connect.errors import InputError, InstrumentError, InstrumentNotFoundError
from tt_connect.instruments import Index, Instrument, parse_instrument
from tt_connect.timeutil import IST

__all__ = [
    "DateArg",
    "InstrumentArg",
    "InstrumentsArg",
    "boolean",
    "enum_value",
    "identifier",
    "instrument_value",
    "instruments_value",
    "moment",
    "number",
    "optional_enum",
    "quantity",
]

E = TypeVar("E", bound=Enum)

InstrumentArg: TypeAlias = Instrument | str
"""An instrument, or its canonical text (``"NSE:RELIANCE"``, ``"NFO:NIFTY 30-JAN-2025 18000 CE"``)."""
InstrumentsArg: TypeAlias = InstrumentArg | Sequence[InstrumentArg]
"""One instrument argument, or a list of them."""
DateArg: TypeAlias = _dt.datetime | _dt.date | str
"""A date or datetime (naive ones are IST), or its ISO text."""


def _spelling(text: str) -> str:
    return text.strip().upper().replace("-", "_").replace(" ", "_")


def enum_value(enum_type: type[E], value: object, name: str, error: type[InputError] = InputError) -> E:
    """Return ``value`` as a member of ``enum_type``: the member itself, or its name/value in any case."""
    if isinstance(value, enum_type):
        return value
    if isinstance(value, str) and value.strip():
        wanted = _spelling(value)
        for member in enum_type:
            if wanted in (member.name, _spelling(str(member.value))):
                return member
    members = ", ".join(f"{enum_type.__name__}.{m.name}" for m in enum_type)
    raise error(f"{name} must be one of {members} (or its name as text); got {value!r}")


def optional_enum(enum_type: type[E], value: object, name: str, error: type[InputError] = InputError) -> E | None:
    """Like :func:`enum_value`, with None passed through."""
    return None if value is None else enum_value(enum_type, value, name, error)


def number(value: object, name: str, error: type[InputError] = InputError, *, positive: bool = False,
           minimum: float | None = None) -> float:
    """Return a finite float; ``positive`` refuses 0 and below, ``minimum`` anything under it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise error(f"{name} must be a number, got {value!r}")
    result = float(value) if not isinstance(value, int) or abs(value) < 2**53 else math.inf
    if not math.isfinite(result):
        raise error(f"{name} must be a finite number, got {value!r}")
    if positive and not result > 0:
        raise error(f"{name} must be positive, got {value!r}")
    if minimum is not None and result < minimum:
        raise error(f"{name} must be at least {minimum:g}, got {value!r}")
    return result


def quantity(value: object, name: str, error: type[InputError] = InputError, *, allow_zero: bool = False) -> int:
    """Return a positive whole number (or zero when ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(f"{name} must be a whole number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise error(f"{name} must be {'zero or more' if allow_zero else 'positive'}, got {value}")
    return value


def boolean(value: object, name: str, error: type[InputError] = InputError) -> bool:
    """Return a real bool: ``1``, ``"yes"`` and friends are refused rather than guessed."""
    if not isinstance(value, bool):
        raise error(f"{name} must be True or False, got {value!r}")
    return value


def identifier(value: object, name: str, error: type[InputError] = InputError) -> str:
    """Return a non-empty id (an order id, a GTT id); numbers are accepted as their text."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise error(f"{name} must be a non-empty string, got {value!r}")
    return value.strip()


def moment(value: object, name: str, error: type[InputError] = InputError) -> _dt.datetime:
    """Return an aware IST datetime from a datetime (naive = IST), a date (midnight) or an ISO string."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = _dt.datetime.fromisoformat(text) if ("T" in text or " " in text or ":" in text) else \
                _dt.date.fromisoformat(text)
        except ValueError:
            raise error(f"{name} must be a date, a datetime or an ISO string ('2025-01-30' or "
                        f"'2025-01-30T09:15'), got {value!r}") from None
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=IST) if value.tzinfo is None else value.astimezone(IST)
    if isinstance(value, _dt.date):
        return _dt.datetime.combine(value, _dt.time(0, 0), IST)
    raise error(f"{name} must be a date, a datetime or an ISO string, got {value!r}")


def instrument_value(value: object, name: str = "instrument", error: type[InputError] = InputError, *,
                     tradable: bool = False) -> Instrument:
    """Return an instrument from an object or its canonical text; ``tradable`` refuses an index."""
    if isinstance(value, str):
        try:
            value = parse_instrument(value)
        except InstrumentNotFoundError:
            raise  # a well-formed name of no listed contract: the nearest valid ones are named
        except (InstrumentError, ValueError) as exc:
            message = exc.message if isinstance(exc, InstrumentError) else str(exc)
            raise error(f"{name}: {message}") from None
    if not isinstance(value, Instrument):
        raise error(f"{name} must be an instrument (Equity(...), Future(...), Option(...), Index(...)) or its "
                    f"text such as 'NSE:RELIANCE', got {type(value).__name__}")
    if tradable and isinstance(value, Index):
        raise error(f"{value} is an index: it can be quoted and streamed but not traded")
    return value


def instruments_value(values: object, name: str = "instruments", error: type[InputError] = InputError, *,
                      allow_empty: bool = False) -> list[Instrument]:
    """Return one or many instruments as a de-duplicated list (first occurrence wins)."""
    if isinstance(values, Instrument | str):
        items: Iterable[object] = [values]
    elif isinstance(values, list | tuple | set | frozenset) or (
            isinstance(values, Iterable) and not isinstance(values, bytes | dict)):
        items = list(values)
    else:
        raise error(f"{name} must be an instrument or a list of them, got {type(values).__name__}")
    found = list(dict.fromkeys(instrument_value(item, name, error) for item in items))
    if not found and not allow_empty:
        raise error(f"{name} must not be empty")
    return found
