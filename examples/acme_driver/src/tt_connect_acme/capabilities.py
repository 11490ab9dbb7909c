"""What Acme offers, and what the core does on its behalf (EMULATED)."""

from __future__ import annotations

from tt_connect.driver_api import Capabilities, Operation, SegmentCapabilities, Support
from tt_connect.enums import CandleInterval, Exchange, OrderType, ProductType, StreamMode, Validity, Variety

__all__ = ["ACME_CAPABILITIES"]

_ORDER_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.SL, OrderType.SL_M})
_VALIDITIES = frozenset({Validity.DAY, Validity.IOC})
_VARIETIES = frozenset({Variety.REGULAR, Variety.AMO})

ACME_CAPABILITIES = Capabilities(
    operations={
        **{op: Support.SUPPORTED for op in (
            Operation.PROFILE, Operation.FUNDS, Operation.HOLDINGS, Operation.POSITIONS, Operation.ORDERS,
            Operation.ORDER, Operation.TRADES, Operation.ORDER_TRADES, Operation.PLACE_ORDER,
            Operation.MODIFY_ORDER, Operation.CANCEL_ORDER, Operation.QUOTE, Operation.HISTORY, Operation.STREAM,
            Operation.ORDER_UPDATES, Operation.LOGOUT)},
        # Acme has no history of one order and no LTP endpoint: the core derives both.
        Operation.ORDER_HISTORY: Support.EMULATED,
        Operation.LTP: Support.EMULATED,
        **{op: Support.UNSUPPORTED for op in (Operation.GTT, Operation.MARGINS, Operation.CONVERT_POSITION)},
    },
    segments=(
        SegmentCapabilities(exchange=Exchange.NSE, order_types=_ORDER_TYPES, validities=_VALIDITIES,
                            products=frozenset({ProductType.CNC, ProductType.MIS}), varieties=_VARIETIES,
                            emulated_validities=frozenset({Validity.TTL})),
        SegmentCapabilities(exchange=Exchange.NFO, order_types=_ORDER_TYPES, validities=_VALIDITIES,
                            products=frozenset({ProductType.NRML, ProductType.MIS}), varieties=_VARIETIES,
                            emulated_validities=frozenset({Validity.TTL})),
    ),
    stream_modes=frozenset(StreamMode),
    history_intervals=frozenset({CandleInterval.MINUTE_1, CandleInterval.MINUTE_5, CandleInterval.MINUTE_15,
                                 CandleInterval.HOUR_1, CandleInterval.DAY}),
)
