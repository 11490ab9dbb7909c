"""Hand-written helpers of the Fyers driver tests: a context over Fyers' tickers and fyTokens, the listing."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from tt_connect.driver_api import BrokerSymbol
from tt_connect.enums import Exchange, OptionType
from tt_connect.instruments import AnyInstrument, Equity, Future, Index, Option
from tt_connect.testing import StaticContext

Listing = tuple[AnyInstrument, str, str, str]
"""(instrument, fyToken, ticker, segment)."""


class FakeContext(StaticContext):
    """The core's StaticContext over (instrument, fyToken, ticker, segment) rows, as the master lists them."""

    def __init__(self, listing: Iterable[Listing], now: _dt.datetime | None = None) -> None:
        super().__init__("fyers", now=now)
        for instrument, token, ticker, segment in listing:
            self.list(instrument, BrokerSymbol(token=token, symbol=ticker, exchange=ticker.partition(":")[0],
                                               segment=segment, lot_size=1, tick_size=0.05))


def sbin() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="SBIN")


def reliance() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="RELIANCE")


def nifty_call() -> Option:
    return Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 1, 30), strike=24000,
                  option_type=OptionType.CE)


def nifty_future() -> Future:
    return Future(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 1, 30))


def fyers_listing() -> list[Listing]:
    """Every contract the tests mention (needs a permissive validator installed)."""
    return [
        (sbin(), "10100000003045", "NSE:SBIN-EQ", "NSE_CM"),
        (reliance(), "10100000002885", "NSE:RELIANCE-EQ", "NSE_CM"),
        (Equity(exchange=Exchange.BSE, symbol="RELIANCE"), "12100000500325", "BSE:RELIANCE-A", "BSE_CM"),
        (Index(exchange=Exchange.NSE, symbol="NIFTY 50"), "101000000026000", "NSE:NIFTY50-INDEX", "NSE_CM"),
        (nifty_call(), "101125013043650", "NSE:NIFTY25JAN24000CE", "NSE_FO"),
        (nifty_future(), "101125013035001", "NSE:NIFTY25JANFUT", "NSE_FO"),
    ]
