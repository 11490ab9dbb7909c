"""Tier 3: the unified API against the driver's emulator (or the paper engine).

Each test declares what it needs with ``@requires(...)``; the driver's capability matrix
decides whether it runs. Prices are kept inside the exchange's price band (a few percent from
the last price), so an emulator that enforces bands, as every exchange does, accepts them.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest

from tt_connect.client import AsyncTTConnect
from tt_connect.driver_api import Operation, SegmentCapabilities
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
from tt_connect.errors import InvalidOrderError, UnsupportedOperationError
from tt_connect.instruments import Instrument
from tt_connect.models import Funds, GttLeg, Order, OrderRequest, OrderUpdate, Profile, Quote, Tick
from tt_connect.testing.polling import eventually
from tt_connect.testing.requirements import requires

__all__ = ["BehaviourTier", "reference_price", "settled"]

_OPERATIONS_BY_CALL: tuple[tuple[Operation, Callable[[AsyncTTConnect], Awaitable[Any]]], ...] = (
    (Operation.PROFILE, lambda c: c.profile()),
    (Operation.FUNDS, lambda c: c.funds()),
    (Operation.HOLDINGS, lambda c: c.holdings()),
    (Operation.POSITIONS, lambda c: c.positions()),
    (Operation.ORDERS, lambda c: c.orders()),
    (Operation.TRADES, lambda c: c.trades()),
    (Operation.ORDER_HISTORY, lambda c: c.order_history("1")),
    (Operation.ORDER_TRADES, lambda c: c.order_trades("1")),
    (Operation.CANCEL_ORDER, lambda c: c.cancel_order("1")),
    (Operation.QUOTE, lambda c: c.quote("NSE:RELIANCE")),
    (Operation.GTT, lambda c: c.gtts()),
)


async def reference_price(client: AsyncTTConnect, instrument: Instrument) -> float:
    """Return the instrument's last price from LTP where the broker has it, else from a quote."""
    if client.capabilities.supports(Operation.LTP):
        return (await client.ltp(instrument))[instrument]
    return (await client.quote(instrument, StreamMode.LTP))[instrument].last_price


async def settled(client: AsyncTTConnect, order_id: str, timeout: float = 10) -> Order:
    """Wait for an order to reach a final state (COMPLETE, CANCELLED, REJECTED)."""
    async def final() -> Order | None:
        order = await client.order(order_id)
        return order if order.status.is_terminal else None

    found: Order = await eventually(final, timeout=timeout, what=f"order {order_id} to reach a final state")
    return found


def on_grid(client: AsyncTTConnect, instrument: Instrument) -> Callable[[float], float]:
    tick = client.tick_size(instrument)
    return lambda x: round(round(x / tick) * tick, 2)


