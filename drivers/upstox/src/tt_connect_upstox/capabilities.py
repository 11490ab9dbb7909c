"""What the Upstox driver can do, per operation and per exchange."""

from __future__ import annotations

from tt_connect.driver_api import Capabilities, Operation, SegmentCapabilities, Support
from tt_connect.enums import CandleInterval, Exchange, OrderType, ProductType, StreamMode, Validity, Variety

__all__ = ["SUPPORTED_OPERATIONS", "upstox_capabilities"]

SUPPORTED_OPERATIONS: frozenset[Operation] = frozenset({
    Operation.PROFILE, Operation.FUNDS, Operation.HOLDINGS, Operation.POSITIONS, Operation.ORDERS, Operation.ORDER,
    Operation.ORDER_HISTORY, Operation.TRADES, Operation.ORDER_TRADES, Operation.PLACE_ORDER,
    Operation.MODIFY_ORDER, Operation.CANCEL_ORDER, Operation.QUOTE, Operation.LTP, Operation.HISTORY,
    Operation.STREAM, Operation.ORDER_UPDATES, Operation.GTT, Operation.MARGINS, Operation.CONVERT_POSITION,
    Operation.LOGOUT, Operation.STATIC_IP,
})
"""Every operation has an Upstox endpoint; GTT is the SINGLE trigger (a two-leg OCO exit has no Upstox
form: its GTTs start with an entry)."""

_ORDER_TYPES = frozenset(OrderType)
_VALIDITIES = frozenset({Validity.DAY, Validity.IOC})
_VARIETIES = frozenset({Variety.REGULAR, Variety.AMO})
"""AMO is ``is_amo``; Upstox's API has no iceberg, and cover orders only on the deprecated v2 place."""


def _segment(exchange: Exchange, products: frozenset[ProductType]) -> SegmentCapabilities:
    return SegmentCapabilities(exchange=exchange, order_types=_ORDER_TYPES, products=products,
                               validities=_VALIDITIES, varieties=_VARIETIES,
                               emulated_validities=frozenset({Validity.TTL}))


def upstox_capabilities() -> Capabilities:
    """Return the capability matrix; operations not listed are unsupported, never "unknown"."""
    operations = {op: (Support.SUPPORTED if op in SUPPORTED_OPERATIONS else Support.UNSUPPORTED) for op in Operation}
    cash = frozenset({ProductType.CNC, ProductType.MIS, ProductType.MTF})
    derivatives = frozenset({ProductType.NRML, ProductType.MIS})
    return Capabilities(
        operations=operations,
        segments=(_segment(Exchange.NSE, cash), _segment(Exchange.BSE, cash),
                  *(_segment(exchange, derivatives)
                    for exchange in (Exchange.NFO, Exchange.BFO, Exchange.CDS, Exchange.BCD, Exchange.MCX))),
        stream_modes=frozenset(StreamMode),
        history_intervals=frozenset(CandleInterval),
        history_oi=True,
    )
