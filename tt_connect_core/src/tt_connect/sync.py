"""``TTConnect``: the blocking client, a thin shell over :class:`AsyncTTConnect`.

A fresh event loop per call (``asyncio.run``) would throw away the HTTP
connection pool on every call and could not hold a stream open, so each
``TTConnect`` owns one private event-loop thread and submits coroutines to it.
Nothing here re-implements behaviour: every method forwards to the async client.

Streaming: :meth:`TTConnect.subscribe` blocks the calling thread until the
subscription ends (like the official Kite client's ``connect()``); pass
``block=False`` to get a handle and stream in the background. Handlers run on a
dedicated handler thread, never on the event-loop thread, so they may call
``broker.place_order`` and other blocking methods without deadlock.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import queue
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from tt_connect.client import AsyncTTConnect
from tt_connect.enums import StreamMode
from tt_connect.errors import ClientClosedError, StreamingError, TTConnectError
from tt_connect.instruments import Instrument
from tt_connect.models import OrderUpdate, Tick

if TYPE_CHECKING:
    from tt_connect.config import ClientOptions
    from tt_connect.driver_api import DriverConfig
    from tt_connect.streaming import StreamStats, Subscription

__all__ = ["SyncSubscription", "TTConnect"]

P = ParamSpec("P")
R = TypeVar("R")
Event = TypeVar("Event", Tick, OrderUpdate, BaseException)


class _LoopThread:
    """One event loop running forever on a private daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        self.loop.close()

    def run(self, coro: Coroutine[Any, Any, R]) -> R:
        if threading.current_thread() is self._thread:
            coro.close()
            raise StreamingError(
                "a blocking TTConnect method was called on its own event-loop thread; "
                "use AsyncTTConnect inside coroutines"
            )
        if not self.loop.is_running() and self.loop.is_closed():
            coro.close()
            raise ClientClosedError("this client is closed; create a new TTConnect(...)")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except KeyboardInterrupt:
            future.cancel()
            raise

    def stop(self) -> None:
        if self.loop.is_running() and threading.current_thread() is not self._thread:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(_cancel_leftovers(), self.loop).result(timeout=5)
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=10)


