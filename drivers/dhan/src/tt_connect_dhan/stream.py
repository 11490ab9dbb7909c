"""DhanHQ v2 live market feed: subscribe messages and the binary packet decoder (the hot path).

Requests are JSON text frames; replies are little-endian binary packets behind an
8-byte header (``uint8 code``, ``uint16 length``, ``uint8 segment``, ``uint32 security
id``; SDK ``marketfeed.py``):

* Ticker (code 2, 16 bytes): last price (float32), last trade time;
* Quote (code 4, 50 bytes): + last quantity, average price, volume, total sell and buy
  quantity, open, close, high, low;
* OI (code 5, 12 bytes) and Prev Close (code 6, 16 bytes): sent beside the others,
  remembered per instrument and carried on the next tick;
* Full (code 8, 162 bytes): the quote fields, OI, OI day high/low, and 5 depth levels
  of (bid qty, ask qty, bid orders, ask orders, bid price, ask price);
* Market status (7) and index packets (1, layout undocumented) carry nothing for a tick;
  Disconnect (50) carries a reason code (805 ... 814) and ends the socket.

Each packet kind is read by ONE precompiled ``struct.Struct.unpack_from`` (depth
included). Per instrument the decoder keeps its state (instrument, previous close, last
OI, last trade time) in one slot object found by an integer key, so a steady-state tick
costs one unpack, one dict hit and the Tick. Float32 prices are rounded to the exchange's
decimals (2, currency 4) through a memo dict: depth prices repeat tick after tick.
"""

from __future__ import annotations

import datetime as _dt
import struct
from collections.abc import Callable, Mapping, Sequence

import msgspec
from tt_connect.driver_api import BrokerStream, BrokerSymbol, DriverContext, Session, StreamRejected
from tt_connect.enums import StreamMode
from tt_connect.errors import InstrumentError, SessionExpiredError, StreamingError
from tt_connect.instruments import AnyInstrument
from tt_connect.models import Depth, DepthLevel, OrderUpdate, Tick
from tt_connect.timeutil import IST

from tt_connect_dhan.config import DhanConfig
from tt_connect_dhan.errors import DEAD_SESSION_CODES
from tt_connect_dhan.mapping import BROKER, SEGMENT_NAMES
from tt_connect_dhan.order_stream import DhanOrderUpdates

__all__ = ["DISCONNECT_PACKET", "FULL_PACKET", "OI_PACKET", "PREV_CLOSE_PACKET", "QUOTE_PACKET", "REQUEST_CODES",
           "TICKER_PACKET", "DhanDecoder", "DhanStream", "ist_epoch", "subscribe_messages"]

TICKER_PACKET = struct.Struct("<BHBIfI")
QUOTE_PACKET = struct.Struct("<BHBIfHIfIIIffff")
OI_PACKET = struct.Struct("<BHBII")
PREV_CLOSE_PACKET = struct.Struct("<BHBIfI")
FULL_PACKET = struct.Struct("<BHBIfHIfIIIIIIffff" + "IIHHff" * 5)
DISCONNECT_PACKET = struct.Struct("<BHBIH")
assert (TICKER_PACKET.size, QUOTE_PACKET.size, OI_PACKET.size, PREV_CLOSE_PACKET.size, FULL_PACKET.size,
        DISCONNECT_PACKET.size) == (16, 50, 12, 16, 162, 10)

REQUEST_CODES: Mapping[StreamMode, int] = {StreamMode.LTP: 15, StreamMode.QUOTE: 17, StreamMode.FULL: 21}
"""Subscribe codes per mode (Ticker, Quote, Full); unsubscribe is the code + 1 (annexure, SDK)."""
MAX_PER_MESSAGE = 100
"""Instruments per subscribe message (docs; the SDK batches by 100)."""

_IST_SHIFT = 19_800
"""Dhan's packet times count seconds of IST wall-clock time since 1970 (PROTOCOL.md, unverified)."""
_CURRENCY_SEGMENTS = frozenset({3, 7})
_LTP, _QUOTE, _FULL = StreamMode.LTP, StreamMode.QUOTE, StreamMode.FULL
_MEMO_LIMIT = 200_000


