"""The Noren market feed decoder: JSON snapshots and deltas -> complete canonical Ticks (the hot path).

Noren's socket sends, per instrument, a full snapshot (``tk`` touchline, ``dk`` depth)
and then deltas carrying only the keys that changed (``tf``, ``df``); every value is a
string (reference 3.9.3). The decoder keeps the last Tick per (feed, exchange, token)
and hands out complete Ticks.

How it stays fast (bench/bench_noren_feed.py):

* one msgspec decode into a ``total=False`` TypedDict with lax typing: only the keys
  present, numbers already converted from their strings, in C;
* a delta is merged by a small function generated once per *key set* (a feed sends
  the same few shapes of delta over and over): it reads exactly the keys present and
  builds the new Tick with ``msgspec.structs.replace`` over the previous one, rebuilding
  only the depth levels that changed. No per-field checks run on a steady-state frame;
* instruments are resolved once per token, exchange times converted once per value.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Annotated, Any, TypedDict, cast

import msgspec
from tt_connect.driver_api import DriverContext, StreamRejected
from tt_connect.enums import StreamMode
from tt_connect.errors import InstrumentError, StreamingError
from tt_connect.instruments import AnyInstrument
from tt_connect.models import Depth, DepthLevel, OrderUpdate, Tick
from tt_connect.timeutil import IST

__all__ = ["DEPTH_KEYS", "TICK_KEYS", "NorenDecoder"]

BROKER = "noren"

_LEVELS = range(1, 6)

# wire key -> (Tick field, type). ``pc`` (percent change) is not a Tick field: ``change`` is last - close.
TICK_KEYS: dict[str, tuple[str, type]] = {
    "lp": ("last_price", float), "ltq": ("last_quantity", int), "ap": ("average_price", float),
    "v": ("volume", int), "tbq": ("buy_quantity", int), "tsq": ("sell_quantity", int), "o": ("open", float),
    "h": ("high", float), "l": ("low", float), "c": ("close", float), "oi": ("oi", int),
}
_TIME_KEYS = {"ft": "exchange_timestamp", "ltt": "last_trade_time"}
DEPTH_KEYS: dict[str, tuple[str, int, int, type]] = {
    f"{prefix}{i}": (side, i - 1, part, kind)
    for i in _LEVELS
    for prefix, side, part, kind in (("bp", "bids", 0, float), ("bq", "bids", 1, int), ("bo", "bids", 2, int),
                                     ("sp", "asks", 0, float), ("sq", "asks", 1, int), ("so", "asks", 2, int))
}
"""``bp1..5``/``bq``/``bo`` (bids: price, quantity, orders) and ``sp``/``sq``/``so`` (asks)."""

_FINITE = Annotated[float, msgspec.Meta(ge=-1.7e308, le=1.7e308)]
"""A price as msgspec reads it: "NaN", "inf" and 1e999 fail the bounds in C, so the frame takes the lenient
path, which drops them (no check runs in Python on a steady-state frame)."""


def _typed(kind: type) -> Any:
    return _FINITE if kind is float else kind


# Built from the key tables at import, so mypy sees it as Any; msgspec sees a total=False TypedDict.
_Frame: Any = cast(Any, TypedDict)("_Frame", {
    "t": str, "e": str, "tk": str, "s": str, "ft": str, "ltt": str,
    **{key: _typed(kind) for key, (_, kind) in TICK_KEYS.items()},
    **{key: _typed(spec[3]) for key, spec in DEPTH_KEYS.items()},
}, total=False)

_FEEDS = {"tk": (StreamMode.QUOTE, True), "tf": (StreamMode.QUOTE, False),
          "dk": (StreamMode.FULL, True), "df": (StreamMode.FULL, False)}
_EMPTY_LEVELS = (DepthLevel(0.0, 0, 0),) * 5
_replace = msgspec.structs.replace
_MAX_SHAPES = 2048
_MAX_TIMES = 4096

Merger = Callable[[Any, Tick, _dt.datetime], Tick]


def _compile(keys: tuple[str, ...], times: Callable[[str], _dt.datetime | None],
             cache: dict[str, _dt.datetime | None]) -> Merger:
    """Generate the merger of one delta shape: ``merge(frame, previous, received_at) -> Tick``.

    Depth keys count only on the depth feed (``keys[0]`` is the frame's ``t``): a touchline's
    best bid and ask (``bp1``, ``sp1``...) are not a depth, and its QUOTE ticks carry none.
    """
    lines = ["def merge(d, p, r):"]
    kwargs = ["received_at=r"]
    present = set(keys)
    for key, (field, _) in TICK_KEYS.items():
        if key in present:
            kwargs.append(f"{field}=d[{key!r}]")
    if "lp" in present or "c" in present:
        last = "d['lp']" if "lp" in present else "p.last_price"
        close = "d['c']" if "c" in present else "p.close"
        lines.append(f"    c = {close}")
        kwargs.append(f"change={last} - c if c else 0.0")
    for key, field in _TIME_KEYS.items():
        if key in present:
            lines.append(f"    x = d[{key!r}]")
            kwargs.append(f"{field}=C[x] if x in C else times(x)")
    touched: dict[str, dict[int, list[str]]] = {}
    for key in keys if keys[0][0] == "d" else ():
        spec = DEPTH_KEYS.get(key)
        if spec is not None:
            side, level, part, _ = spec
            touched.setdefault(side, {}).setdefault(level, ["", "", ""])[part] = key
    if touched:
        lines.append("    q = p.depth")
        sides = []
        for side in ("bids", "asks"):
            levels = touched.get(side)
            if not levels:
                sides.append(f"q.{side}")
                continue
            o = f"o{side[0]}"  # ob / oa: the previous bids / asks
            lines.append(f"    {o} = q.{side}")
            parts = []
            for i in range(5):
                if i not in levels:
                    parts.append(f"{o}[{i}]")
                    continue
                price, quantity, orders = levels[i]
                parts.append(
                    f"L({f'd[{price!r}]' if price else f'{o}[{i}].price'}, "
                    f"{f'd[{quantity!r}]' if quantity else f'{o}[{i}].quantity'}, "
                    f"{f'd[{orders!r}]' if orders else f'{o}[{i}].orders'})")
            sides.append("(" + ", ".join(parts) + ")")
        kwargs.append(f"depth=D({sides[0]}, {sides[1]})")
    lines.append(f"    return replace(p, {', '.join(kwargs)})")
    namespace: dict[str, Any] = {"replace": _replace, "L": DepthLevel, "D": Depth, "times": times, "C": cache}
    exec("\n".join(lines), namespace)
    merger: Merger = namespace["merge"]
    return merger


class NorenDecoder:
    """Turns Noren socket messages into canonical Ticks and OrderUpdates; one per connection.

    Parameters
    ----------
    ctx
        Resolves (exchange, token) to instruments and parses order updates.
    order_update
        Parses an ``om`` message into an OrderUpdate (the translator's order parser); None
        drops order updates (a socket that did not ask for them).
    """

    def __init__(self, ctx: DriverContext,
                 order_update: Callable[[dict[str, Any], _dt.datetime], OrderUpdate] | None = None) -> None:
        self._ctx = ctx
        self._order_update = order_update
        self._decode = msgspec.json.Decoder(_Frame, strict=False).decode
        self._decode_any = msgspec.json.Decoder().decode
        touchline: dict[tuple[str, str], Tick | None] = {}
        depth: dict[tuple[str, str], Tick | None] = {}
        self._books: dict[str, dict[tuple[str, str], Tick | None]] = {"tk": touchline, "tf": touchline,
                                                                      "dk": depth, "df": depth}
        """Last Tick per (exchange, token), one book per feed (a token may be on both)."""
        self._shapes: dict[tuple[str, ...], Merger] = {}
        self._times: dict[str, _dt.datetime | None] = {}

    def _time(self, value: str) -> _dt.datetime | None:
        if len(self._times) > _MAX_TIMES:
            self._times.clear()
        found = self._times[value] = _read_time(value, self._ctx)
        return found

    def _blank(self, feed: str, exchange: str, token: str, received_at: _dt.datetime) -> Tick | None:
        try:
            instrument: AnyInstrument = self._ctx.by_token(exchange, token)
        except InstrumentError:
            return None
        mode = _FEEDS[feed][0]
        depth = Depth(_EMPTY_LEVELS, _EMPTY_LEVELS) if mode is StreamMode.FULL else None
        return Tick(instrument, mode, 0.0, received_at, depth=depth)

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        """Decode one message: ticks for ``tk/tf/dk/df``, an update for ``om``; acks and heartbeats yield nothing."""
        try:
            d: dict[str, Any] = self._decode(frame)
        except msgspec.DecodeError:
            return self._lenient(frame, received_at)
        kind = d.get("t", "")
        book = self._books.get(kind)
        if book is None:
            return self._control(kind, frame, received_at)
        key = (d.get("e", ""), d.get("tk", ""))
        previous = book.get(key, _MISSING)
        if previous is _MISSING or kind[1] == "k":
            previous = book[key] = self._blank(kind, key[0], key[1], received_at)
        if previous is None:
            return []  # a token the instrument master does not know: skipped, remembered
        shape = (kind, *d)
        merge = self._shapes.get(shape)
        if merge is None:
            if len(self._shapes) > _MAX_SHAPES:
                self._shapes.clear()
            merge = self._shapes[shape] = _compile(shape, self._time, self._times)
        tick = book[key] = merge(d, previous, received_at)
        return [tick]

    def _lenient(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        """A frame msgspec could not type (a blank number, say): drop the unreadable values and retry."""
        try:
            raw = self._decode_any(frame)
        except msgspec.DecodeError:
            raise StreamingError(f"Noren sent a frame that is not JSON: {str(frame)[:80]!r}", broker=BROKER) from None
        kind = raw.get("t") if isinstance(raw, dict) else None
        if not isinstance(kind, str):
            return []  # not a message of the feed's
        if kind not in _FEEDS:
            return self._control(kind, frame, received_at)
        kept = msgspec.json.encode({k: v for k, v in raw.items() if _readable(k, v)})
        try:
            self._decode(kept)
        except msgspec.DecodeError:  # still untypable: refuse it here rather than retry it forever
            raise StreamingError("Noren sent a feed frame whose fields cannot be read", broker=BROKER) from None
        return self.decode(kept, received_at)

    def _control(self, kind: object, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        if kind == "om":
            if self._order_update is None:
                return []
            return [self._order_update(self._message(frame), received_at)]
        if kind in ("ck", "ak"):
            reply = self._message(frame)
            status = str(reply.get("s", reply.get("k", "")))
            if status.upper() != "OK":
                raise StreamRejected(f"Noren refused the socket's session ({kind}: {status or 'no status'})",
                                     session_dead=True)
        return []  # ok (order subscription ack), uk/udk (unsubscribe acks), h (heartbeat)

    def _message(self, frame: str | bytes) -> dict[str, Any]:
        """A control or order message as a dict (a number beyond a double fails the untyped decode too)."""
        try:
            message = self._decode_any(frame)
        except msgspec.DecodeError:
            raise StreamingError("Noren sent a message that cannot be read", broker=BROKER) from None
        if not isinstance(message, dict):
            raise StreamingError("Noren sent a message that is not a JSON object", broker=BROKER)
        return message


_MISSING: Any = object()


_TEXT_KEYS = frozenset({"t", "e", "tk", "s", "ft", "ltt"})


def _readable(key: str, value: object) -> bool:
    if key in _TEXT_KEYS:
        return isinstance(value, str)
    spec = TICK_KEYS.get(key)
    kind = spec[1] if spec else DEPTH_KEYS[key][3] if key in DEPTH_KEYS else None
    if kind is None:
        return True
    try:
        number = float(value)  # type: ignore[arg-type]
        kind(number)
    except (TypeError, ValueError, OverflowError):
        return False
    return number - number == 0.0  # NaN and infinities are no reading


def _read_time(value: str, ctx: DriverContext) -> _dt.datetime | None:
    """``ft``/``ltt``: epoch seconds as text, or a wall-clock ``HH:MM:SS`` of today (IST)."""
    text = value.strip()
    if text.isdigit():
        seconds = int(text)
        return _dt.datetime.fromtimestamp(seconds, IST) if seconds > 0 else None
    try:
        clock = _dt.time.fromisoformat(text)
    except ValueError:
        return None
    return _dt.datetime.combine(ctx.now().date(), clock, IST)
