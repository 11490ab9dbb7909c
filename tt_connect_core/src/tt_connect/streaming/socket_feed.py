"""The broker's own sockets as a feed: sharding, subscription deltas, decoding.

:class:`SocketFeed` is the default :class:`~tt_connect.streaming.feed.FeedBackend`.
It places every wanted instrument on the first connection with room (past
``max_connections x max_instruments_per_connection`` it refuses), sends each
socket only the difference whenever the wanted state changes, keeps open
exactly the sockets that carry something, and decodes every frame into
canonical events for its sink. Order updates come either on connection #0
(``spec.carries_order_updates``, Kite) or on a socket of their own described
by ``spec.order_updates``, another BrokerStream (AngelOne); that socket is open
exactly while someone wants order updates. Each socket gets a decoder of its
own, made afresh on every connect.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Collection, Mapping

from tt_connect.driver_api import (
    BrokerStream,
    BrokerSymbol,
    Call,
    DriverContext,
    FrameDecoder,
    Session,
    StreamRejected,
    Transport,
)
from tt_connect.enums import StreamMode
from tt_connect.errors import StreamingError, SubscriptionLimitError
from tt_connect.instruments import Instrument
from tt_connect.logs import get_logger
from tt_connect.models import OrderUpdate
from tt_connect.streaming.backoff import full_jitter
from tt_connect.streaming.connection import FeedConnection
from tt_connect.streaming.feed import FeedSink
from tt_connect.timeutil import Clock, SystemClock

__all__ = ["SocketFeed"]

_log = get_logger("tt_connect.streaming")


class SocketFeed:
    """A broker's market (and order-update) sockets behind the :class:`FeedBackend` seam.

    Parameters
    ----------
    broker
        Driver name, for errors and logs.
    spec
        The driver's stream description (URL, messages, decoder, limits).
    transport
        Opens the sockets (aiohttp for real brokers, in-process for paper).
    ctx
        Resolves instruments to broker tokens; lent to the driver's decoder.
    session
        Returns the current session; called on every (re)connect.
    run_call
        Sends the driver's ``authorize`` call (a REST request whose result is the socket URL).
    renew_session
        Renews a session the broker refused on the socket (``StreamRejected(session_dead=True)``).
    clock
        Source of ``received_at``.
    backoff_base, backoff_max
        First and largest reconnect delay bound, in seconds (full jitter below them).
    connect_timeout
        Seconds allowed for one socket to open.
    """

    def __init__(
        self,
        *,
        broker: str,
        spec: BrokerStream,
        transport: Transport,
        ctx: DriverContext,
        session: Callable[[], Awaitable[Session | None]],
        run_call: Callable[[Call[str]], Awaitable[str]] | None = None,
        renew_session: Callable[[Session | None], Awaitable[None]] | None = None,
        clock: Clock | None = None,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        connect_timeout: float = 10.0,
    ) -> None:
        self.broker = broker
        self._spec = spec
        self._transport = transport
        self._ctx = ctx
        self._session = session
        self._clock: Clock = clock or SystemClock()
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._rng = random.Random()
        self._connect_timeout = connect_timeout
        self._run_call = run_call
        self._renew_session = renew_session
        self._order_spec: BrokerStream | None = None if spec.carries_order_updates else spec.order_updates
        self._order_conn: FeedConnection | None = None
        self._connections: list[FeedConnection] = []
        self._owner: dict[Instrument, FeedConnection] = {}
        self._resolved: dict[Instrument, BrokerSymbol] = {}
        self._order_updates = False
        self._sink: FeedSink | None = None

    # -- FeedBackend -----------------------------------------------------------------------

    @property
    def carries_order_updates(self) -> bool:
        """Return True if the broker's stream carries order updates (on #0 or a socket of its own)."""
        return self._spec.carries_order_updates or self._order_spec is not None

    @property
    def live_connections(self) -> int:
        """Return how many sockets are connected right now."""
        return sum(1 for c in self._all_connections() if c.connected.is_set())

    def bind(self, sink: FeedSink) -> None:
        """Send decoded events, errors and reconnects to ``sink``."""
        self._sink = sink

    def check(self, instruments: Collection[Instrument]) -> None:
        """Resolve new instruments (InstrumentNotFoundError) and refuse more than the sockets can carry."""
        for instrument in instruments:
            if instrument not in self._owner and instrument not in self._resolved:
                self._resolved[instrument] = self._ctx.resolve(instrument)
        capacity = self._spec.max_connections * self._spec.max_instruments_per_connection
        if len(instruments) > capacity:
            for instrument in [i for i in self._resolved if i not in self._owner]:
                del self._resolved[instrument]
            raise SubscriptionLimitError(
                f"{len(instruments)} instruments exceed {self.broker}'s limit of {capacity} "
                f"({self._spec.max_connections} connections x {self._spec.max_instruments_per_connection} "
                "instruments); unsubscribe some first",
                broker=self.broker)

    async def want(self, wanted: Mapping[Instrument, StreamMode], order_updates: bool) -> None:
        """Send each socket the difference to ``wanted``, then start or stop sockets."""
        self._order_updates = order_updates
        removed: dict[FeedConnection, list[BrokerSymbol]] = {}
        for instrument in [i for i in self._owner if i not in wanted]:
            conn = self._owner.pop(instrument)
            del conn.modes[instrument]
            removed.setdefault(conn, []).append(conn.symbols.pop(instrument))
            self._resolved.pop(instrument, None)
        changed: dict[FeedConnection, dict[StreamMode, list[BrokerSymbol]]] = {}
        for instrument, mode in wanted.items():
            owner = self._owner.get(instrument)
            if owner is not None and owner.modes[instrument] == mode:
                continue
            if owner is None:
                owner = self._owner[instrument] = self._place()
                symbol = self._resolved.get(instrument)
                owner.symbols[instrument] = symbol if symbol is not None else self._ctx.resolve(instrument)
            owner.modes[instrument] = mode
            changed.setdefault(owner, {}).setdefault(mode, []).append(owner.symbols[instrument])
        for conn, gone in removed.items():
            await conn.send(self._spec.unsubscribe(gone))
        for conn, by_mode in changed.items():
            for mode, group in by_mode.items():
                await conn.send(self._spec.subscribe(group, mode))
        await self._start_or_stop_sockets()

    async def until_live(self, instruments: Collection[Instrument], order_updates: bool, timeout: float) -> None:
        """Wait (bounded) until the sockets are up, so nothing sent after subscribe() is missed."""
        connections = {self._owner[i] for i in instruments if i in self._owner}
        if order_updates and self.carries_order_updates:
            connections.add(self._updates_connection())
        waits = [asyncio.ensure_future(c.connected.wait()) for c in connections if not c.connected.is_set()]
        if not waits:
            return
        _, pending = await asyncio.wait(waits, timeout=timeout)
        for waiter in pending:
            waiter.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
            _log.warning("stream_not_yet_connected", broker=self.broker, waiting=len(pending))

    def acknowledge(self, update: OrderUpdate) -> None:
        """Nothing to do: a broker socket has no acknowledgements."""

    async def reconnect(self) -> None:
        """Reconnect every socket now with the current session, resubscribing all."""
        for conn in self._all_connections():
            await conn.restart()

    async def close(self) -> None:
        """Stop every socket; the wanted state is forgotten."""
        for conn in self._all_connections():
            await conn.stop()

    # -- frames (hot path) -----------------------------------------------------------------

    def _route(self, decoder: FrameDecoder, frame: str | bytes) -> bool:
        """Decode one frame with its connection's decoder and hand the events to the sink.

        A decoder's :class:`StreamRejected` (the broker refused the socket) propagates to the
        connection, which renews the session when asked and reconnects.
        """
        try:
            events = decoder.decode(frame, self._clock.now())
        except StreamRejected:
            raise
        except Exception as exc:  # a frame the decoder cannot read: skip it, keep the feed
            # Only the exception's type: a frame (e.g. an order update) may carry account details.
            self._report(StreamingError(f"undecodable frame skipped ({type(exc).__name__})", broker=self.broker))
            return False
        sink = self._sink
        return bool(events) and sink is not None and sink.deliver(events)

    # -- sockets ---------------------------------------------------------------------------

    def _report(self, exc: BaseException) -> None:
        if self._sink is not None:
            self._sink.report(exc)

    def _count_reconnect(self) -> None:
        if self._sink is not None:
            self._sink.count_reconnect()

    def _backoff(self, failures: int) -> float:
        return full_jitter(failures, base=self._backoff_base, cap=self._backoff_max, rng=self._rng)

    def _all_connections(self) -> list[FeedConnection]:
        return [*self._connections, *([self._order_conn] if self._order_conn is not None else [])]

    def _updates_connection(self) -> FeedConnection:
        """The socket that brings order updates: #0, or the broker's separate order socket."""
        if self._order_spec is None:
            return self._connection(0)
        if self._order_conn is None:
            self._order_conn = self._new_connection(-1, self._order_spec)
        return self._order_conn

    def _new_connection(self, index: int, spec: BrokerStream) -> FeedConnection:
        return FeedConnection(
            index, spec=spec, transport=self._transport, session=self._session, ctx=self._ctx,
            route=self._route, report=self._report, backoff=self._backoff, on_reconnect=self._count_reconnect,
            connect_timeout=self._connect_timeout, run_call=self._run_call, renew_session=self._renew_session)

    def _connection(self, index: int) -> FeedConnection:
        while len(self._connections) <= index:
            self._connections.append(self._new_connection(len(self._connections), self._spec))
        return self._connections[index]

    def _place(self) -> FeedConnection:
        limit = self._spec.max_instruments_per_connection
        for index in range(self._spec.max_connections):
            conn = self._connection(index)
            if len(conn.modes) < limit:
                return conn
        raise SubscriptionLimitError(f"every {self.broker} connection is full", broker=self.broker)

    async def _start_or_stop_sockets(self) -> None:
        """Keep open exactly the sockets that carry something.

        Connection #0 stays open while anyone wants order updates, even with no instruments.
        """
        wanted = self._order_updates
        updates = self._spec.carries_order_updates and wanted
        if updates:
            self._connection(0)
        for conn in self._connections:
            if conn.modes or (conn.index == 0 and updates):
                conn.start()
            elif conn.running:
                _log.info("stream_connection_idle_closed", broker=self.broker, connection=conn.index)
                await conn.stop()
        if self._order_spec is not None:
            if wanted:
                self._updates_connection().start()
            elif self._order_conn is not None and self._order_conn.running:
                await self._order_conn.stop()