def ist_epoch(moment: _dt.datetime) -> int:
    """Return a time the way Dhan's packets carry it (IST wall clock as epoch seconds)."""
    return int(moment.timestamp()) + _IST_SHIFT


def _memo(prices: dict[float, float], places: int, raws: Sequence[float]) -> bool:
    """Learn the rounded value of every price of one packet (a memo miss is rare in steady state).

    Return False when one is NaN or infinite: no key finds a NaN again, so the caller reads the packet
    with those prices as 0.0 instead (``_finite_packet``).
    """
    if len(prices) >= _MEMO_LIMIT:
        prices.clear()
    finite = True
    for raw in raws:
        if raw - raw != 0.0:
            finite = False
        elif raw not in prices:
            prices[raw] = round(raw, places)
    return finite


def _finite_packet(packet: struct.Struct, frame: bytes, offset: int) -> bytes:
    """The packet with its NaN and infinite floats as 0.0 (the feed's "no value")."""
    values = packet.unpack_from(frame, offset)
    return packet.pack(*(0.0 if isinstance(v, float) and v - v != 0.0 else v for v in values))


class _State:
    """What the feed has told about one instrument so far."""

    __slots__ = ("close", "instrument", "ltt", "ltt_raw", "oi", "places", "prices")

    def __init__(self, instrument: AnyInstrument, prices: dict[float, float], places: int) -> None:
        self.instrument = instrument
        self.prices = prices
        self.places = places
        self.close = 0.0
        self.oi = 0
        self.ltt_raw = -1
        self.ltt: _dt.datetime | None = None

    def time(self, raw: int) -> _dt.datetime | None:
        if raw != self.ltt_raw:
            self.ltt_raw = raw
            self.ltt = _dt.datetime.fromtimestamp(raw - _IST_SHIFT, IST) if raw > _IST_SHIFT else None
        return self.ltt


