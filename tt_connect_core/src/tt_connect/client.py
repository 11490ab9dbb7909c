"""``AsyncTTConnect``: the user-facing API, a facade over the runtime, the request builder and the flows.

Strategy code talks only to this class (or its blocking twin :class:`tt_connect.TTConnect`), so the
broker is a configuration detail. Every argument is checked by :mod:`tt_connect.request_builder`
(one coercion rule, one place for every capability check); :class:`~tt_connect.runtime.Runtime`
owns the I/O; :mod:`tt_connect.trading`, :mod:`tt_connect.market_data` and
:mod:`tt_connect.order_state` hold the flows every driver shares.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tt_connect.calendar.tools import CalendarTools
from tt_connect.compliance.tools import ComplianceTools
from tt_connect.config import ClientOptions, load_config, parse_client_options
from tt_connect.desk.tools import DeskTools
from tt_connect.driver_api import Capabilities, DriverConfig, Operation, Transport
from tt_connect.enums import CandleInterval, OrderType, ProductType, Side, StreamMode, Validity, Variety
from tt_connect.instruments import Instrument
from tt_connect.instruments_db.lookups import InstrumentLookups
from tt_connect.market_data import MarketData
from tt_connect.models import (
    BasketMargin,
    Candle,
    Funds,
    Gtt,
    GttLeg,
    Holding,
    MarginRequirement,
    Order,
    OrderRequest,
    Position,
    Profile,
    Quote,
    Tick,
    Trade,
)
from tt_connect.options.tools import OptionTools
from tt_connect.request_builder.coerce import (
    DateArg,
    InstrumentArg,
    InstrumentsArg,
    boolean,
    identifier,
)
from tt_connect.request_builder.market import stream_mode, subscription_instruments
from tt_connect.runtime import Runtime
from tt_connect.timeutil import Clock
from tt_connect.trading import Trading

if TYPE_CHECKING:
    from tt_connect.streaming import ErrorHandler, OrderUpdateHandler, StreamStats, Subscription, TickHandler

__all__ = ["AsyncTTConnect"]


class AsyncTTConnect(InstrumentLookups, OptionTools, DeskTools, ComplianceTools, CalendarTools):
    """An asyncio client for one broker account.

    Parameters
    ----------
    broker
        Driver name: ``"paper"`` (built in), ``"zerodha"``, ``"angelone"``... Third-party
        drivers register under the ``tt_connect.drivers`` entry-point group.
    config
        The driver's settings as a dict (validated; unknown keys are refused by name; an
        emulator's announcement line is accepted as is) or an instance of the driver's config Struct.
    extensions
        Extension plugins (risk checks, tick fan-out...) implementing hooks from :mod:`tt_connect.hookspecs`.
    on_login_required
        Called as ``(broker, login_url)`` (or ``(broker)``) when the session died and cannot be
        renewed without a human; ``login_url`` is where to log in (send it to a phone), or None.
    transport
        Replace the network (tests use :class:`tt_connect.transport.MockTransport`).
    clock
        Replace the clock (tests).
    on_download_progress
        Called as ``(bytes_done, bytes_total_or_None)`` while the instrument master downloads.
    **options
        :class:`~tt_connect.config.ClientOptions`: ``session_store``, ``instruments_db``,
        ``allow_stale_instruments``, ``timeout``, ``log_format``, ``feed``, ``account_store``...
        Three may also be objects shared by several clients or processes (docs/scaling.md):
        ``session_store`` (a :class:`~tt_connect.auth.SessionStore`), ``login_lock`` (a
        :class:`~tt_connect.auth.LoginLock`) and ``window_store`` (a
        :class:`~tt_connect.transport.WindowStore` for the rate-limit windows).

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
        on_login_required: Callable[..., object] | None = None,
        transport: Transport | None = None,
        clock: Clock | None = None,
        on_download_progress: Callable[[int, int | None], None] | None = None,
        **options: Any,
    ) -> None:
        shared: dict[str, Any] = {name: options.pop(name) for name in ("login_lock", "window_store") if name in options}
        if not isinstance(options.get("session_store", ""), str):
            shared["session_store"] = options.pop("session_store")
        parsed = parse_client_options(options)
        self._rt = Runtime(broker, config, parsed, extensions=extensions, on_login_required=on_login_required,
                           transport=transport, clock=clock, on_download_progress=on_download_progress, **shared)
        self._trading = Trading(self._rt)
        self._market = MarketData(self._rt.market)  # the live broker's, for paper on live data
        if parsed.log_format is not None:
            from tt_connect.logs import configure_logging

            configure_logging(format=parsed.log_format, level=parsed.log_level)

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
        return self._rt.name

    @property
    def capabilities(self) -> Capabilities:
        """Return the driver's capability matrix."""
        return self._rt.capabilities

    @property
    def closed(self) -> bool:
        """Return True once :meth:`close` was called."""
        return self._rt.closed

    @property
    def options(self) -> ClientOptions:
        """Return the client options in effect (timeouts, retries, stores)."""
        return self._rt.options

    async def connect(self) -> None:
        """Log in (or restore the session) and load the master; ``async with`` and the first call do it."""
        await self._rt.connect()

    async def close(self) -> None:
        """Close the stream, the session refresher and the HTTP pool. Idempotent."""
        await self._rt.close()

    async def __aenter__(self) -> AsyncTTConnect:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = "closed" if self._rt.closed else ("connected" if self._rt.connected else "new")
        return f"<AsyncTTConnect broker={self._rt.name!r} {state}>"

    # -- account and portfolio -------------------------------------------------------------

    async def profile(self) -> Profile:
        """Return who is logged in."""
        return await self._rt.send(Operation.PROFILE, self._rt.api.profile)

    async def funds(self) -> Funds:
        """Return the account's funds and margins."""
        return await self._rt.send(Operation.FUNDS, self._rt.api.funds)

    async def holdings(self) -> list[Holding]:
        """Return the demat holdings."""
        return await self._rt.send(Operation.HOLDINGS, self._rt.api.holdings)

    async def positions(self, *, day: bool = False) -> list[Position]:
        """Return the net positions (signed quantities), or with ``day=True`` today's activity only.

        The net book is what you hold now, carried-forward quantity included; the day book counts
        only today's buys and sells (``overnight_quantity`` is 0 there), as Kite's ``day`` list does.
        """
        api = self._rt.api
        return await self._rt.send(Operation.POSITIONS, api.day_positions if boolean(day, "day") else api.positions)

    async def orders(self) -> list[Order]:
        """Return today's order book, each order in its latest state."""
        return await self._rt.reads.orders()

    async def order(self, order_id: str) -> Order:
        """Return the latest state of one order; ``OrderNotFoundError`` when there is none."""
        return await self._rt.reads.order(identifier(order_id, "order_id"))

    async def order_history(self, order_id: str) -> list[Order]:
        """Return every state an order went through, oldest first (one element where the broker keeps none)."""
        return await self._rt.reads.order_history(identifier(order_id, "order_id"))

    async def trades(self) -> list[Trade]:
        """Return today's fills."""
        return await self._rt.send(Operation.TRADES, self._rt.api.trades)

    async def order_trades(self, order_id: str) -> list[Trade]:
        """Return the fills of one order (empty when it has none; ``OrderNotFoundError`` for no such order)."""
        return await self._rt.reads.order_trades(identifier(order_id, "order_id"))

    # -- orders ----------------------------------------------------------------------------

    async def place_order(
        self,
        instrument: InstrumentArg,
        qty: int,
        side: Side | str,
        product: ProductType | str,
        order_type: OrderType | str,
        price: float | None = None,
        trigger_price: float | None = None,
        validity: Validity | str = Validity.DAY,
        validity_ttl: int | None = None,
        variety: Variety | str = Variety.REGULAR,
        disclosed_qty: int = 0,
        market_protection: float | None = None,
        tag: str | None = None,
        iceberg_legs: int | None = None,
        algo_id: str | None = None,
    ) -> str:
        """Place an order and return the broker's order id.

        The order is checked before anything is sent (lot multiple, tick size, prices the order
        type needs, the broker's capabilities, extension risk checks); enum arguments also take
        their names as text (``"buy"``) and the instrument its text (``"NSE:RELIANCE"``). It carries
        a unique tag; when the outcome of the call is ambiguous (timeout, dropped connection, 5xx),
        the order book is read for that tag, so the result is exactly one order or
        :class:`~tt_connect.errors.OrderStatusUnknownError` carrying the tag. ``tag`` is an optional
        prefix of yours. ``variety=Variety.ICEBERG`` needs ``iceberg_legs`` (2 or more);
        ``Validity.TTL`` needs ``validity_ttl`` minutes (emulated by cancel-after where the broker
        has no TTL). ``algo_id`` overrides the client's ``algo_id`` option (SEBI's exchange-issued algo
        ID) for this order. An order above the exchange's freeze quantity is refused: ``place_sliced``
        splits it. At most ``order_rate_per_exchange`` orders a second leave for one exchange.

        Examples
        --------
        >>> order_id = await broker.place_order(                    # doctest: +SKIP
        ...     instrument=Equity(exchange=Exchange.NSE, symbol="RELIANCE"), qty=10,
        ...     side=Side.BUY, product=ProductType.CNC, order_type=OrderType.MARKET)
        """
        return await self._trading.place_order(
            instrument=instrument, qty=qty, side=side, product=product, order_type=order_type, price=price,
            trigger_price=trigger_price, validity=validity, validity_ttl=validity_ttl, variety=variety,
            disclosed_qty=disclosed_qty, market_protection=market_protection, tag=tag, iceberg_legs=iceberg_legs,
            algo_id=algo_id)

    async def modify_order(
        self,
        order_id: str,
        qty: int | None = None,
        price: float | None = None,
        trigger_price: float | None = None,
        order_type: OrderType | str | None = None,
        validity: Validity | str | None = None,
        variety: Variety | str = Variety.REGULAR,
        disclosed_qty: int | None = None,
        market_protection: float | None = None,
    ) -> str:
        """Change an open order; arguments left as None keep their value. Returns the order id.

        Works on any open order of the account, also one another client or process placed.
        ``market_protection`` is sent where the broker takes it on a modify (Kite), ignored elsewhere.
        """
        return await self._trading.modify_order(
            order_id=order_id, qty=qty, price=price, trigger_price=trigger_price, order_type=order_type,
            validity=validity, variety=variety, disclosed_qty=disclosed_qty, market_protection=market_protection)

    async def cancel_order(self, order_id: str, variety: Variety | str = Variety.REGULAR) -> str:
        """Cancel an open order; returns the order id. ``OrderNotOpenError`` when it already ended."""
        return await self._trading.cancel_order(order_id=order_id, variety=variety)

    # -- GTT triggers, margins, conversion ------------------------------------------------

    async def place_gtt(self, instrument: InstrumentArg, legs: GttLeg | Sequence[GttLeg],
                        last_price: float | None = None) -> str:
        """Create a good-till-triggered order; return its trigger id.

        One leg is a single trigger; two legs are an OCO (a stop-loss below and a target above
        the market, one cancels the other). ``last_price`` is the reference the broker checks
        triggers against; it is read with :meth:`ltp` when not given.
        """
        return await self._trading.place_gtt(instrument, legs, last_price)

    async def modify_gtt(self, gtt_id: str, instrument: InstrumentArg, legs: GttLeg | Sequence[GttLeg],
                         last_price: float | None = None) -> str:
        """Replace an active GTT's triggers and orders; return its trigger id."""
        return await self._trading.modify_gtt(gtt_id, instrument, legs, last_price)

    async def cancel_gtt(self, gtt_id: str) -> str:
        """Delete a GTT; return its trigger id. ``GttNotFoundError`` when there is no such trigger."""
        return await self._trading.cancel_gtt(gtt_id)

    async def gtts(self) -> list[Gtt]:
        """Return the account's GTT triggers (active and recently ended)."""
        return await self._trading.gtts()

    async def gtt(self, gtt_id: str) -> Gtt:
        """Return one GTT trigger; ``GttNotFoundError`` when there is none."""
        return await self._trading.gtt(gtt_id)

    async def order_margins(self, orders: OrderRequest | Sequence[OrderRequest]) -> list[MarginRequirement]:
        """Return what each order would block, on its own, and its charges."""
        return await self._trading.order_margins(orders)

    async def basket_margin(self, orders: Sequence[OrderRequest]) -> BasketMargin:
        """Return what the orders would block together (``final`` includes the hedge benefit)."""
        return await self._trading.basket_margin(orders)

    async def convert_position(self, instrument: InstrumentArg, side: Side | str, qty: int,
                               from_product: ProductType | str, to_product: ProductType | str,
                               overnight: bool = False) -> bool:
        """Move ``qty`` of a position to another product (MIS to CNC before the square-off, say)."""
        return await self._trading.convert_position(instrument=instrument, side=side, qty=qty,
                                                    from_product=from_product, to_product=to_product,
                                                    overnight=overnight)

    # -- market data -----------------------------------------------------------------------

    async def quote(
        self, instruments: InstrumentsArg, mode: StreamMode | str = StreamMode.FULL
    ) -> dict[Instrument, Quote]:
        """Return market snapshots for one or many instruments (batched under the broker's limits)."""
        return await self._market.quote(instruments, mode)

    async def ltp(self, instruments: InstrumentsArg) -> dict[Instrument, float]:
        """Return the last traded price of one or many instruments."""
        return await self._market.ltp(instruments)

    async def history(
        self,
        instrument: InstrumentArg,
        interval: CandleInterval | str,
        start: DateArg,
        end: DateArg | None = None,
        oi: bool = False,
    ) -> list[Candle]:
        """Return candles from ``start`` to ``end`` (default now, never later), split across the broker's limits."""
        return await self._market.history(instrument, interval, start, end, oi)

    # -- streaming -------------------------------------------------------------------------

    async def subscribe(
        self,
        instruments: InstrumentsArg,
        on_tick: TickHandler | None = None,
        mode: StreamMode | str = StreamMode.FULL,
        on_order_update: OrderUpdateHandler | None = None,
        on_error: ErrorHandler | None = None,
    ) -> Subscription:
        """Stream ticks (and order updates) to handlers; returns a handle to unsubscribe.

        Handlers may be plain functions or coroutines. The feed reconnects and resubscribes by
        itself; a slow handler gets the latest tick per instrument (see ``Subscription.stats``).
        ``on_error`` hears what the stream survives: an exception a handler raised, a reconnect
        that failed, an undecodable frame. Bad arguments raise ``InvalidSubscriptionError``.
        """
        items = subscription_instruments(instruments, "subscribe")
        depth = stream_mode(mode, self._rt.capabilities, self._rt.name)
        engine = await self._rt.stream_engine()
        return await engine.subscribe(items, mode=depth, on_tick=on_tick,
                                      on_order_update=self._rt.observe_updates(on_order_update), on_error=on_error)

    async def unsubscribe(self, instruments: InstrumentsArg) -> None:
        """Stop streaming these instruments for every subscriber of this client."""
        items = subscription_instruments(instruments, "unsubscribe")
        if self._rt.engine is not None:
            await self._rt.engine.unsubscribe(items)

    async def stream(
        self, instruments: InstrumentsArg, mode: StreamMode | str = StreamMode.FULL
    ) -> AsyncIterator[Tick]:
        """Iterate over ticks: ``async for tick in broker.stream([...])``; unsubscribes on exit."""
        items = subscription_instruments(instruments, "stream")
        depth = stream_mode(mode, self._rt.capabilities, self._rt.name)
        engine = await self._rt.stream_engine()
        async for event in engine.stream(items, mode=depth):
            if isinstance(event, Tick):
                yield event

    def stream_stats(self) -> StreamStats | None:
        """Return the feed's counters (ticks, conflated, dropped, reconnects), or None before streaming."""
        return None if self._rt.engine is None else self._rt.engine.stats

    # -- session ---------------------------------------------------------------------------

    def login_url(self) -> str | None:
        """Return the broker's login page for a browser login, or None when this login needs no browser.

        Nothing is sent: a headless program can mail it each morning, or print it for ``complete_login``.
        """
        self._rt.check_open()
        self._rt.wire()
        return None if self._rt.auth is None else self._rt.auth.login_url()

    async def complete_login(self, redirect_url_or_token: str) -> None:
        """Finish a browser login from a headless server: pass the redirect URL (or its token).

        Open the broker's login page on any device (``on_login_required`` receives its URL), log
        in, and pass the address the browser was sent to afterwards. The session is stored like
        any other, so the next start restores it.
        """
        self._rt.check_open()
        self._rt.wire()
        if self._rt.auth is None:
            from tt_connect.errors import InputError

            raise InputError(f"{self._rt.name} has no login to complete")
        await self._rt.auth.complete_login(redirect_url_or_token)
        await self._rt.connect()

    async def logout(self) -> None:
        """End the session at the broker and forget the stored session."""
        self._rt.check_open()
        if self._rt.auth is None:
            return
        await self._rt.ready()
        await self._rt.auth.logout()
