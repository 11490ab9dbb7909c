"""The HSM data socket's frames -> complete canonical Ticks (the hot path).

A topic's first record is a snapshot ``S`` (its name, every value, the price precision and
multiplier); later ones are updates ``U`` (every value, INT32_MIN where nothing changed) or,
in lite mode, ``L`` (the last price only). The decoder keeps one :class:`_Book` per
instrument: the quote values of its ``sf``/``if`` topic, the Depth of its ``dp`` topic, and
memoised timestamps, so an update costs one precompiled ``unpack_from``, a merge only when
some value is unchanged, and the Tick. Ticks are built positionally (see ``models.Tick``).

What the subscriber asked for decides the Tick's mode: the stream's :class:`Wanted` entry
(shared with :class:`~tt_connect_fyers.feed.stream.FyersStream`) says LTP, QUOTE or FULL;
an unsubscribed topic's late records are dropped. A frame that does not parse raises
:class:`StreamingError` (the engine logs it and keeps the socket); a refused login raises
:class:`StreamRejected`.
"""

from __future__ import annotations

import datetime as _dt
import struct
from collections.abc import Mapping

from tt_connect.driver_api import BrokerSymbol, DriverContext, StreamRejected
from tt_connect.enums import StreamMode
from tt_connect.errors import InstrumentError, StreamingError
from tt_connect.instruments import AnyInstrument
from tt_connect.logs import get_logger
from tt_connect.models import Depth, DepthLevel, OrderUpdate, Tick
from tt_connect.timeutil import IST

from tt_connect_fyers.feed.encoder import ack_frame
from tt_connect_fyers.feed.protocol import (
    AUTH,
    CUSTOM,
    DATA,
    DEPTH_FIELDS,
    INDEX_FIELDS,
    LITE_RECORD,
    MODE,
    NO_VALUE,
    PAUSE,
    PING,
    QUOTE_FIELDS,
    RESUME,
    SNAPSHOT_RECORD,
    SUBSCRIBE,
    UNSUBSCRIBE,
    UPDATE_RECORD,
)

__all__ = ["HsmDecoder", "Wanted"]

_log = get_logger("tt_connect.fyers.feed")
BROKER = "fyers"

_INTS = tuple(struct.Struct(f">{n}i") for n in range(256))
"""``n`` big-endian int32s, for every field count a record can announce."""
_U16 = struct.Struct(">H")
_I32 = struct.Struct(">i")
_U32 = struct.Struct(">I")
_DATA_HEAD = struct.Struct(">IH")
_UPDATE_HEAD = struct.Struct(">HB")
_LITE = struct.Struct(">Hi")
_SNAP_HEAD = struct.Struct(">HB")
_SCALE = struct.Struct(">2xHB")
_QUOTE_N, _INDEX_N, _DEPTH_N = len(QUOTE_FIELDS), len(INDEX_FIELDS), len(DEPTH_FIELDS)
_LTP, _QUOTE, _FULL = StreamMode.LTP, StreamMode.QUOTE, StreamMode.FULL
_SF, _IF, _DP = 0, 1, 2
_KINDS = {"sf": _SF, "if": _IF, "dp": _DP}
_MAX_TOPICS = 1_000_000


class Wanted:
    """One subscribed topic as the stream asked for it: its symbol and mode (None once unsubscribed).

    Mutated in place by the stream, read by every decoder: a mode change applies to the next record.
    """

    __slots__ = ("mode", "symbol")

    def __init__(self, symbol: BrokerSymbol, mode: StreamMode | None) -> None:
        self.symbol = symbol
        self.mode = mode


class _Book:
    """What the feed has told about one instrument: quote values, depth, and times read once."""

    __slots__ = ("depth", "depth_divisor", "depth_values", "divisor", "eft", "eft_raw", "index", "instrument",
                 "ltt", "ltt_raw", "values", "wanted")

    def __init__(self, instrument: AnyInstrument, wanted: Wanted) -> None:
        self.instrument = instrument
        self.wanted = wanted
        self.index = False
        self.values: tuple[int, ...] | None = None
        self.divisor = 100.0
        self.depth: Depth | None = None
        self.depth_values: tuple[int, ...] = ()
        self.depth_divisor = 100.0
        self.ltt_raw = -1
        self.ltt: _dt.datetime | None = None
        self.eft_raw = -1
        self.eft: _dt.datetime | None = None

    def times(self, ltt_raw: int, eft_raw: int) -> None:
        if ltt_raw != self.ltt_raw:
            self.ltt_raw = ltt_raw
            self.ltt = _epoch(ltt_raw)
        if eft_raw != self.eft_raw:
            self.eft_raw = eft_raw
            self.eft = _epoch(eft_raw)


