"""Canonical enumerations: the only vocabulary application code uses.

Every value is a ``StrEnum`` so that it prints, compares and serialises as its
NSE-style name; drivers translate to and from their broker's strings.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CandleInterval",
    "Exchange",
    "GttStatus",
    "GttType",
    "InstrumentKind",
    "OptionType",
    "OrderStatus",
    "OrderType",
    "ProductType",
    "Side",
    "StreamMode",
    "Validity",
    "Variety",
]


class Exchange(StrEnum):
    """Exchange (segment family) an instrument trades on."""

    NSE = "NSE"
    BSE = "BSE"
    NFO = "NFO"
    BFO = "BFO"
    CDS = "CDS"
    BCD = "BCD"
    MCX = "MCX"

    @property
    def is_derivatives(self) -> bool:
        """Return True for the futures-and-options exchanges."""
        return self in _DERIVATIVE_EXCHANGES


_DERIVATIVE_EXCHANGES = frozenset(
    {Exchange.NFO, Exchange.BFO, Exchange.CDS, Exchange.BCD, Exchange.MCX}
)


class InstrumentKind(StrEnum):
    """Kind of instrument, as stored in the instrument master."""

    EQ = "EQ"
    IDX = "IDX"
    FUT = "FUT"
    OPT = "OPT"


class Side(StrEnum):
    """Direction of an order or trade."""

    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        """Return +1 for BUY and -1 for SELL (signed quantities)."""
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    """How an order is priced."""

    MARKET = "MARKET"
    LIMIT = "LIMIT"
    SL = "SL"
    SL_M = "SL_M"

    @property
    def needs_price(self) -> bool:
        """Return True when the order type requires a limit price."""
        return self in (OrderType.LIMIT, OrderType.SL)

    @property
    def needs_trigger(self) -> bool:
        """Return True when the order type requires a trigger price."""
        return self in (OrderType.SL, OrderType.SL_M)


class ProductType(StrEnum):
    """Margin product of an order or position."""

    CNC = "CNC"
    MIS = "MIS"
    NRML = "NRML"
    MTF = "MTF"


class Validity(StrEnum):
    """How long an order stays live."""

    DAY = "DAY"
    IOC = "IOC"
    TTL = "TTL"


class Variety(StrEnum):
    """Order variety: how the broker routes the order."""

    REGULAR = "REGULAR"
    AMO = "AMO"
    ICEBERG = "ICEBERG"
    CO = "CO"


class OptionType(StrEnum):
    """Call or put."""

    CE = "CE"
    PE = "PE"


class OrderStatus(StrEnum):
    """Canonical order state; every broker's status strings map onto these."""

    PENDING = "PENDING"
    """Accepted by the broker, not yet live at the exchange."""
    OPEN = "OPEN"
    TRIGGER_PENDING = "TRIGGER_PENDING"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    COMPLETE = "COMPLETE"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"

    @property
    def is_terminal(self) -> bool:
        """Return True when the order can no longer change."""
        return self in (OrderStatus.COMPLETE, OrderStatus.CANCELLED, OrderStatus.REJECTED)


class GttType(StrEnum):
    """A good-till-triggered order: one trigger, or two (stop-loss and target, one cancels the other)."""

    SINGLE = "SINGLE"
    OCO = "OCO"


class GttStatus(StrEnum):
    """State of a GTT trigger."""

    ACTIVE = "ACTIVE"
    TRIGGERED = "TRIGGERED"
    DISABLED = "DISABLED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"
    DELETED = "DELETED"


class CandleInterval(StrEnum):
    """Bar size of historical candles."""

    MINUTE_1 = "1m"
    MINUTE_3 = "3m"
    MINUTE_5 = "5m"
    MINUTE_10 = "10m"
    MINUTE_15 = "15m"
    MINUTE_30 = "30m"
    HOUR_1 = "1h"
    DAY = "1d"

    @property
    def seconds(self) -> int:
        """Return the length of one candle in seconds."""
        return _INTERVAL_SECONDS[self]


_INTERVAL_SECONDS = {
    CandleInterval.MINUTE_1: 60,
    CandleInterval.MINUTE_3: 180,
    CandleInterval.MINUTE_5: 300,
    CandleInterval.MINUTE_10: 600,
    CandleInterval.MINUTE_15: 900,
    CandleInterval.MINUTE_30: 1800,
    CandleInterval.HOUR_1: 3600,
    CandleInterval.DAY: 86400,
}


class StreamMode(StrEnum):
    """How much data each streamed tick carries."""

    LTP = "LTP"
    QUOTE = "QUOTE"
    FULL = "FULL"


class RejectionReason(StrEnum):
    """Why the broker or the exchange refused an order, the same on every broker.

    Carried by a rejected :class:`~tt_connect.models.Order` (``rejection_reason``, beside the
    broker's own text in ``status_message``) and by :class:`~tt_connect.errors.OrderRejectedError`
    (``reason``), so one ``if`` handles a synchronous refusal and an asynchronous rejection alike.
    """

    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    """Not enough margin, cash or holdings."""
    PRICE_OUTSIDE_BAND = "PRICE_OUTSIDE_BAND"
    """The price is beyond the day's circuit limits (price band)."""
    QUANTITY_ABOVE_FREEZE = "QUANTITY_ABOVE_FREEZE"
    """The quantity is above the exchange's freeze quantity for one order."""
    MARKET_CLOSED = "MARKET_CLOSED"
    """The market (or the AMO window) is closed for this order."""
    NOT_TRADABLE = "NOT_TRADABLE"
    """The instrument cannot be traded (suspended, expired, index, not allowed for the product)."""
    INVALID_PRICE = "INVALID_PRICE"
    """The price or trigger is not acceptable (off the tick grid, wrong side of the market)."""
    INVALID_QUANTITY = "INVALID_QUANTITY"
    """The quantity is not acceptable (not a lot multiple, zero)."""
    RISK_CHECK = "RISK_CHECK"
    """The broker's risk management refused it for another reason."""
    OTHER = "OTHER"
    """A reason the driver could not classify: read ``status_message``."""