async def _cancel_leftovers() -> None:
    """Cancel what is still scheduled (e.g. an abandoned iteration) so the loop closes cleanly."""
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _blocking(
    method: Callable[Concatenate[AsyncTTConnect, P], Awaitable[R]],
) -> Callable[Concatenate[TTConnect, P], R]:
    """Turn an AsyncTTConnect coroutine method into a blocking TTConnect method."""

    @functools.wraps(method)
    def wrapper(self: TTConnect, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._run(method(self._client, *args, **kwargs))  # type: ignore[arg-type]

    return wrapper  # type: ignore[return-value]


def _direct(method: Callable[Concatenate[AsyncTTConnect, P], R]) -> Callable[Concatenate[TTConnect, P], R]:
    """Forward a plain (in-memory) AsyncTTConnect method unchanged."""

    @functools.wraps(method)
    def wrapper(self: TTConnect, *args: P.args, **kwargs: P.kwargs) -> R:
        return method(self._client, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class SyncSubscription:
    """Handle of a background subscription of the blocking client."""

    def __init__(self, owner: TTConnect, subscription: Subscription, workers: list[_HandlerThread]) -> None:
        self._owner = owner
        self._subscription = subscription
        self._workers = workers

    @property
    def stats(self) -> StreamStats:
        """Return this subscriber's counters (delivered, conflated, dropped...)."""
        return self._subscription.stats

    def unsubscribe(self) -> None:
        """Stop the subscription and its handler thread."""
        if not self._owner.closed:
            self._owner._run(self._subscription.unsubscribe())
        for worker in self._workers:
            worker.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the subscription ends; return False on timeout."""
        try:
            self._owner._run(asyncio.wait_for(self._subscription.wait_closed(), timeout))
        except TimeoutError:
            return False
        return True


class _HandlerThread:
    """Runs a user's handler on its own thread, in arrival order.

    The engine awaits each delivery, so its per-instrument conflation keeps
    working when the handler is slow; the event loop stays free meanwhile.
    """

    def __init__(self, name: str) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    def wrap(self, handler: Callable[[Event], object]) -> Callable[[Event], Awaitable[None]]:
        async def deliver(event: Event) -> None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, handler, event)

        return deliver

    def stop(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class TTConnect:
    """A blocking client for one broker account: the same API as :class:`AsyncTTConnect`.

    Construction logs in (or restores the session) and loads the instrument
    master, so instruments can be built right after it.

    Examples
    --------
    >>> broker = TTConnect("paper")                       # doctest: +SKIP
    >>> broker.place_order(instrument=Equity(exchange=Exchange.NSE, symbol="RELIANCE"), qty=10,
    ...                    side=Side.BUY, product=ProductType.CNC, order_type=OrderType.MARKET)
    """

    def __init__(
        self,
        broker: str = "paper",
        config: Mapping[str, Any] | DriverConfig | None = None,
        **kwargs: Any,
    ) -> None:
        self._client = AsyncTTConnect(broker, config, **kwargs)
        self._workers: list[_HandlerThread] = []
        self._loop = _LoopThread(f"tt-connect-{self._client.broker}")
        try:
            self._loop.run(self._client.connect())
        except BaseException:
            self._loop.run(self._client.close())
            self._loop.stop()
            raise

    @classmethod
    def from_config(cls, path: str, **overrides: Any) -> TTConnect:
        """Create a client from a ``tt-connect.toml`` file (see :mod:`tt_connect.config`)."""
        from tt_connect.config import load_config

        loaded = load_config(path)
        options = {f: getattr(loaded.options, f) for f in loaded.options.__struct_fields__}
        options.update(overrides)
        return cls(loaded.broker, loaded.settings, **options)

    def _run(self, coro: Coroutine[Any, Any, R]) -> R:
        if self._client.closed:
            coro.close()
            raise ClientClosedError(
                f"this {self._client.broker} client is closed; create a new TTConnect(...)",
                broker=self._client.broker,
            )
        return self._loop.run(coro)

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def broker(self) -> str:
        """Return the driver name this client uses."""
        return self._client.broker

    @property
    def capabilities(self) -> Any:
        """Return the driver's capability matrix."""
        return self._client.capabilities

    @property
    def closed(self) -> bool:
        """Return True once :meth:`close` was called."""
        return self._client.closed

    @property
    def options(self) -> ClientOptions:
        """Return the client options in effect (timeouts, retries, stores)."""
        return self._client.options

    def connect(self) -> None:
        """Log in and load the instruments (already done by the constructor)."""
        self._run(self._client.connect())

    def close(self) -> None:
        """Close the stream, the session refresher, the HTTP pool and the loop thread. Idempotent."""
        if self._client.closed:
            return
        self._loop.run(self._client.close())
        for worker in self._workers:
            worker.stop()
        self._loop.stop()

    def __enter__(self) -> TTConnect:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return repr(self._client).replace("AsyncTTConnect", "TTConnect")

    # -- forwarded API ---------------------------------------------------------------------

    profile = _blocking(AsyncTTConnect.profile)
    funds = _blocking(AsyncTTConnect.funds)
    holdings = _blocking(AsyncTTConnect.holdings)
    positions = _blocking(AsyncTTConnect.positions)
    orders = _blocking(AsyncTTConnect.orders)
    order = _blocking(AsyncTTConnect.order)
    order_history = _blocking(AsyncTTConnect.order_history)
    trades = _blocking(AsyncTTConnect.trades)
    order_trades = _blocking(AsyncTTConnect.order_trades)
    place_order = _blocking(AsyncTTConnect.place_order)
    modify_order = _blocking(AsyncTTConnect.modify_order)
    cancel_order = _blocking(AsyncTTConnect.cancel_order)
    place_gtt = _blocking(AsyncTTConnect.place_gtt)
    modify_gtt = _blocking(AsyncTTConnect.modify_gtt)
    cancel_gtt = _blocking(AsyncTTConnect.cancel_gtt)
    gtts = _blocking(AsyncTTConnect.gtts)
    gtt = _blocking(AsyncTTConnect.gtt)
    order_margins = _blocking(AsyncTTConnect.order_margins)
    basket_margin = _blocking(AsyncTTConnect.basket_margin)
    convert_position = _blocking(AsyncTTConnect.convert_position)
    quote = _blocking(AsyncTTConnect.quote)
    ltp = _blocking(AsyncTTConnect.ltp)
    history = _blocking(AsyncTTConnect.history)
    option_chain = _blocking(AsyncTTConnect.option_chain)
    option = _blocking(AsyncTTConnect.option)
    place_sliced = _blocking(AsyncTTConnect.place_sliced)
    place_basket = _blocking(AsyncTTConnect.place_basket)
    set_position = _blocking(AsyncTTConnect.set_position)
    open_orders = _blocking(AsyncTTConnect.open_orders)
    cancel_all = _blocking(AsyncTTConnect.cancel_all)
    close_all = _blocking(AsyncTTConnect.close_all)
    static_ip = _blocking(AsyncTTConnect.static_ip)
    set_static_ip = _blocking(AsyncTTConnect.set_static_ip)
    underlying_price = _blocking(AsyncTTConnect.underlying_price)
    unsubscribe = _blocking(AsyncTTConnect.unsubscribe)
    logout = _blocking(AsyncTTConnect.logout)
    complete_login = _blocking(AsyncTTConnect.complete_login)

    login_url = _direct(AsyncTTConnect.login_url)
    search = _direct(AsyncTTConnect.search)
    search_count = _direct(AsyncTTConnect.search_count)
    expiries = _direct(AsyncTTConnect.expiries)
    strikes = _direct(AsyncTTConnect.strikes)
    futures = _direct(AsyncTTConnect.futures)
    nearest_expiry = _direct(AsyncTTConnect.nearest_expiry)
    monthly_expiry = _direct(AsyncTTConnect.monthly_expiry)
    expiry = _direct(AsyncTTConnect.expiry)
    lot_size = _direct(AsyncTTConnect.lot_size)
    tick_size = _direct(AsyncTTConnect.tick_size)
    freeze_quantity = _direct(AsyncTTConnect.freeze_quantity)
    stream_stats = _direct(AsyncTTConnect.stream_stats)
    market_status = _direct(AsyncTTConnect.market_status)
    is_trading_day = _direct(AsyncTTConnect.is_trading_day)
    next_session = _direct(AsyncTTConnect.next_session)

    # -- streaming -------------------------------------------------------------------------

    def subscribe(
        self,
        instruments: Instrument | Sequence[Instrument],
        on_tick: Callable[[Tick], object] | None = None,
        mode: StreamMode = StreamMode.FULL,
        on_order_update: Callable[[OrderUpdate], object] | None = None,
        on_error: Callable[[BaseException], object] | None = None,
        *,
        block: bool = True,
    ) -> SyncSubscription:
        """Stream ticks to ``on_tick`` (and order updates to ``on_order_update``).

        With ``block=True`` (the default) this call returns only when the
        subscription ends: a handler or another thread unsubscribes, the client
        closes, or Ctrl-C. With ``block=False`` it returns a handle at once.
        Handlers (``on_error`` too) run on a handler thread, one event at a time
        in arrival order.
        """
        worker = _HandlerThread(f"tt-connect-{self.broker}-handler")
        tick_handler = worker.wrap(on_tick) if on_tick is not None else None
        update_handler = worker.wrap(on_order_update) if on_order_update is not None else None
        error_handler = worker.wrap(on_error) if on_error is not None else None
        try:
            subscription = self._run(
                self._client.subscribe(instruments, tick_handler, mode, update_handler, error_handler)
            )
        except BaseException:
            worker.stop()
            raise
        self._workers.append(worker)
        handle = SyncSubscription(self, subscription, [worker])
        if block:
            try:
                handle.wait()
            except KeyboardInterrupt:
                handle.unsubscribe()
            except TTConnectError:
                if not self.closed:
                    raise
        return handle

    def stream(
        self, instruments: Instrument | Sequence[Instrument], mode: StreamMode = StreamMode.FULL
    ) -> Iterator[Tick]:
        """Iterate over ticks, blocking: ``for tick in broker.stream([...])``; unsubscribes on exit."""
        items: queue.Queue[Tick | BaseException | None] = queue.Queue(maxsize=10_000)
        stop = threading.Event()

        async def pump() -> None:
            try:
                async for tick in self._client.stream(instruments, mode):
                    if stop.is_set():
                        break
                    await asyncio.get_running_loop().run_in_executor(None, items.put, tick)
            except BaseException as exc:  # handed to the consuming thread
                items.put(exc)
                return
            items.put(None)

        future = asyncio.run_coroutine_threadsafe(pump(), self._loop.loop)
        try:
            while True:
                item = items.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            future.cancel()