def _epoch(raw: int) -> _dt.datetime | None:
    if raw <= 0:
        return None
    try:
        return _dt.datetime.fromtimestamp(raw, IST)
    except (OverflowError, OSError, ValueError):
        return None


def _merge(old: tuple[int, ...], new: tuple[int, ...]) -> tuple[int, ...]:
    """Apply an update: a NO_VALUE keeps the old value; values past the snapshot's count are ignored."""
    size = len(old)
    if len(new) < size:
        new = new + old[len(new):]
    elif len(new) > size:
        new = new[:size]
    if NO_VALUE not in new:
        return new
    return tuple(o if v == NO_VALUE else v for v, o in zip(new, old, strict=True))


def _fill(values: tuple[int, ...], size: int) -> tuple[int, ...]:
    """A snapshot's values: NO_VALUE reads as 0, missing trailing fields as 0."""
    out = tuple(0 if v == NO_VALUE else v for v in values[:size])
    return out + (0,) * (size - len(out))


def _depth(values: tuple[int, ...], divisor: float) -> Depth:
    level = DepthLevel
    return Depth(
        tuple(level(values[i] / divisor, values[10 + i], values[20 + i]) for i in range(5)),
        tuple(level(values[5 + i] / divisor, values[15 + i], values[25 + i]) for i in range(5)))


