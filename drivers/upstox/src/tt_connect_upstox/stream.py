"""The v3 market feed: the protobuf ``FeedResponse`` decoder (the hot path).

Every binary frame is one ``FeedResponse``: a ``type`` (``initial_feed`` right after a
subscription, ``live_feed`` afterwards, ``market_info`` for segment status), ``currentTs``
(epoch ms) and a map ``instrument_key -> Feed``. A ``Feed`` is one of

* ``ltpc`` (mode ``ltpc``): last price, last trade time (epoch ms) and quantity, previous close;
* ``fullFeed`` (modes ``full`` -> ``full_d5`` and ``full_d30``): ``marketFF`` for a tradable
  instrument (ltpc, best 5 or 30 levels as bid/ask pairs, day and intraday OHLC, average
  price, volume, OI, total buy/sell quantity) or ``indexFF`` for an index (ltpc, OHLC);
* ``firstLevelWithGreeks`` (mode ``option_greeks``): ltpc, the best bid/ask, greeks, volume, OI.

The protobuf runtime parses the frame (its C parser); the decoder then reads only the
fields a canonical Tick carries. proto3 cannot tell a zero from an absent scalar, but it
can tell an absent sub-message: when a feed leaves out its ``ltpc``, depth or OHLC, the
decoder keeps the previous frame's values for that instrument (per connection), so every
Tick it yields is complete.

Ticks carry what their mode promises (``models.Tick``): an LTP tick the price (and the
previous close ltpc gives for free), a QUOTE tick (``option_greeks``) volume, OI, the best bid
and ask, a FULL tick everything including the trade time and the exchange timestamp. Each
field read off a protobuf message costs ~0.2 us, and a datetime ~0.5 us, so the LTP and QUOTE
paths leave out the timestamps their modes do not promise: that is what keeps them >= 5x the
SDK's own decoding (bench/bench_upstox_feed.py).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from google.protobuf.message import DecodeError
from tt_connect.driver_api import BrokerStream, BrokerSymbol, Call, DriverContext, HttpRequest, Session
from tt_connect.enums import StreamMode
from tt_connect.errors import BrokerUnavailableError, InstrumentError, StreamingError
from tt_connect.instruments import AnyInstrument
from tt_connect.models import Depth, DepthLevel, OrderUpdate, Tick
from tt_connect.timeutil import IST

from tt_connect_upstox.config import UpstoxConfig
from tt_connect_upstox.feed_proto import FeedFrame, MarketStatus
from tt_connect_upstox.mapping import segment_of_key
from tt_connect_upstox.order_stream import UpstoxOrderDecoder

__all__ = ["UpstoxDecoder", "UpstoxPortfolioStream", "UpstoxStream", "wire_mode"]

BROKER = "upstox"

_WIRE_MODES = {StreamMode.LTP: "ltpc", StreamMode.QUOTE: "full", StreamMode.FULL: "full"}
_MARKET_INFO = 2
_MISSING: Any = object()
_NO_DEPTH = Depth((), ())
_LTP, _QUOTE, _FULL = StreamMode.LTP, StreamMode.QUOTE, StreamMode.FULL
_parse = FeedFrame.FromString
_fromtimestamp = _dt.datetime.fromtimestamp


def wire_mode(mode: StreamMode, depth_levels: int = 5) -> str:
    """Return the subscription mode: LTP -> ``ltpc``; QUOTE and FULL -> ``full`` (or ``full_d30``).

    Upstox has no quote mode without depth, so QUOTE subscribes ``full`` too and its ticks
    carry the depth anyway.
    """
    wire = _WIRE_MODES[mode]
    return "full_d30" if wire == "full" and depth_levels == 30 else wire


def _time(ms: int) -> _dt.datetime | None:
    if ms <= 0:
        return None
    try:
        return _fromtimestamp(ms / 1000, IST)
    except (ValueError, OverflowError, OSError):  # a time beyond year 9999: none rather than no tick
        return None


_INF = float("inf")


def _num(value: float) -> float:
    """A double off the wire, NaN and infinities read as 0.0 (proto3's "not sent"): ``x - x`` is 0 iff finite."""
    return value if value - value == 0.0 else 0.0


def _whole(value: float) -> int:
    """A quantity the wire sends as a double (OI, total buy/sell quantity); NaN or beyond int64 is 0."""
    return int(value) if -9.2e18 < value < 9.2e18 else 0


class _Last:
    """What the previous frame of one instrument said, for the sub-messages a frame may leave out."""

    __slots__ = ("close", "depth", "high", "last", "low", "ltq", "ltt", "open")

    def __init__(self) -> None:
        self.last = 0.0
        self.ltq = 0
        self.close = 0.0
        self.ltt: _dt.datetime | None = None
        self.open = self.high = self.low = 0.0
        self.depth = _NO_DEPTH


class UpstoxDecoder:
    """Turns v3 ``FeedResponse`` frames into canonical Ticks; one per connection (its state resets)."""

    def __init__(self, ctx: DriverContext) -> None:
        self._ctx = ctx
        self._known: dict[str, AnyInstrument | None] = {}
        self._last: dict[str, _Last] = {}
        self.segment_status: dict[str, str] = {}
        """The last ``market_info`` frame: segment (``NSE_EQ``) -> status (``NORMAL_OPEN``...)."""

    def _lookup(self, key: str) -> AnyInstrument | None:
        """Resolve an instrument key once; one the master does not know is remembered as None and skipped."""
        found: AnyInstrument | None
        try:
            found = self._ctx.by_token(segment_of_key(key), key)
        except (InstrumentError, BrokerUnavailableError):  # not in today's master, or not a key at all
            found = None
        self._known[key] = found
        self._last[key] = _Last()
        return found

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        """Decode one message; market-info frames and unknown instruments yield no ticks."""
        if isinstance(frame, str):
            return []  # the feed speaks protobuf only; a text frame carries nothing to decode
        try:
            response = _parse(frame)
        except DecodeError:
            raise StreamingError(f"Upstox sent a market-feed frame of {len(frame)} bytes that is not a "
                                 "FeedResponse", broker=BROKER) from None
        feeds = response.feeds
        if not feeds:  # a market_info frame (or an empty one): one field read saved on every tick frame
            if response.type == _MARKET_INFO:
                self._market_info(response)
            return []
        stamp: Any = _MISSING  # the exchange timestamp, made once per frame and only for FULL ticks
        out: list[Tick | OrderUpdate] = []
        known = self._known
        for entry in feeds:
            key, feed = entry.key, entry.value
            instrument = known.get(key, _MISSING)
            if instrument is _MISSING:
                instrument = self._lookup(key)
            if instrument is None:
                continue
            kind = feed.WhichOneof("FeedUnion")
            if kind == "ltpc":  # the LTPC message is the whole feed: no state to keep
                ltpc = feed.ltpc
                price, close = ltpc.ltp, ltpc.cp
                if price - price != 0.0 or close - close != 0.0:  # NaN or inf: read as the full paths do
                    price, close = _num(price), _num(close)
                out.append(Tick(instrument, _LTP, price, received_at, 0, 0.0, 0, 0, 0, 0.0, 0.0, 0.0, close,
                                price - close if close else 0.0))
            elif kind == "fullFeed":
                if stamp is _MISSING:
                    stamp = _time(response.currentTs)
                full = feed.fullFeed
                if full.HasField("marketFF"):
                    out.append(self._market(instrument, key, full.marketFF, received_at, stamp))
                else:
                    out.append(self._index(instrument, key, full.indexFF, received_at, stamp))
            elif kind == "firstLevelWithGreeks":
                out.append(self._greeks(instrument, key, feed.firstLevelWithGreeks, received_at))
        return out

    def _ltpc(self, key: str, ltpc: Any) -> _Last:
        last = self._last[key]
        last.last, last.ltq, last.close = _num(ltpc.ltp), ltpc.ltq, _num(ltpc.cp)
        last.ltt = _time(ltpc.ltt)
        return last

    def _ohlc(self, last: _Last, feed: Any) -> None:
        if not feed.HasField("marketOHLC"):
            return
        for bar in feed.marketOHLC.ohlc:
            if bar.interval == "1d":
                last.open, last.high, last.low = _num(bar.open), _num(bar.high), _num(bar.low)
                return

    def _market(self, instrument: AnyInstrument, key: str, feed: Any, received_at: _dt.datetime,
                stamp: _dt.datetime | None) -> Tick:
        last = self._ltpc(key, feed.ltpc) if feed.HasField("ltpc") else self._last[key]
        self._ohlc(last, feed)
        if feed.HasField("marketLevel"):
            bids: list[DepthLevel] = []
            asks: list[DepthLevel] = []
            for level in feed.marketLevel.bidAskQuote:
                bid_price, ask_price = level.bidP, level.askP
                if 0.0 < bid_price < _INF:
                    bids.append(DepthLevel(bid_price, level.bidQ))
                if 0.0 < ask_price < _INF:
                    asks.append(DepthLevel(ask_price, level.askQ))
            last.depth = Depth(tuple(bids), tuple(asks))
        price, close = last.last, last.close
        # Positional Tick(...): instrument, mode, last_price, received_at, last_quantity, average_price, volume,
        # buy_quantity, sell_quantity, open, high, low, close, change, oi, oi_day_high, oi_day_low,
        # last_trade_time, exchange_timestamp, depth (see models.Tick).
        return Tick(instrument, _FULL, price, received_at, last.ltq, _num(feed.atp), feed.vtt, _whole(feed.tbq),
                    _whole(feed.tsq), last.open, last.high, last.low, close, price - close if close else 0.0,
                    _whole(feed.oi), 0, 0, last.ltt, stamp, last.depth)

    def _index(self, instrument: AnyInstrument, key: str, feed: Any, received_at: _dt.datetime,
               stamp: _dt.datetime | None) -> Tick:
        last = self._ltpc(key, feed.ltpc) if feed.HasField("ltpc") else self._last[key]
        self._ohlc(last, feed)
        price, close = last.last, last.close
        return Tick(instrument, _FULL, price, received_at, 0, 0.0, 0, 0, 0, last.open, last.high, last.low, close,
                    price - close if close else 0.0, 0, 0, 0, last.ltt, stamp, None)

    def _greeks(self, instrument: AnyInstrument, key: str, feed: Any, received_at: _dt.datetime) -> Tick:
        last = self._last[key]
        if feed.HasField("ltpc"):
            ltpc = feed.ltpc
            last.last, last.ltq, last.close = _num(ltpc.ltp), ltpc.ltq, _num(ltpc.cp)
        depth = last.depth
        if feed.HasField("firstDepth"):
            top = feed.firstDepth
            depth = Depth((DepthLevel(top.bidP, top.bidQ),) if 0.0 < top.bidP < _INF else (),
                          (DepthLevel(top.askP, top.askQ),) if 0.0 < top.askP < _INF else ())
        price, close = last.last, last.close
        return Tick(instrument, _QUOTE, price, received_at, last.ltq, 0.0, feed.vtt, 0, 0, 0.0, 0.0, 0.0, close,
                    price - close if close else 0.0, _whole(feed.oi), 0, 0, None, None, depth)

    def _market_info(self, response: Any) -> None:
        if response.HasField("marketInfo"):
            for segment, status in response.marketInfo.segmentStatus.items():
                self.segment_status[segment] = MarketStatus.get(status, str(status))


def _authorize_url(socket_url: str) -> str:
    """``wss://host/v3/feed/market-data-feed`` -> ``https://host/v3/feed/market-data-feed/authorize``."""
    base, _, query = socket_url.partition("?")
    scheme, sep, rest = base.partition("://")
    http = {"wss": "https", "ws": "http"}.get(scheme, scheme)
    return f"{http}{sep}{rest.rstrip('/')}/authorize" + (f"?{query}" if query else "")


def _authorized_uri(data: Any) -> str:
    """The one-time socket URL an authorize reply carries (``authorized_redirect_uri``; camelCase is deprecated)."""
    uri = data.get("authorized_redirect_uri") or data.get("authorizedRedirectUri") if isinstance(data, dict) else None
    if not isinstance(uri, str) or "://" not in uri:
        raise StreamingError("Upstox's feed authorize reply carries no socket URL", broker=BROKER)
    return uri


def _request(method: str, keys: list[str], mode: str | None) -> bytes:
    """One request frame: JSON, sent as a binary frame (as the official SDK sends it)."""
    data: dict[str, Any] = {"instrumentKeys": keys}
    if mode is not None:
        data["mode"] = mode
    guid = hashlib.sha1(f"{method}:{mode}:{','.join(keys)}".encode()).hexdigest()[:20]
    return msgspec.json.encode({"guid": guid, "method": method, "data": data})


class UpstoxStream(BrokerStream):
    """The v3 market feed: authorize, then subscribe with binary JSON requests; protobuf replies."""

    max_instruments_per_connection = 2000
    """The full mode's subscription limit per connection ([UNVERIFIED]: ltpc allows 5,000)."""
    max_connections = 2
    """Connections per user ([UNVERIFIED])."""
    stale_after = 60.0
    """The server pings when it has nothing to send; a minute without any frame means a dead feed."""
    ping_interval: float | None = None
    carries_order_updates = False

    def __init__(self, config: UpstoxConfig) -> None:
        self._config = config
        self._depth = config.depth_levels
        self.order_updates = UpstoxPortfolioStream(config)

    def url(self, session: Session | None) -> str:
        return self._config.ws_url

    def authorize(self, session: Session | None) -> Call[str]:
        """``GET .../market-data-feed/authorize``: its ``authorized_redirect_uri`` is a one-time socket URL."""
        return Call(HttpRequest(method="GET", url=_authorize_url(self._config.ws_url), endpoint="feed.authorize"),
                    _authorized_uri)

    def headers(self, session: Session | None) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {session.access_token}"} if session is not None else {}

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        keys = [symbol.token for symbol in symbols]
        return [_request("sub", keys, wire_mode(mode, self._depth))] if keys else []

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        keys = [symbol.token for symbol in symbols]
        return [_request("unsub", keys, None)] if keys else []

    def decoder(self, ctx: DriverContext) -> UpstoxDecoder:
        return UpstoxDecoder(ctx)


class UpstoxPortfolioStream(BrokerStream):
    """The portfolio stream, asked for order updates only; nothing to subscribe, JSON text in."""

    max_instruments_per_connection = 0
    max_connections = 1
    stale_after = 0.0
    """Silent while no order changes (the server pings the socket): silence is no sign of death."""
    carries_order_updates = True

    def __init__(self, config: UpstoxConfig) -> None:
        self._url = f"{config.order_ws_url.rstrip('/')}?update_types=order"

    def url(self, session: Session | None) -> str:
        return self._url

    def authorize(self, session: Session | None) -> Call[str]:
        return Call(HttpRequest(method="GET", url=_authorize_url(self._url), endpoint="portfolio_feed.authorize",
                                headers={"Api-Version": "2.0"}), _authorized_uri)

    def headers(self, session: Session | None) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {session.access_token}"} if session is not None else {}

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        return []

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        return []

    def decoder(self, ctx: DriverContext) -> UpstoxOrderDecoder:
        return UpstoxOrderDecoder(ctx)
