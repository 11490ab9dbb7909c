"""What the Dhan driver can do, per operation and per exchange.

DhanHQ has no order-history endpoint (the core emulates it from ``GET /orders/{id}``), no TTL
validity (the core emulates it as DAY plus a cancel), no iceberg orders (``/orders/slicing`` splits
above the freeze quantity, which is not an iceberg) and no logout. Cover orders are intraday only
(annexure). Candles come in 1, 5, 15 and 60 minutes and days, with open interest.
"""

from __future__ import annotations

from tt_connect.driver_api import Capabilities, Operation, SegmentCapabilities, Support
from tt_connect.enums import Exchange, OrderType, ProductType, StreamMode, Validity, Variety

from tt_connect_dhan.mapping import DHAN_INTERVALS

__all__ = ["EMULATED_OPERATIONS", "SUPPORTED_OPERATIONS", "dhan_capabilities"]

EMULATED_OPERATIONS: frozenset[Operation] = frozenset({Operation.ORDER_HISTORY})
SUPPORTED_OPERATIONS: frozenset[Operation] = frozenset(set(Operation) - {Operation.LOGOUT} - EMULATED_OPERATIONS)

_ORDER_TYPES = frozenset(OrderType)
_VALIDITIES = frozenset({Validity.DAY, Validity.IOC})
_VARIETIES = frozenset({Variety.REGULAR, Variety.AMO, Variety.CO})


def _segment(exchange: Exchange, products: frozenset[ProductType]) -> SegmentCapabilities:
    return SegmentCapabilities(exchange=exchange, order_types=_ORDER_TYPES, products=products,
                               validities=_VALIDITIES, varieties=_VARIETIES,
                               emulated_validities=frozenset({Validity.TTL}))


def _support(operation: Operation) -> Support:
    if operation in SUPPORTED_OPERATIONS:
        return Support.SUPPORTED
    return Support.EMULATED if operation in EMULATED_OPERATIONS else Support.UNSUPPORTED


def dhan_capabilities() -> Capabilities:
    """Return the capability matrix; operations not listed are unsupported, never "unknown"."""
    cash = frozenset({ProductType.CNC, ProductType.MIS, ProductType.MTF})
    derivatives = frozenset({ProductType.NRML, ProductType.MIS})
    return Capabilities(
        operations={op: _support(op) for op in Operation},
        segments=(
            _segment(Exchange.NSE, cash), _segment(Exchange.BSE, cash),
            _segment(Exchange.NFO, derivatives), _segment(Exchange.BFO, derivatives),
            _segment(Exchange.CDS, derivatives), _segment(Exchange.BCD, derivatives),
            _segment(Exchange.MCX, derivatives),
        ),
        stream_modes=frozenset(StreamMode),
        history_intervals=frozenset(DHAN_INTERVALS),
        history_oi=True,
    )
