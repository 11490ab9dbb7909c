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
import operator
import struct
from collections.abc import Mapping, Sequence
from typing import Any

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
_LITE_FRAME = struct.Struct(">2xBIHBHi")
"""A data frame of one lite record: type, message number, count, kind, topic id, last price."""
_SNAP_HEAD = struct.Struct(">HB")
_SCALE = struct.Struct(">2xHB")
_QUOTE_N, _INDEX_N, _DEPTH_N = len(QUOTE_FIELDS), len(INDEX_FIELDS), len(DEPTH_FIELDS)
_USED = tuple(QUOTE_FIELDS.index(name) for name in (
    "ltp", "vol_traded_today", "last_traded_time", "exch_feed_time", "last_traded_qty", "tot_buy_qty",
    "tot_sell_qty", "avg_trade_price", "OI", "low_price", "high_price", "open_price", "prev_close_price"))
"""The quote values a Tick carries; the top of book, year range and circuit limits are not kept."""
_QUOTE_USED = struct.Struct(">" + "".join("i" if i in _USED else "4x" for i in range(_QUOTE_N)))
_used = operator.itemgetter(*_USED)
"""Pick the kept values from a full row of 21."""


def _pick(values: Sequence[int]) -> tuple[int, ...]:
    """The kept values of a row of any length (missing trailing values read as unchanged)."""
    if len(values) < _QUOTE_N:
        values = (*values, *(NO_VALUE,) * (_QUOTE_N - len(values)))
    picked: tuple[int, ...] = _used(values)
    return picked
_LTP, _QUOTE, _FULL = StreamMode.LTP, StreamMode.QUOTE, StreamMode.FULL
_SF, _IF, _DP = 0, 1, 2
_KINDS = {"sf": _SF, "if": _IF, "dp": _DP}
_MAX_TOPICS = 1_000_000
_NO_VALUE = NO_VALUE
_MAX_TIMES = 8192
_MISSING = object()


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
        self.values: Sequence[int] | None = None
        self.divisor = 100.0
        self.depth: Depth | None = None
        self.depth_values: Sequence[int] = ()
        self.depth_divisor = 100.0
        self.ltt_raw = -1
        self.ltt: _dt.datetime | None = None
        self.eft_raw = -1
        self.eft: _dt.datetime | None = None

    def times(self, ltt_raw: int, eft_raw: int, memo: dict[int, _dt.datetime | None]) -> None:
        """Read both times through the decoder's memo: every instrument ticks in the same few seconds."""
        if ltt_raw != self.ltt_raw:
            self.ltt_raw = ltt_raw
            found = memo.get(ltt_raw, _MISSING)
            if found is _MISSING:
                if len(memo) >= _MAX_TIMES:
                    memo.clear()
                found = memo[ltt_raw] = _epoch(ltt_raw)
            self.ltt = found  # type: ignore[assignment]
        if eft_raw != self.eft_raw:
            self.eft_raw = eft_raw
            found = memo.get(eft_raw, _MISSING)
            if found is _MISSING:
                if len(memo) >= _MAX_TIMES:
                    memo.clear()
                found = memo[eft_raw] = _epoch(eft_raw)
            self.eft = found  # type: ignore[assignment]


def _epoch(raw: int) -> _dt.datetime | None:
    if raw <= 0:
        return None
    try:
        return _dt.datetime.fromtimestamp(raw, IST)
    except (OverflowError, OSError, ValueError):
        return None


def _merge(old: Sequence[int], new: Sequence[int]) -> Sequence[int]:
    """Apply an update: a NO_VALUE keeps the old value; values past the snapshot's count are ignored."""
    size = len(old)
    if len(new) != size:
        new = (*new, *old[len(new):]) if len(new) < size else new[:size]
        if NO_VALUE not in new:
            return new
    return [o if v == _NO_VALUE else v for v, o in zip(new, old)]


def _fill(values: tuple[int, ...], size: int) -> tuple[int, ...]:
    """A snapshot's values: NO_VALUE reads as 0, missing trailing fields as 0."""
    out = tuple(0 if v == NO_VALUE else v for v in values[:size])
    return out + (0,) * (size - len(out))


