"""The desk tools on the client: ``place_sliced``, ``place_basket``, ``set_position``, ``open_orders``,
``cancel_all`` and ``close_all``.

A mixin of :class:`~tt_connect.client.AsyncTTConnect`. Every order goes through the ordinary
``place_order`` path (checks, a unique tag, exactly-once placement, the regulatory order rate, the
journal), so nothing here is ever sent twice; each tool reports every child, leg or item and never
raises halfway through.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tt_connect.desk.results import BasketLeg, BasketResult, BulkItem, BulkResult, SliceChild, SlicedOrder
from tt_connect.driver_api import Operation
from tt_connect.enums import Exchange, OrderType, ProductType, Side, Validity
from tt_connect.errors import InsufficientFundsError, InvalidOrderError, OrderRejectedError, TTConnectError
from tt_connect.instruments import Instrument
from tt_connect.models import Order, OrderRequest
from tt_connect.request_builder.coerce import boolean, enum_value, instrument_value, quantity

if TYPE_CHECKING:
    from tt_connect.runtime import Runtime
    from tt_connect.trading import Trading

__all__ = ["DeskTools", "slice_quantities"]


def slice_quantities(qty: int, lot: int, freeze: int) -> list[int]:
    """Split ``qty`` into children of at most ``freeze`` units, each a whole number of lots."""
    largest = max((freeze // lot) * lot, lot)
    children = [largest] * (qty // largest)
    if qty % largest:
        children.append(qty % largest)
    return children


def _described(exc: TTConnectError) -> str:
    return f"{type(exc).__name__}: {exc.message}"


def _request_fields(request: OrderRequest) -> dict[str, Any]:
    return {"instrument": request.instrument, "qty": request.qty, "side": request.side, "product": request.product,
            "order_type": request.order_type, "price": request.price, "trigger_price": request.trigger_price,
            "validity": request.validity, "validity_ttl": request.validity_ttl, "variety": request.variety,
            "disclosed_qty": request.disclosed_qty, "market_protection": request.market_protection,
            "iceberg_legs": request.iceberg_legs}


class DeskTools:
    """Sliced orders, baskets, target positions, bulk cancel and close (mixed into the client)."""

    _rt: Runtime
    _trading: Trading

    # -- slicing ---------------------------------------------------------------------------

    async def place_sliced(self, instrument: Instrument | str, qty: int, side: Side | str, product: ProductType | str,
                           order_type: OrderType | str, price: float | None = None,
                           trigger_price: float | None = None, validity: Validity | str = Validity.DAY,
                           tag: str | None = None, algo_id: str | None = None) -> SlicedOrder:
        """Place an order above the exchange's freeze quantity as legal child orders, each exactly once.

        The broker's own slicing is used where it has one (Kite's autoslice); elsewhere tt-connect
        splits the quantity into children of at most the freeze quantity (whole lots), each with its
        own unique tag. An order within the freeze quantity is placed as one child. A child that is
        refused stops the rest (they would be refused alike); the result says which were placed.
        """
        item = instrument_value(instrument, "instrument", InvalidOrderError, tradable=True)
        units = quantity(qty, "qty", InvalidOrderError)
        freeze = self._rt.catalogue().freeze_quantity(item)
        arguments: dict[str, Any] = {"instrument": item, "side": side, "product": product, "order_type": order_type,
                                     "price": price, "trigger_price": trigger_price, "validity": validity,
                                     "tag": tag, "algo_id": algo_id}
        if freeze is None or units <= freeze:
            return await self._children(units, [units], arguments)
        if self._rt.api.native_slicing:
            return await self._native_slices(units, arguments)
        return await self._children(units, slice_quantities(units, self._rt.catalogue().lot_size(item), freeze),
                                    arguments)

    async def _children(self, units: int, sizes: list[int], arguments: dict[str, Any]) -> SlicedOrder:
        children: list[SliceChild] = []
        refused: str | None = None
        for size in sizes:
            if refused is not None:
                children.append(SliceChild(qty=size, error=f"not sent: {refused}"))
                continue
            try:
                order_id = await self._trading.place_order(qty=size, **arguments)
            except TTConnectError as exc:
                refused = _described(exc)
                children.append(SliceChild(qty=size, error=refused, tag=getattr(exc, "tag", "")))
                continue
            children.append(SliceChild(qty=size, order_id=order_id))
        return SlicedOrder(qty=units, children=tuple(children))

    async def _native_slices(self, units: int, arguments: dict[str, Any]) -> SlicedOrder:
        rt = self._rt
        executor, ctx = await rt.ready()
        plan = rt.builder.place(qty=units, within_freeze=False, **arguments)
        call = rt.build(Operation.PLACE_ORDER, lambda: rt.api.place_sliced(ctx, plan.request))
        async with rt.order_rate.slot(plan.request.instrument.exchange.value):
            ids: list[str] = await executor.call(call)
        return SlicedOrder(qty=units, native=True, children=tuple(
            SliceChild(qty=0, order_id=order_id, tag=plan.request.tag) for order_id in ids))

    # -- baskets ---------------------------------------------------------------------------

    async def place_basket(self, orders: Sequence[OrderRequest], *, check_margin: bool = True,
                           hedges_first: bool = True, unwind_on_failure: bool = False) -> BasketResult:
        """Place several orders as one basket: margin first, hedges first, every leg reported, none sent twice.

        Every leg is checked before anything is sent. Where the broker prices baskets, the basket's
        margin (with its hedge benefit) must fit the available margin, or ``InsufficientFundsError`` is
        raised and nothing is sent. Buy legs go before sell legs (``hedges_first``), so an option
        seller's protection is in place before the short. Legs are sent one by one; the first refused
        leg stops the basket. With ``unwind_on_failure`` the legs placed before it are then reversed:
        an open leg is cancelled, a filled one closed at market.
        """
        legs = self._rt.builder.margin_orders(orders) if self._rt.capabilities.supports(Operation.MARGINS) else \
            self._checked_legs(orders)
        margin = None
        if boolean(check_margin, "check_margin") and self._rt.capabilities.supports(Operation.MARGINS):
            margin = await self._trading.basket_margin(legs)
            if self._rt.capabilities.supports(Operation.FUNDS):
                available = (await self._rt.send(Operation.FUNDS, self._rt.api.funds)).equity.available_margin
                if margin.final.total > available:
                    raise InsufficientFundsError(
                        f"the basket needs {margin.final.total:,.2f} of margin and {available:,.2f} is available; "
                        "nothing was sent", broker=self._rt.name)
        if boolean(hedges_first, "hedges_first"):
            legs = sorted(legs, key=lambda leg: leg.side is not Side.BUY)
        placed: list[BasketLeg] = []
        for index, leg in enumerate(legs):
            try:
                order_id = await self._trading.place_order(**_request_fields(leg))
            except TTConnectError as exc:
                placed.append(BasketLeg(request=leg, error=_described(exc)))
                placed.extend(BasketLeg(request=rest, error="not sent: an earlier leg was refused")
                              for rest in legs[index + 1:])
                if boolean(unwind_on_failure, "unwind_on_failure"):
                    placed = await self._unwound(placed)
                return BasketResult(legs=tuple(placed), margin=margin)
            placed.append(BasketLeg(request=leg, order_id=order_id))
        return BasketResult(legs=tuple(placed), margin=margin)

    def _checked_legs(self, orders: Sequence[OrderRequest]) -> list[OrderRequest]:
        if isinstance(orders, OrderRequest) or not isinstance(orders, Sequence) or not orders:
            raise InvalidOrderError("a basket is a non-empty list of OrderRequest(instrument=..., qty=..., ...)")
        checked = []
        for index, order in enumerate(orders):
            if not isinstance(order, OrderRequest):
                raise InvalidOrderError(f"orders[{index}] must be an OrderRequest, got {type(order).__name__}")
            checked.append(self._rt.builder.order_request(**_request_fields(order)))
        return checked

    async def _unwound(self, legs: list[BasketLeg]) -> list[BasketLeg]:
        out: list[BasketLeg] = []
        for leg in legs:
            if leg.order_id is None:
                out.append(leg)
                continue
            try:
                out.append(BasketLeg(request=leg.request, order_id=leg.order_id,
                                     unwound_by=await self._reverse(leg.order_id)))
            except TTConnectError as exc:
                out.append(BasketLeg(request=leg.request, order_id=leg.order_id,
                                     error=f"placed, but unwinding it failed: {_described(exc)}"))
        return out

    async def _reverse(self, order_id: str) -> str:
        order = await self._rt.reads.order(order_id)
        if not order.status.is_terminal:
            await self._trading.cancel_order(order_id=order_id, variety=order.variety)
            order = await self._rt.reads.order(order_id)
            if order.filled_qty == 0:
                return "cancelled"
        if order.filled_qty == 0:
            return "not filled"
        opposite = Side.SELL if order.side is Side.BUY else Side.BUY
        return await self._trading.place_order(instrument=order.instrument, qty=order.filled_qty, side=opposite,
                                               product=order.product, order_type=OrderType.MARKET)

    # -- target positions ------------------------------------------------------------------

    async def set_position(self, instrument: Instrument | str, qty: int, product: ProductType | str,
                           tag: str | None = None) -> list[str]:
        """Bring the net position in ``instrument`` and ``product`` to ``qty`` (signed: negative is short).

        Reads the current position and sends only the difference as a market order (sliced above the
        freeze quantity), or nothing; returns the order ids sent (empty when already there).
        """
        item = instrument_value(instrument, "instrument", InvalidOrderError, tradable=True)
        kind = enum_value(ProductType, product, "product", InvalidOrderError)
        if isinstance(qty, bool) or not isinstance(qty, int):
            raise InvalidOrderError(f"qty must be a whole number of units (negative for short), got {qty!r}")
        positions = await self._rt.send(Operation.POSITIONS, self._rt.api.positions)
        held = sum(p.quantity for p in positions if p.instrument == item and p.product is kind)
        difference = qty - held
        if difference == 0:
            return []
        side = Side.BUY if difference > 0 else Side.SELL
        freeze = self._rt.catalogue().freeze_quantity(item)
        if freeze is None or abs(difference) <= freeze:
            return [await self._trading.place_order(instrument=item, qty=abs(difference), side=side, product=kind,
                                                    order_type=OrderType.MARKET, tag=tag)]
        result = await self.place_sliced(item, abs(difference), side, kind, OrderType.MARKET, tag=tag)
        if not result.complete:
            failed = next(c.error for c in result.children if c.error)
            raise OrderRejectedError(f"set_position placed {len(result.order_ids)} of {len(result.children)} "
                                     f"orders ({', '.join(result.order_ids) or 'none'}): {failed}",
                                     broker=self._rt.name)
        return result.order_ids

    # -- bulk ------------------------------------------------------------------------------

    async def open_orders(self, *, product: ProductType | str | None = None, exchange: Exchange | str | None = None,
                          underlying: str | None = None) -> list[Order]:
        """Return today's orders still working (open, trigger pending, partly filled), filtered."""
        wanted = _Filter(product, exchange, underlying)
        return [o for o in await self._rt.reads.orders() if not o.status.is_terminal and wanted(o.instrument,
                                                                                                 o.product)]

    async def cancel_all(self, *, product: ProductType | str | None = None, exchange: Exchange | str | None = None,
                         underlying: str | None = None) -> BulkResult:
        """Cancel every working order that matches; report each one cancelled or the error it met."""
        done: list[BulkItem] = []
        failed: list[BulkItem] = []
        for order in await self.open_orders(product=product, exchange=exchange, underlying=underlying):
            try:
                await self._trading.cancel_order(order_id=order.order_id, variety=order.variety)
                done.append(BulkItem(subject=order.order_id, order_id=order.order_id))
            except TTConnectError as exc:
                failed.append(BulkItem(subject=order.order_id, error=_described(exc)))
        return BulkResult(done=tuple(done), failed=tuple(failed))

    async def close_all(self, *, product: ProductType | str | None = None, exchange: Exchange | str | None = None,
                        underlying: str | None = None) -> BulkResult:
        """Close every open net position that matches with a market order (sliced where it must be)."""
        wanted = _Filter(product, exchange, underlying)
        done: list[BulkItem] = []
        failed: list[BulkItem] = []
        for position in await self._rt.send(Operation.POSITIONS, self._rt.api.positions):
            if position.quantity == 0 or not wanted(position.instrument, position.product):
                continue
            side = Side.SELL if position.quantity > 0 else Side.BUY
            sliced = await self.place_sliced(position.instrument, abs(position.quantity), side, position.product,
                                             OrderType.MARKET)
            subject = str(position.instrument)
            for child in sliced.children:
                item = BulkItem(subject=subject, order_id=child.order_id, error=child.error)
                (done if child.order_id is not None else failed).append(item)
        return BulkResult(done=tuple(done), failed=tuple(failed))


class _Filter:
    def __init__(self, product: object, exchange: object, underlying: object) -> None:
        self.product = None if product is None else enum_value(ProductType, product, "product")
        self.exchange = None if exchange is None else enum_value(Exchange, exchange, "exchange")
        if underlying is not None and (not isinstance(underlying, str) or not underlying.strip()):
            raise InvalidOrderError(f"underlying must be a symbol such as 'NIFTY', got {underlying!r}")
        self.underlying = None if underlying is None else underlying.strip().upper()

    def __call__(self, instrument: Instrument, product: ProductType) -> bool:
        return ((self.product is None or product is self.product)
                and (self.exchange is None or instrument.exchange is self.exchange)
                and (self.underlying is None or instrument.underlying == self.underlying))

