"""The runtime of one client: the driver's parts wired to the core's I/O.

A :class:`Runtime` selects the driver, validates its config, and owns every piece of I/O on its
behalf: the transport, the sender (rate limits, logs), the auth lifecycle, the instrument master,
the REST executor (retries, exactly-once orders), the order registry and the streaming engine.
Each piece is built complete, in dependency order, so nothing is patched in afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import hashlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from tt_connect.config import ClientOptions, parse_driver_config
from tt_connect.driver_api import (
    BrokerApi,
    BrokerSymbol,
    Call,
    Capabilities,
    DriverConfig,
    ErrorMap,
    Operation,
    Transport,
)
from tt_connect.drivers import load_driver, make_plugin_manager
from tt_connect.errors import ClientClosedError, ConfigurationError, DriverError, TTConnectError
from tt_connect.instruments import AnyInstrument, Instrument
from tt_connect.logs import get_logger
from tt_connect.models import Gtt, Order, OrderRequest, OrderUpdate, Tick
from tt_connect.order_state import OrderReads, OrderRegistry
from tt_connect.request_builder import OrderBuilder
from tt_connect.request_builder.capabilities import require
from tt_connect.timeutil import Clock, SystemClock

if TYPE_CHECKING:
    from tt_connect.auth import AuthManager, LoginLock, SessionStore
    from tt_connect.driver_api import RateLimits
    from tt_connect.instruments_db import BrokerInstruments, InstrumentMaster
    from tt_connect.sharing import AccountStore
    from tt_connect.streaming import OrderUpdateHandler, SocketFeed, StreamEngine
    from tt_connect.transport import RestExecutor
    from tt_connect.transport.rate_limit import WindowStore

__all__ = ["Runtime"]

T = TypeVar("T")
_log = get_logger("tt_connect.client")
_masters: dict[str, InstrumentMaster] = {}


def _shared_master(path: str | None, clock: Clock) -> InstrumentMaster:
    """One master per database path per process: DuckDB allows one writer per file."""
    from tt_connect.instruments_db import InstrumentMaster

    key = path or ""
    if path == ":memory:":
        return InstrumentMaster(":memory:", clock=clock)
    master = _masters.get(key)
    if master is None:
        master = InstrumentMaster(path, clock=clock)
        _masters[key] = master
    return master


class _Context:
    """The DriverContext a runtime lends its driver: the catalogue, the clock and the order registry."""

    def __init__(self, broker: str, view: BrokerInstruments, clock: Clock, registry: OrderRegistry) -> None:
        self.broker = broker
        self._view = view
        self._clock = clock
        self._registry = registry

    def resolve(self, instrument: Instrument) -> BrokerSymbol:
        return self._view.resolve(instrument)

    def by_token(self, segment: str, token: str) -> AnyInstrument:
        return self._view.by_token(segment, token)

    def by_symbol(self, exchange: str, symbol: str) -> AnyInstrument:
        return self._view.by_symbol(exchange, symbol)

    def now(self) -> _dt.datetime:
        return self._clock.now()

    def known_order(self, order_id: str) -> Order | None:
        return self._registry.order(order_id)

    def known_gtt(self, gtt_id: str) -> Gtt | None:
        return self._registry.gtt(gtt_id)


def _shared_object(value: T | None, option: str, methods: tuple[str, ...], kind: str) -> T | None:
    """Check an object given for a shared store has the protocol's methods (a clear error, not a crash later)."""
    if value is not None and not all(callable(getattr(value, m, None)) for m in methods):
        raise ConfigurationError(f"{option} must be {kind} (an object with {', '.join(methods)}), "
                                 f"got {type(value).__name__}")
    return value


