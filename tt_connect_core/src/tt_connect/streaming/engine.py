"""The streaming engine: one subscribe interface over whatever feed brings the events.

Subscribers ask for instruments in a mode; the engine merges their wishes
(each instrument is wanted once, in the highest mode anyone asked for) and
tells its :class:`~tt_connect.streaming.feed.FeedBackend` the whole wanted
state whenever it changes. The feed's events are routed to the subscribers of
their instrument; order updates to every subscriber that asked for them. The
default feed is the broker's own sockets
(:class:`~tt_connect.streaming.socket_feed.SocketFeed`: sharding, reconnects,
decoding); another feed (a bus filled by a hub process) serves the same
handlers with the same semantics.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass

from tt_connect.driver_api import BrokerStream, Call, DriverContext, Session, Transport
from tt_connect.enums import StreamMode
from tt_connect.errors import InvalidSubscriptionError, StreamingError
from tt_connect.instruments import Instrument
from tt_connect.logs import get_logger
from tt_connect.models import OrderUpdate, Tick
from tt_connect.request_builder.market import checked_handler, checked_mode, subscription_instruments
from tt_connect.streaming.feed import FeedBackend, StreamEvent
from tt_connect.streaming.socket_feed import SocketFeed
from tt_connect.streaming.subscriber import ErrorHandler, OrderUpdateHandler, StreamStats, Subscription, TickHandler
from tt_connect.timeutil import Clock

__all__ = ["StreamEngine"]

_log = get_logger("tt_connect.streaming")
_RANK = {StreamMode.LTP: 0, StreamMode.QUOTE: 1, StreamMode.FULL: 2}


@dataclass(slots=True)
class _Unhandled:
    """An order update queued for ``holders`` subscribers; acknowledged once all handled it."""

    update: OrderUpdate
    holders: int
    handled: bool = True


class StreamEngine:
    """Stream one client's subscriptions from a feed: the broker's sockets unless told otherwise.

    Parameters
    ----------
    broker
        Driver name, for errors and logs.
    spec, transport, ctx, session, run_call, renew_session
        For the default feed (the broker's sockets, :class:`SocketFeed`): the driver's stream
        description, the transport that opens sockets, the context that resolves instruments
        (lent to the driver's decoders), the session provider called on every (re)connect, what
        sends the driver's ``authorize`` call, and what renews a session the broker refused on
        the socket.
    feed
        Another :class:`~tt_connect.streaming.feed.FeedBackend` instead of the broker's sockets
        (then ``spec``, ``transport``, ``ctx`` and ``session`` are not used).
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
        spec: BrokerStream | None = None,
        transport: Transport | None = None,
        ctx: DriverContext | None = None,
        session: Callable[[], Awaitable[Session | None]] | None = None,
        run_call: Callable[[Call[str]], Awaitable[str]] | None = None,
        renew_session: Callable[[Session | None], Awaitable[None]] | None = None,
        feed: FeedBackend | None = None,
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
        if feed is None:
            if spec is None or transport is None or ctx is None or session is None:
                raise StreamingError("a StreamEngine needs a feed, or spec, transport, ctx and session",
                                     broker=broker)
            feed = SocketFeed(broker=broker, spec=spec, transport=transport, ctx=ctx, session=session,
                              run_call=run_call, renew_session=renew_session, clock=clock,
                              backoff_base=backoff_base, backoff_max=backoff_max, connect_timeout=connect_timeout)
        self._feed: FeedBackend = feed
        self._observer = on_tick_observer
        self._on_error = on_error
        self._ready_timeout = ready_timeout
        self._max_order_updates = max_order_updates
        self._subscribers: list[Subscription] = []
        self._routes: dict[Instrument, tuple[Subscription, ...]] = {}
        self._update_routes: tuple[Subscription, ...] = ()
        self._unhandled: dict[int, _Unhandled] = {}  # by id(update): order updates subscribers still hold
        self._lock = asyncio.Lock()
        self._closed = False
        self._reconnects = 0
        self._received = 0
        self._last_tick_at: _dt.datetime | None = None
        self._retired = (0, 0, 0)  # delivered, conflated, dropped of subscribers that left
        feed.bind(self)

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
        """Return how many of the feed's connections are up right now."""
        return self._feed.live_connections

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
        if on_order_update is not None and not self._feed.carries_order_updates:
            raise StreamingError(
                f"{self.broker}'s stream carries no order updates; poll broker.orders() instead",
                broker=self.broker)
        async with self._lock:
            self._check_open()
            self._feed.check(self._wanted().keys() | set(items))
            sub = Subscription(self, items, mode, on_tick, on_order_update,
                               report=self._log_error, max_order_updates=self._max_order_updates,
                               on_error=on_error)
            self._subscribers.append(sub)
            self._reroute()
            await self._apply()
        await self._feed.until_live(items, on_order_update is not None, self._ready_timeout)
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
            for sub in list(self._subscribers):
                if not sub.instruments & drop:
                    continue
                sub.narrow(drop)
                if not sub.instruments and not sub.wants_order_updates:
                    await self._retire(sub)
            self._reroute()
            await self._apply()

    async def remove(self, sub: Subscription) -> None:
        """End one subscriber (what :meth:`Subscription.unsubscribe` calls)."""
        async with self._lock:
            if sub not in self._subscribers:
                return
            await self._retire(sub)
            self._reroute()
            await self._apply()

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
            await self._feed.reconnect()

    async def close(self) -> None:
        """Stop every subscriber and socket; no task is left behind. Idempotent."""
        self._closed = True
        async with self._lock:
            for sub in list(self._subscribers):
                await self._retire(sub)
            self._reroute()
            await self._feed.close()

    # -- the FeedSink the feed calls (hot path) -------------------------------------------

    def deliver(self, events: Sequence[StreamEvent]) -> bool:
        """Queue the feed's events for their subscribers; return True if any subscriber got work."""
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
                        self.report(exc)
                for sub in routes.get(event.instrument, ()):
                    queued = sub.offer_tick(event) or queued
            elif isinstance(event, OrderUpdate):
                holders = 0
                for sub in self._update_routes:
                    if sub.offer_update(event):
                        holders += 1
                if holders:
                    self._unhandled[id(event)] = _Unhandled(event, holders)
                    queued = True
        return queued

    def report(self, exc: BaseException) -> None:
        """A feed-wide error: log it, then tell every subscriber that asked (``on_error``)."""
        self._log_error(exc)
        for sub in self._subscribers:
            sub.offer_error(exc)

    def count_reconnect(self) -> None:
        """Count a connection of the feed re-established after its first connect."""
        self._reconnects += 1

    def update_done(self, update: OrderUpdate, handled: bool) -> None:
        """One subscriber is done with ``update``; once all are, and all handled it, the feed acknowledges it.

        An update a subscriber discarded unhandled (it unsubscribed first) is never acknowledged,
        so an at-least-once feed delivers it again.
        """
        entry = self._unhandled.get(id(update))
        if entry is None or entry.update is not update:
            return
        entry.holders -= 1
        entry.handled = entry.handled and handled
        if entry.holders > 0:
            return
        del self._unhandled[id(update)]
        if entry.handled:
            self._feed.acknowledge(update)

    # -- bookkeeping -----------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StreamingError("this stream is closed; create a new client to stream again", broker=self.broker)

    def _log_error(self, exc: BaseException) -> None:
        """Log an error and pass it to the engine's own ``on_error`` (one subscriber's errors stop here)."""
        _log.warning("stream_error", broker=self.broker, error=type(exc).__name__, detail=str(exc))
        if self._on_error is not None:
            try:
                self._on_error(exc)
            except Exception as nested:  # the error callback itself failed: log, never raise into the feed
                _log.error("stream_on_error_failed", broker=self.broker, error=type(nested).__name__)

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

    async def _apply(self) -> None:
        """Tell the feed the whole wanted state; it sends only the difference."""
        await self._feed.want(self._wanted(), self._wants_order_updates())
