"""One broker's instrument catalogue: resolution, queries and order checks.

Each load builds the set of contract keys that construction validates against.
A contract's broker details (token, trading symbol, lot and tick size) are read
from DuckDB the first time it is used and kept in dicts, so a 100k-row master
loads quickly and repeated lookups are dict hits. ``resolve`` records the
token -> contract entry a subscription will need, so the stream decoder's
per-tick ``by_token`` never reaches the database for a subscribed contract.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import msgspec

from tt_connect.driver_api import BrokerSymbol
from tt_connect.enums import Exchange, InstrumentKind
from tt_connect.errors import InstrumentError, InstrumentNotFoundError, InvalidOrderError
from tt_connect.exchange_rules import freeze_quantity
from tt_connect.instruments import (
    AnyInstrument,
    Equity,
    Future,
    Index,
    Instrument,
    InstrumentKey,
    Option,
    coerce_expiry,
    format_strike,
    instrument_from_key,
)
from tt_connect.instruments_db.keyindex import KeyIndex
from tt_connect.models import OrderRequest, Quote
from tt_connect.options.black76 import Greeks
from tt_connect.timeutil import IST

if TYPE_CHECKING:
    from tt_connect.instruments_db.store import Store

__all__ = ["BrokerInstruments", "OptionChain", "OptionChainRow"]


class OptionChainRow(msgspec.Struct, frozen=True, kw_only=True):
    """The call and put at one strike (None where not listed), with quotes and Greeks when asked."""

    strike: float
    call: Option | None = None
    put: Option | None = None
    call_quote: Quote | None = None
    put_quote: Quote | None = None
    call_greeks: Greeks | None = None
    put_greeks: Greeks | None = None


class OptionChain(msgspec.Struct, frozen=True, kw_only=True):
    """Every strike of one expiry of an underlying, ascending."""

    underlying: str
    expiry: _dt.date
    rows: tuple[OptionChainRow, ...]
    forward: float | None = None
    """The price the Greeks are computed on: the expiry's future, else the parity-implied forward."""
    atm_strike: float | None = None
    years_to_expiry: float | None = None
    """The time the Greeks were computed with (ACT/365 to 15:30 IST on expiry day)."""
    rate: float | None = None
    """The discount rate the Greeks were computed with."""
    pcr: float | None = None
    """Put-call ratio of open interest (puts' OI / calls' OI), when quoted."""
    max_pain: float | None = None
    """The strike at which option writers would pay out least at expiry, when quoted."""

    def with_quotes(self, quotes: dict[Instrument, Quote]) -> OptionChain:
        """Return a copy whose rows carry the given quotes."""
        rows = tuple(
            msgspec.structs.replace(
                row,
                call_quote=quotes.get(row.call) if row.call is not None else None,
                put_quote=quotes.get(row.put) if row.put is not None else None,
            )
            for row in self.rows
        )
        return msgspec.structs.replace(self, rows=rows)


