"""The order flows every driver shares: place exactly once, modify and cancel with the order known,
GTT triggers, margins and conversions.

Arguments are checked by the request builder; the broker's translator only ever sees valid
canonical requests, and, for the operations it lists in ``needs_known_order``, an order (or
trigger) the core has already read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tt_connect.driver_api import Operation
from tt_connect.errors import InvalidOrderError, OrderNotFoundError, OrderStatusUnknownError, TTConnectError
from tt_connect.instruments import Index, Instrument
from tt_connect.models import BasketMargin, Gtt, GttRequest, MarginRequirement, Order, OrderRequest
from tt_connect.request_builder.capabilities import require, require_gtt
from tt_connect.request_builder.coerce import identifier, instrument_value
from tt_connect.request_builder.gtt import checked_gtt
from tt_connect.request_builder.market import batches
from tt_connect.runtime import Runtime

__all__ = ["Trading"]


def _failed(outcome: dict[str, Any], exc: TTConnectError) -> None:
    """What the journal records of an order action that raised."""
    outcome.update(error=type(exc).__name__, message=exc.message, code=exc.code)
    if isinstance(exc, OrderStatusUnknownError):
        outcome["tag"] = exc.tag


class Trading:
    """Orders, GTTs, margins and conversions for one runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self._rt = runtime
        self._api = runtime.api

    # -- orders ----------------------------------------------------------------------------

    async def place_order(self, **arguments: Any) -> str:
        """Check, tag and place an order exactly once (see ``AsyncTTConnect.place_order``)."""
        rt = self._rt
        executor, ctx = await rt.ready()
        plan = rt.builder.place(**arguments)
        request = plan.request
        call = rt.build(Operation.PLACE_ORDER, lambda: self._api.place_order(ctx, request))
        order_id = await self._journalled(
            "place", request.instrument.exchange.value, request,
            lambda: executor.place_order(call, tag=request.tag, find_by_tag=self._find_by_tag))
        rt.order_event("placed", order_id)
        if plan.cancel_after is not None:
            rt.later(plan.cancel_after, lambda: self._expire(order_id), "ttl_cancel")
        return order_id

    async def _journalled(self, kind: str, exchange: str, request: Any, send: Callable[[], Awaitable[str]]) -> str:
        """Send one order call inside its exchange's rate slot and journal it, whatever the outcome.

        Inline, not a context-manager generator: this is the order path, and the three order calls share it.
        """
        rt = self._rt
        async with rt.order_rate.slot(exchange):
            outcome: dict[str, Any] = {}
            started = rt.clock.now()
            try:
                order_id = await send()
                outcome["order_id"] = order_id
                return order_id
            except TTConnectError as exc:
                _failed(outcome, exc)
                raise
            finally:
                rt.journal.record(kind, request=request, outcome=outcome, started=started, finished=rt.clock.now())

    def _exchange_of(self, order_id: str) -> str:
        """The exchange a modification or cancellation counts against (the order's, when the core knows it)."""
        known = self._rt.registry.order(order_id)
        return known.instrument.exchange.value if known is not None else "unknown"

    async def _find_by_tag(self, tag: str) -> str | None:
        for order in await self._rt.reads.orders():
            if order.tag == tag:
                return order.order_id
        return None

    async def _expire(self, order_id: str) -> None:
        """Cancel what is left of an order whose emulated TTL ran out (nothing when it already ended)."""
        order = await self._rt.reads.order(order_id)
        if not order.status.is_terminal:
            await self.cancel_order(order_id=order_id, variety=order.variety)

    async def _known(self, operation: Operation, order_id: str) -> Order | None:
        """Read the order first when the driver needs more than its id for ``operation``."""
        if operation in self._api.needs_known_order:
            return await self._rt.reads.known(order_id)
        return None

    async def modify_order(self, **arguments: Any) -> str:
        rt = self._rt
        executor, ctx = await rt.ready()
        request = rt.builder.modify(**arguments)
        current = await self._known(Operation.MODIFY_ORDER, request.order_id)
        if rt.builder.needs_current(request):
            current = current or await rt.reads.known(request.order_id)
            rt.builder.check_modify(request, current)
        call = rt.build(Operation.MODIFY_ORDER, lambda: self._api.modify_order(ctx, request))
        result = await self._journalled("modify", self._exchange_of(request.order_id), request,
                                        lambda: executor.call(call))
        rt.order_event("modified", result)
        return result

    async def cancel_order(self, **arguments: Any) -> str:
        rt = self._rt
        executor, ctx = await rt.ready()
        request = rt.builder.cancel(**arguments)
        await self._known(Operation.CANCEL_ORDER, request.order_id)
        call = rt.build(Operation.CANCEL_ORDER, lambda: self._api.cancel_order(ctx, request))
        result = await self._journalled("cancel", self._exchange_of(request.order_id), request,
                                        lambda: executor.call(call))
        rt.order_event("cancelled", result)
        return result

    # -- GTT triggers ----------------------------------------------------------------------

    async def gtt_request(self, instrument: object, legs: object, last_price: object) -> GttRequest:
        """Check a GTT's legs against the last price (read when not given) and the contract."""
        rt = self._rt
        require(rt.capabilities, Operation.GTT, rt.name)
        item = instrument_value(instrument, "instrument", InvalidOrderError, tradable=True)
        if last_price is None:
            from tt_connect.market_data import MarketData

            prices = await MarketData(rt.market).ltp(item)
            if item not in prices:
                raise InvalidOrderError(f"{rt.name} returned no last price for {item}: pass last_price=...",
                                        broker=rt.name)
            last_price = prices[item]
        request = checked_gtt(item, legs, last_price)  # type: ignore[arg-type]
        require_gtt(rt.capabilities, request, rt.name)
        for leg in request.legs:  # each leg places an order: the same lot and tick rules apply, trigger included
            rt.catalogue().check_order(OrderRequest(
                instrument=request.instrument, qty=leg.qty, side=leg.side, product=leg.product,
                order_type=leg.order_type, price=leg.price, trigger_price=leg.trigger_price))
        return request

    async def _gtt_known(self, gtt_id: str) -> None:
        if Operation.GTT in self._api.needs_known_order:
            await self._rt.reads.known_gtt(gtt_id)

    async def place_gtt(self, instrument: object, legs: object, last_price: object) -> str:
        request = await self.gtt_request(instrument, legs, last_price)
        return await self._rt.send(Operation.GTT, lambda ctx: self._api.place_gtt(ctx, request))

    async def modify_gtt(self, gtt_id: object, instrument: object, legs: object, last_price: object) -> str:
        gid = identifier(gtt_id, "gtt_id", InvalidOrderError)
        request = await self.gtt_request(instrument, legs, last_price)
        await self._gtt_known(gid)
        return await self._rt.send(Operation.GTT, lambda ctx: self._api.modify_gtt(ctx, gid, request))

    async def cancel_gtt(self, gtt_id: object) -> str:
        gid = identifier(gtt_id, "gtt_id", InvalidOrderError)
        require(self._rt.capabilities, Operation.GTT, self._rt.name)
        await self._gtt_known(gid)
        return await self._rt.send(Operation.GTT, lambda ctx: self._api.cancel_gtt(ctx, gid))

    async def gtts(self) -> list[Gtt]:
        found: list[Gtt] = await self._rt.send(Operation.GTT, self._api.gtts)
        return [self._rt.registry.remember_gtt(g) for g in found]

    async def gtt(self, gtt_id: object) -> Gtt:
        gid = identifier(gtt_id, "gtt_id", InvalidOrderError)
        try:
            found: Gtt = await self._rt.send(Operation.GTT, lambda ctx: self._api.gtt(ctx, gid))
        except OrderNotFoundError as exc:
            from tt_connect.errors import GttNotFoundError

            if isinstance(exc, GttNotFoundError):
                raise
            raise GttNotFoundError(exc.message, broker=exc.broker, code=exc.code, http_status=exc.http_status,
                                   raw=exc.raw) from None
        return self._rt.registry.remember_gtt(found)

    # -- margins and conversion ------------------------------------------------------------

    async def order_margins(self, orders: object) -> list[MarginRequirement]:
        checked = self._rt.builder.margin_orders(orders)
        parts = await self._rt.send_all(
            Operation.MARGINS,
            lambda ctx: [self._api.order_margins(ctx, batch) for batch in batches(checked,
                                                                                  self._api.margin_batch_size)])
        return [margin for part in parts for margin in part]

    async def basket_margin(self, orders: object) -> BasketMargin:
        checked = self._rt.builder.margin_orders(orders)
        return await self._rt.send(Operation.MARGINS, lambda ctx: self._api.basket_margin(ctx, checked))

    async def convert_position(self, **arguments: Any) -> bool:
        request = self._rt.builder.convert(**arguments)
        if isinstance(request.instrument, Instrument) and not isinstance(request.instrument, Index):
            self._rt.catalogue().lot_size(request.instrument)  # an unknown contract fails here, before sending
        return await self._rt.send(Operation.CONVERT_POSITION,
                                   lambda ctx: self._api.convert_position(ctx, request))