class DhanDecoder:
    """Turns DhanHQ v2 feed messages into complete canonical Ticks (one decoder per connection)."""

    def __init__(self, ctx: DriverContext) -> None:
        self._ctx = ctx
        self._states: dict[int, _State] = {}
        """(segment << 32 | security id) -> its state; ``_UNKNOWN`` for an instrument the master lacks."""
        self._memos: dict[int, dict[float, float]] = {2: {}, 4: {}}

    def _lookup(self, key: int, segment: int, security_id: int) -> _State:
        """Resolve an instrument once; one the master does not know is remembered as unknown and skipped."""
        state = _UNKNOWN
        name = SEGMENT_NAMES.get(segment)
        if name is not None:
            try:
                instrument = self._ctx.by_token(name, str(security_id))
            except InstrumentError:
                instrument = None
            if instrument is not None:
                places = 4 if segment in _CURRENCY_SEGMENTS else 2
                state = _State(instrument, self._memos[places], places)
        self._states[key] = state
        return state

    def _state(self, segment: int, security_id: int) -> _State:
        key = segment << 32 | security_id
        state = self._states.get(key)
        return self._lookup(key, segment, security_id) if state is None else state

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        """Decode one WebSocket message: one packet (the SDK's reading), or several back to back."""
        if isinstance(frame, str):
            return []  # the server sends no text; a proxy's note is not a tick
        size = len(frame)
        if size == 162 and frame[0] == 8:  # the commonest message: one Full packet
            tick = self._full(frame, 0, received_at)
            return [] if tick is None else [tick]
        if size and _SIZES.get(frame[0]) == size:  # one packet of another kind
            tick = _HANDLERS[frame[0]](self, frame, 0, received_at)
            return [] if tick is None else [tick]
        out: list[Tick | OrderUpdate] = []
        offset = 0
        while offset < size:
            code = frame[offset]
            length = _SIZES.get(code, 0)
            if size - offset >= 3 and code in _LENGTH_TRUSTED:
                length = frame[offset + 1] | frame[offset + 2] << 8
            if length < 8 or offset + length > size:
                raise StreamingError(f"Dhan sent a packet of code {code} that does not fit its message "
                                     f"({size - offset} of {size} bytes left)", broker=BROKER)
            handler = _HANDLERS.get(code)
            if handler is not None:
                tick = handler(self, frame, offset, received_at)
                if tick is not None:
                    out.append(tick)
            offset += length
        return out

    def _full(self, frame: bytes, offset: int, received_at: _dt.datetime) -> Tick | None:
        # One unpack into locals: a tuple index costs more than a local load, and this runs per tick.
        (_, _, segment, security_id, ltp, ltq, ltt_raw, atp, volume, sell_qty, buy_qty, oi, oi_high, oi_low, o, c, h,
         lo, bq1, aq1, bo1, ao1, bp1, ap1, bq2, aq2, bo2, ao2, bp2, ap2, bq3, aq3, bo3, ao3, bp3, ap3,
         bq4, aq4, bo4, ao4, bp4, ap4, bq5, aq5, bo5, ao5, bp5, ap5) = FULL_PACKET.unpack_from(frame, offset)
        key = segment << 32 | security_id
        state = self._states.get(key)
        if state is None:
            state = self._lookup(key, segment, security_id)
        if state is _UNKNOWN:
            return None
        p = state.prices
        level = DepthLevel
        try:
            last = p[ltp]
            close = state.close or p[c]
            depth = Depth(
                (level(p[bp1], bq1, bo1), level(p[bp2], bq2, bo2), level(p[bp3], bq3, bo3), level(p[bp4], bq4, bo4),
                 level(p[bp5], bq5, bo5)),
                (level(p[ap1], aq1, ao1), level(p[ap2], aq2, ao2), level(p[ap3], aq3, ao3), level(p[ap4], aq4, ao4),
                 level(p[ap5], aq5, ao5)))
            average, day_open, high, low = p[atp], p[o], p[h], p[lo]
        except KeyError:  # a price the memo has not seen: learn the packet's prices, then decode it again
            if not _memo(p, state.places, (ltp, atp, o, c, h, lo, bp1, bp2, bp3, bp4, bp5, ap1, ap2, ap3, ap4, ap5)):
                return self._full(_finite_packet(FULL_PACKET, frame, offset), 0, received_at)
            return self._full(frame, offset, received_at)
        ltt = state.ltt if ltt_raw == state.ltt_raw else state.time(ltt_raw)
        state.oi = oi
        # Positional Tick(...): instrument, mode, last_price, received_at, last_quantity, average_price,
        # volume, buy_quantity, sell_quantity, open, high, low, close, change, oi, oi_day_high,
        # oi_day_low, last_trade_time, exchange_timestamp, depth (see models.Tick).
        return Tick(state.instrument, _FULL, last, received_at, ltq, average, volume, buy_qty, sell_qty, day_open,
                    high, low, close, last - close if close else 0.0, oi, oi_high, oi_low, ltt, ltt, depth)

    def _quote(self, frame: bytes, offset: int, received_at: _dt.datetime) -> Tick | None:
        (_, _, segment, security_id, ltp, ltq, ltt_raw, atp, volume, sell_qty, buy_qty, o, c, h,
         lo) = QUOTE_PACKET.unpack_from(frame, offset)
        state = self._state(segment, security_id)
        if state is _UNKNOWN:
            return None
        p = state.prices
        try:
            last, average, day_open, high, low = p[ltp], p[atp], p[o], p[h], p[lo]
            close = state.close or p[c]
        except KeyError:
            if not _memo(p, state.places, (ltp, atp, o, c, h, lo)):
                return self._quote(_finite_packet(QUOTE_PACKET, frame, offset), 0, received_at)
            return self._quote(frame, offset, received_at)
        ltt = state.ltt if ltt_raw == state.ltt_raw else state.time(ltt_raw)
        return Tick(state.instrument, _QUOTE, last, received_at, ltq, average, volume, buy_qty, sell_qty, day_open,
                    high, low, close, last - close if close else 0.0, state.oi, 0, 0, ltt)

    def _ticker(self, frame: bytes, offset: int, received_at: _dt.datetime) -> Tick | None:
        _, _, segment, security_id, ltp, _ltt = TICKER_PACKET.unpack_from(frame, offset)
        state = self._state(segment, security_id)
        if state is _UNKNOWN:
            return None
        last = state.prices.get(ltp)
        if last is None:
            last = state.prices[ltp] if _memo(state.prices, state.places, (ltp,)) else 0.0
        return Tick(state.instrument, _LTP, last, received_at)

    def _oi(self, frame: bytes, offset: int, received_at: _dt.datetime) -> None:
        _, _, segment, security_id, oi = OI_PACKET.unpack_from(frame, offset)
        state = self._state(segment, security_id)
        if state is not _UNKNOWN:
            state.oi = oi

    def _prev_close(self, frame: bytes, offset: int, received_at: _dt.datetime) -> None:
        _, _, segment, security_id, close, _prev_oi = PREV_CLOSE_PACKET.unpack_from(frame, offset)
        state = self._state(segment, security_id)
        if state is not _UNKNOWN:
            state.close = round(close, state.places) if close - close == 0.0 else 0.0

    def _status(self, frame: bytes, offset: int, received_at: _dt.datetime) -> None:
        return None  # market status (7) and index (1) packets: nothing a tick carries

    def _disconnected(self, frame: bytes, offset: int, received_at: _dt.datetime) -> None:
        """The server's Disconnect packet: the socket is refused; a dead token asks for a renewal first."""
        reason = str(DISCONNECT_PACKET.unpack_from(frame, offset)[4])
        dead = reason in DEAD_SESSION_CODES
        raise StreamRejected(f"Dhan closed the feed with reason {reason}"
                             + (" (the access token is no longer valid)" if dead else ""), session_dead=dead)


