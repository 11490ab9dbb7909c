"""The Fyers data socket as a streaming backend: auth and mode frames, topic subscriptions, the decoder.

One channel (the SDK's 11) in full mode carries every subscription. A canonical mode maps to
topics: LTP and QUOTE subscribe the instrument's ``sf`` topic (``if`` for an index), FULL adds
its ``dp`` depth topic (indices have none). What each subscriber asked for is kept per topic in
:class:`~tt_connect_fyers.feed.decoder.Wanted` entries the decoders read, so an LTP subscriber
gets LTP ticks although the socket sends every field. The handshake carries no
``Authorization`` header: the login is in-band, the JWT's ``hsm_key`` in the auth frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from tt_connect.driver_api import BrokerStream, BrokerSymbol, DriverContext, Session, StreamRejected
from tt_connect.enums import StreamMode
from tt_connect.errors import InstrumentError

from tt_connect_fyers.feed.decoder import HsmDecoder, Wanted
from tt_connect_fyers.feed.encoder import auth_frame, mode_frame, subscribe_frame, unsubscribe_frame
from tt_connect_fyers.feed.order_stream import FyersOrderUpdates, OrderParser
from tt_connect_fyers.feed.protocol import FULL_MODE, PING_FRAME, TOPICS_PER_FRAME, hsm_key, index_name, topic_parts

__all__ = ["FeedEndpoints", "FyersStream", "topics_of"]

BROKER = "fyers"


class FeedEndpoints(Protocol):
    """The settings the sockets need (``FyersConfig`` has them)."""

    @property
    def app_id(self) -> str: ...
    @property
    def ws_url(self) -> str: ...
    @property
    def order_ws_url(self) -> str: ...


def topics_of(symbol: BrokerSymbol, index_names: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """The quote topic and the depth topic (None for an index) of a Fyers instrument.

    ``symbol.token`` is the fyToken; ``symbol.symbol`` the ticker (``NSE:SBIN-EQ``), whose ``-INDEX``
    suffix marks an index, named on the socket by the exchange's index name.
    """
    parts = topic_parts(symbol.token)
    if parts is None:
        raise InstrumentError(f"Fyers streams no instrument of fyToken {symbol.token!r:.30}", broker=BROKER)
    segment, token = parts
    ticker = symbol.symbol if ":" in symbol.symbol else f"{symbol.exchange}:{symbol.symbol}"
    if ticker.endswith("-INDEX"):
        name = index_name(ticker) if index_names is None else index_name(ticker, index_names)
        return f"if|{segment}|{name}", None
    return f"sf|{segment}|{token}", f"dp|{segment}|{token}"


def _batches(kind: str, topics: Sequence[str]) -> list[str | bytes]:
    make = subscribe_frame if kind == "sub" else unsubscribe_frame
    return [make(topics[i:i + TOPICS_PER_FRAME]) for i in range(0, len(topics), TOPICS_PER_FRAME)]


class FyersStream(BrokerStream):
    """The HSM market-data socket, with the order socket beside it."""

    max_instruments_per_connection = 5000
    max_connections = 1
    """v3 reference: one data-socket connection, up to 5000 subscriptions (the SDK refuses a 5001st)."""
    stale_after = 0.0
    """No server heartbeat is documented (the client pings): a quiet market must not look like a dead socket."""
    ping_interval: float | None = 10.0
    carries_order_updates = False

    def __init__(self, config: FeedEndpoints, parse_order: OrderParser | None = None) -> None:
        self._config = config
        self.topics: dict[str, Wanted] = {}
        """Topic name -> what was asked of it; shared with every decoder this stream makes."""
        self.order_updates = FyersOrderUpdates(config, parse_order)

    def url(self, session: Session | None) -> str:
        return self._config.ws_url

    def handshake(self, session: Session | None) -> list[str | bytes]:
        """The auth frame (the JWT's ``hsm_key``), then full mode on the channel."""
        key = hsm_key(session.access_token) if session is not None else None
        if key is None:
            raise StreamRejected("the Fyers data socket needs an access token carrying an hsm_key claim",
                                 session_dead=True)
        return [auth_frame(key), mode_frame(FULL_MODE)]

    def ping(self) -> bytes:
        return PING_FRAME

    def _want(self, topic: str, symbol: BrokerSymbol, mode: StreamMode | None) -> StreamMode | None:
        """Record what is wanted of a topic; return what was wanted before."""
        entry = self.topics.get(topic)
        if entry is None:
            self.topics[topic] = Wanted(symbol, mode)
            return None
        before, entry.mode, entry.symbol = entry.mode, mode, symbol
        return before

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        """Subscribe the quote topics; FULL adds depth topics, a step down from FULL drops them."""
        quotes: list[str] = []
        depth_on: list[str] = []
        depth_off: list[str] = []
        for symbol in symbols:
            quote, depth = topics_of(symbol)
            self._want(quote, symbol, mode)
            quotes.append(quote)
            if depth is None:
                continue
            if mode is StreamMode.FULL:
                self._want(depth, symbol, mode)
                depth_on.append(depth)
            elif self._want(depth, symbol, None) is not None:
                depth_off.append(depth)
        return [*_batches("sub", quotes + depth_on), *_batches("unsub", depth_off)]

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        topics: list[str] = []
        for symbol in symbols:
            quote, depth = topics_of(symbol)
            self._want(quote, symbol, None)
            topics.append(quote)
            if depth is not None and self._want(depth, symbol, None) is not None:
                topics.append(depth)
        return _batches("unsub", topics)

    def decoder(self, ctx: DriverContext) -> HsmDecoder:
        return HsmDecoder(ctx, self.topics)
