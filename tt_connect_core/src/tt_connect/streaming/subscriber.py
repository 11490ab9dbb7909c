"""One subscriber: its instruments, its handlers and a bounded, conflating delivery queue.

Backpressure policy: a slow handler never makes memory grow. Undelivered
ticks are kept *per instrument*, newest wins (the replaced tick is counted as
``conflated``), so a subscriber never holds more ticks than it has
instruments. Order updates are never conflated: they wait in their own
bounded queue and are counted as ``dropped`` (and reported as a
``StreamingError``) only if that overflows. Errors (a handler that raised, a
feed that cannot connect) go to the subscriber's ``on_error`` first, then order
updates, then waiting ticks.

Each subscriber has one delivery task that awaits its handler, so events
reach a handler one at a time, in arrival order, and a slow handler only
slows itself down.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as _dt
import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import msgspec

from tt_connect.enums import StreamMode
from tt_connect.errors import StreamingError
from tt_connect.instruments import Instrument
from tt_connect.models import OrderUpdate, Tick
from tt_connect.streaming.tasks import cancel_and_wait

if TYPE_CHECKING:
    from tt_connect.streaming.engine import StreamEngine

__all__ = ["ErrorHandler", "OrderUpdateHandler", "StreamStats", "Subscription", "TickHandler"]

TickHandler = Callable[[Tick], Awaitable[None] | None]
OrderUpdateHandler = Callable[[OrderUpdate], Awaitable[None] | None]
ErrorHandler = Callable[[BaseException], Awaitable[None] | None]
_MAX_ERRORS = 100
"""Undelivered errors kept per subscriber; older ones give way (errors repeat while a feed is down)."""


class StreamStats(msgspec.Struct, frozen=True, kw_only=True):
    """Counters of a feed (``broker.stream_stats()``) or of one subscriber (``sub.stats``).

    Attributes
    ----------
    ticks_received
        Ticks decoded from the socket (for a subscriber: ticks for its instruments).
    ticks_delivered
        Ticks handed to a handler.
    conflated
        Ticks replaced by a newer tick of the same instrument before delivery.
    dropped
        Order updates lost because their queue overflowed (should stay 0).
    reconnects
        Times a socket was re-established after its first connect.
    connections
        Sockets connected right now.
    last_tick_at
        ``received_at`` of the newest tick.
    """

    ticks_received: int = 0
    ticks_delivered: int = 0
    conflated: int = 0
    dropped: int = 0
    reconnects: int = 0
    connections: int = 0
    last_tick_at: _dt.datetime | None = None


class Subscription:
    """A handle on one ``subscribe`` call: its instruments, mode and counters.

    Created by :meth:`StreamEngine.subscribe`; call :meth:`unsubscribe` to stop it.
    """

    instruments: frozenset[Instrument]
    mode: StreamMode

    def __init__(
        self,
        engine: StreamEngine,
        instruments: Sequence[Instrument],
        mode: StreamMode,
        on_tick: TickHandler | None,
        on_order_update: OrderUpdateHandler | None,
        *,
        report: Callable[[BaseException], None],
        max_order_updates: int,
        on_error: ErrorHandler | None = None,
    ) -> None:
        self._engine = engine
        self.ordered = tuple(instruments)  # subscription order: deterministic messages and sharding
        self.instruments = frozenset(instruments)
        self.mode = mode
        self._on_tick = on_tick
        self._on_update = on_order_update
        self._report = report
        self._on_error = on_error
        self._errors: collections.deque[BaseException] = collections.deque(maxlen=_MAX_ERRORS)
        self._pending: dict[Instrument, Tick] = {}
        self._updates: collections.deque[OrderUpdate] = collections.deque()
        self._max_updates = max_order_updates
        self._overflowing = False
        self._wake = asyncio.Event()
        self._closed = asyncio.Event()
        self._received = 0
        self._delivered = 0
        self._conflated = 0
        self._dropped = 0
        self._last_tick_at: _dt.datetime | None = None
        self._worker = asyncio.get_running_loop().create_task(self._deliver(), name="tt-connect-deliver")

    @property
    def wants_ticks(self) -> bool:
        """Return True if this subscriber has a tick handler."""
        return self._on_tick is not None

    @property
    def wants_order_updates(self) -> bool:
        """Return True if this subscriber has an order-update handler."""
        return self._on_update is not None

    @property
    def closed(self) -> bool:
        """Return True once unsubscribed or the engine closed."""
        return self._closed.is_set()

    @property
    def queued(self) -> int:
        """Return how many events wait for the handlers (ticks never exceed the instruments)."""
        return len(self._pending) + len(self._updates)

    @property
    def queued_ticks(self) -> int:
        """Return how many ticks wait for the tick handler (at most one per instrument)."""
        return len(self._pending)

    @property
    def stats(self) -> StreamStats:
        """Return this subscriber's counters (reconnects and connections are the feed's)."""
        return StreamStats(
            ticks_received=self._received,
            ticks_delivered=self._delivered,
            conflated=self._conflated,
            dropped=self._dropped,
            reconnects=self._engine.reconnects,
            connections=self._engine.live_connections,
            last_tick_at=self._last_tick_at,
        )

    def narrow(self, drop: frozenset[Instrument]) -> None:
        """Forget these instruments (the engine unsubscribed them for everyone)."""
        self.ordered = tuple(i for i in self.ordered if i not in drop)
        self.instruments = frozenset(self.ordered)

    async def unsubscribe(self) -> None:
        """Stop this subscription; the socket unsubscribes instruments nobody else wants."""
        await self._engine.remove(self)

    async def wait_closed(self) -> None:
        """Return when this subscription ends (unsubscribed, or the engine closed)."""
        await self._closed.wait()

    # -- called by the engine (hot path) ---------------------------------------------------

    def offer_tick(self, tick: Tick) -> bool:
        """Queue a tick, replacing an undelivered one of the same instrument; return True if queued."""
        if self._on_tick is None or self._closed.is_set():
            return False
        self._received += 1
        self._last_tick_at = tick.received_at
        pending = self._pending
        instrument = tick.instrument
        if instrument in pending:
            self._conflated += 1
            del pending[instrument]  # re-insert: the instrument moves to the back of the line
        pending[instrument] = tick
        self._wake.set()
        return True

    def offer_update(self, update: OrderUpdate) -> bool:
        """Queue an order update (never conflated); count and report it if the queue is full."""
        if self._on_update is None or self._closed.is_set():
            return False
        if len(self._updates) >= self._max_updates:
            self._dropped += 1
            if not self._overflowing:  # one report per overflow episode, not one per update
                self._overflowing = True
                overflow = StreamingError(
                    f"order-update queue full ({self._max_updates} waiting): the handler is too slow, "
                    "updates are being dropped; fetch the order book to resynchronise")
                self._report(overflow)
                self.offer_error(overflow)
            return False
        self._updates.append(update)
        self._wake.set()
        return True

    def offer_error(self, error: BaseException) -> None:
        """Queue an error for ``on_error`` (a no-op without one): the stream itself goes on."""
        if self._on_error is None or self._closed.is_set():
            return
        self._errors.append(error)
        self._wake.set()

    # -- delivery --------------------------------------------------------------------------

    async def _call(self, handler: Callable[[Tick], object] | Callable[[OrderUpdate], object]
                    | Callable[[BaseException], object], event: Tick | OrderUpdate | BaseException) -> None:
        try:
            result = handler(event)  # type: ignore[arg-type]
            if inspect.isawaitable(result):
                await result
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a handler's bug must not stop the stream
            self._report(exc)
            if handler is not self._on_error:  # an on_error that raises is logged, never fed back to itself
                self.offer_error(exc)

    async def _deliver(self) -> None:
        updates = self._updates
        pending = self._pending
        errors = self._errors
        while not self._closed.is_set():
            await self._wake.wait()
            self._wake.clear()
            while (errors or updates or pending) and not self._closed.is_set():
                if errors and self._on_error is not None:
                    await self._call(self._on_error, errors.popleft())
                    continue
                if updates and self._on_update is not None:
                    update = updates.popleft()
                    await self._call(self._on_update, update)
                    self._engine.update_done(update, handled=True)
                    if not updates:
                        self._overflowing = False
                    continue
                if self._on_tick is None:
                    pending.clear()
                    break
                tick = pending.pop(next(iter(pending)))
                await self._call(self._on_tick, tick)
                self._delivered += 1

    async def stop(self) -> None:
        """End delivery; undelivered events are discarded and ``wait_closed`` returns."""
        self._closed.set()
        self._wake.set()
        self._pending.clear()
        while self._updates:
            self._engine.update_done(self._updates.popleft(), handled=False)
        self._errors.clear()
        if asyncio.current_task() is self._worker:
            return  # unsubscribed from inside a handler: the delivery loop ends by itself
        await cancel_and_wait(self._worker)
