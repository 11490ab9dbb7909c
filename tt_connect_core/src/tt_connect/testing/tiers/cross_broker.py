"""The cross-broker tier: every row of :data:`tt_connect.testing.outcomes.OUTCOMES`, on this driver.

A strategy's ``except OrderNotFoundError:`` must fire on every broker. Each test below provokes
one row of the table against the driver's emulator, the way a strategy would, and asserts the one
error class (or the REJECTED order with its canonical reason) the table names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tt_connect.client import AsyncTTConnect
from tt_connect.driver_api import Operation
from tt_connect.enums import OrderStatus, OrderType, ProductType, Side
from tt_connect.errors import OrderRejectedError, RateLimitError, TTConnectError, UnsupportedOperationError
from tt_connect.instruments import Index, Instrument
from tt_connect.models import GttLeg
from tt_connect.testing.outcomes import outcome
from tt_connect.testing.requirements import requires
from tt_connect.testing.tiers.behaviour import on_grid, reference_price, settled

__all__ = ["CrossBrokerTier"]

_UNKNOWN = "99999999999999"
"""An order or GTT id no emulator ever hands out (its numbers start much lower)."""


async def _placed_or_rejected(client: AsyncTTConnect, key: str, **order: Any) -> None:
    """Place an order the broker must refuse for the row ``key``; accept either of the row's forms."""
    row = outcome(key)
    try:
        order_id = await client.place_order(**order)
    except TTConnectError as exc:
        assert isinstance(exc, row.error), f"{key}: expected {row.error.__name__}, got {type(exc).__name__}: {exc}"
        if row.reason is not None:
            assert isinstance(exc, OrderRejectedError) and exc.reason is row.reason, (
                f"{key}: the refusal carries reason {getattr(exc, 'reason', None)}, expected {row.reason}")
        return
    assert row.reason is not None, f"{key}: the broker accepted an order the table says it refuses"
    final = await settled(client, order_id)
    assert final.status is OrderStatus.REJECTED, f"{key}: the order ended {final.status}, expected REJECTED"
    assert final.rejection_reason is row.reason, (
        f"{key}: the rejected order carries reason {final.rejection_reason}, expected {row.reason} "
        f"(the broker said {final.status_message!r})")
    assert final.status_message, f"{key}: a rejected order keeps the broker's own text"


