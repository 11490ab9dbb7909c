"""The streaming engine: one subscribe interface over reconnecting, sharded sockets.

The engine owns the sockets; the driver's ``BrokerStream`` only says what to
send and how to decode. Subscribers ask for instruments in a mode; the
engine merges their wishes (each instrument is subscribed once on the wire,
in the highest mode anyone asked for), places every instrument on the first
connection with room (past ``max_connections x max_instruments_per_connection``
it refuses), and sends only the difference whenever the wishes change.
Decoded ticks are routed to the subscribers of their instrument; order
updates to every subscriber that asked for them. Order updates come either on
connection #0 (``spec.carries_order_updates``, Kite) or on a socket of their
own described by ``spec.order_updates``, another BrokerStream (AngelOne); that
socket is open exactly while someone wants order updates. Each socket gets a
decoder of its own, made afresh on every connect.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import random
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence

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
from tt_connect.errors import InvalidSubscriptionError, StreamingError, SubscriptionLimitError
from tt_connect.instruments import Instrument
from tt_connect.logs import get_logger
from tt_connect.models import OrderUpdate, Tick
from tt_connect.request_builder.market import checked_handler, checked_mode, subscription_instruments
from tt_connect.streaming.backoff import full_jitter
from tt_connect.streaming.connection import FeedConnection
from tt_connect.streaming.subscriber import ErrorHandler, OrderUpdateHandler, StreamStats, Subscription, TickHandler
from tt_connect.timeutil import Clock, SystemClock

__all__ = ["StreamEngine"]

_log = get_logger("tt_connect.streaming")
_RANK = {StreamMode.LTP: 0, StreamMode.QUOTE: 1, StreamMode.FULL: 2}


class StreamEngine:
    """Stream one client's subscriptions over as many sockets as the broker needs.

    Parameters
    ----------
    broker
        Driver name, for errors and logs.
    spec
        The driver's stream description (URL, messages, decoder, limits).
    run_call
        Sends the driver's ``authorize`` call (a REST request whose result is the socket URL).
    renew_session
        Renews a session the broker refused on the socket (``StreamRejected(session_dead=True)``).
    transport
        Opens the sockets (aiohttp for real brokers, in-process for paper).
    ctx
        Resolves instruments to broker tokens; lent to the driver's decoder.
    session
        Returns the current session; called on every (re)connect.
    clock
        Source of ``received_at`` (a manual clock in tests).
    backoff_base, backoff_max
        First and largest reconnect delay bound, in seconds (full jitter below them).
    on_tick_observer
        Called with every decoded tick before routing (extension plugins' fan-out).
    on_error
        Called with errors that do not stop the stream: a handler that raised,
        an undecodable frame, a failed connect, an order-update overflow.
    connect_timeout
        Seconds allowed for one socket to open.
    ready_timeout
        Longest ``subscribe`` waits for its sockets to be up. A broker that is down does not
        make ``subscribe`` fail: the connection keeps retrying and ``stats.connections`` shows it.
    max_order_updates
        Order updates a subscriber may have waiting before new ones are dropped.

    Examples
    --------
    >>> engine = StreamEngine(broker="zerodha", spec=spec, transport=transport, ctx=ctx,
    ...                       session=auth.session)  # doctest: +SKIP
    >>> sub = await engine.subscribe([infy], on_tick=print, mode=StreamMode.LTP)  # doctest: +SKIP
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
        on_tick_observer: Callable[[Tick], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        connect_timeout: float = 10.0,
        ready_timeout: float = 5.0,
        max_order_updates: int = 10_000,
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
        self._observer = on_tick_observer
        self._on_error = on_error
        self._connect_timeout = connect_timeout
        self._ready_timeout = ready_timeout
        self._max_order_updates = max_order_updates
        self._run_call = run_call
        self._renew_session = renew_session
        self._order_spec: BrokerStream | None = None if spec.carries_order_updates else spec.order_updates
        self._order_conn: FeedConnection | None = None
        self._connections: list[FeedConnection] = []
        self._owner: dict[Instrument, FeedConnection] = {}
        self._subscribers: list[Subscription] = []
        self._routes: dict[Instrument, tuple[Subscription, ...]] = {}
        self._update_routes: tuple[Subscription, ...] = ()
        self._lock = asyncio.Lock()
        self._closed = False
        self._reconnects = 0
        self._received = 0
        self._last_tick_at: _dt.datetime | None = None
        self._retired = (0, 0, 0)  # delivered, conflated, dropped of subscribers that left

    # -- counters --------------------------------------------------------------------------

    @property
    def stats(self) -> StreamStats:
        """Return the feed's counters; delivery counters are summed over every subscriber so far."""
        delivered, conflated, dropped = self._retired
        for sub in self._subscribers:
            counters = sub.stats
            delivered += counters.ticks_delivered
            conflated += counters.conflated
            dropped += counters.dropped
        return StreamStats(
            ticks_received=self._received, ticks_delivered=delivered, conflated=conflated, dropped=dropped,
            reconnects=self._reconnects, connections=self.live_connections, last_tick_at=self._last_tick_at)

    @property
    def reconnects(self) -> int:
        """Return how many times a socket was re-established."""
        return self._reconnects

    @property
    def live_connections(self) -> int:
        """Return how many sockets are connected right now."""
        return sum(1 for c in self._all_connections() if c.connected.is_set())

    @property
    def closed(self) -> bool:
        """Return True once :meth:`close` was called."""
        return self._closed

    # -- subscriptions ---------------------------------------------------------------------

    async def subscribe(
        self,
        instruments: Sequence[Instrument],
        *,
        mode: StreamMode = StreamMode.FULL,
        on_tick: TickHandler | None = None,
        on_order_update: OrderUpdateHandler | None = None,
        on_error: ErrorHandler | None = None,
    ) -> Subscription:
        """Add a subscriber and return its handle once its sockets are up.

        Handlers may be plain functions or ``async def`` coroutines; both are called on the
        event loop, one event at a time, in arrival order. A slow handler gets the latest tick
        per instrument (see :class:`StreamStats`); a handler that raises keeps receiving
        events, and the exception goes to this subscriber's ``on_error``. Feed-wide trouble
        (a failed connect, an undecodable frame) goes to every subscriber's ``on_error``.

        Raises
        ------
        StreamingError
            Bad input, order updates from a broker whose stream has none, or a closed engine.
        SubscriptionLimitError
            The broker's connections cannot carry that many instruments.
        InstrumentNotFoundError
            An instrument the broker does not list.
        """
        self._check_open()
        items = subscription_instruments(instruments, "subscribe")
        mode = checked_mode(mode)
        on_tick = checked_handler(on_tick, "on_tick")
        on_order_update = checked_handler(on_order_update, "on_order_update")
        on_error = checked_handler(on_error, "on_error")
        if not items and on_order_update is None:
            raise InvalidSubscriptionError("subscribe needs at least one instrument (or an on_order_update "
                                           "handler)", broker=self.broker)
        if items and on_tick is None:
            raise InvalidSubscriptionError("subscribe needs on_tick to receive the ticks of these instruments",
                                           broker=self.broker)
        if on_order_update is not None and not self._carries_updates:
            raise StreamingError(
                f"{self.broker}'s stream carries no order updates; poll broker.orders() instead",
                broker=self.broker)
        symbols = {instrument: self._ctx.resolve(instrument) for instrument in items}
        async with self._lock:
            self._check_open()
            before = self._wanted()
            total = len(before.keys() | symbols.keys())
            capacity = self._spec.max_connections * self._spec.max_instruments_per_connection
            if total > capacity:
                raise SubscriptionLimitError(
                    f"{total} instruments exceed {self.broker}'s limit of {capacity} "
                    f"({self._spec.max_connections} connections x {self._spec.max_instruments_per_connection} "
                    "instruments); unsubscribe some first",
                    broker=self.broker)
            sub = Subscription(self, items, mode, on_tick, on_order_update,
                               report=self._log_error, max_order_updates=self._max_order_updates,
                               on_error=on_error)
            self._subscribers.append(sub)
            self._reroute()
            await self._apply(before, self._wanted(), symbols)
            involved = {self._owner[i] for i in items}
            if on_order_update is not None:
                involved.add(self._updates_connection())
        await self._until_live(involved)
        return sub

    async def unsubscribe(self, instruments: Sequence[Instrument]) -> None:
        """Stop these instruments for every subscriber.

        A subscriber left with no instruments (and no order-update handler) ends, so its
        ``wait_closed`` returns.
        """
        drop = frozenset(subscription_instruments(instruments, "unsubscribe"))
        if self._closed or not drop:
            return
        async with self._lock:
            before = self._wanted()
            for sub in list(self._subscribers):
                if not sub.instruments & drop:
                    continue
                sub.narrow(drop)
                if not sub.instruments and not sub.wants_order_updates:
                    await self._retire(sub)
            self._reroute()
            await self._apply(before, self._wanted(), {})

    async def remove(self, sub: Subscription) -> None:
        """End one subscriber (what :meth:`Subscription.unsubscribe` calls)."""
        async with self._lock:
            if sub not in self._subscribers:
                return
            before = self._wanted()
            await self._retire(sub)
            self._reroute()
            await self._apply(before, self._wanted(), {})

    async def stream(
        self, instruments: Sequence[Instrument], *, mode: StreamMode = StreamMode.FULL, order_updates: bool = False
    ) -> AsyncGenerator[Tick | OrderUpdate, None]:
        """Iterate over ticks (and order updates); the subscription ends with the iteration.

        Break out of the loop or close the iterator (``contextlib.aclosing``) to unsubscribe.
        Conflation applies while the loop body is busy.

        Examples
        --------
        >>> async for tick in engine.stream([infy], mode=StreamMode.LTP):  # doctest: +SKIP
        ...     print(tick.last_price)
        """
        # A one-slot hand-off: the subscriber's delivery task waits on it, so while the loop
        # body is busy, ticks conflate in the subscriber instead of piling up here.
        handoff: asyncio.Queue[Tick | OrderUpdate] = asyncio.Queue(maxsize=1)
        sub = await self.subscribe(instruments, mode=mode, on_tick=handoff.put,
                                   on_order_update=handoff.put if order_updates else None)
        closed = asyncio.ensure_future(sub.wait_closed())
        getter: asyncio.Future[Tick | OrderUpdate] | None = None
        try:
            while True:
                getter = asyncio.ensure_future(handoff.get())
                await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    return
                yield getter.result()
        finally:
            for future in (getter, closed):
                if future is not None and not future.done():
                    future.cancel()
            await sub.unsubscribe()

    async def reconnect(self) -> None:
        """Reconnect every socket now with the current session (after a re-login), resubscribing all."""
        async with self._lock:
            for conn in self._all_connections():
                await conn.restart()

    async def close(self) -> None:
        """Stop every subscriber and socket; no task is left behind. Idempotent."""
        self._closed = True
        async with self._lock:
            for sub in list(self._subscribers):
                await self._retire(sub)
            self._reroute()
            for conn in self._all_connections():
                await conn.stop()

    # -- dispatch (hot path) ---------------------------------------------------------------

    def _route(self, decoder: FrameDecoder, frame: str | bytes) -> bool:
        """Decode one frame and queue its events; return True if any subscriber got work.

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
        queued = False
        routes = self._routes
        observer = self._observer
        for event in events:
            if isinstance(event, Tick):
                self._received += 1
                self._last_tick_at = event.received_at
                if observer is not None:
                    try:
                        observer(event)
                    except Exception as exc:  # an extension's bug must not stop the feed
                        self._report(exc)
                for sub in routes.get(event.instrument, ()):
                    queued = sub.offer_tick(event) or queued
            elif isinstance(event, OrderUpdate):
                for sub in self._update_routes:
                    queued = sub.offer_update(event) or queued
        return queued

    # -- bookkeeping -----------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StreamingError("this stream is closed; create a new client to stream again", broker=self.broker)

    def _report(self, exc: BaseException) -> None:
        """A feed-wide error: log it, then tell every subscriber that asked (``on_error``)."""
        self._log_error(exc)
        for sub in self._subscribers:
            sub.offer_error(exc)

    def _log_error(self, exc: BaseException) -> None:
        """Log an error and pass it to the engine's own ``on_error`` (one subscriber's errors stop here)."""
        _log.warning("stream_error", broker=self.broker, error=type(exc).__name__, detail=str(exc))
        if self._on_error is not None:
            try:
                self._on_error(exc)
            except Exception as nested:  # the error callback itself failed: log, never raise into the feed
                _log.error("stream_on_error_failed", broker=self.broker, error=type(nested).__name__)

    def _backoff(self, failures: int) -> float:
        return full_jitter(failures, base=self._backoff_base, cap=self._backoff_max, rng=self._rng)

    def _count_reconnect(self) -> None:
        self._reconnects += 1

    def _wanted(self) -> dict[Instrument, StreamMode]:
        """Return every instrument some subscriber wants, in the highest mode asked for."""
        wanted: dict[Instrument, StreamMode] = {}
        for sub in self._subscribers:
            for instrument in sub.ordered:
                current = wanted.get(instrument)
                if current is None or _RANK[sub.mode] > _RANK[current]:
                    wanted[instrument] = sub.mode
        return wanted

    def _wants_order_updates(self) -> bool:
        return any(sub.wants_order_updates for sub in self._subscribers)

    def _reroute(self) -> None:
        """Rebuild the instrument -> subscribers index the hot path reads."""
        routes: dict[Instrument, list[Subscription]] = {}
        for sub in self._subscribers:
            for instrument in sub.ordered:
                routes.setdefault(instrument, []).append(sub)
        self._routes = {instrument: tuple(subs) for instrument, subs in routes.items()}
        self._update_routes = tuple(s for s in self._subscribers if s.wants_order_updates)

    async def _retire(self, sub: Subscription) -> None:
        self._subscribers.remove(sub)
        counters = sub.stats
        delivered, conflated, dropped = self._retired
        self._retired = (delivered + counters.ticks_delivered, conflated + counters.conflated,
                         dropped + counters.dropped)
        await sub.stop()

    @property
    def _carries_updates(self) -> bool:
        return self._spec.carries_order_updates or self._order_spec is not None

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

    async def _apply(self, before: dict[Instrument, StreamMode], after: dict[Instrument, StreamMode],
                     symbols: dict[Instrument, BrokerSymbol]) -> None:
        """Send the socket-level difference between two wanted states, then start or stop sockets."""
        removed: dict[FeedConnection, list[BrokerSymbol]] = {}
        for instrument in [i for i in before if i not in after]:
            conn = self._owner.pop(instrument)
            del conn.modes[instrument]
            removed.setdefault(conn, []).append(conn.symbols.pop(instrument))
        changed: dict[FeedConnection, dict[StreamMode, list[BrokerSymbol]]] = {}
        for instrument, mode in after.items():
            if before.get(instrument) == mode:
                continue
            owner = self._owner.get(instrument)
            if owner is None:
                owner = self._owner[instrument] = self._place()
                owner.symbols[instrument] = symbols.get(instrument) or self._ctx.resolve(instrument)
            owner.modes[instrument] = mode
            changed.setdefault(owner, {}).setdefault(mode, []).append(owner.symbols[instrument])
        for conn, gone in removed.items():
            await conn.send(self._spec.unsubscribe(gone))
        for conn, by_mode in changed.items():
            for mode, group in by_mode.items():
                await conn.send(self._spec.subscribe(group, mode))
        await self._start_or_stop_sockets()

    async def _start_or_stop_sockets(self) -> None:
        """Keep open exactly the sockets that carry something.

        Connection #0 stays open while anyone wants order updates, even with no instruments.
        """
        wanted = self._wants_order_updates()
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

    async def _until_live(self, connections: set[FeedConnection]) -> None:
        """Wait (bounded) until the sockets are up, so nothing sent after subscribe() is missed."""
        waits = [asyncio.ensure_future(c.connected.wait()) for c in connections if not c.connected.is_set()]
        if not waits:
            return
        _, pending = await asyncio.wait(waits, timeout=self._ready_timeout)
        for waiter in pending:
            waiter.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
            _log.warning("stream_not_yet_connected", broker=self.broker, waiting=len(pending))
