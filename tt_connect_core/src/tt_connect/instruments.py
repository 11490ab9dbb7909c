"""Typed instruments, named the NSE way and validated when they are built.

``Equity``, ``Index``, ``Future`` and ``Option`` are frozen msgspec Structs:
immutable, hashable, usable as dict keys and serialisable. Symbols follow NSE's
official naming (``RELIANCE``, ``NIFTY``, ``NIFTY 50``); drivers translate to
their broker's tokens and trading symbols.

Construction checks the contract against the *active instrument master*
through a validator the master installs (an in-memory set lookup, not a
query). Building an instrument before any client loaded a master raises
:class:`~tt_connect.errors.InstrumentsNotReadyError`.

Examples
--------
>>> Option(exchange=Exchange.NFO, symbol="NIFTY", expiry="2025-01-30",
...        strike=18000, option_type=OptionType.CE)      # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any, ClassVar, TypeAlias

import msgspec

from tt_connect.enums import Exchange, InstrumentKind, OptionType
from tt_connect.errors import InstrumentError, InstrumentsNotReadyError

__all__ = [
    "Equity",
    "Future",
    "Index",
    "Instrument",
    "InstrumentKey",
    "Option",
    "coerce_expiry",
    "format_strike",
    "get_validator",
    "instrument_from_key",
    "parse_instrument",
    "set_validator",
]

InstrumentKey: TypeAlias = tuple[str, str, str, "_dt.date | None", "float | None", "str | None"]
"""(kind, exchange, symbol, expiry, strike, option_type): how the master indexes contracts."""

Validator: TypeAlias = Callable[["Instrument"], None]

_validator: Validator | None = None

_SETATTR = msgspec.structs.force_setattr


def set_validator(validator: Validator | None) -> Validator | None:
    """Install the validator every construction calls; return the previous one.

    Called by the instrument master when a client loads it. The validator
    raises :class:`~tt_connect.errors.InstrumentNotFoundError` on a miss.
    """
    global _validator
    previous, _validator = _validator, validator
    return previous


def get_validator() -> Validator | None:
    """Return the installed validator, or None before any master is loaded."""
    return _validator


def format_strike(strike: float) -> str:
    """Render a strike without a spurious ``.0`` (``18000``, ``18050.5``)."""
    if strike == int(strike):
        return str(int(strike))
    return repr(float(strike))


def _coerce_exchange(value: object) -> Exchange:
    if isinstance(value, Exchange):
        return value
    try:
        return Exchange(str(value).upper())
    except ValueError:
        valid = ", ".join(e.value for e in Exchange)
        raise InstrumentError(f"unknown exchange {value!r}; use one of: {valid}") from None


def _coerce_symbol(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InstrumentError(f"symbol must be a non-empty string, got {value!r}")
    return value.strip().upper()


def coerce_expiry(value: object) -> _dt.date:
    """Read an expiry given as a ``date``, a ``datetime`` or an ISO string; InstrumentError otherwise."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InstrumentError(f"expiry must be a date or an ISO date string 'YYYY-MM-DD', got {value!r}")