class CrossBrokerTier:
    """Needs the fixtures ``client``, ``liquid_equity``, ``liquid_future`` and ``faults``."""

    @requires(Operation.ORDERS)
    async def test_an_unknown_order_id_is_order_not_found_everywhere(self, client: AsyncTTConnect) -> None:
        row = outcome("unknown_order")
        calls: list[Callable[[str], Awaitable[object]]] = [client.order, client.order_history]
        if client.capabilities.supports(Operation.ORDER_TRADES):
            calls.append(client.order_trades)
        if client.capabilities.supports(Operation.MODIFY_ORDER):
            calls.append(lambda oid: client.modify_order(oid, price=10.0))
        if client.capabilities.supports(Operation.CANCEL_ORDER):
            calls.append(client.cancel_order)
        for call in calls:
            with pytest.raises(row.error):
                await call(_UNKNOWN)

    @requires(Operation.PLACE_ORDER, Operation.MODIFY_ORDER, Operation.CANCEL_ORDER, Operation.ORDERS)
    async def test_a_filled_order_can_be_neither_modified_nor_cancelled(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        row = outcome("order_not_open")
        order_id = await client.place_order(instrument=liquid_equity, qty=1, side=Side.BUY, product=ProductType.CNC,
                                            order_type=OrderType.MARKET)
        assert (await settled(client, order_id)).status is OrderStatus.COMPLETE
        with pytest.raises(row.error):
            await client.modify_order(order_id, qty=2)
        with pytest.raises(row.error):
            await client.cancel_order(order_id)

    @requires(Operation.PLACE_ORDER, Operation.CANCEL_ORDER, Operation.ORDERS, "market_price")
    async def test_cancelling_twice_is_order_not_open(self, client: AsyncTTConnect,
                                                     liquid_equity: Instrument) -> None:
        row = outcome("cancel_twice")
        last = await reference_price(client, liquid_equity)
        price = on_grid(client, liquid_equity)(last * 0.95)
        order_id = await client.place_order(instrument=liquid_equity, qty=1, side=Side.BUY, product=ProductType.CNC,
                                            order_type=OrderType.LIMIT, price=price)
        await client.cancel_order(order_id)
        assert (await settled(client, order_id)).status is OrderStatus.CANCELLED
        with pytest.raises(row.error):
            await client.cancel_order(order_id)

    @requires(Operation.PLACE_ORDER, Operation.ORDERS, Operation.FUNDS, "market_price")
    async def test_an_order_beyond_the_funds_is_refused_for_insufficient_funds(
        self, client: AsyncTTConnect, liquid_equity: Instrument
    ) -> None:
        funds = await client.funds()
        last = await reference_price(client, liquid_equity)
        qty = int(max(funds.equity.available_margin, funds.equity.available_cash, 1.0) * 5 / last) + 1
        await _placed_or_rejected(client, "insufficient_funds", instrument=liquid_equity, qty=qty, side=Side.BUY,
                                  product=ProductType.CNC, order_type=OrderType.MARKET)

    @requires(Operation.PLACE_ORDER, Operation.ORDERS, "market_price")
    async def test_a_price_outside_the_band_is_refused(self, client: AsyncTTConnect,
                                                      liquid_equity: Instrument) -> None:
        last = await reference_price(client, liquid_equity)
        await _placed_or_rejected(client, "price_band", instrument=liquid_equity, qty=1, side=Side.BUY,
                                  product=ProductType.CNC, order_type=OrderType.LIMIT,
                                  price=on_grid(client, liquid_equity)(last * 0.5))

    @requires(Operation.PLACE_ORDER, "derivatives")
    async def test_a_quantity_above_the_freeze_limit_is_refused(self, client: AsyncTTConnect,
                                                                liquid_future: Instrument) -> None:
        lot = client.lot_size(liquid_future)
        freeze = client.freeze_quantity(liquid_future)
        assert freeze is not None, f"{liquid_future} has no freeze quantity in the master or the exchange's table"
        qty = (freeze // lot + 1) * lot
        with pytest.raises(outcome("freeze_quantity").error, match="freeze quantity"):
            await client.place_order(instrument=liquid_future, qty=qty, side=Side.BUY, product=ProductType.NRML,
                                     order_type=OrderType.MARKET)

    @requires(Operation.PLACE_ORDER, Operation.ORDERS, "market_hours")
    async def test_a_regular_order_while_the_market_is_closed_is_refused(
        self, client: AsyncTTConnect, liquid_equity: Instrument, faults: Any
    ) -> None:
        faults.close_market()
        try:
            await _placed_or_rejected(client, "market_closed", instrument=liquid_equity, qty=1, side=Side.BUY,
                                      product=ProductType.CNC, order_type=OrderType.MARKET)
        finally:
            faults.open_market()

    @requires(Operation.PLACE_ORDER, Operation.MODIFY_ORDER, Operation.CANCEL_ORDER, "market_price", "ip_whitelist")
    async def test_an_order_write_from_an_unlisted_ip_is_ip_not_whitelisted(
        self, client: AsyncTTConnect, liquid_equity: Instrument, faults: Any
    ) -> None:
        row = outcome("ip_not_whitelisted")
        last = await reference_price(client, liquid_equity)
        resting: dict[str, Any] = dict(instrument=liquid_equity, qty=1, side=Side.BUY, product=ProductType.CNC,
                                       order_type=OrderType.LIMIT, price=on_grid(client, liquid_equity)(last * 0.95))
        order_id = await client.place_order(**resting)
        faults.set_ip_whitelisted(False)
        try:
            with pytest.raises(row.error) as placed:
                await client.place_order(**resting)
            assert placed.value.retryable is False
            with pytest.raises(row.error):
                await client.modify_order(order_id, qty=2)
            with pytest.raises(row.error):
                await client.cancel_order(order_id)
        finally:
            faults.set_ip_whitelisted(True)
        await client.cancel_order(order_id)

    @requires(Operation.GTT)
    async def test_an_unknown_gtt_id_is_gtt_not_found_everywhere(self, client: AsyncTTConnect,
                                                                liquid_equity: Instrument) -> None:
        row = outcome("unknown_gtt")
        last = await reference_price(client, liquid_equity) if client.capabilities.supports(Operation.LTP) or \
            client.capabilities.supports(Operation.QUOTE) else 100.0
        leg = GttLeg(trigger_price=on_grid(client, liquid_equity)(last * 0.9), side=Side.BUY, qty=1,
                     product=ProductType.CNC, price=on_grid(client, liquid_equity)(last * 0.9))
        with pytest.raises(row.error):
            await client.gtt(_UNKNOWN)
        with pytest.raises(row.error):
            await client.cancel_gtt(_UNKNOWN)
        try:
            await client.modify_gtt(_UNKNOWN, liquid_equity, leg, last_price=last)
        except row.error:
            pass
        except UnsupportedOperationError:
            pytest.fail("modify_gtt of an unknown id must be GttNotFoundError, not a capability refusal")
        else:
            pytest.fail("modify_gtt of an unknown id succeeded")

    @requires("server_errors", Operation.FUNDS)
    async def test_a_rate_limit_beyond_the_retries_is_rate_limit_error(self, client: AsyncTTConnect,
                                                                      faults: Any) -> None:
        row = outcome("rate_limited")
        faults.fail_next(429, count=1)
        assert (await client.funds()).equity.available_cash >= 0  # one 429: retried, unseen
        faults.fail_next(429, count=client.options.retry_attempts)  # one more than the retries
        with pytest.raises(row.error) as raised:
            await client.funds()
        assert isinstance(raised.value, RateLimitError) and raised.value.retryable

    @requires(Operation.PLACE_ORDER)
    async def test_an_order_on_an_index_is_refused_before_sending(self, client: AsyncTTConnect,
                                                                 tradable_index: Index) -> None:
        row = outcome("not_tradable")
        with pytest.raises(row.error):
            await client.place_order(instrument=tradable_index, qty=1, side=Side.BUY, product=ProductType.CNC,
                                     order_type=OrderType.MARKET)

    @requires("faults", Operation.PROFILE)
    async def test_a_dead_session_is_renewed_silently_or_session_expired(self, client: AsyncTTConnect,
                                                                       faults: Any) -> None:
        row = outcome("session_dead")
        faults.expire_sessions()
        try:
            assert (await client.profile()).user_id  # a silent login renewed it
        except TTConnectError as exc:
            assert isinstance(exc, row.error), f"a dead session raised {type(exc).__name__}: {exc}"
