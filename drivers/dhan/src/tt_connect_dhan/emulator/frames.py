"""Paper quotes rendered as DhanHQ v2 feed packets, little-endian, exactly as the SDK unpacks them.

5-level feed: ticker (2), quote (4), OI (5), prev close (6), full (8), disconnect (50),
each behind the 8-byte ``<BHBI`` header. Depth feeds: a 12-byte ``<hBBiI`` header, then
rows of ``<dII`` (price, quantity, orders), bid (41) and ask (51) packets apart.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from tt_connect.paper.engine import PaperQuote

__all__ = ["depth_packets", "disconnect_packet", "full_packet", "oi_packet", "prev_close_packet", "quote_packet",
           "ticker_packet"]

_TICKER = struct.Struct("<BHBIfI")
_QUOTE = struct.Struct("<BHBIfHIfIIIffff")
_OI = struct.Struct("<BHBII")
_PREV = struct.Struct("<BHBIfI")
_FULL_HEAD = struct.Struct("<BHBIfHIfIIIIIIffff")
_LEVEL = struct.Struct("<IIHHff")
_DISCONNECT = struct.Struct("<BHBIH")
_DEPTH_HEAD = struct.Struct("<hBBiI")
_DEPTH_ROW = struct.Struct("<dII")
_IST_SHIFT = 19_800
_U16 = 0xFFFF


def _stamp(quote: PaperQuote) -> int:
    return int(quote.timestamp.timestamp()) + _IST_SHIFT


def ticker_packet(segment: int, security_id: int, quote: PaperQuote) -> bytes:
    return _TICKER.pack(2, _TICKER.size, segment, security_id, quote.last_price, _stamp(quote))


def _average(quote: PaperQuote) -> float:
    return (quote.high + quote.low + quote.last_price) / 3


def quote_packet(segment: int, security_id: int, quote: PaperQuote) -> bytes:
    """Code 4: ``close`` is 0 while the market is open (sent only after the close, docs)."""
    return _QUOTE.pack(4, _QUOTE.size, segment, security_id, quote.last_price, min(quote.last_quantity, _U16),
                       _stamp(quote), _average(quote), quote.volume, sum(q for _, q, _ in quote.asks),
                       sum(q for _, q, _ in quote.bids), quote.open, 0.0, quote.high, quote.low)


def oi_packet(segment: int, security_id: int, oi: int) -> bytes:
    return _OI.pack(5, _OI.size, segment, security_id, oi)


def prev_close_packet(segment: int, security_id: int, close: float, previous_oi: int) -> bytes:
    return _PREV.pack(6, _PREV.size, segment, security_id, close, previous_oi)


def full_packet(segment: int, security_id: int, quote: PaperQuote) -> bytes:
    """Code 8, 162 bytes: the quote fields, OI and its day range, then 5 depth levels."""
    oi = quote.oi
    out = bytearray(_FULL_HEAD.pack(8, 162, segment, security_id, quote.last_price,
                                    min(quote.last_quantity, _U16), _stamp(quote), _average(quote), quote.volume,
                                    sum(q for _, q, _ in quote.asks), sum(q for _, q, _ in quote.bids), oi,
                                    oi + oi // 50, oi - oi // 50, quote.open, quote.close, quote.high, quote.low))
    bids = list(quote.bids[:5]) + [(0.0, 0, 0)] * (5 - len(quote.bids[:5]))
    asks = list(quote.asks[:5]) + [(0.0, 0, 0)] * (5 - len(quote.asks[:5]))
    for (bid, bid_qty, bid_orders), (ask, ask_qty, ask_orders) in zip(bids, asks):
        out += _LEVEL.pack(bid_qty, ask_qty, min(bid_orders, _U16), min(ask_orders, _U16), bid, ask)
    assert len(out) == 162
    return bytes(out)


def disconnect_packet(reason: int) -> bytes:
    return _DISCONNECT.pack(50, _DISCONNECT.size, 0, 0, reason)


def depth_packets(segment: int, security_id: int, bids: Sequence[tuple[float, int, int]],
                  asks: Sequence[tuple[float, int, int]], *, rows: int) -> bytes:
    """A bid (41) then an ask (51) packet of ``rows`` levels each, back to back in one message.

    The 20-level feed always sends 20 rows and a sequence number at offset 8; the 200-level
    feed sends the number of rows there.
    """
    out = bytearray()
    for code, side in ((41, bids), (51, asks)):
        levels = list(side[:rows]) + [(0.0, 0, 0)] * max(rows - len(side), 0)
        count = rows if rows != 20 else 0
        out += _DEPTH_HEAD.pack(_DEPTH_HEAD.size + _DEPTH_ROW.size * rows, code, segment, security_id, count)
        for price, quantity, orders in levels:
            out += _DEPTH_ROW.pack(price, quantity, orders)
    return bytes(out)
