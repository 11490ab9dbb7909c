"""A DriverContext fake for the Upstox driver's pure tests: instrument keys of a small listing."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from tt_connect.driver_api import BrokerSymbol
from tt_connect.enums import Exchange, OptionType
from tt_connect.errors import InstrumentNotFoundError
from tt_connect.instruments import Equity, Future, Index, Instrument, Option
from tt_connect.timeutil import IST

RELIANCE = "NSE_EQ|INE002A01018"
INFY = "NSE_EQ|INE009A01021"
NIFTY_INDEX = "NSE_INDEX|Nifty 50"
NIFTY_CE = "NSE_FO|43919"
NIFTY_FUT = "NSE_FO|35001"
EXPIRY = _dt.date(2025, 1, 30)


def listing() -> dict[str, Any]:
    """Instrument key -> canonical instrument (build under a permissive validator)."""
    return {
        RELIANCE: Equity(exchange=Exchange.NSE, symbol="RELIANCE"),
        INFY: Equity(exchange=Exchange.NSE, symbol="INFY"),
        NIFTY_INDEX: Index(exchange=Exchange.NSE, symbol="NIFTY 50"),
        NIFTY_CE: Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=EXPIRY, strike=24000,
                         option_type=OptionType.CE),
        NIFTY_FUT: Future(exchange=Exchange.NFO, symbol="NIFTY", expiry=EXPIRY),
    }


class FakeContext:
    broker = "upstox"

    def __init__(self, keys: dict[str, Any], now: _dt.datetime | None = None) -> None:
        self.keys = keys
        self.lookups = 0
        self._now = now or _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)

    def by_token(self, segment: str, token: str) -> Any:
        self.lookups += 1
        found = self.keys.get(token)
        if found is None or not token.startswith(segment + "|"):
            raise InstrumentNotFoundError(f"no instrument {token} in {segment}")
        return found

    def by_symbol(self, exchange: str, symbol: str) -> Any:
        raise InstrumentNotFoundError(f"no {symbol} on {exchange}")

    def resolve(self, instrument: Instrument) -> BrokerSymbol:
        for key, known in self.keys.items():
            if known == instrument:
                return BrokerSymbol(token=key, symbol=key, exchange=key.split("|")[0], segment=key.split("|")[0],
                                    lot_size=1, tick_size=0.05)
        raise InstrumentNotFoundError(f"{instrument} is not listed")

    def now(self) -> _dt.datetime:
        return self._now