def _coerce_strike(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InstrumentError(f"strike must be a number, got {value!r}")
    strike = float(value)
    if not strike > 0:
        raise InstrumentError(f"strike must be positive, got {value!r}")
    return strike


def _coerce_option_type(value: object) -> OptionType:
    if isinstance(value, OptionType):
        return value
    try:
        return OptionType(str(value).upper())
    except ValueError:
        raise InstrumentError(f"option_type must be OptionType.CE or OptionType.PE, got {value!r}") from None


def _check(instrument: Instrument) -> None:
    validator = _validator
    if validator is None:
        raise InstrumentsNotReadyError(
            f"cannot validate {instrument}: no instrument master is loaded yet. Create a client "
            "first (TTConnect(...) or `async with AsyncTTConnect(...)`), which loads it."
        )
    validator(instrument)


class _InstrumentMeta(msgspec.StructMeta):
    """Turns a construction mistake (a positional or unknown argument) into an InstrumentError.

    msgspec Structs cannot define ``__new__``, so the class's call is where a positional
    ``Equity(Exchange.NSE, "RELIANCE")`` can be told what to write instead of a bare TypeError.
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if args:
            fields = ", ".join(f"{f}=..." for f in cls.__struct_fields__)
            raise InstrumentError(f"{cls.__name__} takes keyword arguments: {cls.__name__}({fields})")
        try:
            return super().__call__(**kwargs)
        except TypeError as exc:
            fields = ", ".join(cls.__struct_fields__)
            raise InstrumentError(f"{cls.__name__}: {exc} (its fields: {fields})") from None


class Instrument(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind", metaclass=_InstrumentMeta):
    """Base of every tradable or quotable instrument."""

    kind: ClassVar[InstrumentKind]
    exchange: Exchange
    symbol: str

    @property
    def key(self) -> InstrumentKey:
        """Return the tuple the instrument master indexes this contract under.

        Enum members enter as their plain ``_value_`` strings: hashing an Enum runs Python
        code, hashing a str does not, and this tuple is hashed on every construction.
        """
        raise NotImplementedError  # pragma: no cover - every concrete class overrides it

    @property
    def underlying(self) -> str:
        """Return the NSE symbol of the underlying (the symbol itself for cash and index)."""
        return self.symbol


class Equity(Instrument, frozen=True, kw_only=True, tag="EQ"):
    """A cash-market stock or ETF, e.g. ``Equity(exchange=Exchange.NSE, symbol="RELIANCE")``."""

    kind: ClassVar[InstrumentKind] = InstrumentKind.EQ

    def __post_init__(self) -> None:
        _SETATTR(self, "exchange", _coerce_exchange(self.exchange))
        _SETATTR(self, "symbol", _coerce_symbol(self.symbol))
        _check(self)

    @property
    def key(self) -> InstrumentKey:
        return ("EQ", self.exchange._value_, self.symbol, None, None, None)

    def __str__(self) -> str:
        return f"{self.exchange}:{self.symbol}"


class Index(Instrument, frozen=True, kw_only=True, tag="IDX"):
    """A market index, e.g. ``Index(exchange=Exchange.NSE, symbol="NIFTY 50")``; quotable, not tradable."""

    kind: ClassVar[InstrumentKind] = InstrumentKind.IDX

    def __post_init__(self) -> None:
        _SETATTR(self, "exchange", _coerce_exchange(self.exchange))
        _SETATTR(self, "symbol", _coerce_symbol(self.symbol))
        _check(self)

    @property
    def key(self) -> InstrumentKey:
        return ("IDX", self.exchange._value_, self.symbol, None, None, None)

    def __str__(self) -> str:
        return f"{self.exchange}:{self.symbol}"


class Future(Instrument, frozen=True, kw_only=True, tag="FUT"):
    """A futures contract, e.g. ``Future(exchange=Exchange.NFO, symbol="NIFTY", expiry="2025-01-30")``."""

    kind: ClassVar[InstrumentKind] = InstrumentKind.FUT
    expiry: _dt.date

    def __post_init__(self) -> None:
        _SETATTR(self, "exchange", _coerce_exchange(self.exchange))
        _SETATTR(self, "symbol", _coerce_symbol(self.symbol))
        _SETATTR(self, "expiry", coerce_expiry(self.expiry))
        _check(self)

    @property
    def key(self) -> InstrumentKey:
        return ("FUT", self.exchange._value_, self.symbol, self.expiry, None, None)

    def __str__(self) -> str:
        return f"{self.exchange}:{self.symbol} {self.expiry:%d-%b-%Y}".upper() + " FUT"


class Option(Instrument, frozen=True, kw_only=True, tag="OPT"):
    """An options contract.

    Examples
    --------
    ``Option(exchange=Exchange.NFO, symbol="NIFTY", expiry="2025-01-30", strike=18000,
    option_type=OptionType.CE)`` prints as ``NFO:NIFTY 30-JAN-2025 18000 CE``.
    """

    kind: ClassVar[InstrumentKind] = InstrumentKind.OPT
    expiry: _dt.date
    strike: float
    option_type: OptionType

    def __post_init__(self) -> None:
        _SETATTR(self, "exchange", _coerce_exchange(self.exchange))
        _SETATTR(self, "symbol", _coerce_symbol(self.symbol))
        _SETATTR(self, "expiry", coerce_expiry(self.expiry))
        _SETATTR(self, "strike", _coerce_strike(self.strike))
        _SETATTR(self, "option_type", _coerce_option_type(self.option_type))
        _check(self)

    @property
    def key(self) -> InstrumentKey:
        return ("OPT", self.exchange._value_, self.symbol, self.expiry, self.strike, self.option_type._value_)

    def __str__(self) -> str:
        return (
            f"{self.exchange}:{self.symbol} {self.expiry:%d-%b-%Y}".upper()
            + f" {format_strike(self.strike)} {self.option_type}"
        )


AnyInstrument: TypeAlias = Equity | Index | Future | Option


def instrument_from_key(key: InstrumentKey) -> AnyInstrument:
    """Build the instrument a master key describes (validated like any construction)."""
    kind, exchange, symbol, expiry, strike, option_type = key
    built: AnyInstrument
    if kind == "EQ":
        built = Equity(exchange=Exchange(exchange), symbol=symbol)
    elif kind == "IDX":
        built = Index(exchange=Exchange(exchange), symbol=symbol)
    elif kind == "FUT":
        built = Future(exchange=Exchange(exchange), symbol=symbol, expiry=expiry)  # type: ignore[arg-type]
    elif kind == "OPT":
        built = Option(
            exchange=Exchange(exchange),
            symbol=symbol,
            expiry=expiry,  # type: ignore[arg-type]
            strike=strike,  # type: ignore[arg-type]
            option_type=OptionType(option_type),  # type: ignore[arg-type]
        )
    else:
        raise InstrumentError(f"unknown instrument kind {kind!r}")
    return built


_MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}


def _parse_display_date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.upper().split("-")
    if len(parts) == 3 and parts[1] in _MONTHS and parts[0].isdigit() and parts[2].isdigit():
        try:
            return _dt.date(int(parts[2]), _MONTHS[parts[1]], int(parts[0]))
        except ValueError:
            pass
    raise InstrumentError(f"cannot read expiry {text!r}; write 2025-01-30 or 30-JAN-2025")


def parse_instrument(text: str) -> Instrument:
    """Build an instrument from its printed form (what ``str(instrument)`` gives).

    ``NSE:RELIANCE`` (an equity, or an index such as ``NSE:NIFTY 50`` when no
    equity has that name), ``NFO:NIFTY 30-JAN-2025 FUT`` and
    ``NFO:NIFTY 30-JAN-2025 18000 CE`` (ISO dates are accepted too). Useful in
    config files and on the command line.
    """
    if not isinstance(text, str) or ":" not in text:
        raise InstrumentError(
            f"cannot read instrument {text!r}; write EXCHANGE:SYMBOL, e.g. NSE:RELIANCE, "
            "NFO:NIFTY 30-JAN-2025 FUT or NFO:NIFTY 30-JAN-2025 18000 CE"
        )
    exchange_text, rest = text.split(":", 1)
    exchange = _coerce_exchange(exchange_text.strip())
    words = rest.split()
    if not words:
        raise InstrumentError(f"instrument {text!r} has no symbol")
    last = words[-1].upper()
    if last == "FUT" and len(words) == 3:
        return Future(exchange=exchange, symbol=words[0], expiry=_parse_display_date(words[1]))
    if last in ("CE", "PE") and len(words) == 4:
        try:
            strike = float(words[2])
        except ValueError:
            raise InstrumentError(f"cannot read strike {words[2]!r} in {text!r}") from None
        return Option(
            exchange=exchange,
            symbol=words[0],
            expiry=_parse_display_date(words[1]),
            strike=strike,
            option_type=OptionType(last),
        )
    symbol = " ".join(words)
    from tt_connect.errors import InstrumentNotFoundError

    try:
        return Equity(exchange=exchange, symbol=symbol)
    except InstrumentNotFoundError:
        try:
            return Index(exchange=exchange, symbol=symbol)
        except InstrumentNotFoundError:
            pass
        raise