class HsmDecoder:
    """Turns HSM server frames into canonical Ticks (one decoder per connection).

    ``topics`` is the stream's registry (topic name -> :class:`Wanted`). ``replies`` holds
    frames the connection sends back after the frame that queued them: the acknowledgements
    the server asks for every ``ack_count`` data frames (auth reply, field 2).
    """

    def __init__(self, ctx: DriverContext, topics: Mapping[str, Wanted]) -> None:
        self._ctx = ctx
        self._topics = topics
        self._quotes: dict[int, _Book] = {}
        """sf/if topic id -> its instrument's book."""
        self._depths: dict[int, _Book] = {}
        """dp topic id -> its instrument's book."""
        self._books: dict[AnyInstrument, _Book] = {}
        self.replies: list[str | bytes] = []
        self.ack_count = 0
        self._unacked = 0
        self.authenticated = False
        self.skipped = 0
        """Records of a topic never snapshotted, or no longer wanted."""

    # -- frames ----------------------------------------------------------------------------

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        """Decode one WebSocket message (a data frame most of the time)."""
        if isinstance(frame, str) or len(frame) < 3:
            return []  # the server speaks binary; a stray text or a bare heartbeat carries nothing
        kind = frame[2]
        try:
            if kind == DATA:
                return self._data(frame, received_at)
            if kind == AUTH:
                self._auth(frame)
            elif kind in (SUBSCRIBE, UNSUBSCRIBE, MODE, PAUSE, RESUME):
                self._reply(frame, kind)
            elif kind == CUSTOM:
                self._custom(frame)
            elif kind != PING:
                _log.info("fyers_feed_unknown_frame", kind=kind, size=len(frame))
        except (struct.error, IndexError, UnicodeDecodeError) as exc:
            raise StreamingError(f"Fyers sent a malformed HSM frame of type {kind} ({len(frame)} bytes, "
                                 f"{type(exc).__name__})", broker=BROKER) from None
        return []

    def _data(self, frame: bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        number, count = _DATA_HEAD.unpack_from(frame, 3)
        if self.ack_count:
            self._unacked += 1
            if self._unacked >= self.ack_count:
                self._unacked = 0
                self.replies.append(ack_frame(number))
        out: list[Tick | OrderUpdate] = []
        offset = 9
        quotes = self._quotes
        try:
            for _ in range(count):
                record = frame[offset]
                if record == UPDATE_RECORD:
                    topic_id, n = _UPDATE_HEAD.unpack_from(frame, offset + 1)
                    values = _INTS[n].unpack_from(frame, offset + 4)
                    offset += 4 + 4 * n
                    book = quotes.get(topic_id)
                    if book is not None:
                        tick = self._quote_update(book, values, received_at)
                    else:
                        book = self._depths.get(topic_id)
                        if book is None:
                            self.skipped += 1
                            continue
                        tick = self._depth_update(book, values, received_at)
                    if tick is not None:
                        out.append(tick)
                elif record == LITE_RECORD:
                    topic_id, ltp = _LITE.unpack_from(frame, offset + 1)
                    offset += 7
                    book = quotes.get(topic_id)
                    if book is None or book.values is None or book.wanted.mode is None:
                        self.skipped += 1
                        continue
                    if ltp != NO_VALUE:
                        book.values = (ltp, *book.values[1:])
                    out.append(Tick(book.instrument, _LTP, book.values[0] / book.divisor, received_at))
                elif record == SNAPSHOT_RECORD:
                    offset, tick = self._snapshot(frame, offset + 1, received_at)
                    if tick is not None:
                        out.append(tick)
                else:
                    raise StreamingError(f"Fyers sent an unknown HSM record kind {record} in a data frame of "
                                         f"{len(frame)} bytes", broker=BROKER)
        except (struct.error, IndexError, UnicodeDecodeError) as exc:
            raise StreamingError(f"Fyers sent a truncated HSM data frame ({len(frame)} bytes, "
                                 f"{type(exc).__name__}); {len(out)} ticks before the break are dropped",
                                 broker=BROKER) from None
        return out

    # -- records ---------------------------------------------------------------------------

    def _quote_update(self, book: _Book, raw: tuple[int, ...], received_at: _dt.datetime) -> Tick | None:
        old = book.values
        mode = book.wanted.mode
        if old is None or mode is None:
            self.skipped += 1
            return None
        book.values = values = raw if len(raw) == len(old) and NO_VALUE not in raw else _merge(old, raw)
        return self._tick(book, values, mode, received_at)

    def _depth_update(self, book: _Book, raw: tuple[int, ...], received_at: _dt.datetime) -> Tick | None:
        old = book.depth_values
        if not old:
            self.skipped += 1
            return None
        values = raw if len(raw) == len(old) and NO_VALUE not in raw else _merge(old, raw)
        if values != old:
            book.depth_values = values
            book.depth = _depth(values, book.depth_divisor)
        mode = book.wanted.mode
        if book.values is None or mode is not _FULL:
            return None
        return self._tick(book, book.values, mode, received_at)

    def _tick(self, book: _Book, values: tuple[int, ...], mode: StreamMode, received_at: _dt.datetime) -> Tick:
        d = book.divisor
        if book.index:
            ltp, pc, eft, hi, lo, op = values
            last, close = ltp / d, pc / d
            if mode is _LTP:
                return Tick(book.instrument, _LTP, last, received_at)
            if eft != book.eft_raw:
                book.eft_raw = eft
                book.eft = _epoch(eft)
            return Tick(book.instrument, _QUOTE, last, received_at, 0, 0.0, 0, 0, 0, op / d, hi / d, lo / d, close,
                        last - close if close else 0.0, 0, 0, 0, None, book.eft)
        (ltp, volume, ltt, eft, _bq1, _aq1, _bp1, _ap1, ltq, buy_qty, sell_qty, atp, oi, lo, hi, _yh, _yl, _lc, _uc,
         op, pc) = values
        last = ltp / d
        if mode is _LTP:
            return Tick(book.instrument, _LTP, last, received_at)
        if ltt != book.ltt_raw or eft != book.eft_raw:
            book.times(ltt, eft)
        close = pc / d
        # Positional: instrument, mode, last_price, received_at, last_quantity, average_price, volume,
        # buy_quantity, sell_quantity, open, high, low, close, change, oi, oi_day_high, oi_day_low,
        # last_trade_time, exchange_timestamp, depth.
        return Tick(book.instrument, mode, last, received_at, ltq, atp / d, volume, buy_qty, sell_qty, op / d,
                    hi / d, lo / d, close, last - close if close else 0.0, oi, 0, 0, book.ltt, book.eft,
                    book.depth if mode is _FULL else None)

    def _snapshot(self, frame: bytes, offset: int, received_at: _dt.datetime) -> tuple[int, Tick | None]:
        """Read an ``S`` record; return the offset after it and the tick it makes, if any."""
        topic_id, name_len = _SNAP_HEAD.unpack_from(frame, offset)
        offset += 3
        name = frame[offset:offset + name_len].decode("ascii")
        offset += name_len
        n = frame[offset]
        values = _INTS[n].unpack_from(frame, offset + 1)
        offset += 1 + 4 * n
        multiplier, precision = _SCALE.unpack_from(frame, offset)
        offset += 5
        for _ in range(3):  # exchange, exchange token, symbol: the topic name already says all of it
            offset += 1 + frame[offset]
        if offset > len(frame):
            raise IndexError("snapshot strings run past the frame")
        kind = _KINDS.get(name[:2])
        book = self._book(name) if kind is not None else None
        if book is None:
            self.skipped += 1
            return offset, None
        divisor = float(10 ** min(precision, 12) * (multiplier or 1))
        if kind == _DP:
            self._depths[topic_id] = book
            book.depth_values = _fill(values, _DEPTH_N)
            book.depth_divisor = divisor
            book.depth = _depth(book.depth_values, divisor)
            mode = book.wanted.mode
            if book.values is None or mode is not _FULL:
                return offset, None
            return offset, self._tick(book, book.values, mode, received_at)
        if len(self._quotes) >= _MAX_TOPICS:
            self._quotes.clear()
        self._quotes[topic_id] = book
        book.index = kind == _IF
        book.values = _fill(values, _INDEX_N if book.index else _QUOTE_N)
        book.divisor = divisor
        book.ltt_raw = book.eft_raw = -1
        mode = book.wanted.mode
        if mode is None:
            return offset, None
        return offset, self._tick(book, book.values, mode, received_at)

    def _book(self, topic: str) -> _Book | None:
        """The book of a topic's instrument (shared by its sf and dp topics), or None if not ours."""
        wanted = self._topics.get(topic)
        if wanted is None:
            return None
        quote_topic = "sf" + topic[2:] if topic.startswith("dp") else topic
        owner = self._topics.get(quote_topic, wanted)
        try:
            instrument = self._ctx.by_token(owner.symbol.segment, owner.symbol.token)
        except InstrumentError:
            return None
        book = self._books.get(instrument)
        if book is None:
            book = self._books[instrument] = _Book(instrument, owner)
        return book

    # -- control replies -------------------------------------------------------------------

    def _auth(self, frame: bytes) -> None:
        """Field 1 ``K`` = logged in; field 2 = data frames between acknowledgements."""
        size = _U16.unpack_from(frame, 5)[0]
        verdict = frame[7:7 + size]
        if verdict != b"K":
            raise StreamRejected("Fyers refused the data socket's login (the access token's hsm_key)",
                                 session_dead=True)
        self.authenticated = True
        offset = 7 + size
        if frame[3] >= 2 and len(frame) >= offset + 7:
            self.ack_count = _U32.unpack_from(frame, offset + 3)[0]

    def _reply(self, frame: bytes, kind: int) -> None:
        if frame[7:8] != b"K":
            _log.warning("fyers_feed_request_refused", request=kind)

    def _custom(self, frame: bytes) -> None:
        """Type 51: the server's own message (code, text, the request type it answers)."""
        end = min(len(frame), 2 + _U16.unpack_from(frame, 0)[0])
        code, text, ref = 0, "", 0
        offset = 4
        for _ in range(frame[3]):
            field_id = frame[offset]
            size = _U16.unpack_from(frame, offset + 1)[0]
            offset += 3
            if offset + size > end:
                raise IndexError("custom message field runs past the frame")
            value = frame[offset:offset + size]
            offset += size
            if field_id == 1 and size == 4:
                code = _I32.unpack(value)[0]
            elif field_id == 2:
                text = value.decode("utf-8", errors="replace")[:200]
            elif field_id == 3 and size == 1:
                ref = value[0]
        if ref == AUTH:
            raise StreamRejected(f"Fyers refused the data socket's login: {code} {text}", session_dead=True)
        _log.warning("fyers_feed_message", code=code, message=text, request=ref)

