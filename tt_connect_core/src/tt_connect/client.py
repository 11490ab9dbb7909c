"""``AsyncTTConnect``: the one implementation of the user-facing API.

The client selects a driver, validates its config, and then owns every piece
of I/O on its behalf: the transport, the auth lifecycle, the instrument master,
the REST executor (rate limits, retries, exactly-once orders) and the
streaming engine. Strategy code talks only to this class (or its blocking
twin :class:`tt_connect.TTConnect`), so the broker is a configuration detail.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from tt_connect.config import ClientOptions, load_config, parse_client_options, parse_driver_config
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
from tt_connect.enums import (
    CandleInterval,
    InstrumentKind,
    OrderType,
    ProductType,
    Side,
    StreamMode,
    Validity,
    Variety,
)
from tt_connect.errors import (
    ClientClosedError,
    ConfigurationError,
    DriverError,
    InputError,
    InvalidOrderError,
    TTConnectError,
    UnsupportedOperationError,
)
from tt_connect.instruments import AnyInstrument, Future, Index, Instrument
from tt_connect.models import (
    BasketMargin,
    Candle,
    Funds,
    Gtt,
    GttLeg,
    Holding,
    MarginRequirement,
    ModifyRequest,
    Order,
    OrderRequest,
    OrderUpdate,
    Position,
    Profile,
    Quote,
    Tick,
    Trade,
)
from tt_connect.timeutil import IST, Clock, SystemClock

if TYPE_CHECKING:
    from tt_connect.auth import AuthManager
    from tt_connect.instruments_db import BrokerInstruments, InstrumentMaster, OptionChain
    from tt_connect.streaming import (
        ErrorHandler,
        OrderUpdateHandler,
        StreamEngine,
        StreamStats,
        Subscription,
        TickHandler,
    )
    from tt_connect.transport import RestExecutor

__all__ = ["AsyncTTConnect"]

T = TypeVar("T")
E = TypeVar("E")

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


def _coerce_enum(enum_type: type[E], value: object, name: str) -> E:
    if isinstance(value, enum_type):
        return value
    try:
        return enum_type(value)  # type: ignore[call-arg]
    except (ValueError, TypeError):
        members = ", ".join(f"{enum_type.__name__}.{m.name}" for m in enum_type)  # type: ignore[attr-defined]
        raise InvalidOrderError(f"{name} must be one of {members}; got {value!r}") from None


def _market_protection(value: object) -> float | None:
    """A percentage in (0, 100], or -1 for the broker's automatic protection (Kite's convention)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (value == -1 or 0 < value <= 100):
        raise InvalidOrderError(f"market_protection is a percentage above 0 and at most 100, or -1 for the "
                                f"broker's automatic protection; got {value!r}")
    return float(value)


