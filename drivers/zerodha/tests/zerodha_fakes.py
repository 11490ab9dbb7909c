"""A hand-written DriverContext for the Zerodha tests: a fixed listing, a fixed clock, counted lookups."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from tt_connect.driver_api import BrokerSymbol
from tt_connect.instruments import AnyInstrument
from tt_connect.testing import StaticContext

Listing = tuple[AnyInstrument, str, str, str, str]
"""(instrument, kite token, tradingsymbol, kite exchange, kite segment)."""


class FakeContext(StaticContext):
    """The core's StaticContext over (instrument, token, tradingsymbol, exchange, segment) rows, as Kite lists them."""

    def __init__(self, listing: Iterable[Listing], now: _dt.datetime | None = None) -> None:
        super().__init__("zerodha", now=now)
        for instrument, token, symbol, exchange, segment in listing:
            self.add(instrument, token, symbol, exchange, segment)

    def add(self, instrument: AnyInstrument, token: str, symbol: str, exchange: str, segment: str) -> None:
        self.list(instrument, BrokerSymbol(token=token, symbol=symbol, exchange=exchange, segment=segment,
                                           lot_size=1, tick_size=0.05))
