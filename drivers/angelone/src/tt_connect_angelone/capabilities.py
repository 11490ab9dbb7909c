"""What the AngelOne driver can do, per operation and per exchange.

Unsupported, on purpose: TTL validity, iceberg and cover orders (SmartAPI has none of them),
candles with open interest (``getOIData``'s reply is undocumented), static-IP registration (no
SmartAPI REST endpoint for it is in the reference or the SDKs). GTT rules are single-trigger
LIMIT orders: the core refuses an OCO or a MARKET leg from this matrix. Emulated by the core:
order history (SmartAPI keeps none: the order book's row), an order's trades (the trade book,
filtered) and LTP (a quote in LTP mode, 50 tokens a call, instead of ``getLtpData``'s one).
Order updates come from SmartAPI's separate order socket (reference 2.13.5, see PROTOCOL.md).
"""

from __future__ import annotations

from tt_connect.driver_api import Capabilities, Operation, SegmentCapabilities, Support
from tt_connect.enums import Exchange, GttType, OrderType, ProductType, StreamMode, Validity, Variety

__all__ = ["EMULATED_OPERATIONS", "SUPPORTED_OPERATIONS", "angel_capabilities"]

SUPPORTED_OPERATIONS: frozenset[Operation] = frozenset({
    Operation.PROFILE, Operation.FUNDS, Operation.HOLDINGS, Operation.POSITIONS, Operation.ORDERS,
    Operation.ORDER, Operation.TRADES, Operation.PLACE_ORDER, Operation.MODIFY_ORDER, Operation.CANCEL_ORDER,
    Operation.QUOTE, Operation.HISTORY, Operation.STREAM, Operation.ORDER_UPDATES, Operation.LOGOUT,
    Operation.GTT, Operation.MARGINS, Operation.CONVERT_POSITION,
})
EMULATED_OPERATIONS: frozenset[Operation] = frozenset({Operation.ORDER_HISTORY, Operation.ORDER_TRADES,
                                                       Operation.LTP})

_ORDER_TYPES = frozenset(OrderType)
_VALIDITIES = frozenset({Validity.DAY, Validity.IOC})
_VARIETIES = frozenset({Variety.REGULAR, Variety.AMO})


def _segment(exchange: Exchange, products: frozenset[ProductType]) -> SegmentCapabilities:
    return SegmentCapabilities(exchange=exchange, order_types=_ORDER_TYPES, products=products,
                               validities=_VALIDITIES, varieties=_VARIETIES)


def angel_capabilities() -> Capabilities:
    """Return the capability matrix; operations not listed are unsupported, never "unknown"."""
    operations = {op: Support.UNSUPPORTED for op in Operation}
    operations.update({op: Support.SUPPORTED for op in SUPPORTED_OPERATIONS})
    operations.update({op: Support.EMULATED for op in EMULATED_OPERATIONS})
    # CARRYFORWARD is refused on cash segments (reference 2.11); DELIVERY has no meaning for F&O.
    cash = frozenset({ProductType.CNC, ProductType.MIS})
    derivatives = frozenset({ProductType.NRML, ProductType.MIS})
    return Capabilities(
        operations=operations,
        segments=(
            _segment(Exchange.NSE, cash), _segment(Exchange.BSE, cash),
            _segment(Exchange.NFO, derivatives), _segment(Exchange.BFO, derivatives),
            _segment(Exchange.CDS, derivatives), _segment(Exchange.MCX, derivatives),
        ),
        stream_modes=frozenset(StreamMode),
        gtt_types=frozenset({GttType.SINGLE}),
        gtt_order_types=frozenset({OrderType.LIMIT}),
    )
