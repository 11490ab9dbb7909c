"""What a Noren broker does, natively or through the core, as a typed matrix (no "unknown")."""

from __future__ import annotations

from tt_connect.driver_api import Capabilities, Operation, SegmentCapabilities, Support
from tt_connect.enums import CandleInterval, Exchange, OrderType, ProductType, StreamMode, Validity, Variety

from tt_connect_noren.mapping import NOREN_INTERVALS

__all__ = ["noren_capabilities"]

_ALL_TYPES = frozenset(OrderType)
_VALIDITIES = frozenset({Validity.DAY, Validity.IOC})
_CASH = (Exchange.NSE, Exchange.BSE)
_DERIVATIVES = (Exchange.NFO, Exchange.BFO, Exchange.CDS, Exchange.MCX)

S, E = Support.SUPPORTED, Support.EMULATED


def noren_capabilities() -> Capabilities:
    """Every Noren profile's matrix (the OMS is the same): products C/I/M, cover orders (``H``), AMO.

    ORDER and ORDER_TRADES are derived by the core (Noren has no single-order or per-order trade route);
    LTP comes from ``GetQuotes``. TTL is emulated by the core (placed DAY, cancelled after the TTL).
    """
    segments = tuple(
        SegmentCapabilities(exchange=exchange, order_types=_ALL_TYPES,
                            products=frozenset({ProductType.CNC, ProductType.MIS}) if exchange in _CASH else
                            frozenset({ProductType.NRML, ProductType.MIS}),
                            validities=_VALIDITIES, varieties=frozenset({Variety.REGULAR, Variety.AMO, Variety.CO}),
                            emulated_validities=frozenset({Validity.TTL}))
        for exchange in (*_CASH, *_DERIVATIVES))
    operations = {
        Operation.PROFILE: S, Operation.FUNDS: S, Operation.HOLDINGS: S, Operation.POSITIONS: S,
        Operation.ORDERS: S, Operation.ORDER: E, Operation.ORDER_HISTORY: S, Operation.TRADES: S,
        Operation.ORDER_TRADES: E, Operation.PLACE_ORDER: S, Operation.MODIFY_ORDER: S, Operation.CANCEL_ORDER: S,
        Operation.QUOTE: S, Operation.LTP: E, Operation.HISTORY: S, Operation.STREAM: S,
        Operation.ORDER_UPDATES: S, Operation.GTT: S, Operation.MARGINS: S, Operation.CONVERT_POSITION: S,
        Operation.LOGOUT: S,
    }
    return Capabilities(operations=operations, segments=segments,
                        stream_modes=frozenset({StreamMode.LTP, StreamMode.QUOTE, StreamMode.FULL}),
                        history_intervals=frozenset({*NOREN_INTERVALS, CandleInterval.DAY}), history_oi=True)
