"""A hand-written DriverContext for the Zerodha tests: a fixed listing, a fixed clock, counted lookups."""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable

from tt_connect.driver_api import BrokerSymbol
from tt_connect.errors import InstrumentNotFoundError
from tt_connect.instruments import AnyInstrument, Instrument
from tt_connect.timeutil import IST

Listing = tuple[AnyInstrument, str, str, str, str]
"""(instrument, kite token, tradingsymbol, kite exchange, kite segment)."""


class FakeContext:
    """Resolves through an explicit listing; counts ``by_token`` calls so caching can be checked."""

    broker = "zerodha"

    def __init__(self, listing: Iterable[Listing], now: _dt.datetime | None = None) -> None:
        self._now = now or _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)
        self._forward: dict[Instrument, BrokerSymbol] = {}
        self._tokens: dict[tuple[str, str], AnyInstrument] = {}
        self._symbols: dict[tuple[str, str], AnyInstrument] = {}
        self.token_lookups: Counter[tuple[str, str]] = Counter()
        for instrument, token, symbol, exchange, segment in listing:
            self.add(instrument, token, symbol, exchange, segment)

    def add(self, instrument: AnyInstrument, token: str, symbol: str, exchange: str, segment: str) -> None:
        self._forward[instrument] = BrokerSymbol(token=token, symbol=symbol, exchange=exchange, segment=segment,
                                                 lot_size=1, tick_size=0.05)
        self._tokens[(segment, token)] = instrument
        self._symbols[(exchange, symbol)] = instrument

    def resolve(self, instrument: Instrument) -> BrokerSymbol:
        try:
            return self._forward[instrument]
        except KeyError:
            raise InstrumentNotFoundError(f"{instrument} is not listed") from None

    def by_token(self, segment: str, token: str) -> AnyInstrument:
        self.token_lookups[(segment, token)] += 1
        try:
            return self._tokens[(segment, token)]
        except KeyError:
            raise InstrumentNotFoundError(f"no token {segment}:{token}") from None

    def by_symbol(self, exchange: str, symbol: str) -> AnyInstrument:
        try:
            return self._symbols[(exchange, symbol)]
        except KeyError:
            raise InstrumentNotFoundError(f"no instrument {exchange}:{symbol}") from None

    def now(self) -> _dt.datetime:
        return self._now
