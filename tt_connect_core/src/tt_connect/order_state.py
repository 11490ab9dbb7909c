"""The order state the core owns: a bounded registry of what it has seen, and the reads built on it.

Every order read (the book, one order, a history) and every order update passes through
:meth:`OrderRegistry.remember`, which fills in the canonical rejection reason the driver's error
map gives and stores the latest state. Drivers read it through their context
(``ctx.known_order``), never keep their own. :class:`OrderReads` serves ``order``,
``order_history`` and ``order_trades`` natively where the broker has the endpoint and
*emulated* from the books where it has not, and raises ``OrderNotFoundError`` for an unknown id
whichever path served it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import msgspec

from tt_connect.driver_api import BrokerApi, Call, Capabilities, DriverContext, ErrorMap, Operation, Support
from tt_connect.enums import OrderStatus, RejectionReason
from tt_connect.errors import GttNotFoundError, OrderNotFoundError
from tt_connect.models import Gtt, Order, Trade

__all__ = ["OrderReads", "OrderRegistry"]

T = TypeVar("T")
_CAPACITY = 10_000


class _Bounded(OrderedDict[str, T]):
    """An insertion-ordered dict that forgets its oldest entries past ``capacity``."""

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity

    def put(self, key: str, value: T) -> None:
        self.pop(key, None)
        self[key] = value
        while len(self) > self.capacity:
            self.popitem(last=False)


class OrderRegistry:
    """Order id -> last canonical Order, GTT id -> last Gtt; bounded (the oldest are forgotten)."""

    def __init__(self, error_map: ErrorMap, capacity: int = _CAPACITY) -> None:
        self._errors = error_map
        self._orders: _Bounded[Order] = _Bounded(capacity)
        self._gtts: _Bounded[Gtt] = _Bounded(capacity)

    def remember(self, order: Order) -> Order:
        """Store an order's latest state; a rejected one gets its canonical reason."""
        if order.status is OrderStatus.REJECTED and order.rejection_reason is None:
            reason = self._errors.reason(order.status_message) or RejectionReason.OTHER
            order = msgspec.structs.replace(order, rejection_reason=reason)
        self._orders.put(order.order_id, order)
        return order

    def remember_all(self, orders: Iterable[Order]) -> list[Order]:
        return [self.remember(order) for order in orders]

    def remember_gtt(self, gtt: Gtt) -> Gtt:
        self._gtts.put(gtt.gtt_id, gtt)
        return gtt

    def order(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    def gtt(self, gtt_id: str) -> Gtt | None:
        return self._gtts.get(gtt_id)

    def __len__(self) -> int:
        return len(self._orders)


Send = Callable[[Operation, Callable[[DriverContext], Call[T]]], Awaitable[T]]


class OrderReads:
    """Order, history and trade reads for every driver, native or emulated from the books."""

    def __init__(self, *, broker: str, api: BrokerApi, capabilities: Capabilities, registry: OrderRegistry,
                 send: Send[object]) -> None:
        self._broker = broker
        self._api = api
        self._capabilities = capabilities
        self._registry = registry
        self._send = send

    async def _call(self, operation: Operation, make: Callable[[DriverContext], Call[T]]) -> T:
        return await self._send(operation, make)  # type: ignore[arg-type, return-value]

    def _missing(self, order_id: str) -> OrderNotFoundError:
        return OrderNotFoundError(f"{self._broker} has no order {order_id!r} today", broker=self._broker)

    async def orders(self) -> list[Order]:
        found: list[Order] = await self._call(Operation.ORDERS, self._api.orders)
        return self._registry.remember_all(found)

    async def order_history(self, order_id: str) -> list[Order]:
        if self._capabilities.support(Operation.ORDER_HISTORY) is Support.SUPPORTED:
            history: list[Order] = await self._call(Operation.ORDER_HISTORY,
                                                    lambda ctx: self._api.order_history(ctx, order_id))
            history = [o for o in history if o.order_id == order_id] or history
        else:
            history = [o for o in await self.orders() if o.order_id == order_id]
        if not history:
            raise self._missing(order_id)
        self._registry.remember_all(history[:-1])
        return [*history[:-1], self._registry.remember(history[-1])]

    async def order(self, order_id: str) -> Order:
        if self._capabilities.support(Operation.ORDER) is Support.SUPPORTED:
            order: Order = await self._call(Operation.ORDER, lambda ctx: self._api.order(ctx, order_id))
            return self._registry.remember(order)
        if self._capabilities.supports(Operation.ORDER_HISTORY):
            return (await self.order_history(order_id))[-1]
        for found in await self.orders():
            if found.order_id == order_id:
                return found
        raise self._missing(order_id)

    async def order_trades(self, order_id: str) -> list[Trade]:
        if self._capabilities.support(Operation.ORDER_TRADES) is Support.SUPPORTED:
            trades: list[Trade] = await self._call(Operation.ORDER_TRADES,
                                                   lambda ctx: self._api.order_trades(ctx, order_id))
            if trades:
                return trades
        else:
            trades = [t for t in await self._call(Operation.TRADES, self._api.trades) if t.order_id == order_id]
            if trades:
                return trades
        await self.order(order_id)  # no fills: an order without trades, or no such order at all
        return []

    async def known(self, order_id: str) -> Order:
        """Return the order's last known state, reading it when the core has not seen it yet."""
        return self._registry.order(order_id) or await self.order(order_id)

    async def known_gtt(self, gtt_id: str) -> Gtt:
        """Return the trigger's last known state, reading it when the core has not seen it yet."""
        found = self._registry.gtt(gtt_id)
        if found is not None:
            return found
        try:
            gtt: Gtt = await self._call(Operation.GTT, lambda ctx: self._api.gtt(ctx, gtt_id))
        except GttNotFoundError:
            raise
        except OrderNotFoundError as exc:
            raise GttNotFoundError(exc.message, broker=self._broker, code=exc.code,
                                   http_status=exc.http_status) from None
        return self._registry.remember_gtt(gtt)
