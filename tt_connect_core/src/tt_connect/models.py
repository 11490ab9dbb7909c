"""The canonical data model: frozen msgspec Structs every driver produces.

No broker key ever reaches application code: drivers parse their payloads into
these types. Each model may keep the broker's payload in ``raw`` (for
debugging and escape hatches); ``raw`` takes no part in equality or hashing,
so the same order parsed from two brokers compares equal.

Timestamps are timezone-aware, in Indian Standard Time (:data:`IST`).
New fields are only ever added with defaults: third-party drivers compile
against these types.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import msgspec

from tt_connect.enums import (
    CandleInterval,
    GttStatus,
    GttType,
    OrderStatus,
    OrderType,
    ProductType,
    RejectionReason,
    Side,
    StreamMode,
    Validity,
    Variety,
)
from tt_connect.instruments import Equity, Future, Index, Instrument, Option
from tt_connect.options.black76 import Greeks
from tt_connect.timeutil import IST

__all__ = [
    "IST",
    "BasketMargin",
    "CancelRequest",
    "Candle",
    "ConvertRequest",
    "Depth",
    "DepthLevel",
    "Funds",
    "Gtt",
    "GttLeg",
    "GttRequest",
    "HistoryRequest",
    "Holding",
    "MarginRequirement",
    "ModifyRequest",
    "Order",
    "OrderRequest",
    "OrderUpdate",
    "Position",
    "Profile",
    "Quote",
    "SegmentFunds",
    "StaticIp",
    "Tick",
    "Trade",
]

InstrumentT = Equity | Index | Future | Option


class Model(msgspec.Struct, frozen=True, kw_only=True):
    """Base of the public models: ``raw`` is excluded from ``==`` and ``hash``."""

    raw: Any = None

    def _compared(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in self.__struct_fields__ if f != "raw")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{f}={getattr(self, f)!r}" for f in self.__struct_fields__ if f != "raw"
        )
        return f"{type(self).__name__}({fields})"


# -- account -----------------------------------------------------------------------------


class Profile(Model, frozen=True, kw_only=True):
    """Who is logged in."""

    broker: str
    user_id: str
    name: str = ""
    email: str = ""
    exchanges: tuple[str, ...] = ()
    products: tuple[str, ...] = ()


class SegmentFunds(Model, frozen=True, kw_only=True):
    """Funds of one segment (equity or commodity), in rupees."""

    available_cash: float
    available_margin: float
    used_margin: float
    opening_balance: float = 0.0
    collateral: float = 0.0
    payin: float = 0.0
    payout: float = 0.0


class Funds(Model, frozen=True, kw_only=True):
    """Account funds; ``commodity`` is None where the broker keeps no separate segment."""

    equity: SegmentFunds
    commodity: SegmentFunds | None = None

    @property
    def available_margin(self) -> float:
        """Return the equity segment's margin available for new orders."""
        return self.equity.available_margin


class Holding(Model, frozen=True, kw_only=True):
    """A delivery holding in the demat account."""

    instrument: InstrumentT
    quantity: int
    average_price: float
    last_price: float
    t1_quantity: int = 0
    pnl: float = 0.0
    day_change: float = 0.0
    isin: str = ""


class Position(Model, frozen=True, kw_only=True):
    """A net (or day) position. ``quantity`` is signed: negative means short."""

    instrument: InstrumentT
    product: ProductType
    quantity: int
    average_price: float
    last_price: float
    buy_quantity: int = 0
    buy_price: float = 0.0
    sell_quantity: int = 0
    sell_price: float = 0.0
    overnight_quantity: int = 0
    realised_pnl: float = 0.0
    unrealised_pnl: float = 0.0
    pnl: float = 0.0
    multiplier: float = 1.0


# -- orders ------------------------------------------------------------------------------


class OrderRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A canonical order, as drivers receive it. Built by the client, validated before send."""

    instrument: InstrumentT
    qty: int
    side: Side
    product: ProductType
    order_type: OrderType
    price: float | None = None
    trigger_price: float | None = None
    validity: Validity = Validity.DAY
    validity_ttl: int | None = None
    variety: Variety = Variety.REGULAR
    disclosed_qty: int = 0
    iceberg_legs: int | None = None
    market_protection: float | None = None
    tag: str = ""
    algo_id: str = ""
    """The exchange-issued algo ID the order carries ("" for none); drivers put it on the wire."""


class ModifyRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Changes to an open order; None means "leave as is"."""

    order_id: str
    variety: Variety = Variety.REGULAR
    qty: int | None = None
    price: float | None = None
    trigger_price: float | None = None
    order_type: OrderType | None = None
    validity: Validity | None = None
    disclosed_qty: int | None = None
    market_protection: float | None = None


class CancelRequest(msgspec.Struct, frozen=True, kw_only=True):
    """An order to cancel (the variety picks the broker's endpoint where it has several)."""

    order_id: str
    variety: Variety = Variety.REGULAR


class HistoryRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One chunk of candles, within the broker's per-request range (the core splits longer ranges)."""

    instrument: InstrumentT
    interval: CandleInterval
    start: _dt.datetime
    end: _dt.datetime
    oi: bool = False


class Order(Model, frozen=True, kw_only=True):
    """One order in the order book, in its latest state."""

    order_id: str
    instrument: InstrumentT
    side: Side
    qty: int
    order_type: OrderType
    product: ProductType
    status: OrderStatus
    validity: Validity = Validity.DAY
    variety: Variety = Variety.REGULAR
    price: float = 0.0
    trigger_price: float = 0.0
    average_price: float = 0.0
    filled_qty: int = 0
    pending_qty: int = 0
    cancelled_qty: int = 0
    disclosed_qty: int = 0
    tag: str = ""
    status_message: str = ""
    exchange_order_id: str = ""
    placed_at: _dt.datetime | None = None
    updated_at: _dt.datetime | None = None
    rejection_reason: RejectionReason | None = None
    """Set on a REJECTED order: the canonical reason (the broker's text is ``status_message``)."""


class Trade(Model, frozen=True, kw_only=True):
    """One fill."""

    trade_id: str
    order_id: str
    instrument: InstrumentT
    side: Side
    qty: int
    price: float
    product: ProductType
    traded_at: _dt.datetime | None = None
    exchange_order_id: str = ""


class OrderUpdate(Model, frozen=True, kw_only=True):
    """An order's new state, pushed by the broker's stream (or the paper engine)."""

    order: Order
    received_at: _dt.datetime


# -- market data -------------------------------------------------------------------------


class DepthLevel(msgspec.Struct, frozen=True, gc=False):
    """One price level of the order book.

    Positional construction ``DepthLevel(price, quantity, orders)`` is allowed
    (the stream decoders' hot path); the order of fields never changes.
    """

    price: float
    quantity: int
    orders: int = 0


class Depth(msgspec.Struct, frozen=True, gc=False):
    """Best bids and asks (usually five levels each), best first."""

    bids: tuple[DepthLevel, ...] = ()
    asks: tuple[DepthLevel, ...] = ()


class Quote(Model, frozen=True, kw_only=True):
    """A market snapshot from a REST quote call."""

    instrument: InstrumentT
    last_price: float
    last_quantity: int = 0
    average_price: float = 0.0
    volume: int = 0
    buy_quantity: int = 0
    sell_quantity: int = 0
    open: float = 0.0
    high: float = 0.0
    low: float = 0.0
    close: float = 0.0
    net_change: float = 0.0
    oi: int = 0
    oi_day_high: int = 0
    oi_day_low: int = 0
    lower_circuit: float = 0.0
    upper_circuit: float = 0.0
    last_trade_time: _dt.datetime | None = None
    timestamp: _dt.datetime | None = None
    depth: Depth | None = None
    greeks: Greeks | None = None
    """An option's IV and Greeks when the broker serves them with the quote (Upstox); else None."""


