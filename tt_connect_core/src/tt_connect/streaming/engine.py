"""The streaming engine: driver-agnostic sockets that reconnect, resubscribe and shard.

The engine owns connections; the driver's ``StreamSpec`` only says what to
send and how to decode. Each connection runs one task: connect (with the
current session), subscribe everything assigned to it with its modes, read
frames until the socket dies or goes stale, then back off (capped
exponential, full jitter) and do it again. Instruments are assigned to the
first connection with room; past ``max_connections`` x
``max_instruments_per_connection`` a subscription is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from tt_connect.driver_api import BrokerSymbol, DriverContext, Session, StreamSpec, Transport, WsClosed
from tt_connect.enums import StreamMode
from tt_connect.errors import StreamingError, SubscriptionLimitError, TTConnectError
from tt_connect.instruments import Instrument
from tt_connect.logs import get_logger
from tt_connect.models import OrderUpdate, Tick
from tt_connect.streaming.subscriber import OrderUpdateHandler, StreamStats, Subscription, TickHandler
from tt_connect.timeutil import Clock, SystemClock

__all__ = ["StreamEngine"]

_log = get_logger("tt_connect.streaming")
_RANK = {StreamMode.LTP: 0, StreamMode.QUOTE: 1, StreamMode.FULL: 2}


class _Connection:
    """One socket and the instruments assigned to it."""

    def __init__(self, engine: StreamEngine, index: int) -> None:
        self.engine = engine
        self.index = index
        self.modes: dict[Instrument, StreamMode] = {}
        self.symbols: dict[Instrument, BrokerSymbol] = {}
        self.socket: Any = None
        self.connected = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run(), name=f"tt-connect-stream-{self.index}")

    async def send_all(self, messages: Sequence[str | bytes]) -> None:
        socket = self.socket
        if socket is None or not self.connected.is_set():
            return  # the next (re)connect sends the full state
        try:
            for message in messages:
                await socket.send(message)
        except (WsClosed, TTConnectError):
            await self.drop()

    def subscribe_messages(self) -> list[str | bytes]:
        by_mode: dict[StreamMode, list[BrokerSymbol]] = {}
        for instrument, mode in self.modes.items():
            by_mode.setdefault(mode, []).append(self.symbols[instrument])
        spec = self.engine.spec
        messages: list[str | bytes] = []
        for mode, symbols in by_mode.items():
            messages.extend(spec.subscribe(symbols, mode))
        return messages

    async def drop(self) -> None:
        socket, self.socket = self.socket, None
        self.connected.clear()
        if socket is not None:
            with contextlib.suppress(Exception):
                await socket.close()

    async def _run(self) -> None:
        engine = self.engine
        failures = 0
        first = True
        while not engine.closing:
            try:
                session = await engine.session()
                socket = await engine.transport.ws_connect(
                    engine.spec.url(session), engine.spec.headers(session), timeout=10.0)
            except asyncio.CancelledError:
                raise
            except TTConnectError as exc:
                failures += 1
                engine.report(exc)
                await asyncio.sleep(engine.backoff(failures))
                continue
            self.socket = socket
            if not first:
                engine.reconnects += 1
            first = False
            try:
                for message in self.subscribe_messages():
                    await socket.send(message)
                self.connected.set()
                failures = 0
                await self._read(socket)
            except asyncio.CancelledError:
                await self.drop()
                raise
            except (WsClosed, TTConnectError, TimeoutError) as exc:
                _log.info("stream_disconnected", broker=engine.broker, connection=self.index,
                          reason=type(exc).__name__)
            await self.drop()
            if engine.closing:
                return
            failures += 1
            await asyncio.sleep(engine.backoff(failures))

    async def _read(self, socket: Any) -> None:
        engine = self.engine
        spec = engine.spec
        pinger = None
        if spec.ping_interval:
            pinger = asyncio.get_running_loop().create_task(self._ping(socket, spec.ping_interval))
        loop = asyncio.get_running_loop()
        stale_after = spec.stale_after
        try:
            # One rescheduled deadline instead of wait_for per frame: cheaper, and wait_for on
            # Python 3.11 can swallow a cancellation that races with a ready frame.
            async with asyncio.timeout(stale_after) as deadline:
                while not engine.closing:
                    frame = await socket.receive()
                    deadline.reschedule(loop.time() + stale_after)
                    engine.dispatch(frame)
        except TimeoutError:
            raise StreamingError(f"no data for {stale_after}s: the feed is stale") from None
        finally:
            if pinger is not None:
                pinger.cancel()

    async def _ping(self, socket: Any, interval: float) -> None:
        message = self.engine.spec.ping()
        if message is None:
            return
        while True:
            await asyncio.sleep(interval)
            try:
                await socket.send(message)
            except (WsClosed, TTConnectError):
                return

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await self.drop()


class StreamEngine:
    """Streams one client's subscriptions over as many sockets as needed."""

    def __init__(
        self,
        *,
        broker: str,
        spec: StreamSpec,
        transport: Transport,
        ctx: DriverContext,
        session: Callable[[], Awaitable[Session | None]],
        clock: Clock | None = None,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        on_tick_observer: Callable[[Tick], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.broker = broker
        self.spec = spec
        self.transport = transport
        self.ctx = ctx
        self.session = session
        self._clock: Clock = clock or SystemClock()
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._observer = on_tick_observer
        self._on_error = on_error
        self._decoder = spec.decoder(ctx)
        self._connections: list[_Connection] = []
        self._owner: dict[Instrument, _Connection] = {}
        self._subscribers: list[Subscription] = []
        self._lock = asyncio.Lock()
        self.closing = False
        self.reconnects = 0
        self._received = 0
        self._last_tick_at: Any = None

    # -- bookkeeping -----------------------------------------------------------------------

    def backoff(self, failures: int) -> float:
        return random.uniform(0, min(self._backoff_max, self._backoff_base * 2 ** min(failures, 16)))

    def report(self, exc: BaseException) -> None:
        _log.warning("stream_error", broker=self.broker, error=type(exc).__name__, detail=str(exc))
        if self._on_error is not None:
            self._on_error(exc)

    @property
    def stats(self) -> StreamStats:
        """Return the feed's counters, summed over subscribers."""
        subs = [s.stats for s in self._subscribers]
        return StreamStats(
            ticks_received=self._received,
            ticks_delivered=sum(s.ticks_delivered for s in subs),
            conflated=sum(s.conflated for s in subs),
            dropped=sum(s.dropped for s in subs),
            reconnects=self.reconnects,
            connections=self.live_connections,
            last_tick_at=self._last_tick_at,
        )

    @property
    def live_connections(self) -> int:
        """Return how many sockets are connected right now."""
        return sum(1 for c in self._connections if c.connected.is_set())

    def _wanted(self) -> dict[Instrument, StreamMode]:
        wanted: dict[Instrument, StreamMode] = {}
        for sub in self._subscribers:
            for instrument in sub.instruments:
                current = wanted.get(instrument)
                if current is None or _RANK[sub.mode] > _RANK[current]:
                    wanted[instrument] = sub.mode
        return wanted

    def _connection(self, index: int) -> _Connection:
        while len(self._connections) <= index:
            self._connections.append(_Connection(self, len(self._connections)))
        return self._connections[index]

    # -- dispatch (hot path) ---------------------------------------------------------------

    def dispatch(self, frame: str | bytes) -> None:
        try:
            events = self._decoder.decode(frame, self._clock.now())
        except Exception as exc:  # a frame the decoder cannot read: skip it, keep the feed
            self.report(StreamingError(f"undecodable frame ({type(exc).__name__})", broker=self.broker))
            return
        if not events:
            return
        subscribers = self._subscribers
        observer = self._observer
        for event in events:
            if isinstance(event, Tick):
                self._received += 1
                self._last_tick_at = event.received_at
                if observer is not None:
                    observer(event)
                instrument = event.instrument
                for sub in subscribers:
                    if instrument in sub.instruments:
                        sub.offer_tick(event)
            elif isinstance(event, OrderUpdate):
                for sub in subscribers:
                    sub.offer_update(event)

    # -- subscriptions ---------------------------------------------------------------------

    async def subscribe(
        self,
        instruments: Sequence[Instrument],
        *,
        mode: StreamMode = StreamMode.FULL,
        on_tick: TickHandler | None = None,
        on_order_update: OrderUpdateHandler | None = None,
    ) -> Subscription:
        """Add a subscriber; instruments new to the feed are subscribed on the socket."""
        if self.closing:
            raise StreamingError("the stream is closed", broker=self.broker)
        if not isinstance(mode, StreamMode):
            raise StreamingError(f"mode must be a StreamMode, got {mode!r}")
        for item in instruments:
            if not isinstance(item, Instrument):
                raise StreamingError(f"not an instrument: {item!r}")
        if not instruments and on_order_update is None:
            raise StreamingError("subscribe needs instruments, or an order-update handler")
        if on_order_update is not None and not self.spec.carries_order_updates:
            raise StreamingError(f"{self.broker}'s stream carries no order updates", broker=self.broker)
        symbols = {i: self.ctx.resolve(i) for i in instruments}
        async with self._lock:
            wanted = self._wanted()
            new = [i for i in instruments if i not in wanted]
            capacity = self.spec.max_connections * self.spec.max_instruments_per_connection
            if len(wanted) + len(new) > capacity:
                raise SubscriptionLimitError(
                    f"{len(wanted) + len(new)} instruments exceed {self.broker}'s limit of {capacity} "
                    f"({self.spec.max_connections} connections x {self.spec.max_instruments_per_connection})",
                    broker=self.broker)
            sub = Subscription(self, frozenset(instruments), mode, on_tick, on_order_update, self.report)
            self._subscribers.append(sub)
            await self._apply(symbols, self._wanted(), wanted)
            if on_order_update is not None:
                self._connection(0).start()
            involved = {self._owner[i] for i in instruments}
            if on_order_update is not None:
                involved.add(self._connection(0))
        await self._until_live(involved)
        return sub

    async def _until_live(self, connections: set[_Connection], timeout: float = 5.0) -> None:
        """Return once the sockets are up, so nothing that happens after subscribe() is missed.

        A broker that is down does not make subscribe() fail: the connection keeps retrying
        in the background and ``stats.connections`` shows it.
        """
        waits = [asyncio.ensure_future(c.connected.wait()) for c in connections if not c.connected.is_set()]
        if not waits:
            return
        _, pending = await asyncio.wait(waits, timeout=timeout)
        for task in pending:
            task.cancel()

    async def _apply(self, symbols: dict[Instrument, BrokerSymbol], after: dict[Instrument, StreamMode],
                     before: dict[Instrument, StreamMode]) -> None:
        """Send the socket-level difference between two wanted states."""
        changes: dict[_Connection, dict[StreamMode, list[BrokerSymbol]]] = {}
        for instrument, mode in after.items():
            if before.get(instrument) == mode:
                continue
            conn = self._owner.get(instrument)
            if conn is None:
                conn = self._place()
                self._owner[instrument] = conn
                conn.symbols[instrument] = symbols.get(instrument) or self.ctx.resolve(instrument)
            conn.modes[instrument] = mode
            changes.setdefault(conn, {}).setdefault(mode, []).append(conn.symbols[instrument])
        removed: dict[_Connection, list[BrokerSymbol]] = {}
        for instrument in before.keys() - after.keys():
            conn = self._owner.pop(instrument)
            conn.modes.pop(instrument, None)
            removed.setdefault(conn, []).append(conn.symbols.pop(instrument))
        for conn, gone in removed.items():
            await conn.send_all(self.spec.unsubscribe(gone))
        for conn, by_mode in changes.items():
            conn.start()
            for mode, group in by_mode.items():
                await conn.send_all(self.spec.subscribe(group, mode))

    def _place(self) -> _Connection:
        limit = self.spec.max_instruments_per_connection
        for index in range(self.spec.max_connections):
            conn = self._connection(index)
            if len(conn.modes) < limit:
                return conn
        raise SubscriptionLimitError(f"every {self.broker} connection is full", broker=self.broker)

    async def remove(self, sub: Subscription) -> None:
        async with self._lock:
            if sub not in self._subscribers:
                return
            before = self._wanted()
            self._subscribers.remove(sub)
            await sub._stop()
            await self._apply({}, self._wanted(), before)

    async def unsubscribe(self, instruments: Sequence[Instrument]) -> None:
        """Stop these instruments for every subscriber."""
        drop = frozenset(instruments)
        async with self._lock:
            before = self._wanted()
            for sub in list(self._subscribers):
                sub.instruments = sub.instruments - drop
                if not sub.instruments and not sub.wants_updates:
                    self._subscribers.remove(sub)
                    await sub._stop()
            await self._apply({}, self._wanted(), before)

    async def stream(
        self, instruments: Sequence[Instrument], *, mode: StreamMode = StreamMode.FULL, order_updates: bool = False
    ) -> AsyncIterator[Tick | OrderUpdate]:
        """Iterate over events; the subscription ends when the iteration does."""
        queue: asyncio.Queue[Tick | OrderUpdate] = asyncio.Queue(maxsize=1)
        sub = await self.subscribe(instruments, mode=mode, on_tick=queue.put,
                                   on_order_update=queue.put if order_updates else None)
        getter: asyncio.Future[Tick | OrderUpdate] | None = None
        closed = asyncio.ensure_future(sub.wait_closed())
        try:
            while True:
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    return
                yield getter.result()
        finally:
            for future in (getter, closed):
                if future is not None and not future.done():
                    future.cancel()
            await sub.unsubscribe()

    async def reconnect(self) -> None:
        """Drop every socket so each reconnects with the current session (after a re-login)."""
        for conn in self._connections:
            await conn.drop()

    async def close(self) -> None:
        """Stop every socket and subscriber; no task is left behind."""
        self.closing = True
        for sub in list(self._subscribers):
            await sub._stop()
        self._subscribers.clear()
        for conn in self._connections:
            await conn.stop()
