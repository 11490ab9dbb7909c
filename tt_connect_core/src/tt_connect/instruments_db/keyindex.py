"""The in-memory set of a broker's contract keys that every construction validates against.

Nine contracts in ten are options, and an option series (exchange, underlying, expiry, call or
put) lists ~100 strikes. Holding one frozenset of strikes per series instead of one 6-tuple per
contract means a load builds ~10k small sets from lists DuckDB already grouped, not ~150k tuples
hashed one by one: on a 150k-row master that is about half the time of building the index.
A membership test stays two hash lookups.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator
from typing import Any

from tt_connect.instruments import InstrumentKey

__all__ = ["KeyIndex", "SeriesKey"]

SeriesKey = tuple[str, str, "_dt.date | None", "str | None"]
"""(exchange, symbol, expiry, option_type) of an option series: ``Instrument.key`` without kind and strike."""


class KeyIndex:
    """A read-only set of ``Instrument.key`` tuples: options by series, everything else as keys.

    ``plain`` and ``series`` are public so the construction validator can test membership
    without a method call per construction.
    """

    __slots__ = ("_size", "plain", "series")

    def __init__(self, plain: frozenset[InstrumentKey], series: dict[SeriesKey, frozenset[float]]) -> None:
        self.plain = plain
        self.series = series
        self._size = len(plain) + sum(len(strikes) for strikes in series.values())

    @classmethod
    def from_series(cls, rows: Iterable[tuple[Any, ...]]) -> KeyIndex:
        """Build from (kind, exchange, symbol, expiry, option_type, [strikes]) rows, one per series."""
        plain: list[InstrumentKey] = []
        series: dict[SeriesKey, frozenset[float]] = {}
        for kind, exchange, symbol, expiry, option_type, strikes in rows:
            if kind == "OPT":
                series[(exchange, symbol, expiry, option_type)] = frozenset(strikes)
            else:
                plain.append((kind, exchange, symbol, expiry, None, None))
        return cls(frozenset(plain), series)

    @classmethod
    def from_keys(cls, keys: Iterable[InstrumentKey]) -> KeyIndex:
        """Build from full keys (tests, small catalogues)."""
        plain: set[InstrumentKey] = set()
        series: dict[SeriesKey, set[float]] = {}
        for key in keys:
            if key[0] == "OPT" and key[4] is not None:
                series.setdefault((key[1], key[2], key[3], key[5]), set()).add(key[4])
            else:
                plain.add(key)
        return cls(frozenset(plain), {name: frozenset(strikes) for name, strikes in series.items()})

    def __contains__(self, key: object) -> bool:
        if type(key) is not tuple or len(key) != 6:
            return False
        if key[0] == "OPT":
            strikes = self.series.get((key[1], key[2], key[3], key[5]))
            return strikes is not None and key[4] in strikes
        return key in self.plain

    def __iter__(self) -> Iterator[InstrumentKey]:
        yield from self.plain
        for (exchange, symbol, expiry, option_type), strikes in self.series.items():
            for strike in strikes:
                yield ("OPT", exchange, symbol, expiry, strike, option_type)

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"KeyIndex({self._size} contracts, {len(self.series)} option series)"
