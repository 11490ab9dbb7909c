"""What the Zerodha driver can do, per operation and per exchange."""

from __future__ import annotations

from tt_connect.driver_api import Capabilities, Operation, SegmentCapabilities, Support
from tt_connect.enums import Exchange, OrderType, ProductType, StreamMode, Validity, Variety

__all__ = ["EMULATED_OPERATIONS", "SUPPORTED_OPERATIONS", "kite_capabilities"]

SUPPORTED_OPERATIONS: frozenset[Operation] = frozenset({
    Operation.PROFILE, Operation.FUNDS, Operation.HOLDINGS, Operation.POSITIONS, Operation.ORDERS,
    Operation.ORDER_HISTORY, Operation.TRADES, Operation.ORDER_TRADES, Operation.PLACE_ORDER,
    Operation.MODIFY_ORDER, Operation.CANCEL_ORDER, Operation.QUOTE, Operation.LTP, Operation.HISTORY,
    Operation.STREAM, Operation.ORDER_UPDATES, Operation.LOGOUT, Operation.GTT, Operation.MARGINS,
    Operation.CONVERT_POSITION,
})
EMULATED_OPERATIONS: frozenset[Operation] = frozenset({Operation.ORDER})
"""Kite has no one-order endpoint: ``GET /orders/{id}`` is the order's history, whose last state the core takes."""

_ALL_ORDER_TYPES = frozenset(OrderType)
_ALL_VARIETIES = frozenset({Variety.REGULAR, Variety.AMO, Variety.ICEBERG, Variety.CO})


def _cash(exchange: Exchange) -> SegmentCapabilities:
    return SegmentCapabilities(
        exchange=exchange, order_types=_ALL_ORDER_TYPES,
        products=frozenset({ProductType.CNC, ProductType.MIS, ProductType.MTF}),
        validities=frozenset(Validity), varieties=_ALL_VARIETIES)


def _derivatives(exchange: Exchange, varieties: frozenset[Variety]) -> SegmentCapabilities:
    return SegmentCapabilities(
        exchange=exchange, order_types=_ALL_ORDER_TYPES,
        products=frozenset({ProductType.NRML, ProductType.MIS}),
        validities=frozenset(Validity), varieties=varieties)


def kite_capabilities() -> Capabilities:
    """Return the capability matrix; operations not listed are unsupported, never "unknown"."""
    operations = {op: Support.UNSUPPORTED for op in Operation}
    operations.update({op: Support.SUPPORTED for op in SUPPORTED_OPERATIONS})
    operations.update({op: Support.EMULATED for op in EMULATED_OPERATIONS})
    basic = frozenset({Variety.REGULAR, Variety.AMO})
    return Capabilities(
        operations=operations,
        segments=(
            _cash(Exchange.NSE), _cash(Exchange.BSE),
            _derivatives(Exchange.NFO, _ALL_VARIETIES), _derivatives(Exchange.BFO, _ALL_VARIETIES),
            _derivatives(Exchange.CDS, basic), _derivatives(Exchange.BCD, basic),
            _derivatives(Exchange.MCX, basic),
        ),
        stream_modes=frozenset(StreamMode),
        history_oi=True,
    )
