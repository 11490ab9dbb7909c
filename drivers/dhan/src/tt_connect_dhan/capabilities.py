"""What the Dhan driver can do, per operation and per exchange.

Unsupported, on purpose: TTL validity and iceberg orders (DhanHQ has neither; ``/orders/slicing``
splits above the freeze quantity, which is not an iceberg) and logout (no endpoint). Cover orders
are intraday only (annexure). Order history has no endpoint: one order's latest state stands in.
"""

from __future__ import annotations

from tt_connect.driver_api import Capabilities, Operation, SegmentCapabilities, Support
from tt_connect.enums import Exchange, OrderType, ProductType, StreamMode, Validity, Variety

__all__ = ["SUPPORTED_OPERATIONS", "dhan_capabilities"]

SUPPORTED_OPERATIONS: frozenset[Operation] = frozenset(set(Operation) - {Operation.LOGOUT, Operation.ORDER_UPDATES})
"""Order updates need the socket's login message, sent on connect: contract v2's ``handshake`` seam
(``order_stream.py`` is ready for it); contract v1 has no way to send it."""

_ORDER_TYPES = frozenset(OrderType)
_VALIDITIES = frozenset({Validity.DAY, Validity.IOC})
_VARIETIES = frozenset({Variety.REGULAR, Variety.AMO, Variety.CO})


def _segment(exchange: Exchange, products: frozenset[ProductType]) -> SegmentCapabilities:
    return SegmentCapabilities(exchange=exchange, order_types=_ORDER_TYPES, products=products,
                               validities=_VALIDITIES, varieties=_VARIETIES)


def dhan_capabilities() -> Capabilities:
    """Return the capability matrix; operations not listed are unsupported, never "unknown"."""
    operations = {op: (Support.SUPPORTED if op in SUPPORTED_OPERATIONS else Support.UNSUPPORTED)
                  for op in Operation}
    cash = frozenset({ProductType.CNC, ProductType.MIS, ProductType.MTF})
    derivatives = frozenset({ProductType.NRML, ProductType.MIS})
    return Capabilities(
        operations=operations,
        segments=(
            _segment(Exchange.NSE, cash), _segment(Exchange.BSE, cash),
            _segment(Exchange.NFO, derivatives), _segment(Exchange.BFO, derivatives),
            _segment(Exchange.CDS, derivatives), _segment(Exchange.BCD, derivatives),
            _segment(Exchange.MCX, derivatives),
        ),
        stream_modes=frozenset(StreamMode),
    )
