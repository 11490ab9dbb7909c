"""KiteTicker, the market feed: subscribe messages and the binary frame decoder (the hot path).

A binary frame is ``uint16 count`` then, per packet, ``uint16 length`` and the
packet (big-endian). The length says the kind: 8 LTP, 28/32 index quote/full,
44 quote, 184 full (with 5+5 depth levels of 12 bytes). A 1-byte frame is the
server's heartbeat. Prices are integers in the segment's minor unit; the
segment is the low byte of the token (reference 1.14).

Each packet kind is read by ONE precompiled ``struct.Struct.unpack_from``
(the full packet, depth included, in a single call); the token -> (instrument,
divisor) lookup is cached per decoder, so a steady-state tick costs a dict hit.
Text frames carry order updates (``{"type": "order", "data": {...}}``) and errors: order updates
arrive on this socket, so the driver has no order socket of its own.
"""

from __future__ import annotations

import datetime as _dt
import struct
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import msgspec
from tt_connect.driver_api import BrokerStream, BrokerSymbol, DriverContext, Session
from tt_connect.enums import StreamMode
from tt_connect.errors import InstrumentError, SessionExpiredError, StreamingError
from tt_connect.instruments import AnyInstrument
from tt_connect.models import Depth, DepthLevel, OrderUpdate, Tick
from tt_connect.timeutil import IST

from tt_connect_zerodha.config import ZerodhaConfig
from tt_connect_zerodha.mapping import BROKER
from tt_connect_zerodha.parsing import kite_order_to_order

__all__ = ["DIVISORS", "SEGMENT_CANDIDATES", "KiteDecoder", "KiteStream"]

# Kite segment code (token & 0xFF) -> the instrument-master segments its tokens live in.
SEGMENT_CANDIDATES: dict[int, tuple[str, ...]] = {
    1: ("NSE",),
    2: ("NFO-OPT", "NFO-FUT"),
    3: ("CDS-FUT", "CDS-OPT"),
    4: ("BSE",),
    5: ("BFO-OPT", "BFO-FUT"),
    6: ("BCD-FUT", "BCD-OPT"),
    7: ("MCX-FUT", "MCX-OPT"),
    8: ("MCXSX",),
    9: ("INDICES",),
}
DIVISORS: dict[int, float] = {3: 10_000_000.0, 6: 10_000.0, 12: 10_000.0}
"""Price divisors that differ from 100: CDS 10^7, BCD and NCO 10^4."""

_MODE_NAMES = {StreamMode.LTP: "ltp", StreamMode.QUOTE: "quote", StreamMode.FULL: "full"}

_U16 = struct.Struct(">H")
_LTP = struct.Struct(">II")
_INDEX_QUOTE = struct.Struct(">7I")
_INDEX_FULL = struct.Struct(">8I")
_QUOTE = struct.Struct(">11I")
_FULL = struct.Struct(">16I" + "IIH2x" * 10)
_FULL_RUN = struct.Struct(">H16I" + "IIH2x" * 10)
"""One length-prefixed full packet: a frame of full packets only is ``iter_unpack``-ed in one C loop."""
_FULL_STEP = _FULL_RUN.size
assert _FULL.size == 184 and _FULL_STEP == 186
assert _QUOTE.size == 44 and _INDEX_FULL.size == 32 and _INDEX_QUOTE.size == 28

_LTP_MODE, _QUOTE_MODE, _FULL_MODE = StreamMode.LTP, StreamMode.QUOTE, StreamMode.FULL
_TIME_CACHE_LIMIT = 4096
_MISSING: Any = object()


class _TextFrame(msgspec.Struct):
    type: str = ""
    data: Any = None