_UNKNOWN = _State(None, {}, 2)  # type: ignore[arg-type]
"""The state of every instrument the master does not list: its packets are skipped."""

_HANDLERS: dict[int, Callable[[DhanDecoder, bytes, int, _dt.datetime], Tick | None]] = {
    8: DhanDecoder._full, 4: DhanDecoder._quote, 2: DhanDecoder._ticker, 5: DhanDecoder._oi,
    6: DhanDecoder._prev_close, 7: DhanDecoder._status, 50: DhanDecoder._disconnected,
}
_SIZES = {2: 16, 4: 50, 5: 12, 6: 16, 7: 8, 8: 162, 50: 10}
"""Packet sizes by code (SDK struct formats)."""
_LENGTH_TRUSTED = frozenset({1})
"""Codes whose size only the header's length field tells (the undocumented index packet)."""


def subscribe_messages(code: int, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
    """Return the JSON messages for ``code`` (15/17/21, or +1 to unsubscribe), 100 instruments each."""
    out: list[str | bytes] = []
    for start in range(0, len(symbols), MAX_PER_MESSAGE):
        batch = symbols[start:start + MAX_PER_MESSAGE]
        out.append(msgspec.json.encode({
            "RequestCode": code, "InstrumentCount": len(batch),
            "InstrumentList": [{"ExchangeSegment": s.segment, "SecurityId": s.token} for s in batch],
        }).decode())
    return out


class DhanStream(BrokerStream):
    """The Dhan market feed: URL with the token in the query, JSON subscriptions, binary replies."""

    max_instruments_per_connection = 5000
    max_connections = 5
    """Docs: up to 5 sockets per user, 5000 instruments each; a sixth socket kicks the oldest (805)."""
    stale_after = 45.0
    """The server pings every 10 s and drops a client silent for 40 s; a socket quiet for longer is dead."""
    ping_interval: float | None = None
    """The server pings; the WebSocket library's automatic pong is the only heartbeat Dhan asks for."""
    carries_order_updates = False

    def __init__(self, config: DhanConfig) -> None:
        self._config = config
        self.order_updates = DhanOrderUpdates(config)

    def url(self, session: Session | None) -> str:
        if session is None:
            raise SessionExpiredError("the Dhan feed needs a logged-in session", broker=BROKER)
        client = session.user_id or self._config.client_id
        return f"{self._config.ws_url}?version=2&token={session.access_token}&clientId={client}&authType=2"

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        return subscribe_messages(REQUEST_CODES[mode], symbols)

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        """Unsubscribe from every mode: the server ignores instruments not subscribed in one."""
        out: list[str | bytes] = []
        for code in REQUEST_CODES.values():
            out += subscribe_messages(code + 1, symbols)
        return out

    def decoder(self, ctx: DriverContext) -> DhanDecoder:
        return DhanDecoder(ctx)