def _symbol(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InstrumentError(f"underlying must be a symbol such as 'NIFTY', got {value!r}")
    return value.strip().upper()


def _search_text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InstrumentError("search needs some text, e.g. 'RELIANCE' or 'NIFTY'")
    return value.strip().upper()


_DERIVATIVE_EXCHANGES = ("NFO", "BFO", "MCX", "CDS", "BCD")


def _kind(value: object) -> str:
    if isinstance(value, str) and value.upper() in InstrumentKind.__members__.values():
        return InstrumentKind(value.upper()).value
    raise InstrumentError(f"kind must be one of {', '.join(k.value for k in InstrumentKind)}, got {value!r}")


def _on_or_after(value: object) -> _dt.date:
    if value is None:
        return _dt.datetime.now(IST).date()  # expiries are exchange (IST) dates
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    raise InstrumentError(f"on_or_after must be a date, got {value!r}")


def _off_grid(price: float, tick: float) -> bool:
    steps = price / tick
    return abs(steps - round(steps)) > 1e-6


class BrokerInstruments:
    """One broker's catalogue. Satisfies the resolution half of ``DriverContext``.

    Only the contracts' keys are held in memory (a :class:`KeyIndex`: construction
    validates against it). Broker details are read from DuckDB on first use and cached, so a
    100k-row master loads without building 100k Python records.
    """

    def __init__(self, broker: str, keys: KeyIndex | Iterable[InstrumentKey], store: Store) -> None:
        self.broker = broker
        self._store = store
        self.keys = keys if isinstance(keys, KeyIndex) else KeyIndex.from_keys(keys)
        self._details: dict[InstrumentKey, tuple[Any, ...]] = {}
        self._resolved: dict[InstrumentKey, BrokerSymbol] = {}
        """Resolved BrokerSymbols (frozen), per contract: an order resolves its contract, and building the
        dataclass again costs more than the rest of the lookup."""
        self._by_token: dict[tuple[str, str], InstrumentKey] = {}
        self._by_symbol: dict[tuple[str, str], InstrumentKey] = {}
        self._built: dict[InstrumentKey, AnyInstrument] = {}
        self._expiries: dict[tuple[str, str], list[_dt.date]] = {}
        self._strikes: dict[tuple[str, _dt.date], list[float]] = {}
        self._symbols: frozenset[str] | None = None

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: object) -> bool:
        return key in self.keys

    # -- resolution ------------------------------------------------------------------------

    def _row(self, instrument: Instrument) -> tuple[Any, ...]:
        if not isinstance(instrument, Instrument):
            raise InstrumentError(f"expected an instrument, got {type(instrument).__name__}")
        key = instrument.key
        row = self._details.get(key)
        if row is None:
            row = self._store.detail(self.broker, key) if key in self.keys else None
            if row is None:
                raise InstrumentNotFoundError(f"{instrument} is not listed by {self.broker}", broker=self.broker)
            self._details[key] = row
            # What a client resolves it then subscribes to: the decoder's by_token hits memory.
            self._by_token[(row[5], row[2])] = key
            self._by_symbol[(row[4], row[3])] = key
        return row

    def instrument(self, key: InstrumentKey) -> AnyInstrument:
        """Return the (cached) instrument object of a key."""
        built = self._built.get(key)
        if built is None:
            built = instrument_from_key(key)
            self._built[key] = built
        return built

    def resolve(self, instrument: Instrument) -> BrokerSymbol:
        found = self._resolved.get(instrument.key) if isinstance(instrument, Instrument) else None
        if found is None:
            row = self._row(instrument)
            found = self._resolved[instrument.key] = BrokerSymbol(
                token=row[2], symbol=row[3], exchange=row[4], segment=row[5], lot_size=row[0], tick_size=row[1])
        return found

    def _lookup(self, cache: dict[tuple[str, str], InstrumentKey], column: str, first: str,
                second: str) -> AnyInstrument:
        key = cache.get((first, second))
        if key is None:
            if not isinstance(first, str) or not isinstance(second, str):
                raise InstrumentError(f"{column} lookups take two strings, got {first!r}, {second!r}")
            found = self._store.key_by(self.broker, column, first, second)
            if found is None:
                what = f"token {second} in segment {first}" if column == "token" else f"{first}:{second}"
                raise InstrumentNotFoundError(f"{self.broker} lists no {what}", broker=self.broker)
            key = cache[(first, second)] = found
        return self.instrument(key)

    def by_token(self, segment: str, token: str) -> AnyInstrument:
        return self._lookup(self._by_token, "token", segment, token)

    def by_symbol(self, exchange: str, symbol: str) -> AnyInstrument:
        return self._lookup(self._by_symbol, "symbol", exchange, symbol)

    def lot_size(self, instrument: Instrument) -> int:
        return int(self._row(instrument)[0])

    def tick_size(self, instrument: Instrument) -> float:
        return float(self._row(instrument)[1])

    def freeze_quantity(self, instrument: Instrument) -> int | None:
        """The most units of ``instrument`` one order may carry: the broker's master's figure where it has
        one, else the exchange's published table; None for what has no freeze quantity (equities)."""
        if instrument.kind not in (InstrumentKind.FUT, InstrumentKind.OPT):
            return None
        listed = self._row(instrument)[7]
        return int(listed) if listed is not None else freeze_quantity(instrument.symbol)

    # -- series (expiries of an underlying, strikes of an expiry), cached per series ---------

    def _series(self, symbol: str, kind: str) -> list[_dt.date]:
        """Return the sorted expiries of one underlying and kind: one query, then memory."""
        found = self._expiries.get((symbol, kind))
        if found is None:
            try:
                found = self._store.expiries(self.broker, symbol, kind)
            except InstrumentError:  # the database was closed; the key set still knows
                found = sorted({k[3] for k in self.keys if k[2] == symbol and k[0] == kind and k[3] is not None})
            self._expiries[(symbol, kind)] = found
        return found

    def _strikes_of(self, symbol: str, expiry: _dt.date) -> list[float]:
        """Return the sorted option strikes of one expiry: one query, then memory."""
        found = self._strikes.get((symbol, expiry))
        if found is None:
            try:
                found = self._store.strikes(self.broker, symbol, expiry)
            except InstrumentError:
                found = sorted({k[4] for k in self.keys
                                if k[2] == symbol and k[3] == expiry and k[0] == "OPT" and k[4] is not None})
            self._strikes[(symbol, expiry)] = found
        return found

    def lists_symbol(self, symbol: str) -> bool:
        """Return True when any contract of this catalogue has ``symbol``."""
        if self._symbols is None:
            self._symbols = frozenset(k[2] for k in self.keys)
        return symbol in self._symbols

    def explain_miss(self, instrument: Instrument) -> InstrumentNotFoundError:
        """Return the error for an unlisted instrument, naming the nearest valid ones."""
        kind, _exchange, symbol, expiry, strike, _opt = instrument.key
        if kind in ("FUT", "OPT"):
            expiries = self._series(symbol, kind)
            if not expiries:
                return self._symbol_miss(instrument, symbol)
            if expiry not in expiries:
                assert expiry is not None
                pos = bisect.bisect_left(expiries, expiry)
                near = expiries[max(pos - 2, 0): pos + 2]
                names = tuple(d.isoformat() for d in near)
                return InstrumentNotFoundError(
                    f"{instrument}: no {symbol} {kind} expires on {expiry.isoformat()}; nearest expiries: "
                    f"{', '.join(names)}", suggestions=names, broker=self.broker)
            if kind == "OPT":
                listed = self._strikes_of(symbol, expiry)
                assert strike is not None
                pos = bisect.bisect_left(listed, strike)
                near_strikes = listed[max(pos - 2, 0): pos + 2]
                names = tuple(format_strike(s) for s in near_strikes)
                return InstrumentNotFoundError(
                    f"{instrument}: strike {format_strike(strike)} is not listed for {symbol} "
                    f"{expiry.isoformat()}; nearest strikes: {', '.join(names)}",
                    suggestions=names, broker=self.broker)
        return self._symbol_miss(instrument, symbol)

    def _symbol_miss(self, instrument: Instrument, symbol: str) -> InstrumentNotFoundError:
        kind = instrument.key[0]
        exchange = instrument.key[1]
        similar = sorted({k[2] for k in self.keys if k[0] == kind and k[1] == exchange and
                          (k[2].startswith(symbol[:3]) or symbol in k[2])})[:5]
        hint = f"; similar: {', '.join(similar)}" if similar else ""
        return InstrumentNotFoundError(f"{instrument} is not in the {self.broker} instrument master{hint}",
                                       suggestions=tuple(similar), broker=self.broker)

    # -- queries ---------------------------------------------------------------------------

    def search(self, text: str, *, limit: int = 20) -> list[Instrument]:
        """Return instruments whose symbol or name matches ``text``.

        The exact cash symbol comes first, then indices named after the text (``NIFTY 50``
        for ``NIFTY``), then derivatives of the exact symbol, then prefix and other matches.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise InstrumentError(f"limit must be a positive integer, got {limit!r}")
        found = self._store.search(self.broker, _search_text(text), limit)
        return [self.instrument(key) for key in found]

    def search_count(self, text: str) -> int:
        """Return how many instruments :meth:`search` finds for ``text`` with no limit."""
        return self._store.count_matches(self.broker, _search_text(text))

    def expiries(self, underlying: str, *, kind: InstrumentKind = InstrumentKind.OPT) -> list[_dt.date]:
        """Return the listed expiries, soonest first."""
        found = self._series(_symbol(underlying), _kind(kind))
        if not found:
            raise InstrumentNotFoundError(f"{self.broker} lists no {kind} on {underlying!r}", broker=self.broker)
        return list(found)

    def strikes(self, underlying: str, expiry: _dt.date | str) -> list[float]:
        """Return the strikes of one expiry, ascending."""
        symbol, day = _symbol(underlying), coerce_expiry(expiry)
        found = self._strikes_of(symbol, day)
        if not found:
            listed = self.expiries(symbol)
            raise InstrumentNotFoundError(
                f"no {symbol} options expire on {day.isoformat()}; listed: "
                f"{', '.join(d.isoformat() for d in listed[:6])}", broker=self.broker)
        return list(found)

    def option_chain(self, underlying: str, expiry: _dt.date | str) -> OptionChain:
        """Return calls and puts by strike for one expiry."""
        symbol, day = _symbol(underlying), coerce_expiry(expiry)
        # Each side's strike sets, per exchange listing the series: a set test per strike.
        listed = {side: [(exchange, strikes) for exchange in _DERIVATIVE_EXCHANGES
                         if (strikes := self.keys.series.get((exchange, symbol, day, side))) is not None]
                  for side in ("CE", "PE")}
        rows = []
        for strike in self.strikes(symbol, day):
            legs: dict[str, Option | None] = {}
            for side, series in listed.items():
                exchange = next((exchange for exchange, strikes in series if strike in strikes), None)
                legs[side] = (None if exchange is None else
                              self.instrument(("OPT", exchange, symbol, day, strike, side)))  # type: ignore[assignment]
            rows.append(OptionChainRow(strike=strike, call=legs["CE"], put=legs["PE"]))
        return OptionChain(underlying=symbol, expiry=day, rows=tuple(rows))

    def spot_of(self, underlying: str) -> Instrument | None:
        """Return what an underlying's price is read from: its index (NIFTY 50 for NIFTY), else its stock."""
        found = self._store.spot_of(self.broker, _symbol(underlying))
        if found is None:
            return None
        kind, exchange, symbol = found
        cls = Index if kind == "IDX" else Equity
        return cls(exchange=Exchange(exchange), symbol=symbol)

    def futures(self, underlying: str) -> list[Future]:
        """Return the listed futures, nearest first."""
        symbol = _symbol(underlying)
        keys = [key for expiry in self._series(symbol, "FUT") for exchange in _DERIVATIVE_EXCHANGES
                if (key := ("FUT", exchange, symbol, expiry, None, None)) in self.keys]
        if not keys:
            raise InstrumentNotFoundError(f"{self.broker} lists no futures on {symbol}", broker=self.broker)
        return [self.instrument(k) for k in keys]  # type: ignore[misc]

    def nearest_expiry(self, underlying: str, *, kind: InstrumentKind = InstrumentKind.OPT,
                       on_or_after: _dt.date | None = None) -> _dt.date:
        """Return the first expiry on or after the given day (the current week's, for weeklies)."""
        day = _on_or_after(on_or_after)
        for expiry in self.expiries(underlying, kind=kind):
            if expiry >= day:
                return expiry
        raise InstrumentNotFoundError(f"no {underlying} {kind} expiry on or after {day}", broker=self.broker)

    def monthly_expiry(self, underlying: str, *, kind: InstrumentKind = InstrumentKind.OPT,
                       on_or_after: _dt.date | None = None) -> _dt.date:
        """Return the current monthly expiry: the last listed expiry of the first month with one ahead."""
        day = _on_or_after(on_or_after)
        ahead = [e for e in self.expiries(underlying, kind=kind) if e >= day]
        if not ahead:
            raise InstrumentNotFoundError(f"no {underlying} {kind} expiry on or after {day}", broker=self.broker)
        month = (ahead[0].year, ahead[0].month)
        return max(e for e in ahead if (e.year, e.month) == month)

    # -- order checks ----------------------------------------------------------------------

    def check_order(self, request: OrderRequest) -> None:
        """Refuse a quantity off the lot size or a price off the tick size, before sending."""
        if not isinstance(request, OrderRequest):
            raise InvalidOrderError(f"check_order takes an OrderRequest, got {type(request).__name__}",
                                    broker=self.broker)
        row = self._row(request.instrument)
        lot, tick = int(row[0]), float(row[1])
        if request.qty <= 0 or request.qty % lot:
            raise InvalidOrderError(
                f"qty {request.qty} of {request.instrument} is not a multiple of its lot size {lot}",
                broker=self.broker)
        for name, price in (("price", request.price), ("trigger_price", request.trigger_price)):
            if price is not None and _off_grid(price, tick):
                below = round(int(price / tick) * tick, 4)
                raise InvalidOrderError(
                    f"{name} {price} of {request.instrument} is off its tick size {tick} "
                    f"(e.g. {below} or {round(below + tick, 4)})", broker=self.broker)
