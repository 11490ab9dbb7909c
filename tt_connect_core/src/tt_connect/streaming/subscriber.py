"""One subscriber: its instruments, handlers and a bounded, conflating delivery queue.

Backpressure policy: a slow handler never makes memory grow. Undelivered
ticks are kept *per instrument*, newest wins (the replaced tick is counted as
``conflated``), so the queue never holds more ticks than the subscriber has
instruments. Order updates are never conflated; they wait in a bounded queue
(``max_updates``) and are counted as ``dropped`` only if that overflows.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as _dt
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import msgspec

from tt_connect.enums import StreamMode
from tt_connect.instruments import Instrument
from tt_connect.models import OrderUpdate, Tick

if TYPE_CHECKING:
    from tt_connect.streaming.engine import StreamEngine

__all__ = ["OrderUpdateHandler", "StreamStats", "Subscription", "TickHandler"]

TickHandler = Callable[[Tick], Awaitable[None] | None]
OrderUpdateHandler = Callable[[OrderUpdate], Awaitable[None] | None]


class StreamStats(msgspec.Struct, frozen=True, kw_only=True):
    """Counters of a feed or one subscriber."""

    ticks_received: int = 0
    ticks_delivered: int = 0
    conflated: int = 0
    dropped: int = 0
    reconnects: int = 0
    connections: int = 0
    last_tick_at: _dt.datetime | None = None


class Subscription:
    """A handle on one ``subscribe`` call."""

    def __init__(
        self,
        engine: StreamEngine,
        instruments: frozenset[Instrument],
        mode: StreamMode,
        on_tick: TickHandler | None,
        on_order_update: OrderUpdateHandler | None,
        on_error: Callable[[BaseException], None],
        max_updates: int = 10_000,
    ) -> None:
        self._engine = engine
        self.instruments = instruments
        self.mode = mode
        self._on_tick = on_tick
        self._on_update = on_order_update
        self._on_error = on_error
        self._pending: dict[Instrument, Tick] = {}
        self._updates: collections.deque[OrderUpdate] = collections.deque()
        self._max_updates = max_updates
        self._wake = asyncio.Event()
        self._closed = asyncio.Event()
        self._delivered = 0
        self._conflated = 0
        self._dropped = 0
        self._received = 0
        self._last_tick_at: _dt.datetime | None = None
        self._worker = asyncio.get_running_loop().create_task(self._deliver())

    @property
    def wants_updates(self) -> bool:
        return self._on_update is not None

    @property
    def queued(self) -> int:
        """Ticks waiting for the handler (never more than the number of instruments)."""
        return len(self._pending)

    @property
    def stats(self) -> StreamStats:
        """Return this subscriber's counters."""
        return StreamStats(
            ticks_received=self._received, ticks_delivered=self._delivered, conflated=self._conflated,
            dropped=self._dropped, reconnects=self._engine.reconnects, connections=self._engine.live_connections,
            last_tick_at=self._last_tick_at,
        )

    def offer_tick(self, tick: Tick) -> None:
        if self._on_tick is None or self._closed.is_set():
            return
        self._received += 1
        self._last_tick_at = tick.received_at
        if tick.instrument in self._pending:
            self._conflated += 1
            del self._pending[tick.instrument]  # re-insert: the instrument moves to the back of the line
        self._pending[tick.instrument] = tick
        self._wake.set()

    def offer_update(self, update: OrderUpdate) -> None:
        if self._on_update is None or self._closed.is_set():
            return
        if len(self._updates) >= self._max_updates:
            self._dropped += 1
            return
        self._updates.append(update)
        self._wake.set()

    async def _call(self, handler: Callable[[object], Awaitable[None] | None], event: object) -> None:
        try:
            result = handler(event)
            if inspect.isawaitable(result):
                await result
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a handler's bug must not stop the stream
            self._on_error(exc)

    async def _deliver(self) -> None:
        while not self._closed.is_set():
            await self._wake.wait()
            self._wake.clear()
            while self._updates or self._pending:
                if self._updates and self._on_update is not None:
                    await self._call(self._on_update, self._updates.popleft())  # type: ignore[arg-type]
                    continue
                instrument = next(iter(self._pending))
                tick = self._pending.pop(instrument)
                if self._on_tick is not None:
                    await self._call(self._on_tick, tick)  # type: ignore[arg-type]
                    self._delivered += 1

    async def unsubscribe(self) -> None:
        """Stop this subscription (the socket unsubscribes instruments nobody else wants)."""
        await self._engine.remove(self)

    async def _stop(self) -> None:
        self._closed.set()
        self._wake.set()
        if asyncio.current_task() is self._worker:
            return  # unsubscribed from inside a handler: the delivery loop ends by itself
        if not self._worker.done():
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass

    async def wait_closed(self) -> None:
        """Return when this subscription ends (unsubscribed, or the client closed)."""
        await self._closed.wait()