def _depth(values: Sequence[int], d: float) -> Depth:
    """Five levels a side from the 30 depth values (prices, then sizes, then order counts)."""
    (b1, b2, b3, b4, b5, a1, a2, a3, a4, a5, bq1, bq2, bq3, bq4, bq5, aq1, aq2, aq3, aq4, aq5,
     bo1, bo2, bo3, bo4, bo5, ao1, ao2, ao3, ao4, ao5) = values
    level = DepthLevel
    return Depth((level(b1 / d, bq1, bo1), level(b2 / d, bq2, bo2), level(b3 / d, bq3, bo3), level(b4 / d, bq4, bo4),
                  level(b5 / d, bq5, bo5)),
                 (level(a1 / d, aq1, ao1), level(a2 / d, aq2, ao2), level(a3 / d, aq3, ao3), level(a4 / d, aq4, ao4),
                  level(a5 / d, aq5, ao5)))


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
        self._times: dict[int, _dt.datetime | None] = {}
        self.replies: list[str | bytes] = []
        self.ack_count = 0
        self._unacked = 0
        self.authenticated = False
        self.skipped = 0
        """Records of a topic never snapshotted, or no longer wanted."""

    # -- frames ----------------------------------------------------------------------------

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        """Decode one WebSocket message (a data frame most of the time)."""
        size = len(frame)
        if size == 16 and frame[2] == DATA:  # one lite record, the commonest frame in lite mode
            _, number, count, record, topic_id, ltp = _LITE_FRAME.unpack_from(frame)  # type: ignore[arg-type]
            if count == 1 and record == LITE_RECORD:
                if self.ack_count:
                    self._count(number)
                book = self._quotes.get(topic_id)
                values = book.values if book is not None else None
                if values is None or book.wanted.mode is None:  # type: ignore[union-attr]
                    self.skipped += 1
                    return []
                if ltp != _NO_VALUE:
                    if type(values) is not list:
                        values = book.values = list(values)  # type: ignore[union-attr]
                    values[0] = ltp
                return [Tick(book.instrument, _LTP, values[0] / book.divisor, received_at)]  # type: ignore[union-attr]
        if size > 8 and frame[2] == DATA and not isinstance(frame, str):
            return self._data(frame, received_at)
        if isinstance(frame, str) or len(frame) < 3:
            return []  # the server speaks binary; a stray text or a bare heartbeat carries nothing
        kind = frame[2]
        try:
            if kind == DATA:
                raise IndexError("a data frame shorter than its header")
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
            self._count(number)
        out: list[Tick | OrderUpdate] = []
        offset = 9
        quotes = self._quotes
        values: Sequence[int]
        row: Any
        try:
            for _ in range(count):
                record = frame[offset]
                if record == UPDATE_RECORD:
                    topic_id, n = _UPDATE_HEAD.unpack_from(frame, offset + 1)
                    book = quotes.get(topic_id)
                    if book is not None:
                        if n == _QUOTE_N and not book.index:  # the 13 of 21 values a Tick carries, read in C
                            values = _QUOTE_USED.unpack_from(frame, offset + 4)
                        else:
                            values = _INTS[n].unpack_from(frame, offset + 4)
                            if not book.index:
                                values = _pick(values)
                        offset += 4 + 4 * n
                        old = book.values
                        mode = book.wanted.mode
                        if old is None or mode is None:
                            self.skipped += 1
                            continue
                        if _NO_VALUE in values or len(values) != len(old):
                            values = _merge(old, values)
                        book.values = values
                        tick: Tick | None = self._tick(book, values, mode, received_at)
                    else:
                        values = _INTS[n].unpack_from(frame, offset + 4)
                        offset += 4 + 4 * n
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
                    row = book.values
                    if ltp != _NO_VALUE:
                        if type(row) is not list:
                            row = book.values = list(row)
                        row[0] = ltp
                    out.append(Tick(book.instrument, _LTP, row[0] / book.divisor, received_at))
                elif record == SNAPSHOT_RECORD:
                    offset, snapped = self._snapshot(frame, offset + 1, received_at)
                    if snapped is not None:
                        out.append(snapped)
                else:
                    raise StreamingError(f"Fyers sent an unknown HSM record kind {record} in a data frame of "
                                         f"{len(frame)} bytes", broker=BROKER)
        except (struct.error, IndexError, UnicodeDecodeError) as exc:
            raise StreamingError(f"Fyers sent a truncated HSM data frame ({len(frame)} bytes, "
                                 f"{type(exc).__name__}); {len(out)} ticks before the break are dropped",
                                 broker=BROKER) from None
        return out

    def _count(self, number: int) -> None:
        """Queue an acknowledgement of data frame ``number`` once ``ack_count`` frames went unacknowledged."""
        self._unacked += 1
        if self._unacked >= self.ack_count:
            self._unacked = 0
            self.replies.append(ack_frame(number))

    # -- records ---------------------------------------------------------------------------

    def _depth_update(self, book: _Book, raw: Sequence[int], received_at: _dt.datetime) -> Tick | None:
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

    def _tick(self, book: _Book, values: Sequence[int], mode: StreamMode, received_at: _dt.datetime) -> Tick:
        d = book.divisor
        if book.index:
            ltp, pc, eft, hi, lo, op = values
            last, close = ltp / d, pc / d
            if mode is _LTP:
                return Tick(book.instrument, _LTP, last, received_at)
            if eft != book.eft_raw:
                book.times(book.ltt_raw, eft, self._times)
            return Tick(book.instrument, _QUOTE, last, received_at, 0, 0.0, 0, 0, 0, op / d, hi / d, lo / d, close,
                        last - close if close else 0.0, 0, 0, 0, None, book.eft)
        ltp, volume, ltt, eft, ltq, buy_qty, sell_qty, atp, oi, lo, hi, op, pc = values
        last = ltp / d
        if mode is _LTP:
            return Tick(book.instrument, _LTP, last, received_at)
        if ltt != book.ltt_raw or eft != book.eft_raw:
            book.times(ltt, eft, self._times)
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
            self._quotes.pop(topic_id, None)
            self._depths.pop(topic_id, None)
            self.skipped += 1
            return offset, None
        divisor = float(10 ** min(precision, 12) * (multiplier or 1))
        if kind == _DP:
            self._quotes.pop(topic_id, None)  # a topic id the server gave another topic before
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
        self._depths.pop(topic_id, None)
        self._quotes[topic_id] = book
        book.index = kind == _IF
        book.values = _fill(values, _INDEX_N) if book.index else _used(_fill(values, _QUOTE_N))
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