class BehaviourTier:
    """Needs the fixtures ``client`` and ``liquid_equity``."""

    async def test_unsupported_operations_raise_unsupported_operation_error(self, client: AsyncTTConnect) -> None:
        unsupported = [(op, call) for op, call in _OPERATIONS_BY_CALL if not client.capabilities.supports(op)]
        if not unsupported:
            pytest.skip("the driver supports every operation this test can call")
        for _op, call in unsupported:
            with pytest.raises(UnsupportedOperationError):
                await call(client)

    @requires(Operation.PROFILE)
    async def test_profile_names_the_logged_in_user(self, client: AsyncTTConnect) -> None:
        profile = await client.profile()
        assert isinstance(profile, Profile)
        assert profile.user_id

    @requires(Operation.FUNDS)
    async def test_funds_are_consistent(self, client: AsyncTTConnect) -> None:
        funds = await client.funds()
        assert isinstance(funds, Funds)
        assert funds.equity.used_margin >= 0
        assert funds.equity.available_margin <= funds.equity.available_cash + funds.equity.collateral + 1e-6

    @requires(Operation.PLACE_ORDER)
    async def test_bad_quantity_is_refused_before_anything_is_sent(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        for qty in (0, -5, 2.5, "10", float("inf"), None):
            with pytest.raises(InvalidOrderError):
                await client.place_order(instrument=liquid_equity, qty=qty,  # type: ignore[arg-type]
                                         side=Side.BUY, product=ProductType.CNC, order_type=OrderType.MARKET)

    @requires(Operation.PLACE_ORDER, Operation.ORDERS)
    async def test_market_order_fills_and_carries_our_tag(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        order_id = await client.place_order(instrument=liquid_equity, qty=1, side=Side.BUY,
                                            product=ProductType.CNC, order_type=OrderType.MARKET, tag="conf")
        order = await settled(client, order_id)
        assert order.status is OrderStatus.COMPLETE
        assert order.tag.startswith("conf") and len(order.tag) > 4
        listed = {o.order_id: o for o in await client.orders()}
        assert listed[order_id].tag == order.tag
        if client.capabilities.supports(Operation.POSITIONS):
            positions = await client.positions()
            assert any(p.instrument == liquid_equity and p.quantity != 0 for p in positions)
            today = [p for p in await client.positions(day=True) if p.instrument == liquid_equity]
            assert today and all(p.overnight_quantity == 0 for p in today)
            assert sum(p.buy_quantity for p in today) >= 1

    @requires(Operation.PLACE_ORDER, Operation.MODIFY_ORDER, Operation.CANCEL_ORDER, Operation.ORDERS,
              "market_price")
    async def test_limit_order_can_be_modified_and_cancelled(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        grid = on_grid(client, liquid_equity)
        last = await reference_price(client, liquid_equity)
        order_id = await client.place_order(instrument=liquid_equity, qty=2, side=Side.BUY, product=ProductType.CNC,
                                            order_type=OrderType.LIMIT, price=grid(last * 0.95))
        lower = grid(last * 0.93)
        await client.modify_order(order_id, qty=3, price=lower)
        modified = await eventually(lambda: self._open_with(client, order_id, 3), timeout=10,
                                    what="the modification to show")
        assert modified.price == pytest.approx(lower)
        await client.cancel_order(order_id)
        cancelled = await settled(client, order_id)
        assert cancelled.status is OrderStatus.CANCELLED

    @staticmethod
    async def _open_with(client: AsyncTTConnect, order_id: str, qty: int) -> Order | None:
        order = await client.order(order_id)
        return order if order.qty == qty else None

    async def _trading_setup(self, client: AsyncTTConnect, instrument: Instrument
                             ) -> tuple[SegmentCapabilities, float, Callable[[float], float]]:
        segment = client.capabilities.segment(instrument.exchange)
        assert segment is not None
        return segment, await reference_price(client, instrument), on_grid(client, instrument)

    @requires(Operation.PLACE_ORDER, Operation.ORDERS, "market_price")
    async def test_every_listed_order_type_is_accepted(self, client: AsyncTTConnect,
                                                       liquid_equity: Instrument) -> None:
        segment, last, grid = await self._trading_setup(client, liquid_equity)
        for order_type in sorted(segment.order_types):
            for product in sorted(segment.products & {ProductType.CNC, ProductType.MIS}):
                kwargs: dict[str, Any] = {}
                if order_type is OrderType.LIMIT:
                    kwargs["price"] = grid(last * 0.95)
                elif order_type is OrderType.SL:
                    kwargs.update(trigger_price=grid(last * 1.05), price=grid(last * 1.06))
                elif order_type is OrderType.SL_M:
                    kwargs["trigger_price"] = grid(last * 1.05)
                order_id = await client.place_order(instrument=liquid_equity, qty=1, side=Side.BUY,
                                                    product=product, order_type=order_type, **kwargs)
                order = await client.order(order_id)
                assert order.order_type is order_type and order.product is product
                assert order.status is not OrderStatus.REJECTED, order.status_message
                if not order.status.is_terminal and client.capabilities.supports(Operation.CANCEL_ORDER):
                    await client.cancel_order(order_id)

    @requires(Operation.PLACE_ORDER, Operation.ORDERS, "market_price")
    async def test_every_listed_validity_and_variety_is_accepted(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        """Each validity and variety the matrix lists, on a resting buy: accepted, read back, cancelled."""
        segment, last, grid = await self._trading_setup(client, liquid_equity)
        product = ProductType.MIS if ProductType.MIS in segment.products else sorted(segment.products)[0]
        cases: list[dict[str, Any]] = []
        for validity in sorted(segment.validities | segment.emulated_validities):
            cases.append({"validity": validity, **({"validity_ttl": 5} if validity is Validity.TTL else {})})
        for variety in sorted(segment.varieties - {Variety.REGULAR}):
            case: dict[str, Any] = {"variety": variety}
            if variety is Variety.ICEBERG:
                case["iceberg_legs"] = 2
            if variety is Variety.CO:
                case["trigger_price"] = grid(last * 0.93)  # the cover order's stop, below a buy
            cases.append(case)
        for case in cases:
            order_id = await client.place_order(instrument=liquid_equity, qty=2, side=Side.BUY, product=product,
                                                order_type=OrderType.LIMIT, price=grid(last * 0.95), **case)
            order = await client.order(order_id)
            assert order.status is not OrderStatus.REJECTED, (case, order.status_message)
            assert order.variety is case.get("variety", Variety.REGULAR), case
            wanted = case.get("validity", Validity.DAY)
            if wanted in segment.emulated_validities:
                wanted = Validity.DAY  # the core sends an emulated validity as DAY and cancels it itself
            assert order.validity is wanted, case
            if order.validity is Validity.IOC:  # far from the market: nothing fills, the rest is cancelled
                final = await settled(client, order_id)
                assert final.status is OrderStatus.CANCELLED and final.filled_qty == 0
            elif not order.status.is_terminal and client.capabilities.supports(Operation.CANCEL_ORDER):
                await client.cancel_order(order_id, variety=order.variety)

    @requires(Operation.QUOTE)
    async def test_quotes_and_ltp_are_keyed_by_our_instruments(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        quotes = await client.quote([liquid_equity])
        assert set(quotes) == {liquid_equity}
        quote = quotes[liquid_equity]
        assert isinstance(quote, Quote) and quote.last_price > 0
        if client.capabilities.supports(Operation.LTP):
            assert set(await client.ltp([liquid_equity, liquid_equity])) == {liquid_equity}

    @requires(Operation.HISTORY)
    async def test_history_returns_ordered_candles(self, client: AsyncTTConnect, liquid_equity: Instrument) -> None:
        end = _dt.datetime.now(_dt.UTC)
        candles = await client.history(liquid_equity, CandleInterval.DAY, end - _dt.timedelta(days=30), end)
        assert candles, "no candles for the last 30 days"
        stamps = [c.timestamp for c in candles]
        assert stamps == sorted(stamps) and max(stamps) <= end
        assert all(c.low <= min(c.open, c.close) and c.high >= max(c.open, c.close) for c in candles)

    @requires(Operation.STREAM)
    async def test_stream_delivers_ticks_with_the_instrument_attached(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        ticks: list[Tick] = []
        sub = await client.subscribe([liquid_equity], on_tick=ticks.append, mode=StreamMode.FULL)
        try:
            await eventually(lambda: ticks, timeout=10, what="a tick")
        finally:
            await sub.unsubscribe()
        assert ticks[0].instrument == liquid_equity
        assert ticks[0].last_price > 0

    @requires(Operation.ORDER_UPDATES, Operation.PLACE_ORDER)
    async def test_order_updates_arrive_on_the_stream(self, client: AsyncTTConnect,
                                                      liquid_equity: Instrument) -> None:
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
        if not client.capabilities.supports(Operation.GTT):
            with pytest.raises(UnsupportedOperationError):
                await client.gtts()
            return
        last = await reference_price(client, liquid_equity)
        grid = on_grid(client, liquid_equity)
        single = GttLeg(trigger_price=grid(last * 0.9), side=Side.BUY, qty=1, product=ProductType.CNC,
                        price=grid(last * 0.9))
        gtt_id = await client.place_gtt(liquid_equity, single, last_price=last)
        placed = await client.gtt(gtt_id)
        assert placed.instrument == liquid_equity and placed.type is GttType.SINGLE
        assert placed.status is GttStatus.ACTIVE and placed.legs[0].trigger_price == pytest.approx(grid(last * 0.9))
        assert gtt_id in {g.gtt_id for g in await client.gtts()}
        stop = GttLeg(trigger_price=grid(last * 0.85), side=Side.SELL, qty=1, product=ProductType.CNC,
                      price=grid(last * 0.85))
        target = GttLeg(trigger_price=grid(last * 1.15), side=Side.SELL, qty=1, product=ProductType.CNC,
                        price=grid(last * 1.15))
        try:
            await client.modify_gtt(gtt_id, liquid_equity, [target, stop], last_price=last)
            wanted = [grid(last * 0.85), grid(last * 1.15)]
        except UnsupportedOperationError:  # a broker with single triggers only (AngelOne)
            lower = GttLeg(trigger_price=grid(last * 0.88), side=Side.BUY, qty=2, product=ProductType.CNC,
                           price=grid(last * 0.88))
            await client.modify_gtt(gtt_id, liquid_equity, lower, last_price=last)
            wanted = [grid(last * 0.88)]
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
        if not client.capabilities.supports(Operation.MARGINS):
            with pytest.raises(UnsupportedOperationError):
                await client.order_margins([order])
            return
        (margin,) = await client.order_margins([order])
        last = await reference_price(client, liquid_equity)
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
        if not client.capabilities.supports(Operation.CONVERT_POSITION):
            with pytest.raises(UnsupportedOperationError):
                await client.convert_position(liquid_equity, Side.BUY, 1, ProductType.MIS, ProductType.CNC)
            return
        order_id = await client.place_order(instrument=liquid_equity, qty=3, side=Side.BUY,
                                            product=ProductType.MIS, order_type=OrderType.MARKET)
        assert (await settled(client, order_id)).status is OrderStatus.COMPLETE

        def held(positions: Sequence[Any], product: ProductType) -> int:
            return sum(p.quantity for p in positions if p.instrument == liquid_equity and p.product is product)

        before = await client.positions()
        assert await client.convert_position(liquid_equity, Side.BUY, 3, ProductType.MIS, ProductType.CNC)
        after = await client.positions()
        assert held(after, ProductType.MIS) == held(before, ProductType.MIS) - 3
        assert held(after, ProductType.CNC) == held(before, ProductType.CNC) + 3