class Runtime:
    """Everything one client owns; :class:`~tt_connect.client.AsyncTTConnect` is its facade."""

    def __init__(
        self,
        broker: str,
        config: Mapping[str, Any] | DriverConfig | None,
        options: ClientOptions,
        *,
        extensions: Sequence[object] = (),
        on_login_required: Callable[..., object] | None = None,
        transport: Transport | None = None,
        clock: Clock | None = None,
        on_download_progress: Callable[[int, int | None], None] | None = None,
        session_store: SessionStore | None = None,
        login_lock: LoginLock | None = None,
        window_store: WindowStore | None = None,
    ) -> None:
        driver = load_driver(broker)
        self.name = driver.description.name
        self.description = driver.description
        self.options = options
        self.config = parse_driver_config(driver.description.config_type, config, broker=self.name)
        self.pm = make_plugin_manager(driver, extensions)
        self.clock: Clock = clock or SystemClock()
        self._on_login_required = on_login_required
        self._on_download_progress = on_download_progress
        self._user_transport = transport
        self._session_store = _shared_object(session_store, "session_store", ("load", "save", "delete"),
                                             "a SessionStore")
        self._login_lock = _shared_object(login_lock, "login_lock", ("hold",), "a LoginLock")
        self._window_store = _shared_object(window_store, "window_store", ("reserve", "settle"), "a WindowStore")
        self._account_store: AccountStore | None = None
        hook = self.pm.hook
        self.capabilities: Capabilities = self._required(hook.ttc_capabilities(), "capabilities")
        link = driver.plugin.market_link(self.config)
        self.market: Runtime = self
        self._streams_for: Runtime = self
        """Whose stream engine streams this runtime's sockets (a live market's: the paper client's)."""
        """Where instruments, quotes, history and ticks come from: this runtime, or the live one a paper
        account trades on (its own driver, login, session and master)."""
        if link is not None:
            self.market = Runtime(link.broker, link.settings, options, on_login_required=on_login_required,
                                  clock=clock, on_download_progress=on_download_progress,
                                  session_store=session_store, login_lock=login_lock, window_store=window_store)
            self.market._streams_for = self
            self.capabilities = link.capabilities(self.market.capabilities)
        self.api: BrokerApi = self._required(hook.ttc_api(config=self.config), "api")
        self.error_map: ErrorMap = hook.ttc_error_map(config=self.config) or ErrorMap()
        self.registry = OrderRegistry(self.error_map)
        self.reads = OrderReads(broker=self.name, api=self.api, capabilities=self.capabilities,
                                registry=self.registry, send=self.send)
        self.builder = OrderBuilder(broker=self.name, capabilities=self.capabilities,
                                    tag_max_length=self.api.tag_max_length, tag_alphabet=self.api.tag_alphabet,
                                    check_contract=lambda request: self.catalogue().check_order(request),
                                    validate=self._validate_order,
                                    freeze_of=lambda instrument: self.catalogue().freeze_quantity(instrument),
                                    algo_id_field=self.api.algo_id_field, default_algo_id=options.algo_id)
        from tt_connect.compliance import OrderJournal, OrderRateLimiter

        self.order_rate = OrderRateLimiter(options.order_rate_per_exchange)
        self.journal = OrderJournal.from_option(options.journal, self.name)
        self.closed = False
        self.connected = False
        self._connect_lock: asyncio.Lock | None = None
        self.transport: Transport | None = None
        self.executor: RestExecutor | None = None
        self.auth: AuthManager | None = None
        self._view: BrokerInstruments | None = None
        self.ctx: _Context | None = None
        self.engine: StreamEngine | None = None
        self._timers: set[asyncio.Task[None]] = set()

    def _required(self, value: T | None, part: str) -> T:
        if value is None:
            raise DriverError(f"driver {self.name!r} returned nothing from {part}()", broker=self.name)
        return value

    # -- lifecycle -------------------------------------------------------------------------

    def check_open(self) -> None:
        if self.closed:
            raise ClientClosedError(f"this {self.name} client is closed; create a new client to continue",
                                    broker=self.name)

    async def connect(self) -> None:
        """Log in (or restore the session) and load the instrument master; safe to call again."""
        self.check_open()
        if self.connected:
            return
        if self._connect_lock is None:
            self._connect_lock = asyncio.Lock()
        async with self._connect_lock:
            if self.connected:
                return
            try:
                await self._open()
            except BaseException:
                await self._teardown()
                raise
            self.connected = True

    async def _open(self) -> None:
        if self.market is not self:
            await self.market.connect()
        self.wire()
        if self.auth is not None:
            await self.auth.session()
            self.auth.start_refresher()
        await self._load_master()

    def wire(self) -> None:
        """Build the transport, sender, auth lifecycle and executor (no I/O); idempotent."""
        if self.executor is not None and self.transport is not None:
            return
        from tt_connect.transport import RestExecutor, RetryPolicy
        from tt_connect.transport.rate_limit import RateLimiter
        from tt_connect.transport.sender import Sender

        hook = self.pm.hook
        transport = self._user_transport or hook.ttc_transport(config=self.config)
        if transport is None:
            from tt_connect.transport import AiohttpTransport

            transport = AiohttpTransport(source_address=self.options.source_address, proxy=self.options.proxy)
        self.transport = transport
        bind_market = getattr(transport, "bind_market", None)
        if self.market is not self and callable(bind_market):
            bind_market(self)
        options = self.options
        shared = self._shared_account()
        limits = hook.ttc_rate_limits(config=self.config)
        windows = self._window_store or (shared.windows if shared is not None else None)
        sender = Sender(broker=self.name, transport=transport, timeout=options.timeout,
                        limiter=RateLimiter(limits, clock=self.clock, store=windows, scope=self._limit_scope(limits)))
        if windows is not None:  # SEBI's per-exchange rate counts the client's orders from every process
            self.order_rate.share(windows, f"{self.name}:{self._account_digest()}")
        auth_spec = hook.ttc_auth(config=self.config)
        if auth_spec is not None:
            from tt_connect.auth import AuthManager, host_login_lock, select_store

            store = self._session_store or (shared.sessions if shared is not None else
                                            select_store(options.session_store, options.session_path))
            login_lock = self._login_lock or (shared.login_lock if shared is not None else host_login_lock(store))
            self.auth = AuthManager(
                broker=self.name, spec=auth_spec, store=store, account=self.account_key(), send=sender.send,
                clock=self.clock, on_login_required=self._on_login_required,
                interactive_redirect=self._redirect_catcher(auth_spec), on_event=self._session_event,
                error_map=self.error_map,
                login_lock=login_lock)
        self.executor = RestExecutor(
            sender=sender, api=self.api, error_map=self.error_map, auth=self.auth,
            retry=RetryPolicy(attempts=options.retry_attempts, base_delay=options.retry_base_delay,
                              max_delay=options.retry_max_delay,
                              order_lookup_attempts=options.order_lookup_attempts))

    async def _load_master(self) -> None:
        if self.market is not self:
            self._view = self.market.catalogue()
            self.ctx = _Context(self.name, self._view, self.clock, self.registry)
            return
        master = _shared_master(self.options.instruments_db, self.clock)
        source = self._required(self.pm.hook.ttc_instrument_source(config=self.config), "instrument_source")
        executor = self.executor
        assert executor is not None

        async def fetch(url: str, progress: Callable[[int, int | None], None] | None = None) -> bytes:
            return await executor.fetch_bytes(url, authenticated=source.authenticated, progress=progress)

        await master.load(self.name, source, fetch, allow_stale=self.options.allow_stale_instruments,
                          progress=self._on_download_progress)
        self._view = master.view(self.name)
        self.ctx = _Context(self.name, self._view, self.clock, self.registry)

    def _redirect_catcher(self, auth: Any) -> Callable[[str], Awaitable[Mapping[str, str]]] | None:
        """The browser-login catcher, when asked for and the driver names a redirect URL."""
        redirect_url = auth.redirect_url
        if not self.options.interactive_login or not isinstance(redirect_url, str) or not redirect_url:
            return None
        from tt_connect.redirect_listener import make_redirect_catcher

        return make_redirect_catcher(redirect_url)

    def account_key(self) -> str:
        """A stable, non-secret name for the credentials, so two accounts never share a session."""
        if not self.config.account():
            return "default"
        return f"{self.config.account_field}:{self._account_digest()}"

    def _account_digest(self, value: str | None = None) -> str:
        """A non-secret digest of the account (or of ``value``): keys of shared stores are named by it."""
        text = self.config.account() if value is None else value
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def _shared_account(self) -> AccountStore | None:
        """The ``account_store`` every process of the account shares, opened once."""
        if self._account_store is None and self.options.account_store:
            from tt_connect.sharing import open_account_store

            self._account_store = open_account_store(self.options.account_store)
        return self._account_store

    def _limit_scope(self, limits: RateLimits | None) -> str:
        """The name rate-limit windows are counted under: the broker and what it counts by (not secret)."""
        if limits is None:
            return self.name
        value = str(getattr(self.config, "api_key", "") or "") if limits.scope == "api_key" else ""
        return f"{self.name}:{limits.scope}:{self._account_digest(value or None)}"

    def _session_event(self, event: str, details: dict[str, object]) -> None:
        self.pm.hook.ttc_session_event(broker=self.name, event=event, details=dict(details))
        engine = self._streams_for.engine
        if event in ("login", "refreshed") and engine is not None and details.get("renewed"):
            asyncio.get_running_loop().create_task(engine.reconnect())

    async def close(self) -> None:
        """Close the stream, timers, the session refresher and the HTTP pool. Idempotent."""
        if self.closed:
            return
        self.closed = True
        await self._teardown()

    async def disconnect(self) -> None:
        """Tear down the connection (a failed connect of the paper client on top), staying reusable."""
        await self._teardown()
        self.connected = False

    async def _teardown(self) -> None:
        for timer in list(self._timers):
            timer.cancel()
        for timer in list(self._timers):
            with contextlib.suppress(BaseException):
                await timer
        # Every step runs even if an earlier one raises or is cancelled (Ctrl-C inside ``async with``):
        # the HTTP pool must close, or aiohttp reports an unclosed session.
        engine, self.engine = self.engine, None
        transport, self.transport = self.transport, None
        account_store, self._account_store = self._account_store, None
        self.executor = None
        async with contextlib.AsyncExitStack() as steps:  # callbacks run last-in, first-out
            steps.callback(self.journal.close)  # its file stays open between orders
            if self.market is not self:
                steps.push_async_callback(self.market.close if self.closed else self.market.disconnect)
            if transport is not None:
                steps.push_async_callback(transport.close)
            if account_store is not None:
                steps.push_async_callback(account_store.close)
            if self.auth is not None:
                steps.push_async_callback(self.auth.close)
            if engine is not None:
                steps.push_async_callback(engine.close)

    # -- sending ---------------------------------------------------------------------------

    async def ready(self) -> tuple[RestExecutor, _Context]:
        self.check_open()
        if not self.connected:
            await self.connect()
        assert self.executor is not None and self.ctx is not None
        return self.executor, self.ctx

    def catalogue(self) -> BrokerInstruments:
        self.check_open()
        if self._view is None:
            raise ConfigurationError(
                "the instrument master is not loaded yet: call `await broker.connect()` (or use "
                "`async with AsyncTTConnect(...)`) first", broker=self.name)
        return self._view

    def build(self, operation: Operation, make: Callable[[], T]) -> T:
        """Run a driver's builder; a driver bug surfaces as DriverError, never as its own exception."""
        try:
            return make()
        except TTConnectError:
            raise
        except Exception as exc:
            raise DriverError(f"driver {self.name!r} failed to build the {operation.value} request: "
                              f"{type(exc).__name__}: {exc}", broker=self.name) from exc

    async def send(self, operation: Operation, make: Callable[[_Context], Call[T]]) -> T:
        """Check the operation is available, build its call and send it."""
        require(self.capabilities, operation, self.name)
        executor, ctx = await self.ready()
        return await executor.call(self.build(operation, lambda: make(ctx)))

    async def send_all(self, operation: Operation, make: Callable[[_Context], Sequence[Call[T]]]) -> list[T]:
        """Like :meth:`send` for an operation the core split into several calls (batches, chunks)."""
        require(self.capabilities, operation, self.name)
        executor, ctx = await self.ready()
        return await executor.call_all(self.build(operation, lambda: list(make(ctx))))

    async def send_in_order(self, operation: Operation, make: Callable[[_Context], Sequence[Call[T]]]) -> list[T]:
        """Like :meth:`send_all` for writes that depend on each other: one at a time, stopping at a failure."""
        require(self.capabilities, operation, self.name)
        executor, ctx = await self.ready()
        return [await executor.call(call) for call in self.build(operation, lambda: list(make(ctx)))]

    def _validate_order(self, request: OrderRequest) -> None:
        """The extensions' risk hook; skipped (one list copy, no hook call) when no extension implements it."""
        hook = self.pm.hook.ttc_validate_order
        if hook.get_hookimpls():
            hook(broker=self.name, request=request)

    def order_event(self, event: str, order_id: str) -> None:
        """Tell the extensions an order was placed, modified or cancelled (nothing to call when none listens)."""
        hook = self.pm.hook.ttc_order_event
        if hook.get_hookimpls():
            hook(broker=self.name, event=event, order=None, order_id=order_id)

    def later(self, delay: float, action: Callable[[], Awaitable[object]], what: str) -> None:
        """Run ``action`` after ``delay`` seconds while the client is open (an emulated TTL's cancel)."""
        async def run() -> None:
            await asyncio.sleep(delay)
            try:
                await action()
            except TTConnectError as exc:
                _log.info("scheduled_action_failed", broker=self.name, action=what, error=type(exc).__name__)

        task = asyncio.get_running_loop().create_task(run())
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    # -- streaming -------------------------------------------------------------------------

    async def stream_engine(self) -> StreamEngine:
        await self.ready()
        if self.engine is None:
            from tt_connect.streaming import StreamEngine

            require(self.capabilities, Operation.STREAM, self.name)
            observer = None
            if self.pm.hook.ttc_tick.get_hookimpls():
                hook = self.pm.hook.ttc_tick
                name = self.name

                def observer(tick: Tick) -> None:
                    hook(broker=name, tick=tick)

            if self.options.feed:
                from tt_connect.sharing import open_feed

                feed = open_feed(self.options.feed, broker=self.name, namespace=self.bus_namespace(),
                                 group=self.options.feed_group)
            elif self.market is not self:  # the live broker's ticks, this account's order updates
                from tt_connect.streaming.split_feed import SplitFeed

                feed = SplitFeed(ticks=self.market.socket_feed(), orders=self.socket_feed())
            else:
                feed = self.socket_feed()
            self.engine = StreamEngine(broker=self.name, feed=feed, on_tick_observer=observer)
        return self.engine

    def bus_namespace(self) -> str:
        """The name every process of this account meets under on a feed bus: broker and account key."""
        return f"{self.name}:{self.account_key()}"

    def socket_feed(self) -> SocketFeed:
        """A feed of this account's own broker sockets (a connected runtime's transport and session)."""
        from tt_connect.streaming import SocketFeed

        spec = self._required(self.pm.hook.ttc_stream(config=self.config), "stream")
        auth, executor, ctx, transport = self.auth, self.executor, self.ctx, self.transport
        assert executor is not None and ctx is not None and transport is not None

        async def session() -> Any:
            return None if auth is None else await auth.session()

        async def renew(dead: Any) -> None:
            if auth is not None:
                await auth.renew(dead)

        return SocketFeed(broker=self.name, spec=spec, transport=transport, ctx=ctx, session=session,
                          run_call=executor.call, renew_session=renew, clock=self.clock)

    def observe_updates(self, handler: OrderUpdateHandler | None) -> OrderUpdateHandler | None:
        """Wrap an order-update handler: the registry learns each update, extensions observe it."""
        if handler is None:
            return None
        hook = self.pm.hook.ttc_order_event
        name = self.name
        registry = self.registry

        async def observed(update: OrderUpdate) -> None:
            order = registry.remember(update.order)
            if order is not update.order:
                import msgspec

                update = msgspec.structs.replace(update, order=order)
            hook(broker=name, event="updated", order=order, order_id=order.order_id)
            result = handler(update)
            if isinstance(result, Awaitable):
                await result

        return observed