def _positive_number(value: object, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidOrderError(f"{name} must be a number, got {value!r}")
    if not value > 0:
        raise InvalidOrderError(f"{name} must be positive, got {value!r}")
    return float(value)


def _quantity(value: object, name: str = "qty") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOrderError(f"{name} must be a whole number of units, got {value!r}")
    if value <= 0:
        raise InvalidOrderError(f"{name} must be positive, got {value}")
    return value


class _Context:
    """The DriverContext the client lends its driver: its broker's instrument catalogue and clock."""

    def __init__(self, broker: str, view: BrokerInstruments, clock: Clock) -> None:
        self.broker = broker
        self._view = view
        self._clock = clock

    def resolve(self, instrument: Instrument) -> BrokerSymbol:
        return self._view.resolve(instrument)

    def by_token(self, segment: str, token: str) -> AnyInstrument:
        return self._view.by_token(segment, token)

    def by_symbol(self, exchange: str, symbol: str) -> AnyInstrument:
        return self._view.by_symbol(exchange, symbol)

    def now(self) -> _dt.datetime:
        return self._clock.now()


class AsyncTTConnect:
    """An asyncio client for one broker account.

    Parameters
    ----------
    broker
        Driver name: ``"paper"`` (built in), ``"zerodha"``, ``"angelone"``... Third-party
        drivers register under the ``tt_connect.drivers`` entry-point group.
    config
        The driver's settings as a dict (validated; unknown keys are refused by name)
        or an instance of the driver's config Struct.
    extensions
        Extension plugins (risk checks, tick fan-out...) implementing hooks from
        :mod:`tt_connect.hookspecs`.
    on_login_required
        Called with the broker name when the session died and cannot be renewed
        without a human (e.g. a browser-only login on a headless server).
    transport
        Replace the network (tests use :class:`tt_connect.transport.MockTransport`).
    clock
        Replace the clock (tests).
    on_download_progress
        Called as ``(bytes_done, bytes_total_or_None)`` while the instrument master downloads
        (the CLI draws a progress bar with it).
    **options
        :class:`~tt_connect.config.ClientOptions`: ``session_store``, ``instruments_db``,
        ``allow_stale_instruments``, ``timeout``, ``log_format``...

    Examples
    --------
    >>> async with AsyncTTConnect("paper") as broker:          # doctest: +SKIP
    ...     funds = await broker.funds()
    """

    def __init__(
        self,
        broker: str = "paper",
        config: Mapping[str, Any] | DriverConfig | None = None,
        *,
        extensions: Sequence[object] = (),
        on_login_required: Callable[[str], object] | None = None,
        transport: Transport | None = None,
        clock: Clock | None = None,
        on_download_progress: Callable[[int, int | None], None] | None = None,
        **options: Any,
    ) -> None:
        self._closed = False
        self._connected = False
        self._connect_lock: asyncio.Lock | None = None
        driver = load_driver(broker)
        self._name = driver.description.name
        self._description = driver.description
        self._options: ClientOptions = parse_client_options(options)
        self._config = parse_driver_config(driver.description.config_type, config, broker=self._name)
        self._pm = make_plugin_manager(driver, extensions)
        self._clock: Clock = clock or SystemClock()
        self._on_login_required = on_login_required
        self._on_download_progress = on_download_progress
        self._user_transport = transport
        hook = self._pm.hook
        self._capabilities: Capabilities = self._require(hook.ttc_capabilities(config=self._config), "ttc_capabilities")
        self._api: BrokerApi = self._require(hook.ttc_api(config=self._config), "ttc_api")
        self._error_map: ErrorMap = hook.ttc_error_map(config=self._config) or ErrorMap()
        self._transport: Transport | None = None
        self._executor: RestExecutor | None = None
        self._auth: AuthManager | None = None
        self._view: BrokerInstruments | None = None
        self._ctx: _Context | None = None
        self._engine: StreamEngine | None = None
        if self._options.log_format is not None:
            from tt_connect.logs import configure_logging

            configure_logging(format=self._options.log_format, level=self._options.log_level)

    def _require(self, value: T | None, hook_name: str) -> T:
        if value is None:
            raise DriverError(f"driver {self._name!r} returned nothing from {hook_name}", broker=self._name)
        return value

    # -- construction from a file ----------------------------------------------------------

    @classmethod
    def from_config(cls, path: str, **overrides: Any) -> AsyncTTConnect:
        """Create a client from a ``tt-connect.toml`` file (see :mod:`tt_connect.config`)."""
        loaded = load_config(path)
        options = {f: getattr(loaded.options, f) for f in loaded.options.__struct_fields__}
        options.update(overrides)
        return cls(loaded.broker, loaded.settings, **options)

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def broker(self) -> str:
        """Return the driver name this client uses."""
        return self._name

    @property
    def capabilities(self) -> Capabilities:
        """Return the driver's capability matrix."""
        return self._capabilities

    @property
    def closed(self) -> bool:
        """Return True once :meth:`close` was called."""
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosedError(
                f"this {self._name} client is closed; create a new client to continue", broker=self._name
            )

    async def connect(self) -> None:
        """Log in (or restore the session) and load the instrument master.

        Called by ``async with`` and, lazily, by the first call that needs it.
        Safe to call more than once.
        """
        self._check_open()
        if self._connected:
            return
        if self._connect_lock is None:
            self._connect_lock = asyncio.Lock()
        async with self._connect_lock:
            if self._connected:
                return
            try:
                await self._open()
            except BaseException:
                await self._teardown()
                raise
            self._connected = True

    async def _open(self) -> None:
        from tt_connect.transport import RestExecutor, RetryPolicy

        hook = self._pm.hook
        transport = self._user_transport or hook.ttc_transport(config=self._config)
        if transport is None:
            from tt_connect.transport import AiohttpTransport

            transport = AiohttpTransport()
        self._transport = transport
        auth_spec = hook.ttc_auth(config=self._config)
        self._executor = RestExecutor(
            broker=self._name,
            transport=transport,
            api=self._api,
            error_map=self._error_map,
            limits=hook.ttc_rate_limits(config=self._config),
            auth=None,
            retry=RetryPolicy(attempts=self._options.retry_attempts, base_delay=self._options.retry_base_delay,
                              max_delay=self._options.retry_max_delay,
                              order_lookup_attempts=self._options.order_lookup_attempts),
            timeout=self._options.timeout,
            clock=self._clock,
        )
        if auth_spec is not None:
            from tt_connect.auth import AuthManager, select_store

            self._auth = AuthManager(
                broker=self._name,
                spec=auth_spec,
                store=select_store(self._options.session_store, self._options.session_path),
                account=self._account_key(),
                send=self._executor.send_unauthenticated,
                clock=self._clock,
                on_login_required=self._on_login_required,
                interactive_redirect=self._redirect_catcher(),
                on_event=self._session_event,
            )
            self._executor.attach_auth(self._auth)
            await self._auth.session()
            self._auth.start_refresher()
        master = _shared_master(self._options.instruments_db, self._clock)
        source = self._require(hook.ttc_instrument_source(config=self._config), "ttc_instrument_source")
        executor = self._executor

        async def fetch(url: str, progress: Callable[[int, int | None], None] | None = None) -> bytes:
            return await executor.fetch_bytes(url, authenticated=source.authenticated, progress=progress)

        await master.load(self._name, source, fetch, allow_stale=self._options.allow_stale_instruments,
                          progress=self._on_download_progress)
        self._view = master.view(self._name)
        self._ctx = _Context(self._name, self._view, self._clock)

    def _redirect_catcher(self) -> Callable[[str], Awaitable[Mapping[str, str]]] | None:
        """The browser-login catcher, when asked for and the driver names a redirect URL."""
        redirect_url = getattr(self._config, "redirect_url", None)
        if not self._options.interactive_login or not isinstance(redirect_url, str):
            return None
        from tt_connect.redirect_listener import make_redirect_catcher

        return make_redirect_catcher(redirect_url)

    def _account_key(self) -> str:
        """A stable, non-secret name for the credentials, so two accounts never share a session."""
        for field in ("user_id", "client_code", "client_id", "api_key"):
            value = getattr(self._config, field, "")
            if isinstance(value, str) and value:
                digest = hashlib.sha256(value.encode()).hexdigest()[:16]
                return f"{field}:{digest}"
        return "default"

    def _session_event(self, event: str, details: dict[str, object]) -> None:
        self._pm.hook.ttc_session_event(broker=self._name, event=event, details=dict(details))
        if event in ("login", "refreshed") and self._engine is not None and details.get("renewed"):
            asyncio.get_running_loop().create_task(self._engine.reconnect())

    async def close(self) -> None:
        """Close the stream, the session refresher and the HTTP pool. Idempotent."""
        if self._closed:
            return
        self._closed = True
        await self._teardown()

    async def _teardown(self) -> None:
        # Every step runs even if an earlier one raises or is cancelled (Ctrl-C inside
        # ``async with``): the HTTP pool must close, or aiohttp reports an unclosed session.
        engine, self._engine = self._engine, None
        transport, self._transport = self._transport, None
        async with contextlib.AsyncExitStack() as steps:  # callbacks run last-in, first-out
            if transport is not None:
                steps.push_async_callback(transport.close)
            if self._executor is not None:
                steps.push_async_callback(self._executor.close)
            if self._auth is not None:
                steps.push_async_callback(self._auth.close)
            if engine is not None:
                steps.push_async_callback(engine.close)

    async def __aenter__(self) -> AsyncTTConnect:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("connected" if self._connected else "new")
        return f"<AsyncTTConnect broker={self._name!r} {state}>"

    # -- plumbing --------------------------------------------------------------------------

    async def _ready(self) -> tuple[RestExecutor, _Context]:
        self._check_open()
        if not self._connected:
            await self.connect()
        assert self._executor is not None and self._ctx is not None
        return self._executor, self._ctx

    def _catalogue(self) -> BrokerInstruments:
        self._check_open()
        if self._view is None:
            raise ConfigurationError(
                "the instrument master is not loaded yet: call `await broker.connect()` (or use "
                "`async with AsyncTTConnect(...)`) first",
                broker=self._name,
            )
        return self._view

    def _build(self, operation: Operation, build: Callable[[], T]) -> T:
        self._capabilities.require(operation, self._name)
        try:
            return build()
        except TTConnectError:
            raise
        except Exception as exc:  # a driver bug must not leak its internals as a KeyError
            raise DriverError(
                f"driver {self._name!r} failed to build the {operation.value} request: "
                f"{type(exc).__name__}: {exc}",
                broker=self._name,
            ) from exc

    async def _one(self, operation: Operation, make: Callable[[_Context], Call[T]]) -> T:
        executor, ctx = await self._ready()
        call = self._build(operation, lambda: make(ctx))
        return await executor.call(call)

    async def _many(self, operation: Operation, make: Callable[[_Context], list[Call[T]]]) -> list[T]:
        executor, ctx = await self._ready()
        calls = self._build(operation, lambda: make(ctx))
        return await executor.call_all(calls)

    # -- account and portfolio -------------------------------------------------------------

    async def profile(self) -> Profile:
        """Return who is logged in."""
        return await self._one(Operation.PROFILE, self._api.profile)

    async def funds(self) -> Funds:
        """Return the account's funds and margins."""
        return await self._one(Operation.FUNDS, self._api.funds)

    async def holdings(self) -> list[Holding]:
        """Return the demat holdings."""
        return await self._one(Operation.HOLDINGS, self._api.holdings)

    async def positions(self, *, day: bool = False) -> list[Position]:
        """Return the net positions (signed quantities), or with ``day=True`` today's activity only.

        The net book is what you hold now, carried-forward quantity included; the day book
        counts only today's buys and sells (``overnight_quantity`` is 0 there), as Kite's
        ``day`` list does. Instruments not traded today are absent from the day book.
        """
        if not isinstance(day, bool):
            raise InputError(f"day must be True or False, got {day!r}")
        return await self._one(Operation.POSITIONS, self._api.day_positions if day else self._api.positions)

    async def orders(self) -> list[Order]:
        """Return today's order book, each order in its latest state."""
        return await self._one(Operation.ORDERS, self._api.orders)

    async def order(self, order_id: str) -> Order:
        """Return the latest state of one order."""
        history = await self.order_history(order_id)
        return history[-1]

    async def order_history(self, order_id: str) -> list[Order]:
        """Return every state an order went through, oldest first."""
        order_id = self._order_id(order_id)
        return await self._one(Operation.ORDER_HISTORY, lambda ctx: self._api.order_history(ctx, order_id))

    async def trades(self) -> list[Trade]:
        """Return today's fills."""
        return await self._one(Operation.TRADES, self._api.trades)

    async def order_trades(self, order_id: str) -> list[Trade]:
        """Return the fills of one order."""
        order_id = self._order_id(order_id)
        return await self._one(Operation.ORDER_TRADES, lambda ctx: self._api.order_trades(ctx, order_id))

    @staticmethod
    def _order_id(order_id: object) -> str:
        if not isinstance(order_id, str) or not order_id.strip():
            raise InvalidOrderError(f"order_id must be a non-empty string, got {order_id!r}")
        return order_id.strip()

    # -- orders ----------------------------------------------------------------------------

    async def place_order(
        self,
        instrument: Instrument,
        qty: int,
        side: Side,
        product: ProductType,
        order_type: OrderType,
        price: float | None = None,
        trigger_price: float | None = None,
        validity: Validity = Validity.DAY,
        validity_ttl: int | None = None,
        variety: Variety = Variety.REGULAR,
        disclosed_qty: int = 0,
        market_protection: float | None = None,
        tag: str | None = None,
        iceberg_legs: int | None = None,
    ) -> str:
        """Place an order and return the broker's order id.

        ``variety=Variety.ICEBERG`` needs ``iceberg_legs`` (2 or more): the broker
        slices ``qty`` into that many legs and sends the next when one fills.

        The order is checked before anything is sent (lot multiple, tick size,
        prices the order type needs, the broker's capabilities, extension risk
        checks). It carries a unique tag; when the outcome of the call is
        ambiguous (timeout, dropped connection, 5xx), the order book is read for
        that tag, so the result is exactly one order or
        :class:`~tt_connect.errors.OrderStatusUnknownError` carrying the tag.
        ``tag`` is an optional prefix of yours; tt-connect appends a unique suffix.

        Examples
        --------
        >>> order_id = await broker.place_order(                    # doctest: +SKIP
        ...     instrument=Equity(exchange=Exchange.NSE, symbol="RELIANCE"), qty=10,
        ...     side=Side.BUY, product=ProductType.CNC, order_type=OrderType.MARKET)
        """
        from tt_connect.transport import make_order_tag

        executor, ctx = await self._ready()
        request = self._order_request(
            instrument, qty, side, product, order_type, price, trigger_price, validity, validity_ttl,
            variety, disclosed_qty, market_protection, iceberg_legs,
        )
        prefix = self._tag_prefix(tag)
        request = _replace(request, tag=make_order_tag(self._api.tag_max_length, self._api.tag_alphabet, prefix))
        self._capabilities.require(Operation.PLACE_ORDER, self._name)
        self._capabilities.require_order(request, self._name)
        self._catalogue().check_order(request)
        self._pm.hook.ttc_validate_order(broker=self._name, request=request)
        call = self._build(Operation.PLACE_ORDER, lambda: self._api.place_order(ctx, request))
        order_id = await executor.place_order(call, tag=request.tag, find_by_tag=self._find_by_tag)
        self._pm.hook.ttc_order_event(broker=self._name, event="placed", order=None, order_id=order_id)
        return order_id

    def _tag_prefix(self, tag: object) -> str:
        if tag is None:
            return ""
        room = self._api.tag_max_length - 8
        if not isinstance(tag, str) or len(tag) > room or not tag.isalnum():
            raise InvalidOrderError(
                f"tag must be at most {room} letters/digits for {self._name} (tt-connect appends a unique "
                f"8+ character suffix to make the order traceable); got {tag!r}"
            )
        return tag.lower() if self._api.tag_alphabet.islower() else tag

    def _order_request(
        self,
        instrument: object,
        qty: object,
        side: object,
        product: object,
        order_type: object,
        price: object,
        trigger_price: object,
        validity: object,
        validity_ttl: object,
        variety: object,
        disclosed_qty: object,
        market_protection: object,
        iceberg_legs: object = None,
    ) -> OrderRequest:
        if not isinstance(instrument, Instrument):
            raise InvalidOrderError(
                f"instrument must be an Equity, Future or Option, got {type(instrument).__name__}"
            )
        if isinstance(instrument, Index):
            raise InvalidOrderError(f"{instrument} is an index: it can be quoted but not traded")
        otype = _coerce_enum(OrderType, order_type, "order_type")
        kind = _coerce_enum(Variety, variety, "variety")
        price_value = _positive_number(price, "price")
        trigger_value = _positive_number(trigger_price, "trigger_price")
        if otype.needs_price and price_value is None:
            raise InvalidOrderError(f"a {otype} order needs a price")
        if not otype.needs_price and price_value is not None:
            raise InvalidOrderError(f"a {otype} order takes no price; use OrderType.LIMIT or OrderType.SL")
        # A cover order's trigger_price is its compulsory stop-loss, whatever the entry order type.
        if (otype.needs_trigger or kind is Variety.CO) and trigger_value is None:
            what = "cover order needs its stop-loss" if kind is Variety.CO else f"{otype} order needs a"
            raise InvalidOrderError(f"a {what} trigger_price")
        if not (otype.needs_trigger or kind is Variety.CO) and trigger_value is not None:
            raise InvalidOrderError(f"a {otype} order takes no trigger_price")
        valid = _coerce_enum(Validity, validity, "validity")
        ttl: int | None = None
        if valid is Validity.TTL:
            ttl = _quantity(validity_ttl, "validity_ttl (minutes)")
        elif validity_ttl is not None:
            raise InvalidOrderError("validity_ttl is only used with Validity.TTL")
        disclosed = 0 if disclosed_qty in (0, None) else _quantity(disclosed_qty, "disclosed_qty")
        legs: int | None = None
        if kind is Variety.ICEBERG:
            legs = _quantity(iceberg_legs, "iceberg_legs (how many slices)")
            if legs < 2:
                raise InvalidOrderError(f"an iceberg order needs iceberg_legs of 2 or more, got {legs}")
        elif iceberg_legs is not None:
            raise InvalidOrderError("iceberg_legs is only used with Variety.ICEBERG")
        return OrderRequest(
            instrument=instrument,  # type: ignore[arg-type]
            qty=_quantity(qty),
            side=_coerce_enum(Side, side, "side"),
            product=_coerce_enum(ProductType, product, "product"),
            order_type=otype,
            price=price_value,
            trigger_price=trigger_value,
            validity=valid,
            validity_ttl=ttl,
            variety=kind,
            disclosed_qty=disclosed,
            market_protection=_market_protection(market_protection),
            iceberg_legs=legs,
        )

    async def _find_by_tag(self, tag: str) -> str | None:
        for order in await self.orders():
            if order.tag == tag:
                return order.order_id
        return None

    async def modify_order(
        self,
        order_id: str,
        qty: int | None = None,
        price: float | None = None,
        trigger_price: float | None = None,
        order_type: OrderType | None = None,
        validity: Validity | None = None,
        variety: Variety = Variety.REGULAR,
        disclosed_qty: int | None = None,
        market_protection: float | None = None,
    ) -> str:
        """Change an open order; arguments left as None keep their value. Returns the order id.

        ``market_protection`` (a percentage, or -1 for the broker's automatic protection) is
        sent where the broker takes it on a modify (Kite) and ignored elsewhere, as on place.
        """
        executor, ctx = await self._ready()
        request = ModifyRequest(
            order_id=self._order_id(order_id),
            variety=_coerce_enum(Variety, variety, "variety"),
            qty=None if qty is None else _quantity(qty),
            price=_positive_number(price, "price"),
            trigger_price=_positive_number(trigger_price, "trigger_price"),
            order_type=None if order_type is None else _coerce_enum(OrderType, order_type, "order_type"),
            validity=None if validity is None else _coerce_enum(Validity, validity, "validity"),
            disclosed_qty=None if disclosed_qty is None else _quantity(disclosed_qty, "disclosed_qty"),
            market_protection=_market_protection(market_protection),
        )
        changes = ("qty", "price", "trigger_price", "order_type", "validity", "market_protection")
        if all(getattr(request, f) is None for f in changes):
            raise InvalidOrderError(f"modify_order needs at least one of {', '.join(changes)}")
        if request.qty is not None or request.price is not None or request.trigger_price is not None:
            current = await self.order(request.order_id)
            self._catalogue().check_order(
                OrderRequest(
                    instrument=current.instrument,
                    qty=request.qty or current.qty,
                    side=current.side,
                    product=current.product,
                    order_type=request.order_type or current.order_type,
                    price=request.price,
                    trigger_price=request.trigger_price,
                )
            )
        call = self._build(Operation.MODIFY_ORDER, lambda: self._api.modify_order(ctx, request))
        result = await executor.call(call)
        self._pm.hook.ttc_order_event(broker=self._name, event="modified", order=None, order_id=result)
        return result

    async def cancel_order(self, order_id: str, variety: Variety = Variety.REGULAR) -> str:
        """Cancel an open order. Returns the order id."""
        oid = self._order_id(order_id)
        kind = _coerce_enum(Variety, variety, "variety")
        result = await self._one(Operation.CANCEL_ORDER, lambda ctx: self._api.cancel_order(ctx, oid, kind))
        self._pm.hook.ttc_order_event(broker=self._name, event="cancelled", order=None, order_id=result)
        return result

    # -- GTT triggers, margins, conversion ------------------------------------------------

    async def place_gtt(self, instrument: Instrument, legs: GttLeg | Sequence[GttLeg],
                        last_price: float | None = None) -> str:
        """Create a good-till-triggered order; return its trigger id.

        One leg is a single trigger; two legs are an OCO (a stop-loss below and
        a target above the market, one cancels the other). ``last_price`` is the
        reference the broker checks triggers against; it is read with
        :meth:`ltp` when not given.

        Examples
        --------
        >>> await broker.place_gtt(infy, GttLeg(trigger_price=1400, side=Side.BUY, qty=5,  # doctest: +SKIP
        ...                                     product=ProductType.CNC, price=1401))
        """
        request = await self._gtt_request(instrument, legs, last_price)
        return await self._one(Operation.GTT, lambda ctx: self._api.place_gtt(ctx, request))

    async def modify_gtt(self, gtt_id: str, instrument: Instrument, legs: GttLeg | Sequence[GttLeg],
                         last_price: float | None = None) -> str:
        """Replace an active GTT's triggers and orders; return its trigger id."""
        gid = self._order_id(gtt_id)
        request = await self._gtt_request(instrument, legs, last_price)
        return await self._one(Operation.GTT, lambda ctx: self._api.modify_gtt(ctx, gid, request))

    async def cancel_gtt(self, gtt_id: str) -> str:
        """Delete a GTT; return its trigger id."""
        gid = self._order_id(gtt_id)
        return await self._one(Operation.GTT, lambda ctx: self._api.cancel_gtt(ctx, gid))

    async def gtts(self) -> list[Gtt]:
        """Return the account's GTT triggers (active and recently ended)."""
        return await self._one(Operation.GTT, self._api.gtts)

    async def gtt(self, gtt_id: str) -> Gtt:
        """Return one GTT trigger."""
        gid = self._order_id(gtt_id)
        return await self._one(Operation.GTT, lambda ctx: self._api.gtt(ctx, gid))

    async def _gtt_request(self, instrument: Instrument, legs: object, last_price: float | None) -> Any:
        from tt_connect.gtt_checks import checked_gtt

        self._capabilities.require(Operation.GTT, self._name)
        if last_price is None and isinstance(instrument, Instrument) and not isinstance(instrument, Index):
            last_price = (await self.ltp(instrument))[instrument]
        request = checked_gtt(instrument, legs, last_price if last_price is not None else 0.0)
        for leg in request.legs:
            self._catalogue().check_order(OrderRequest(
                instrument=request.instrument, qty=leg.qty, side=leg.side, product=leg.product,
                order_type=leg.order_type, price=leg.price, trigger_price=leg.trigger_price))
        return request

    def _margin_orders(self, orders: object) -> list[OrderRequest]:
        if isinstance(orders, OrderRequest):
            orders = [orders]
        if not isinstance(orders, Sequence) or not orders or \
                not all(isinstance(o, OrderRequest) for o in orders):
            raise InvalidOrderError("margins take a non-empty list of OrderRequest(instrument=..., qty=..., ...)")
        for order in orders:
            self._catalogue().check_order(order)
        return list(orders)

    async def order_margins(self, orders: OrderRequest | Sequence[OrderRequest]) -> list[MarginRequirement]:
        """Return what each order would block, on its own, and its charges."""
        checked = self._margin_orders(orders)
        batches = await self._many(Operation.MARGINS, lambda ctx: self._api.order_margins(ctx, checked))
        return [margin for batch in batches for margin in batch]

    async def basket_margin(self, orders: Sequence[OrderRequest]) -> BasketMargin:
        """Return what the orders would block together (``final`` includes the hedge benefit)."""
        checked = self._margin_orders(orders)
        return await self._one(Operation.MARGINS, lambda ctx: self._api.basket_margin(ctx, checked))

    async def convert_position(self, instrument: Instrument, side: Side, qty: int, from_product: ProductType,
                               to_product: ProductType, overnight: bool = False) -> bool:
        """Move ``qty`` of a position to another product (MIS to CNC before the square-off, say)."""
        from tt_connect.gtt_checks import checked_convert

        request = checked_convert(instrument, _coerce_enum(Side, side, "side"), qty,
                                  _coerce_enum(ProductType, from_product, "from_product"),
                                  _coerce_enum(ProductType, to_product, "to_product"), overnight)
        self._catalogue().lot_size(request.instrument)  # an unknown contract fails here, before sending
        return await self._one(Operation.CONVERT_POSITION, lambda ctx: self._api.convert_position(ctx, request))

    # -- market data -----------------------------------------------------------------------

    @staticmethod
    def _instrument_list(instruments: object) -> list[Instrument]:
        if isinstance(instruments, Instrument):
            return [instruments]
        if isinstance(instruments, (str, bytes)) or not isinstance(instruments, Sequence | set | frozenset):
            raise InvalidOrderError(
                f"instruments must be an instrument or a list of them, got {type(instruments).__name__}"
            )
        items = list(instruments)
        if not items:
            raise InvalidOrderError("instruments must not be empty")
        for item in items:
            if not isinstance(item, Instrument):
                raise InvalidOrderError(f"not an instrument: {item!r} (build one with Equity(...), Option(...))")
        return list(dict.fromkeys(items))

    async def quote(
        self, instruments: Instrument | Sequence[Instrument], mode: StreamMode = StreamMode.FULL
    ) -> dict[Instrument, Quote]:
        """Return market snapshots for one or many instruments (batched under the broker's limits)."""
        items = self._instrument_list(instruments)
        quote_mode = _coerce_enum(StreamMode, mode, "mode")
        parts = await self._many(Operation.QUOTE, lambda ctx: self._api.quote(ctx, items, quote_mode))
        merged: dict[Instrument, Quote] = {}
        for part in parts:
            merged.update(part)
        return merged

    async def ltp(self, instruments: Instrument | Sequence[Instrument]) -> dict[Instrument, float]:
        """Return the last traded price of one or many instruments."""
        items = self._instrument_list(instruments)
        parts = await self._many(Operation.LTP, lambda ctx: self._api.ltp(ctx, items))
        merged: dict[Instrument, float] = {}
        for part in parts:
            merged.update(part)
        return merged

    async def history(
        self,
        instrument: Instrument,
        interval: CandleInterval,
        start: _dt.datetime | _dt.date,
        end: _dt.datetime | _dt.date | None = None,
        oi: bool = False,
    ) -> list[Candle]:
        """Return candles from ``start`` to ``end`` (default now), split across the broker's range limits."""
        (item,) = self._instrument_list(instrument)
        bar = _coerce_enum(CandleInterval, interval, "interval")
        begin = _as_ist(start, "start")
        finish = _as_ist(end, "end") if end is not None else self._clock.now()
        if begin >= finish:
            raise InvalidOrderError(f"history needs start < end, got {begin.isoformat()} >= {finish.isoformat()}")
        parts = await self._many(
            Operation.HISTORY, lambda ctx: self._api.history(ctx, item, bar, begin, finish, bool(oi))
        )
        seen: dict[_dt.datetime, Candle] = {}
        for part in parts:
            for candle in part:
                seen[candle.timestamp] = candle
        return [seen[k] for k in sorted(seen)]

    # -- instruments -----------------------------------------------------------------------

    def search(self, text: str, limit: int = 20) -> list[Instrument]:
        """Find instruments whose symbol or name matches ``text``: the exact symbol and the indices
        named after it (``NIFTY 50`` for ``NIFTY``) first."""
        return self._catalogue().search(text, limit=limit)

    def search_count(self, text: str) -> int:
        """Return how many instruments :meth:`search` would find for ``text`` with no limit."""
        return self._catalogue().search_count(text)

    def expiries(self, underlying: str, kind: InstrumentKind = InstrumentKind.OPT) -> list[_dt.date]:
        """Return the live expiries of an underlying's options (or futures), soonest first."""
        return self._catalogue().expiries(underlying, kind=kind)

    def strikes(self, underlying: str, expiry: _dt.date | str) -> list[float]:
        """Return the strikes listed for an underlying and expiry, ascending."""
        return self._catalogue().strikes(underlying, expiry)

    def futures(self, underlying: str) -> list[Future]:
        """Return the live futures of an underlying, nearest first."""
        return self._catalogue().futures(underlying)

    def nearest_expiry(self, underlying: str, kind: InstrumentKind = InstrumentKind.OPT) -> _dt.date:
        """Return the nearest live expiry (the current week's, for weekly options)."""
        return self._catalogue().nearest_expiry(underlying, kind=kind, on_or_after=self._clock.now().date())

    def monthly_expiry(self, underlying: str, kind: InstrumentKind = InstrumentKind.OPT) -> _dt.date:
        """Return the current month's expiry (the last expiry of the month)."""
        return self._catalogue().monthly_expiry(underlying, kind=kind, on_or_after=self._clock.now().date())

    def lot_size(self, instrument: Instrument) -> int:
        """Return the lot size: quantities must be a multiple of it."""
        return self._catalogue().lot_size(instrument)

    def tick_size(self, instrument: Instrument) -> float:
        """Return the tick size: prices must be a multiple of it."""
        return self._catalogue().tick_size(instrument)

    async def option_chain(
        self, underlying: str, expiry: _dt.date | str, with_quotes: bool = False
    ) -> OptionChain:
        """Return the calls and puts of one expiry by strike; with quotes when asked and supported."""
        chain = self._catalogue().option_chain(underlying, expiry)
        if not with_quotes:
            return chain
        contracts = [c for row in chain.rows for c in (row.call, row.put) if c is not None]
        quotes = await self.quote(contracts) if contracts else {}
        return chain.with_quotes(quotes)

    # -- streaming -------------------------------------------------------------------------

    async def _stream_engine(self) -> StreamEngine:
        _, ctx = await self._ready()
        if self._engine is None:
            from tt_connect.streaming import StreamEngine

            self._capabilities.require(Operation.STREAM, self._name)
            spec = self._pm.hook.ttc_stream(config=self._config)
            if spec is None:
                raise UnsupportedOperationError(f"{self._name} has no streaming feed", broker=self._name)
            assert self._transport is not None
            observer = None
            if self._pm.hook.ttc_tick.get_hookimpls():
                hook = self._pm.hook.ttc_tick
                name = self._name

                def observer(tick: Tick) -> None:
                    hook(broker=name, tick=tick)

            auth = self._auth

            async def session() -> Any:
                return None if auth is None else await auth.session()

            self._engine = StreamEngine(
                broker=self._name,
                spec=spec,
                transport=self._transport,
                ctx=ctx,
                session=session,
                clock=self._clock,
                on_tick_observer=observer,
            )
        return self._engine

    def _observe_updates(self, handler: OrderUpdateHandler | None) -> OrderUpdateHandler | None:
        if handler is None:
            return None
        hook = self._pm.hook.ttc_order_event
        name = self._name

        async def observed(update: OrderUpdate) -> None:
            hook(broker=name, event="updated", order=update.order, order_id=update.order.order_id)
            result = handler(update)
            if isinstance(result, Awaitable):
                await result

        return observed

    async def subscribe(
        self,
        instruments: Instrument | Sequence[Instrument],
        on_tick: TickHandler | None = None,
        mode: StreamMode = StreamMode.FULL,
        on_order_update: OrderUpdateHandler | None = None,
        on_error: ErrorHandler | None = None,
    ) -> Subscription:
        """Stream ticks (and order updates) to handlers; returns a handle to unsubscribe.

        Handlers may be plain functions or coroutines. The feed reconnects and
        resubscribes by itself; a slow handler gets the latest tick per
        instrument (see ``Subscription.stats`` for what was conflated).
        ``on_error`` hears what the stream survives: an exception a handler
        raised, a reconnect that failed, an undecodable frame. Without it those
        are only logged.
        """
        items = self._instrument_list(instruments) if instruments else []
        if on_tick is None and on_order_update is None:
            raise InvalidOrderError("subscribe needs on_tick, on_order_update or both")
        engine = await self._stream_engine()
        return await engine.subscribe(
            items,
            mode=_coerce_enum(StreamMode, mode, "mode"),
            on_tick=on_tick,
            on_order_update=self._observe_updates(on_order_update),
            on_error=on_error,
        )

    async def unsubscribe(self, instruments: Instrument | Sequence[Instrument]) -> None:
        """Stop streaming these instruments for every subscriber of this client."""
        items = self._instrument_list(instruments)
        if self._engine is not None:
            await self._engine.unsubscribe(items)

    async def stream(
        self, instruments: Instrument | Sequence[Instrument], mode: StreamMode = StreamMode.FULL
    ) -> AsyncIterator[Tick]:
        """Iterate over ticks: ``async for tick in broker.stream([...])``; unsubscribes on exit."""
        items = self._instrument_list(instruments)
        engine = await self._stream_engine()
        async for event in engine.stream(items, mode=_coerce_enum(StreamMode, mode, "mode")):
            if isinstance(event, Tick):
                yield event

    def stream_stats(self) -> StreamStats | None:
        """Return the feed's counters (ticks, conflated, dropped, reconnects), or None before streaming."""
        return None if self._engine is None else self._engine.stats

    # -- session ---------------------------------------------------------------------------

    async def logout(self) -> None:
        """End the session at the broker and forget the stored session."""
        self._check_open()
        if self._auth is None:
            return
        await self._ready()
        await self._auth.logout()


def _replace(request: OrderRequest, **changes: Any) -> OrderRequest:
    import msgspec

    return msgspec.structs.replace(request, **changes)


def _as_ist(value: object, name: str) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=IST) if value.tzinfo is None else value.astimezone(IST)
    if isinstance(value, _dt.date):
        return _dt.datetime.combine(value, _dt.time(0, 0), IST)
    raise InvalidOrderError(f"{name} must be a date or datetime, got {value!r}")
