"""The driver conformance suite: the driver contract, executable.

A driver's test module pulls it in with one import and a subclass::

    from tt_connect.testing import DriverConformance

    class TestMyBrokerConformance(DriverConformance):
        broker = "mybroker"

        @pytest.fixture
        def client_options(self, emulator): return {"config": {...}, "instruments_db": ":memory:"}
        @pytest.fixture
        def request_cases(self): return [RequestCase(...), ...]
        ...

Three tiers, cheapest first:

1. *static requests*: canonical input -> the method, path and parameters on the wire;
2. *static responses*: a recorded broker payload -> the expected canonical model;
3. *behaviour* against the driver's emulator (or the paper engine): orders of
   every type the matrix lists, portfolio, market data, streaming, faults.

The capability matrix switches behaviour tests on and off: an operation the
driver marks unsupported must raise ``UnsupportedOperationError``, and is
tested for exactly that. ``expected_failures`` names tests that are known to
fail; they are strict, so the suite goes red when one starts passing.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlsplit

import pytest

from tt_connect.client import AsyncTTConnect
from tt_connect.driver_api import (
    BrokerApi,
    BrokerFailure,
    Call,
    DriverContext,
    HttpResponse,
    Operation,
    SegmentCapabilities,
    Support,
)
from tt_connect.enums import (
    CandleInterval,
    GttStatus,
    GttType,
    OrderStatus,
    OrderType,
    ProductType,
    Side,
    StreamMode,
    Validity,
    Variety,
)
from tt_connect.errors import InvalidOrderError, OrderStatusUnknownError, UnsupportedOperationError
from tt_connect.instruments import Instrument
from tt_connect.models import Funds, GttLeg, Order, OrderRequest, OrderUpdate, Profile, Quote, Tick
from tt_connect.testing.eventually import eventually

__all__ = ["DriverConformance", "FaultInjector", "RequestCase", "ResponseCase"]


@dataclass(frozen=True)
class RequestCase:
    """Canonical input -> what must go on the wire.

    ``params`` must be a subset of the request's query, form or JSON fields
    (values compared as strings).
    """

    name: str
    build: Callable[[BrokerApi, DriverContext], Call[Any] | Sequence[Call[Any]]]
    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    encoding: str | None = None


@dataclass(frozen=True)
class ResponseCase:
    """A recorded broker payload -> the canonical result the driver must produce.

    ``expected`` is the value compared with ``==``, or a callable that asserts. An error
    reply sets ``error_code``: ``unwrap`` must raise ``BrokerFailure`` with that code.
    """

    name: str
    build: Callable[[BrokerApi, DriverContext], Call[Any] | Sequence[Call[Any]]]
    body: bytes
    expected: Any = None
    status: int = 200
    error_code: str | None = None


class FaultInjector(Protocol):
    """What an emulator offers the behaviour tier to break things on purpose."""

    def drop_next_order_response(self) -> None:
        """Act on the next order placement, then drop the connection without a reply."""

    def expire_sessions(self) -> None:
        """Invalidate every issued access token (the broker's daily expiry, now)."""

    def kill_streams(self) -> None:
        """Close every open streaming socket."""


@runtime_checkable
class ServerErrorInjector(Protocol):
    """Optional, beside :class:`FaultInjector`: answer the next requests with an HTTP 5xx."""

    def fail_next(self, status: int = 503, count: int = 1) -> None:
        """Answer the next ``count`` requests with ``status`` without acting on them."""


def _fields(call: Call[Any]) -> dict[str, str]:
    request = call.request
    found: dict[str, str] = {}
    for source in (request.params or {}, dict(request.form or ()), request.json or {}):
        if isinstance(source, Mapping):
            found.update({str(k): str(v) for k, v in source.items()})
    for key, value in parse_qsl(urlsplit(request.url).query, keep_blank_values=True):
        found.setdefault(key, value)
    return found


def _first(result: Call[Any] | Sequence[Call[Any]]) -> Call[Any]:
    return result if isinstance(result, Call) else result[0]


class DriverConformance:
    """Subclass in a driver's tests; override the fixtures marked "override"."""

    broker: ClassVar[str] = ""
    """The driver's name, as given to ``AsyncTTConnect``."""
    expected_failures: ClassVar[Mapping[str, str]] = {}
    """Test name -> reason. Strict: a listed test that passes fails the suite."""

    # -- fixtures a driver overrides -------------------------------------------------------

    @pytest.fixture
    def client_options(self) -> dict[str, Any]:
        """Override: keyword arguments for ``AsyncTTConnect(broker, **options)``."""
        return {"instruments_db": ":memory:"}

    @pytest.fixture
    def static_context(self) -> DriverContext | None:
        """Override: a DriverContext for the static tiers (see ``StaticContext``)."""
        return None

    @pytest.fixture
    def request_cases(self) -> Sequence[RequestCase]:
        """Override: the static request cases."""
        return ()

    @pytest.fixture
    def response_cases(self) -> Sequence[ResponseCase]:
        """Override: the static response cases."""
        return ()

    @pytest.fixture
    def faults(self) -> FaultInjector | None:
        """Override: the emulator's fault injector, or None when the driver has none."""
        return None

    @pytest.fixture
    def liquid_equity(self, client: AsyncTTConnect) -> Instrument:
        """Override if needed: a liquid cash instrument to trade in behaviour tests."""
        from tt_connect.enums import Exchange
        from tt_connect.instruments import Equity

        return Equity(exchange=Exchange.NSE, symbol="RELIANCE")

    # -- fixtures of the suite -------------------------------------------------------------

    @pytest.fixture(autouse=True)
    def _strict_expected_failures(self, request: pytest.FixtureRequest) -> None:
        name = request.node.originalname or request.node.name
        reason = self.expected_failures.get(name)
        if reason is not None:
            request.applymarker(pytest.mark.xfail(strict=True, reason=reason))

    @pytest.fixture
    async def client(self, client_options: dict[str, Any]) -> AsyncIterator[AsyncTTConnect]:
        options = dict(client_options)
        config = options.pop("config", None)
        async with AsyncTTConnect(self.broker, config, **options) as broker:
            yield broker

    @staticmethod
    def _supports(client: AsyncTTConnect, operation: Operation) -> bool:
        return client.capabilities.support(operation) is not Support.UNSUPPORTED

    # -- tier 1: static requests -----------------------------------------------------------

    def test_static_requests_put_the_expected_call_on_the_wire(
        self, request_cases: Sequence[RequestCase], static_context: DriverContext | None, client_api: BrokerApi
    ) -> None:
        if not request_cases:
            pytest.skip("driver declares no static request cases")
        assert static_context is not None, "request cases need a static_context fixture"
        for case in request_cases:
            call = _first(case.build(client_api, static_context))
            assert call.request.method.upper() == case.method.upper(), case.name
            assert urlsplit(call.request.url).path == case.path, case.name
            sent = _fields(call)
            for key, value in case.params.items():
                assert sent.get(key) == value, f"{case.name}: {key}={sent.get(key)!r}, expected {value!r}"
            if case.encoding is not None:
                assert call.request.encoding == case.encoding, case.name

    def test_every_order_carries_a_tag_on_the_wire(
        self, request_cases: Sequence[RequestCase], static_context: DriverContext | None, client_api: BrokerApi
    ) -> None:
        placing = [c for c in request_cases if c.name.startswith("place_order")]
        if not placing:
            pytest.skip("driver declares no place_order request case")
        assert static_context is not None
        for case in placing:
            call = _first(case.build(client_api, static_context))
            assert any(v == "conformancetag1" for v in _fields(call).values()), (
                f"{case.name}: the order tag 'conformancetag1' is not on the wire"
            )

    @pytest.fixture
    def static_config(self) -> Mapping[str, Any]:
        """Override: driver settings used to build the translator for the static tiers."""
        return {}

    @pytest.fixture
    def client_api(self, static_config: Mapping[str, Any]) -> BrokerApi:
        from tt_connect.config import parse_driver_config
        from tt_connect.drivers import load_driver, make_plugin_manager

        loaded = load_driver(self.broker)
        pm = make_plugin_manager(loaded)
        config = parse_driver_config(loaded.description.config_type, static_config, broker=self.broker)
        api: BrokerApi = pm.hook.ttc_api(config=config)
        return api

    # -- tier 2: static responses ----------------------------------------------------------

    def test_static_responses_parse_to_canonical_models(
        self, response_cases: Sequence[ResponseCase], static_context: DriverContext | None, client_api: BrokerApi
    ) -> None:
        if not response_cases:
            pytest.skip("driver declares no static response cases")
        assert static_context is not None, "response cases need a static_context fixture"
        for case in response_cases:
            call = _first(case.build(client_api, static_context))
            reply = HttpResponse(status=case.status, body=case.body)
            if case.error_code is not None:
                with pytest.raises(BrokerFailure) as failure:
                    client_api.unwrap(reply)
                assert failure.value.code == case.error_code, case.name
                continue
            payload = client_api.unwrap(reply)
            result = call.parse(payload)
            if callable(case.expected) and not isinstance(case.expected, type):
                case.expected(result)
            else:
                assert result == case.expected, case.name

    # -- tier 3: behaviour -----------------------------------------------------------------

    async def test_unsupported_operations_raise_unsupported_operation_error(self, client: AsyncTTConnect) -> None:
        calls: dict[Operation, Callable[[], Awaitable[Any]]] = {
            Operation.PROFILE: client.profile,
            Operation.FUNDS: client.funds,
            Operation.HOLDINGS: client.holdings,
            Operation.POSITIONS: client.positions,
            Operation.ORDERS: client.orders,
            Operation.TRADES: client.trades,
            Operation.ORDER_HISTORY: lambda: client.order_history("1"),
            Operation.ORDER_TRADES: lambda: client.order_trades("1"),
            Operation.CANCEL_ORDER: lambda: client.cancel_order("1"),
        }
        unsupported = [op for op in calls if not self._supports(client, op)]
        if not unsupported:
            pytest.skip("the driver supports every operation this test can call")
        for op in unsupported:
            with pytest.raises(UnsupportedOperationError):
                await calls[op]()

    async def test_profile_names_the_logged_in_user(self, client: AsyncTTConnect) -> None:
        if not self._supports(client, Operation.PROFILE):
            pytest.skip("profile unsupported")
        profile = await client.profile()
        assert isinstance(profile, Profile)
        assert profile.user_id

    async def test_funds_are_consistent(self, client: AsyncTTConnect) -> None:
        if not self._supports(client, Operation.FUNDS):
            pytest.skip("funds unsupported")
        funds = await client.funds()
        assert isinstance(funds, Funds)
        assert funds.equity.used_margin >= 0
        assert funds.equity.available_margin <= funds.equity.available_cash + funds.equity.collateral + 1e-6

    async def test_bad_quantity_is_refused_before_anything_is_sent(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        for qty in (0, -5, 2.5, "10"):
            with pytest.raises(InvalidOrderError):
                await client.place_order(instrument=liquid_equity, qty=qty,  # type: ignore[arg-type]
                                         side=Side.BUY, product=ProductType.CNC, order_type=OrderType.MARKET)

    async def _fill(self, client: AsyncTTConnect, order_id: str) -> Order:
        async def filled() -> Order | None:
            order = await client.order(order_id)
            return order if order.status.is_terminal else None

        found: Order = await eventually(filled, timeout=10, what=f"order {order_id} to reach a final state")
        return found

    async def test_market_order_fills_and_carries_our_tag(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        if not self._supports(client, Operation.PLACE_ORDER):
            pytest.skip("orders unsupported")
        order_id = await client.place_order(instrument=liquid_equity, qty=1, side=Side.BUY,
                                            product=ProductType.CNC, order_type=OrderType.MARKET, tag="conf")
        order = await self._fill(client, order_id)
        assert order.status is OrderStatus.COMPLETE
        assert order.tag.startswith("conf") and len(order.tag) > 4
        listed = {o.order_id: o for o in await client.orders()}
        assert listed[order_id].tag == order.tag
        if self._supports(client, Operation.POSITIONS):
            positions = await client.positions()
            assert any(p.instrument == liquid_equity and p.quantity != 0 for p in positions)
            today = [p for p in await client.positions(day=True) if p.instrument == liquid_equity]
            assert today and all(p.overnight_quantity == 0 for p in today)
            assert sum(p.buy_quantity for p in today) >= 1

    async def test_limit_order_can_be_modified_and_cancelled(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        for op in (Operation.PLACE_ORDER, Operation.MODIFY_ORDER, Operation.CANCEL_ORDER, Operation.LTP):
            if not self._supports(client, op):
                pytest.skip(f"{op.value} unsupported")
        tick = client.tick_size(liquid_equity)
        last = (await client.ltp(liquid_equity))[liquid_equity]
        far = round(round(last * 0.8 / tick) * tick, 2)
        order_id = await client.place_order(instrument=liquid_equity, qty=2, side=Side.BUY,
                                            product=ProductType.CNC, order_type=OrderType.LIMIT, price=far)
        farther = round(round(last * 0.75 / tick) * tick, 2)
        await client.modify_order(order_id, qty=3, price=farther)
        modified = await eventually(lambda: self._open_with(client, order_id, 3), timeout=10,
                                    what="the modification to show")
        assert modified.price == pytest.approx(farther)
        await client.cancel_order(order_id)
        cancelled = await self._fill(client, order_id)
        assert cancelled.status is OrderStatus.CANCELLED

    async def _open_with(self, client: AsyncTTConnect, order_id: str, qty: int) -> Order | None:
        order = await client.order(order_id)
        return order if order.qty == qty else None

    async def _trading_setup(
        self, client: AsyncTTConnect, instrument: Instrument
    ) -> tuple[SegmentCapabilities, float, Callable[[float], float]]:
        """The instrument's segment capabilities, its last price, and a rounding onto its tick grid."""
        if not (self._supports(client, Operation.PLACE_ORDER) and self._supports(client, Operation.LTP)):
            pytest.skip("orders or ltp unsupported")
        segment = client.capabilities.segment(instrument.exchange)
        assert segment is not None
        tick = client.tick_size(instrument)
        last = (await client.ltp(instrument))[instrument]

        def on_grid(x: float) -> float:
            return round(round(x / tick) * tick, 2)

        return segment, last, on_grid

    async def test_every_listed_order_type_is_accepted(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        segment, last, on_grid = await self._trading_setup(client, liquid_equity)

        for order_type in sorted(segment.order_types):
            for product in sorted(segment.products & {ProductType.CNC, ProductType.MIS}):
                kwargs: dict[str, Any] = {}
                if order_type is OrderType.LIMIT:
                    kwargs["price"] = on_grid(last * 0.8)
                elif order_type is OrderType.SL:
                    kwargs.update(trigger_price=on_grid(last * 1.2), price=on_grid(last * 1.21))
                elif order_type is OrderType.SL_M:
                    kwargs["trigger_price"] = on_grid(last * 1.2)
                order_id = await client.place_order(instrument=liquid_equity, qty=1, side=Side.BUY,
                                                    product=product, order_type=order_type, **kwargs)
                order = await client.order(order_id)
                assert order.order_type is order_type and order.product is product
                assert order.status is not OrderStatus.REJECTED, order.status_message
                if not order.status.is_terminal and self._supports(client, Operation.CANCEL_ORDER):
                    await client.cancel_order(order_id)

    async def test_every_listed_validity_and_variety_is_accepted(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        """Each validity and variety the matrix lists, on a resting buy: accepted, read back, cancelled."""
        segment, last, on_grid = await self._trading_setup(client, liquid_equity)

        product = ProductType.MIS if ProductType.MIS in segment.products else sorted(segment.products)[0]
        cases: list[dict[str, Any]] = []
        for validity in sorted(segment.validities):
            cases.append({"validity": validity, **({"validity_ttl": 5} if validity is Validity.TTL else {})})
        for variety in sorted(segment.varieties - {Variety.REGULAR}):
            case: dict[str, Any] = {"variety": variety}
            if variety is Variety.ICEBERG:
                case["iceberg_legs"] = 2
            if variety is Variety.CO:
                case["trigger_price"] = on_grid(last * 0.75)  # the cover order's stop, below a buy
            cases.append(case)
        for case in cases:
            order_id = await client.place_order(instrument=liquid_equity, qty=2, side=Side.BUY, product=product,
                                                order_type=OrderType.LIMIT, price=on_grid(last * 0.8), **case)
            order = await client.order(order_id)
            assert order.status is not OrderStatus.REJECTED, (case, order.status_message)
            assert order.variety is case.get("variety", Variety.REGULAR), case
            assert order.validity is case.get("validity", Validity.DAY), case
            if order.validity is Validity.IOC:  # far from the market: nothing fills, the rest is cancelled
                settled = functools.partial(self._settled, client, order_id)
                final = await eventually(settled, what="the IOC order to end")
                assert final.status is OrderStatus.CANCELLED and final.filled_qty == 0
            elif not order.status.is_terminal and self._supports(client, Operation.CANCEL_ORDER):
                await client.cancel_order(order_id, variety=order.variety)

    @staticmethod
    async def _settled(client: AsyncTTConnect, order_id: str) -> Order | None:
        order = await client.order(order_id)
        return order if order.status.is_terminal else None

    async def test_quotes_and_ltp_are_keyed_by_our_instruments(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        if not self._supports(client, Operation.QUOTE):
            pytest.skip("quote unsupported")
        quotes = await client.quote([liquid_equity])
        assert set(quotes) == {liquid_equity}
        quote = quotes[liquid_equity]
        assert isinstance(quote, Quote) and quote.last_price > 0

    async def test_history_returns_ordered_candles(self, client: AsyncTTConnect, liquid_equity: Instrument) -> None:
        if not self._supports(client, Operation.HISTORY):
            pytest.skip("history unsupported")
        end = _dt.datetime.now(_dt.UTC)
        candles = await client.history(liquid_equity, CandleInterval.DAY, end - _dt.timedelta(days=30), end)
        assert candles, "no candles for the last 30 days"
        stamps = [c.timestamp for c in candles]
        assert stamps == sorted(stamps)
        assert all(c.low <= min(c.open, c.close) and c.high >= max(c.open, c.close) for c in candles)

    async def test_stream_delivers_ticks_with_the_instrument_attached(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        if not self._supports(client, Operation.STREAM):
            pytest.skip("streaming unsupported")
        ticks: list[Tick] = []
        sub = await client.subscribe([liquid_equity], on_tick=ticks.append, mode=StreamMode.FULL)
        try:
            await eventually(lambda: ticks, timeout=10, what="a tick")
        finally:
            await sub.unsubscribe()
        assert ticks[0].instrument == liquid_equity
        assert ticks[0].last_price > 0

    async def test_order_updates_arrive_on_the_stream(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        if not (self._supports(client, Operation.ORDER_UPDATES) and self._supports(client, Operation.PLACE_ORDER)):
            pytest.skip("order updates unsupported")
        updates: list[OrderUpdate] = []
        sub = await client.subscribe([], on_order_update=updates.append)
        try:
            order_id = await client.place_order(instrument=liquid_equity, qty=1, side=Side.BUY,
                                                product=ProductType.CNC, order_type=OrderType.MARKET)
            await eventually(lambda: any(u.order.order_id == order_id for u in updates), timeout=10,
                             what="an order update for the new order")
        finally:
            await sub.unsubscribe()

    async def test_a_gtt_can_be_placed_listed_modified_and_deleted(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        if not self._supports(client, Operation.GTT):
            with pytest.raises(UnsupportedOperationError):
                await client.gtts()
            return
        tick = client.tick_size(liquid_equity)
        last = (await client.ltp(liquid_equity))[liquid_equity]

        def grid(x: float) -> float:
            return round(round(x / tick) * tick, 2)

        single = GttLeg(trigger_price=grid(last * 0.9), side=Side.BUY, qty=1, product=ProductType.CNC,
                        price=grid(last * 0.9))
        gtt_id = await client.place_gtt(liquid_equity, single, last_price=last)
        placed = await client.gtt(gtt_id)
        assert placed.instrument == liquid_equity and placed.type is GttType.SINGLE
        assert placed.status is GttStatus.ACTIVE and placed.legs[0].trigger_price == pytest.approx(grid(last * 0.9))
        assert gtt_id in {g.gtt_id for g in await client.gtts()}
        stop = GttLeg(trigger_price=grid(last * 0.8), side=Side.SELL, qty=1, product=ProductType.CNC,
                      price=grid(last * 0.8))
        target = GttLeg(trigger_price=grid(last * 1.2), side=Side.SELL, qty=1, product=ProductType.CNC,
                        price=grid(last * 1.2))
        try:
            await client.modify_gtt(gtt_id, liquid_equity, [target, stop], last_price=last)
            wanted = [grid(last * 0.8), grid(last * 1.2)]
        except UnsupportedOperationError:  # a broker with single triggers only (AngelOne)
            lower = GttLeg(trigger_price=grid(last * 0.85), side=Side.BUY, qty=2, product=ProductType.CNC,
                           price=grid(last * 0.85))
            await client.modify_gtt(gtt_id, liquid_equity, lower, last_price=last)
            wanted = [grid(last * 0.85)]
        modified = await client.gtt(gtt_id)
        assert modified.type is (GttType.OCO if len(wanted) == 2 else GttType.SINGLE)
        assert [leg.trigger_price for leg in modified.legs] == pytest.approx(wanted)
        await client.cancel_gtt(gtt_id)
        assert (await client.gtt(gtt_id)).status in (GttStatus.DELETED, GttStatus.CANCELLED)

    async def test_margins_price_an_order_before_it_is_placed(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        equity: Any = liquid_equity
        order = OrderRequest(instrument=equity, qty=2, side=Side.BUY, product=ProductType.MIS,
                             order_type=OrderType.MARKET)
        if not self._supports(client, Operation.MARGINS):
            with pytest.raises(UnsupportedOperationError):
                await client.order_margins([order])
            return
        (margin,) = await client.order_margins([order])
        last = (await client.ltp(liquid_equity))[liquid_equity]
        assert margin.instrument == liquid_equity
        assert 0 < margin.total <= 2 * last * 1.05 and margin.charges >= 0
        opposite = OrderRequest(instrument=equity, qty=2, side=Side.SELL, product=ProductType.MIS,
                                order_type=OrderType.MARKET)
        basket = await client.basket_margin([order, opposite])
        assert basket.initial.total >= basket.final.total >= 0
        # Per-order lines where the broker itemises a basket (Kite); a total only otherwise (SmartAPI).
        assert len(basket.orders) in (0, 2)
        assert all(line.instrument == liquid_equity and line.total >= 0 for line in basket.orders)

    async def test_an_intraday_position_converts_to_delivery(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        if not self._supports(client, Operation.CONVERT_POSITION):
            with pytest.raises(UnsupportedOperationError):
                await client.convert_position(liquid_equity, Side.BUY, 1, ProductType.MIS, ProductType.CNC)
            return
        order_id = await client.place_order(instrument=liquid_equity, qty=3, side=Side.BUY,
                                            product=ProductType.MIS, order_type=OrderType.MARKET)
        assert (await self._fill(client, order_id)).status is OrderStatus.COMPLETE

        def held(positions: Sequence[Any], product: ProductType) -> int:
            return sum(p.quantity for p in positions if p.instrument == liquid_equity and p.product is product)

        before = await client.positions()
        assert await client.convert_position(liquid_equity, Side.BUY, 3, ProductType.MIS, ProductType.CNC)
        after = await client.positions()
        assert held(after, ProductType.MIS) == held(before, ProductType.MIS) - 3
        assert held(after, ProductType.CNC) == held(before, ProductType.CNC) + 3

    # -- tier 3 with faults ----------------------------------------------------------------

    async def test_a_dropped_order_response_yields_exactly_one_order(
        self, client: AsyncTTConnect, liquid_equity: Instrument, faults: FaultInjector | None
    ) -> None:
        if faults is None:
            pytest.skip("driver ships no fault injector")
        before = len(await client.orders())
        faults.drop_next_order_response()
        try:
            order_id = await client.place_order(instrument=liquid_equity, qty=1, side=Side.BUY,
                                                product=ProductType.CNC, order_type=OrderType.MARKET)
        except OrderStatusUnknownError as exc:
            assert exc.tag
            order_id = ""
        after = await client.orders()
        assert len(after) == before + 1, "a dropped response must not produce a second order"
        if order_id:
            assert any(o.order_id == order_id for o in after)

    async def test_an_expired_session_is_renewed_transparently(
        self, client: AsyncTTConnect, faults: FaultInjector | None
    ) -> None:
        if faults is None:
            pytest.skip("driver ships no fault injector")
        if not self._supports(client, Operation.PROFILE):
            pytest.skip("profile unsupported")
        faults.expire_sessions()
        profile = await client.profile()
        assert profile.user_id

    async def test_a_server_error_on_a_read_is_retried_transparently(
        self, client: AsyncTTConnect, faults: FaultInjector | None
    ) -> None:
        if faults is None or not isinstance(faults, ServerErrorInjector):
            pytest.skip("driver's fault injector cannot answer 5xx (fail_next)")
        if not self._supports(client, Operation.FUNDS):
            pytest.skip("funds unsupported")
        faults.fail_next(503, count=2)
        funds = await client.funds()
        assert funds.equity.available_cash >= 0

    async def test_the_stream_recovers_after_the_socket_is_killed(
        self, client: AsyncTTConnect, liquid_equity: Instrument, faults: FaultInjector | None
    ) -> None:
        if faults is None:
            pytest.skip("driver ships no fault injector")
        if not self._supports(client, Operation.STREAM):
            pytest.skip("streaming unsupported")
        ticks: list[Tick] = []
        sub = await client.subscribe([liquid_equity], on_tick=ticks.append, mode=StreamMode.LTP)
        try:
            await eventually(lambda: ticks, timeout=10, what="a first tick")
            faults.kill_streams()
            await eventually(lambda: (client.stream_stats() or sub.stats).reconnects >= 1, timeout=10,
                             what="a reconnect")
            seen = len(ticks)
            await eventually(lambda: len(ticks) > seen, timeout=10, what="ticks after the reconnect")
        finally:
            await sub.unsubscribe()

