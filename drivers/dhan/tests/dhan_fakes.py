"""Hand-written helpers of the Dhan driver tests: a context fake over Dhan's ids, the listing, packets."""

from __future__ import annotations

import datetime as _dt
import struct
from collections.abc import Iterable

from tt_connect.driver_api import BrokerSymbol
from tt_connect.enums import Exchange, OptionType
from tt_connect.instruments import AnyInstrument, Equity, Future, Index, Option
from tt_connect.testing import StaticContext

Listing = tuple[AnyInstrument, str, str, str]
"""(instrument, security id, trading symbol, exchangeSegment)."""


class FakeContext(StaticContext):
    """The core's StaticContext over (instrument, security id, trading symbol, segment) rows."""

    def __init__(self, listing: Iterable[Listing], now: _dt.datetime | None = None) -> None:
        super().__init__("dhan", now=now)
        for instrument, token, symbol, segment in listing:
            self.list(instrument, BrokerSymbol(token=token, symbol=symbol, exchange=segment, segment=segment,
                                               lot_size=1, tick_size=0.05))


def reliance() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="RELIANCE")


def nifty_call() -> Option:
    return Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 1, 30), strike=24000,
                  option_type=OptionType.CE)


def usdinr_call() -> Option:
    return Option(exchange=Exchange.CDS, symbol="USDINR", expiry=_dt.date(2025, 1, 29), strike=85.25,
                  option_type=OptionType.CE)


def dhan_listing() -> list[Listing]:
    """Every contract the tests mention (needs a permissive validator installed)."""
    return [
        (reliance(), "2885", "RELIANCE", "NSE_EQ"),
        (Equity(exchange=Exchange.BSE, symbol="RELIANCE"), "500325", "RELIANCE", "BSE_EQ"),
        (Equity(exchange=Exchange.NSE, symbol="INFY"), "1594", "INFY", "NSE_EQ"),
        (Index(exchange=Exchange.NSE, symbol="NIFTY 50"), "13", "NIFTY", "IDX_I"),
        (nifty_call(), "43650", "NIFTY-Jan2025-24000-CE", "NSE_FNO"),
        (Future(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 1, 30)), "35001", "NIFTY-Jan2025-FUT",
         "NSE_FNO"),
        (usdinr_call(), "9021", "USDINR-Jan2025-85.25-CE", "NSE_CURRENCY"),
    ]


# -- feed packets, packed field by field at the documented offsets (reference 1.10.2) --------------

IST_SHIFT = 19_800


def header(buffer: bytearray, code: int, segment: int, security_id: int) -> None:
    struct.pack_into("<B", buffer, 0, code)
    struct.pack_into("<H", buffer, 1, len(buffer))
    struct.pack_into("<B", buffer, 3, segment)
    struct.pack_into("<I", buffer, 4, security_id)


def ticker(segment: int, security_id: int, ltp: float, ltt: int) -> bytes:
    buffer = bytearray(16)
    header(buffer, 2, segment, security_id)
    struct.pack_into("<f", buffer, 8, ltp)
    struct.pack_into("<I", buffer, 12, ltt)
    return bytes(buffer)


def prev_close(segment: int, security_id: int, close: float, oi: int) -> bytes:
    buffer = bytearray(16)
    header(buffer, 6, segment, security_id)
    struct.pack_into("<f", buffer, 8, close)
    struct.pack_into("<I", buffer, 12, oi)
    return bytes(buffer)


def oi(segment: int, security_id: int, value: int) -> bytes:
    buffer = bytearray(12)
    header(buffer, 5, segment, security_id)
    struct.pack_into("<I", buffer, 8, value)
    return bytes(buffer)


def quote(segment: int, security_id: int, *, ltp: float, ltq: int, ltt: int, atp: float, volume: int,
          sell: int, buy: int, o: float, c: float, h: float, low: float) -> bytes:
    buffer = bytearray(50)
    header(buffer, 4, segment, security_id)
    struct.pack_into("<f", buffer, 8, ltp)
    struct.pack_into("<H", buffer, 12, ltq)
    struct.pack_into("<I", buffer, 14, ltt)
    struct.pack_into("<f", buffer, 18, atp)
    struct.pack_into("<I", buffer, 22, volume)
    struct.pack_into("<I", buffer, 26, sell)
    struct.pack_into("<I", buffer, 30, buy)
    for offset, value in ((34, o), (38, c), (42, h), (46, low)):
        struct.pack_into("<f", buffer, offset, value)
    return bytes(buffer)


def full(segment: int, security_id: int, *, ltp: float, ltt: int, oi_values: tuple[int, int, int],
         levels: list[tuple[int, int, int, int, float, float]]) -> bytes:
    """``levels``: five (bid qty, ask qty, bid orders, ask orders, bid price, ask price)."""
    buffer = bytearray(162)
    header(buffer, 8, segment, security_id)
    struct.pack_into("<f", buffer, 8, ltp)
    struct.pack_into("<H", buffer, 12, 25)
    struct.pack_into("<I", buffer, 14, ltt)
    struct.pack_into("<f", buffer, 18, ltp - 1.5)
    struct.pack_into("<I", buffer, 22, 120_000)
    struct.pack_into("<I", buffer, 26, 4_000)
    struct.pack_into("<I", buffer, 30, 5_000)
    for offset, value in zip((34, 38, 42), oi_values):
        struct.pack_into("<I", buffer, offset, value)
    for offset, value in ((46, ltp - 10), (50, 0.0), (54, ltp + 5), (58, ltp - 12)):
        struct.pack_into("<f", buffer, offset, value)
    for i, (bq, aq, bo, ao, bp, ap) in enumerate(levels):
        struct.pack_into("<IIHHff", buffer, 62 + 20 * i, bq, aq, bo, ao, bp, ap)
    return bytes(buffer)


def disconnect(reason: int) -> bytes:
    buffer = bytearray(10)
    header(buffer, 50, 0, 0)
    struct.pack_into("<H", buffer, 8, reason)
    return bytes(buffer)
