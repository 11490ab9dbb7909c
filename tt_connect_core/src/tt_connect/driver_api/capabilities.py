"""A driver's typed capability matrix: what it does natively, what the core emulates, what it lacks.

The core checks every call against it before any translator runs (``tt_connect.request_builder``),
and the conformance suite switches its tests on and off from it. No "unknown": a released driver
decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import msgspec

from tt_connect.enums import CandleInterval, Exchange, GttType, OrderType, ProductType, StreamMode, Validity, Variety

__all__ = ["Capabilities", "Operation", "SegmentCapabilities", "Support"]


class Support(StrEnum):
    """Whether a driver does something."""

    SUPPORTED = "supported"
    EMULATED = "emulated"
    """Done by tt-connect on the broker's behalf, from other endpoints (see docs/writing-a-driver.md)."""
    UNSUPPORTED = "unsupported"


class Operation(StrEnum):
    """The operations of the unified API the capability matrix covers."""

    PROFILE = "profile"
    FUNDS = "funds"
    HOLDINGS = "holdings"
    POSITIONS = "positions"
    ORDERS = "orders"
    ORDER = "order"
    """One order's latest state: EMULATED from its history or the order book where no endpoint exists."""
    ORDER_HISTORY = "order_history"
    """EMULATED: a one-element history read from the order book."""
    TRADES = "trades"
    ORDER_TRADES = "order_trades"
    """EMULATED: the trade book filtered by order id."""
    PLACE_ORDER = "place_order"
    MODIFY_ORDER = "modify_order"
    CANCEL_ORDER = "cancel_order"
    QUOTE = "quote"
    LTP = "ltp"
    """EMULATED: ``quote(mode=LTP)``."""
    HISTORY = "history"
    STREAM = "stream"
    ORDER_UPDATES = "order_updates"
    GTT = "gtt"
    MARGINS = "margins"
    CONVERT_POSITION = "convert_position"
    LOGOUT = "logout"
    STATIC_IP = "static_ip"
    """Reading and registering the account's whitelisted static IP (Dhan, Upstox)."""


EMULABLE: frozenset[Operation] = frozenset({Operation.ORDER, Operation.ORDER_HISTORY, Operation.ORDER_TRADES,
                                            Operation.LTP})
"""Operations the core knows how to emulate; a driver may declare only these EMULATED."""


class SegmentCapabilities(msgspec.Struct, frozen=True, kw_only=True):
    """What can be traded on one exchange.

    ``emulated_validities`` are validities the core emulates for this exchange: TTL is placed
    as DAY and cancelled by the core when it runs out (while the client runs).
    """

    exchange: Exchange
    order_types: frozenset[OrderType]
    products: frozenset[ProductType]
    validities: frozenset[Validity]
    varieties: frozenset[Variety] = frozenset({Variety.REGULAR})
    emulated_validities: frozenset[Validity] = frozenset()


class Capabilities(msgspec.Struct, frozen=True, kw_only=True):
    """A driver's typed capability matrix.

    ``history_intervals`` lists the candle intervals ``history`` serves (empty: every interval
    when HISTORY is supported); ``history_oi`` whether candles can carry open interest.
    ``gtt_types`` and ``gtt_order_types`` say which GTT triggers the broker holds (AngelOne: a
    single trigger placing a LIMIT order); a leg's product must be one its exchange trades.
    """

    operations: Mapping[Operation, Support]
    segments: tuple[SegmentCapabilities, ...] = ()
    stream_modes: frozenset[StreamMode] = frozenset()
    history_intervals: frozenset[CandleInterval] = frozenset()
    history_oi: bool = False
    gtt_types: frozenset[GttType] = frozenset(GttType)
    gtt_order_types: frozenset[OrderType] = frozenset({OrderType.LIMIT, OrderType.MARKET})

    def support(self, operation: Operation) -> Support:
        """Return how an operation is supported (absent means unsupported)."""
        return self.operations.get(operation, Support.UNSUPPORTED)

    def supports(self, operation: Operation) -> bool:
        """Return True when the operation is available, natively or emulated."""
        return self.support(operation) is not Support.UNSUPPORTED

    def segment(self, exchange: Exchange) -> SegmentCapabilities | None:
        """Return the capabilities of one exchange, or None when it is not tradable."""
        for seg in self.segments:
            if seg.exchange is exchange:
                return seg
        return None

    def validity_support(self, exchange: Exchange, validity: Validity) -> Support:
        """Return how a validity is supported on an exchange."""
        seg = self.segment(exchange)
        if seg is None:
            return Support.UNSUPPORTED
        if validity in seg.validities:
            return Support.SUPPORTED
        if validity in seg.emulated_validities:
            return Support.EMULATED
        return Support.UNSUPPORTED
