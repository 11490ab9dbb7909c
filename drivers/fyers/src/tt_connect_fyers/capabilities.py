"""What the Fyers driver can do, per operation and per exchange.

Fyers v3 has no endpoint for one order's history (the core emulates it from the order book, which
``GET /orders?id=`` filters), no per-order trade book (the core filters the trade book), no TTL validity
(emulated as DAY plus a cancel) and no iceberg orders. Cover orders (product ``CO``) are intraday;
bracket orders (``BO``) exist but have no canonical variety. GTT and OCO triggers take CNC, MARGIN
or MTF. Candles: 1, 3, 5, 10, 15, 30, 60 minutes and days, with open interest (``oi_flag``).
Streaming (the HSM data socket in every mode, the order socket) is :mod:`tt_connect_fyers.feed`.
"""

from __future__ import annotations

from tt_connect.driver_api import Capabilities, Operation, SegmentCapabilities, Support
from tt_connect.enums import Exchange, GttType, OrderType, ProductType, StreamMode, Validity, Variety

from tt_connect_fyers.mapping import FYERS_INTERVALS

__all__ = ["EMULATED_OPERATIONS", "SUPPORTED_OPERATIONS", "UNSUPPORTED_OPERATIONS", "fyers_capabilities"]

EMULATED_OPERATIONS: frozenset[Operation] = frozenset({Operation.ORDER_HISTORY, Operation.ORDER_TRADES,
                                                       Operation.LTP})
UNSUPPORTED_OPERATIONS: frozenset[Operation] = frozenset({Operation.STATIC_IP})
"""Fyers registers static IPs on its dashboard, not through the API."""
SUPPORTED_OPERATIONS: frozenset[Operation] = frozenset(set(Operation) - EMULATED_OPERATIONS - UNSUPPORTED_OPERATIONS)

_ORDER_TYPES = frozenset(OrderType)
_VALIDITIES = frozenset({Validity.DAY, Validity.IOC})


def _segment(exchange: Exchange, products: frozenset[ProductType], varieties: frozenset[Variety]
             ) -> SegmentCapabilities:
    return SegmentCapabilities(exchange=exchange, order_types=_ORDER_TYPES, products=products,
                               validities=_VALIDITIES, varieties=varieties,
                               emulated_validities=frozenset({Validity.TTL}))


def _support(operation: Operation) -> Support:
    if operation in SUPPORTED_OPERATIONS:
        return Support.SUPPORTED
    return Support.EMULATED if operation in EMULATED_OPERATIONS else Support.UNSUPPORTED


def fyers_capabilities() -> Capabilities:
    """Return the capability matrix; operations not listed are unsupported, never "unknown"."""
    cash = frozenset({ProductType.CNC, ProductType.MIS, ProductType.MTF})
    derivatives = frozenset({ProductType.NRML, ProductType.MIS})
    with_co = frozenset({Variety.REGULAR, Variety.AMO, Variety.CO})
    return Capabilities(
        operations={op: _support(op) for op in Operation},
        segments=(
            _segment(Exchange.NSE, cash, with_co), _segment(Exchange.BSE, cash, with_co),
            _segment(Exchange.NFO, derivatives, with_co), _segment(Exchange.BFO, derivatives, with_co),
            _segment(Exchange.CDS, derivatives, with_co), _segment(Exchange.BCD, derivatives, with_co),
            _segment(Exchange.MCX, derivatives, with_co),
        ),
        stream_modes=frozenset(StreamMode),
        history_intervals=frozenset(FYERS_INTERVALS),
        history_oi=True,
        gtt_types=frozenset(GttType),
        gtt_order_types=frozenset({OrderType.LIMIT}),
    )
