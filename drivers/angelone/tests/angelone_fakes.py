"""Hand-written helpers of the AngelOne driver tests: a context fake, the listing, fixtures, frame packers."""

from __future__ import annotations

import datetime as _dt
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import msgspec
from tt_connect.driver_api import BrokerSymbol
from tt_connect.enums import Exchange, OptionType
from tt_connect.instruments import AnyInstrument, Equity, Future, Index, Option
from tt_connect.testing import StaticContext

FIXTURES = Path(__file__).parent / "fixtures"

Listing = tuple[AnyInstrument, str, str, str]
"""(instrument, symboltoken, tradingsymbol, exch_seg)."""


def fixture_bytes(name: str) -> bytes:
    """Return one hand-built fixture file as bytes."""
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return msgspec.json.decode(fixture_bytes(name))


class FakeContext(StaticContext):
    """The core's StaticContext over (instrument, token, tradingsymbol, segment) rows, as SmartAPI lists them.

    ``know_fixture_orders``/``know_fixture_gtts`` play the core's order registry after it read the
    fixtures' order book and rule list (what ``needs_known_order`` operations find in the context).
    """

    def __init__(self, listing: Iterable[Listing], now: _dt.datetime | None = None) -> None:
        super().__init__("angelone", now=now)
        for instrument, token, symbol, segment in listing:
            self.add(instrument, token, symbol, segment)

    def add(self, instrument: AnyInstrument, token: str, symbol: str, segment: str) -> None:
        self.list(instrument, BrokerSymbol(token=token, symbol=symbol, exchange=segment, segment=segment,
                                           lot_size=1, tick_size=0.05))

    def know_fixture_orders(self) -> FakeContext:
        from tt_connect_angelone.parsing import angel_order_to_order

        for row in fixture_json("order_book.json")["data"]:
            order = angel_order_to_order(self, row)
            self.orders[order.order_id] = order
        return self

    def know_fixture_gtts(self) -> FakeContext:
        from tt_connect_angelone.triggers import angel_rule_to_gtt

        for row in fixture_json("gtt_list.json")["data"]:
            gtt = angel_rule_to_gtt(self, row)
            self.gtts[gtt.gtt_id] = gtt
        return self


def sbin() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="SBIN")


def nifty_call() -> Option:
    return Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 1, 30), strike=24000,
                  option_type=OptionType.CE)


def angel_listing() -> list[Listing]:
    """Every contract the fixtures mention (needs a permissive validator installed)."""
    return [
        (sbin(), "3045", "SBIN-EQ", "NSE"),
        (Equity(exchange=Exchange.NSE, symbol="RELIANCE"), "2885", "RELIANCE-EQ", "NSE"),
        (Equity(exchange=Exchange.BSE, symbol="SBIN"), "500112", "SBIN", "BSE"),
        (Index(exchange=Exchange.NSE, symbol="NIFTY 50"), "99926000", "Nifty 50", "NSE"),
        (nifty_call(), "43650", "NIFTY30JAN2524000CE", "NFO"),
        (Future(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 1, 30)), "35001", "NIFTY30JAN25FUT",
         "NFO"),
        (Option(exchange=Exchange.CDS, symbol="USDINR", expiry=_dt.date(2025, 1, 24), strike=83.25,
                option_type=OptionType.CE), "1189", "USDINR24JAN2583.25CE", "CDS"),
    ]


# -- SmartWebSocketV2 frames, packed field by field at the reference's offsets (2.13.4) ----------


def _header(buffer: bytearray, mode: int, exchange_type: int, token: str) -> None:
    struct.pack_into("<B", buffer, 0, mode)
    struct.pack_into("<B", buffer, 1, exchange_type)
    raw = token.encode("ascii")
    buffer[2:2 + len(raw)] = raw  # the rest of the 25 bytes stays NUL


def ltp_frame(exchange_type: int, token: str, *, sequence: int, exchange_ms: int, ltp_paise: int) -> bytes:
    buffer = bytearray(51)
    _header(buffer, 1, exchange_type, token)
    struct.pack_into("<q", buffer, 27, sequence)
    struct.pack_into("<q", buffer, 35, exchange_ms)
    struct.pack_into("<q", buffer, 43, ltp_paise)
    return bytes(buffer)


def _quote_fields(buffer: bytearray, quote: dict[str, Any]) -> None:
    struct.pack_into("<q", buffer, 27, quote["sequence"])
    struct.pack_into("<q", buffer, 35, quote["exchange_ms"])
    struct.pack_into("<q", buffer, 43, quote["ltp"])
    struct.pack_into("<q", buffer, 51, quote["last_qty"])
    struct.pack_into("<q", buffer, 59, quote["avg"])
    struct.pack_into("<q", buffer, 67, quote["volume"])
    struct.pack_into("<d", buffer, 75, quote["total_buy"])
    struct.pack_into("<d", buffer, 83, quote["total_sell"])
    struct.pack_into("<q", buffer, 91, quote["open"])
    struct.pack_into("<q", buffer, 99, quote["high"])
    struct.pack_into("<q", buffer, 107, quote["low"])
    struct.pack_into("<q", buffer, 115, quote["close"])


def quote_frame(exchange_type: int, token: str, quote: dict[str, Any]) -> bytes:
    buffer = bytearray(123)
    _header(buffer, 2, exchange_type, token)
    _quote_fields(buffer, quote)
    return bytes(buffer)


def snap_quote_frame(exchange_type: int, token: str, quote: dict[str, Any],
                     bids: Sequence[tuple[int, int, int]], asks: Sequence[tuple[int, int, int]]) -> bytes:
    """``bids``/``asks``: five (quantity, price in paise, orders) levels each."""
    buffer = bytearray(379)
    _header(buffer, 3, exchange_type, token)
    _quote_fields(buffer, quote)
    struct.pack_into("<q", buffer, 123, quote["last_trade_time"])
    struct.pack_into("<q", buffer, 131, quote["oi"])
    struct.pack_into("<d", buffer, 139, quote["oi_change_pct"])
    for index, (flag, levels) in enumerate(((1, bids), (0, asks))):
        for position, (quantity, price, orders) in enumerate(levels):
            at = 147 + index * 100 + position * 20
            struct.pack_into("<h", buffer, at, flag)
            struct.pack_into("<q", buffer, at + 2, quantity)
            struct.pack_into("<q", buffer, at + 10, price)
            struct.pack_into("<h", buffer, at + 18, orders)
    struct.pack_into("<q", buffer, 347, quote["upper_circuit"])
    struct.pack_into("<q", buffer, 355, quote["lower_circuit"])
    struct.pack_into("<q", buffer, 363, quote["high_52w"])
    struct.pack_into("<q", buffer, 371, quote["low_52w"])
    return bytes(buffer)


SAMPLE_QUOTE: dict[str, Any] = {
    "sequence": 12345, "exchange_ms": 1736137800123, "ltp": 61240, "last_qty": 12, "avg": 61055,
    "volume": 3556150, "total_buy": 1221749.0, "total_sell": 2132715.0, "open": 60800, "high": 61500,
    "low": 60510, "close": 60810, "last_trade_time": 1736137799, "oi": 0, "oi_change_pct": 0.0,
    "upper_circuit": 66890, "lower_circuit": 54730, "high_52w": 91210, "low_52w": 50000,
}
SAMPLE_BIDS = [(511, 61235, 2), (100, 61230, 1), (75, 61225, 3), (10, 61220, 1), (5, 61215, 1)]
SAMPLE_ASKS = [(220, 61245, 4), (90, 61250, 2), (40, 61255, 1), (15, 61260, 1), (60, 61265, 2)]
