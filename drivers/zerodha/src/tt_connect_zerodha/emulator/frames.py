"""KiteTicker binary frames, written the way Kite's server writes them.

A frame is ``uint16 count`` then per packet ``uint16 length`` + the packet, all
big-endian. Packet sizes name the mode: 8 (ltp), 44 (quote), 184 (full with
5+5 depth levels); indices send 8, 28 (quote) or 32 (full). Prices are
integers in paise (this emulator lists only NSE/NFO/indices, divisor 100).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from tt_connect.paper.engine import PaperQuote

__all__ = ["HEARTBEAT", "frame", "index_packet", "market_packet"]

HEARTBEAT = b"\x00"
"""The 1-byte frame Kite sends when it has nothing else to say."""

_U16 = struct.Struct(">H")
_LTP = struct.Struct(">II")
_QUOTE = struct.Struct(">11I")
_FULL_HEAD = struct.Struct(">16I")
_LEVEL = struct.Struct(">IIH2x")
_INDEX_QUOTE = struct.Struct(">7I")
_INDEX_FULL = struct.Struct(">8I")


def _paise(price: float) -> int:
    return max(round(price * 100), 0)


def _signed_paise(price: float) -> int:
    return round(price * 100) & 0xFFFFFFFF


def market_packet(token: int, quote: PaperQuote, mode: str) -> bytes:
    """One tradable instrument's packet in ``ltp``, ``quote`` or ``full`` mode."""
    if mode == "ltp":
        return _LTP.pack(token, _paise(quote.last_price))
    average = (quote.high + quote.low + quote.last_price) / 3
    head = (token, _paise(quote.last_price), quote.last_quantity, _paise(average), quote.volume,
            sum(q for _, q, _ in quote.bids), sum(q for _, q, _ in quote.asks),
            _paise(quote.open), _paise(quote.high), _paise(quote.low), _paise(quote.close))
    if mode == "quote":
        return _QUOTE.pack(*head)
    stamp = int(quote.timestamp.timestamp())
    packet = bytearray(_FULL_HEAD.pack(*head, stamp, quote.oi, quote.oi, quote.oi, stamp))
    for side in (quote.bids, quote.asks):
        levels = list(side)[:5]
        levels += [(0.0, 0, 0)] * (5 - len(levels))
        for price, quantity, orders in levels:
            packet += _LEVEL.pack(quantity, _paise(price), orders)
    return bytes(packet)


def index_packet(token: int, quote: PaperQuote, mode: str) -> bytes:
    """An index's packet: last, high, low, open, close, change (and the exchange time in full mode)."""
    if mode == "ltp":
        return _LTP.pack(token, _paise(quote.last_price))
    fields = (token, _paise(quote.last_price), _paise(quote.high), _paise(quote.low), _paise(quote.open),
              _paise(quote.close), _signed_paise(quote.last_price - quote.close))
    if mode == "quote":
        return _INDEX_QUOTE.pack(*fields)
    return _INDEX_FULL.pack(*fields, int(quote.timestamp.timestamp()))


def frame(packets: Sequence[bytes]) -> bytes:
    """Join packets into one binary message."""
    out = bytearray(_U16.pack(len(packets)))
    for packet in packets:
        out += _U16.pack(len(packet))
        out += packet
    return bytes(out)
