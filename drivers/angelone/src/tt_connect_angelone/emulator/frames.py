"""SmartWebSocketV2 binary ticks, written the way AngelOne's server writes them.

One tick per binary message, little-endian. A 27-byte head (mode, exchange
type, 25-byte NUL-padded ASCII token) then, by mode: LTP (51 bytes: sequence,
exchange time in ms, last price), QUOTE (123: + last quantity, average price,
volume, total buy/sell quantity as doubles, OHLC) and SNAP_QUOTE (379: + last
trade time, open interest, OI change as a double, 5 buy and 5 sell levels of
20 bytes, circuits and 52-week range). Prices are in paise.
"""

from __future__ import annotations

import struct

from tt_connect.paper.engine import PaperQuote

__all__ = ["LTP", "QUOTE", "SNAP_QUOTE", "tick_frame"]

LTP, QUOTE, SNAP_QUOTE = 1, 2, 3

_HEAD = struct.Struct("<BB25sqqq")
_QUOTE_TAIL = struct.Struct("<qqqddqqqq")
_SNAP_TAIL = struct.Struct("<qqd")
_LEVEL = struct.Struct("<hqqh")
_LIMITS = struct.Struct("<qqqq")
assert _HEAD.size == 51 and _HEAD.size + _QUOTE_TAIL.size == 123 and _LEVEL.size == 20


def _paise(price: float) -> int:
    return round(price * 100)


def tick_frame(mode: int, exchange_type: int, token: str, sequence: int, quote: PaperQuote) -> bytes:
    """One binary message for ``token`` in ``mode``."""
    stamp_ms = int(quote.timestamp.timestamp() * 1000)
    out = bytearray(_HEAD.pack(mode, exchange_type, token.encode("ascii"), sequence, stamp_ms,
                               _paise(quote.last_price)))
    if mode == LTP:
        return bytes(out)
    average = (quote.high + quote.low + quote.last_price) / 3
    out += _QUOTE_TAIL.pack(quote.last_quantity, _paise(average), quote.volume,
                            float(sum(q for _, q, _ in quote.bids)), float(sum(q for _, q, _ in quote.asks)),
                            _paise(quote.open), _paise(quote.high), _paise(quote.low), _paise(quote.close))
    if mode == QUOTE:
        return bytes(out)
    out += _SNAP_TAIL.pack(int(quote.timestamp.timestamp()), quote.oi, 0.0)
    for flag, side in ((1, quote.bids), (0, quote.asks)):
        levels = list(side)[:5]
        levels += [(0.0, 0, 0)] * (5 - len(levels))
        for price, quantity, orders in levels:
            out += _LEVEL.pack(flag, quantity, _paise(price), orders)
    band = 0.2
    out += _LIMITS.pack(_paise(quote.close * (1 + band)), _paise(quote.close * (1 - band)),
                        _paise(quote.high * 1.3), _paise(quote.low * 0.7))
    assert len(out) == 379
    return bytes(out)