class KiteDecoder:
    """Turns KiteTicker frames into canonical Ticks and OrderUpdates."""

    def __init__(self, ctx: DriverContext) -> None:
        self._ctx = ctx
        self._known: dict[int, tuple[AnyInstrument, int] | None] = {}
        self._times: dict[int, _dt.datetime] = {}
        self._decode_text = msgspec.json.Decoder(_TextFrame).decode

    def _lookup(self, token: int) -> tuple[AnyInstrument, int] | None:
        """Resolve a token once; a token no segment knows is remembered as None and skipped.

        The divisor is kept as an int: ``int / int`` is the same correctly rounded float as ``int / float``
        for every uint32 price (both operands are exact doubles) and costs a third less (no mixed-type dispatch).
        """
        code = token & 0xFF
        found: tuple[AnyInstrument, int] | None = None
        for segment in SEGMENT_CANDIDATES.get(code, ()):
            try:
                instrument = self._ctx.by_token(segment, str(token))
            except InstrumentError:
                continue
            found = (instrument, int(DIVISORS.get(code, 100.0)))
            break
        self._known[token] = found
        return found

    def _time(self, epoch: int) -> _dt.datetime | None:
        if not epoch:
            return None
        cached = self._times.get(epoch)
        if cached is None:
            if len(self._times) >= _TIME_CACHE_LIMIT:
                self._times.clear()
            cached = self._times[epoch] = _dt.datetime.fromtimestamp(epoch, IST)
        return cached

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        """Decode one WebSocket message; heartbeats and unknown tokens yield nothing."""
        if isinstance(frame, str):
            return self._text(frame, received_at)
        size = len(frame)
        if size < 4:
            return []
        # Hot loop: every name it touches is a local (a global or attribute lookup per field adds up).
        known, times, lookup, to_time = self._known, self._times, self._lookup, self._time
        tick, level, book = Tick, DepthLevel, Depth
        full, quote, ltp, header = _FULL.unpack_from, _QUOTE.unpack_from, _LTP.unpack_from, _U16.unpack_from
        out: list[Tick | OrderUpdate] = []
        append = out.append
        count = header(frame, 0)[0]
        offset = 2
        if (count and size == 2 + count * _FULL_STEP and frame[2::_FULL_STEP].count(0) == count
                and frame[3::_FULL_STEP].count(184) == count):  # every length field says 184: full packets only
            self._full_run(frame, received_at, out)
            return out
        for _ in range(count):
            if offset + 2 > size:
                break
            length = header(frame, offset)[0]
            start = offset + 2
            offset = start + length
            if offset > size:
                raise StreamingError(f"truncated Kite frame: packet of {length} bytes at {start} in {size}")
            if length == 184:
                v = full(frame, start)
                entry = known.get(v[0], _MISSING)
                if entry is _MISSING:
                    entry = lookup(v[0])
                if entry is None:
                    continue
                instrument, div = entry
                last, close = v[1] / div, v[10] / div
                depth = book(
                    (level(v[17] / div, v[16], v[18]),
                     level(v[20] / div, v[19], v[21]),
                     level(v[23] / div, v[22], v[24]),
                     level(v[26] / div, v[25], v[27]),
                     level(v[29] / div, v[28], v[30])),
                    (level(v[32] / div, v[31], v[33]),
                     level(v[35] / div, v[34], v[36]),
                     level(v[38] / div, v[37], v[39]),
                     level(v[41] / div, v[40], v[42]),
                     level(v[44] / div, v[43], v[45])))
                # Positional Tick(...): instrument, mode, last_price, received_at, last_quantity, average_price,
                # volume, buy_quantity, sell_quantity, open, high, low, close, change, oi, oi_day_high,
                # oi_day_low, last_trade_time, exchange_timestamp, depth (see models.Tick).
                append(tick(instrument, _FULL_MODE, last, received_at, v[2], v[3] / div, v[4], v[5], v[6],
                            v[7] / div, v[8] / div, v[9] / div, close, last - close if close else 0.0,
                            v[12], v[13], v[14], times.get(v[11]) or to_time(v[11]),
                            times.get(v[15]) or to_time(v[15]), depth))
            elif length == 8:
                token, price = ltp(frame, start)
                entry = known.get(token, _MISSING)
                if entry is _MISSING:
                    entry = lookup(token)
                if entry is not None:
                    append(tick(entry[0], _LTP_MODE, price / entry[1], received_at))
            elif length == 44:
                v = quote(frame, start)
                entry = known.get(v[0], _MISSING)
                if entry is _MISSING:
                    entry = lookup(v[0])
                if entry is None:
                    continue
                instrument, div = entry
                last, close = v[1] / div, v[10] / div
                append(tick(instrument, _QUOTE_MODE, last, received_at, v[2], v[3] / div, v[4], v[5], v[6],
                            v[7] / div, v[8] / div, v[9] / div, close, last - close if close else 0.0))
            elif length == 28 or length == 32:
                v = (_INDEX_FULL if length == 32 else _INDEX_QUOTE).unpack_from(frame, start)
                entry = known.get(v[0], _MISSING)
                if entry is _MISSING:
                    entry = lookup(v[0])
                if entry is None:
                    continue
                instrument, div = entry
                last, close = v[1] / div, v[5] / div
                append(tick(
                    instrument=instrument, mode=_FULL_MODE if length == 32 else _QUOTE_MODE, last_price=last,
                    received_at=received_at, high=v[2] / div, low=v[3] / div, open=v[4] / div, close=close,
                    change=last - close if close else 0.0,
                    exchange_timestamp=to_time(v[7]) if length == 32 else None))
        return out

    def _full_run(self, frame: bytes, received_at: _dt.datetime, out: list[Tick | OrderUpdate]) -> None:
        """Decode a frame of full packets only (the caller checked every length field).

        Each packet is unpacked straight into locals by ``iter_unpack`` (no per-field tuple indexing); the
        ticks are the ones the packet-by-packet loop builds.
        """
        known, times, lookup, to_time = self._known, self._times, self._lookup, self._time
        tick, level, book, append = Tick, DepthLevel, Depth, out.append
        packets = _FULL_RUN.iter_unpack(memoryview(frame)[2:])
        # The ticks of one frame mostly share their two timestamps: the previous packet's are reused.
        ltt_seen = stamp_seen = -1
        ltt_at: _dt.datetime | None = None
        stamp_at: _dt.datetime | None = None
        for (_length, token, last, last_qty, average, volume, buy_qty, sell_qty, open_, high, low, close_, ltt,
             oi, oi_high, oi_low, stamp,
             q0, p0, n0, q1, p1, n1, q2, p2, n2, q3, p3, n3, q4, p4, n4,  # bids: quantity, price, orders
             q5, p5, n5, q6, p6, n6, q7, p7, n7, q8, p8, n8, q9, p9, n9) in packets:
            try:
                entry = known[token]
            except KeyError:
                entry = lookup(token)
            if entry is None:
                continue
            instrument, div = entry
            if ltt != ltt_seen:
                ltt_seen, ltt_at = ltt, times.get(ltt) or to_time(ltt)
            if stamp != stamp_seen:
                stamp_seen, stamp_at = stamp, times.get(stamp) or to_time(stamp)
            price, close = last / div, close_ / div
            depth = book(
                (level(p0 / div, q0, n0),
                 level(p1 / div, q1, n1),
                 level(p2 / div, q2, n2),
                 level(p3 / div, q3, n3),
                 level(p4 / div, q4, n4)),
                (level(p5 / div, q5, n5),
                 level(p6 / div, q6, n6),
                 level(p7 / div, q7, n7),
                 level(p8 / div, q8, n8),
                 level(p9 / div, q9, n9)))
            append(tick(instrument, _FULL_MODE, price, received_at, last_qty, average / div, volume, buy_qty,
                        sell_qty, open_ / div, high / div, low / div, close, price - close if close else 0.0,
                        oi, oi_high, oi_low, ltt_at, stamp_at, depth))

    def _text(self, frame: str, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        try:
            message = self._decode_text(frame)
        except msgspec.DecodeError:
            raise StreamingError("a Kite text frame that is not a JSON message", broker=BROKER) from None
        if message.type == "order" and isinstance(message.data, Mapping):
            order = kite_order_to_order(self._ctx, message.data)
            return [OrderUpdate(order=order, received_at=received_at, raw=message.data)]
        if message.type == "error":
            raise StreamingError(f"Kite stream error: {message.data}", broker=BROKER)
        return []


class KiteStream(BrokerStream):
    """The KiteTicker socket (``wss://ws.kite.trade``), carrying ticks and the account's order updates."""

    max_instruments_per_connection = 3000
    max_connections = 3
    stale_after = 7.0
    """The server sends a 1-byte heartbeat when idle (the client sends no pings); the official Go client gives
    up after 5 s of silence."""
    carries_order_updates = True

    def __init__(self, config: ZerodhaConfig) -> None:
        self._config = config

    def url(self, session: Session | None) -> str:
        """Return ``ws_url?api_key=..&access_token=..``."""
        if session is None:
            raise SessionExpiredError("the Kite stream needs a logged-in session", broker=BROKER)
        query = urlencode({"api_key": self._config.api_key, "access_token": session.access_token})
        return f"{self._config.ws_url}?{query}"

    def headers(self, session: Session | None) -> Mapping[str, str]:
        return {"X-Kite-Version": "3"}

    @staticmethod
    def _tokens(symbols: Sequence[BrokerSymbol]) -> list[int]:
        try:
            return [int(symbol.token) for symbol in symbols]
        except ValueError:
            raise StreamingError("a Kite instrument token must be numeric", broker=BROKER) from None

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        """Return the subscribe message and the mode message for these tokens."""
        tokens = self._tokens(symbols)
        if not tokens:
            return []
        return [msgspec.json.encode({"a": "subscribe", "v": tokens}).decode(),
                msgspec.json.encode({"a": "mode", "v": [_MODE_NAMES[mode], tokens]}).decode()]

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        tokens = self._tokens(symbols)
        return [msgspec.json.encode({"a": "unsubscribe", "v": tokens}).decode()] if tokens else []

    def decoder(self, ctx: DriverContext) -> KiteDecoder:
        return KiteDecoder(ctx)