class Tick(msgspec.Struct, frozen=True, gc=False):
    """One streamed market-data update.

    Fields beyond ``last_price`` are filled according to ``mode``: LTP carries
    the price only; QUOTE adds OHLC, volume, quantities and OI; FULL adds
    ``depth`` and the exchange timestamp. ``received_at`` is when tt-connect
    read the frame, for latency accounting.

    Application code builds ticks by keyword. Stream decoders may pass the
    fields positionally, in the order below, because a positional msgspec
    construction costs a sixth of a keyword one (0.18 against 1.1 µs) and a
    decoder builds tens of thousands a second. So the order is part of the
    driver contract: fields are only ever appended, with defaults.
    """

    instrument: InstrumentT
    mode: StreamMode
    last_price: float
    received_at: _dt.datetime
    last_quantity: int = 0
    average_price: float = 0.0
    volume: int = 0
    buy_quantity: int = 0
    sell_quantity: int = 0
    open: float = 0.0
    high: float = 0.0
    low: float = 0.0
    close: float = 0.0
    change: float = 0.0
    oi: int = 0
    oi_day_high: int = 0
    oi_day_low: int = 0
    last_trade_time: _dt.datetime | None = None
    exchange_timestamp: _dt.datetime | None = None
    depth: Depth | None = None


class Candle(msgspec.Struct, frozen=True, kw_only=True):
    """One historical bar; ``oi`` is 0 where not requested or not applicable."""

    timestamp: _dt.datetime
    open: float
    high: float
    low: float
    close: float
    volume: int
    oi: int = 0


# -- compliance -------------------------------------------------------------------------


class StaticIp(Model, frozen=True, kw_only=True):
    """The static IPs a broker accepts API orders from (SEBI's algo framework)."""

    primary: str = ""
    secondary: str = ""
    modifiable_after: _dt.datetime | None = None
    """When the broker next lets the IPs be changed (brokers allow it once in a while), if it says."""


# -- GTT, margins, conversion ----------------------------------------------------------


class GttLeg(msgspec.Struct, frozen=True, kw_only=True):
    """One trigger of a GTT and the order it places when the last price crosses it."""

    trigger_price: float
    side: Side
    qty: int
    product: ProductType
    order_type: OrderType = OrderType.LIMIT
    price: float | None = None


class GttRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A canonical GTT as drivers receive it: one leg is SINGLE, two legs are OCO (lower trigger first)."""

    instrument: InstrumentT
    legs: tuple[GttLeg, ...]
    last_price: float

    @property
    def type(self) -> GttType:
        return GttType.OCO if len(self.legs) == 2 else GttType.SINGLE


class Gtt(Model, frozen=True, kw_only=True):
    """A GTT trigger as the broker holds it."""

    gtt_id: str
    instrument: InstrumentT
    type: GttType
    status: GttStatus
    legs: tuple[GttLeg, ...]
    created_at: _dt.datetime | None = None
    updated_at: _dt.datetime | None = None
    expires_at: _dt.datetime | None = None


class MarginRequirement(Model, frozen=True, kw_only=True):
    """What an order (or a basket, with ``instrument`` None) blocks, and what it costs in charges."""

    instrument: InstrumentT | None = None
    total: float
    span: float = 0.0
    exposure: float = 0.0
    option_premium: float = 0.0
    var: float = 0.0
    charges: float = 0.0


class BasketMargin(Model, frozen=True, kw_only=True):
    """Margins of several orders together: ``final`` includes the hedge benefit, ``initial`` does not."""

    initial: MarginRequirement
    final: MarginRequirement
    orders: tuple[MarginRequirement, ...] = ()


class ConvertRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Move ``qty`` of an open position from one product to another (intraday to delivery, say)."""

    instrument: InstrumentT
    side: Side
    qty: int
    from_product: ProductType
    to_product: ProductType
    overnight: bool = False
    """True for a position carried from an earlier day (Kite's ``position_type=overnight``)."""


def instrument_type_union() -> Any:
    """Return the tagged union type used to decode instruments inside models."""
    return InstrumentT


_ = Instrument  # re-exported for typing convenience
