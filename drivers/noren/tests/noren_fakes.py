"""A hand-written DriverContext over a few Noren contracts, for the pure parser and decoder tests."""

from __future__ import annotations

import datetime as _dt

from tt_connect.driver_api import BrokerSymbol
from tt_connect.enums import Exchange, OptionType
from tt_connect.errors import InstrumentNotFoundError
from tt_connect.instruments import AnyInstrument, Equity, Future, Index, Instrument, Option
from tt_connect.timeutil import IST

NOW = _dt.datetime(2026, 11, 25, 10, 15, tzinfo=IST)
EXPIRY = _dt.date(2026, 11, 26)


class FakeContext:
    """Resolves the handful of contracts the fixtures use: RELIANCE (NSE|2885), NIFTY 50 (NSE|26000), a NIFTY
    future and call (NFO|35001, NFO|35002)."""

    broker = "shoonya"

    def __init__(self) -> None:
        self.contracts: list[tuple[str, str, str, AnyInstrument]] = [
            ("NSE", "2885", "RELIANCE-EQ", Equity(exchange=Exchange.NSE, symbol="RELIANCE")),
            ("NSE", "26000", "Nifty 50", Index(exchange=Exchange.NSE, symbol="NIFTY 50")),
            ("NFO", "35001", "NIFTY26NOV26F", Future(exchange=Exchange.NFO, symbol="NIFTY", expiry=EXPIRY)),
            ("NFO", "35002", "NIFTY26NOV26C24000", Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=EXPIRY,
                                                          strike=24000.0, option_type=OptionType.CE)),
        ]

    def by_token(self, segment: str, token: str) -> AnyInstrument:
        for exchange, known, _, instrument in self.contracts:
            if (exchange, known) == (segment, token):
                return instrument
        raise InstrumentNotFoundError(f"no {segment}|{token}")

    def by_symbol(self, exchange: str, symbol: str) -> AnyInstrument:
        for known_exchange, _, tsym, instrument in self.contracts:
            if (known_exchange, tsym) == (exchange, symbol):
                return instrument
        raise InstrumentNotFoundError(f"no {exchange}:{symbol}")

    def resolve(self, instrument: Instrument) -> BrokerSymbol:
        for exchange, token, tsym, known in self.contracts:
            if known == instrument:
                return BrokerSymbol(token=token, symbol=tsym, exchange=exchange, segment=exchange, lot_size=1,
                                    tick_size=0.05)
        raise InstrumentNotFoundError(f"no {instrument}")

    def now(self) -> _dt.datetime:
        return NOW
