"""DhanHQ's enumeration strings <-> canonical enums, its exchange segments and time formats.

Shared by the REST translator, the feed decoder and the order-update decoder. Every
fact is listed in PROTOCOL.md with its source (the official ``dhanhq`` 2.3.0 SDK, the
DhanHQ v2 annexure page).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

from tt_connect.enums import CandleInterval, Exchange, OrderStatus, OrderType, ProductType, Side, Validity
from tt_connect.errors import BrokerUnavailableError
from tt_connect.timeutil import IST

__all__ = [
    "BROKER",
    "DHAN_INTERVALS",
    "DHAN_STATUSES",
    "HISTORY_MAX_DAYS",
    "INDEX_SEGMENT",
    "SEGMENT_CODES",
    "SEGMENT_NAMES",
    "TRADING_SEGMENTS",
    "UPDATE_SEGMENTS",
    "dhan_order_type",
    "dhan_product",
    "dhan_side",
    "dhan_status_to_status",
    "dhan_time",
    "dhan_validity",
    "order_type_to_dhan",
    "product_to_dhan",
    "update_order_type",
    "update_product",
    "update_side",
]

BROKER = "dhan"

SEGMENT_CODES: Mapping[str, int] = {
    "IDX_I": 0, "NSE_EQ": 1, "NSE_FNO": 2, "NSE_CURRENCY": 3, "BSE_EQ": 4, "MCX_COMM": 5,
    "BSE_CURRENCY": 7, "BSE_FNO": 8,
}
"""``exchangeSegment`` string (REST, subscriptions) -> the integer inside binary packets (annexure)."""
SEGMENT_NAMES: Mapping[int, str] = {code: name for name, code in SEGMENT_CODES.items()}

INDEX_SEGMENT = "IDX_I"
"""Every index, NSE's and BSE's, lives in this data-only segment."""

TRADING_SEGMENTS: Mapping[Exchange, str] = {
    Exchange.NSE: "NSE_EQ", Exchange.BSE: "BSE_EQ", Exchange.NFO: "NSE_FNO", Exchange.BFO: "BSE_FNO",
    Exchange.CDS: "NSE_CURRENCY", Exchange.BCD: "BSE_CURRENCY", Exchange.MCX: "MCX_COMM",
}
"""Canonical exchange -> Dhan's ``exchangeSegment`` for a tradable instrument."""

UPDATE_SEGMENTS: Mapping[tuple[str, str], str] = {
    ("NSE", "E"): "NSE_EQ", ("BSE", "E"): "BSE_EQ", ("NSE", "D"): "NSE_FNO", ("BSE", "D"): "BSE_FNO",
    ("NSE", "C"): "NSE_CURRENCY", ("BSE", "C"): "BSE_CURRENCY", ("MCX", "M"): "MCX_COMM",
}
"""The order-update socket's (``Exchange``, ``Segment`` letter) -> ``exchangeSegment``."""

_ORDER_TYPES: Mapping[OrderType, str] = {
    OrderType.MARKET: "MARKET", OrderType.LIMIT: "LIMIT", OrderType.SL: "STOP_LOSS",
    OrderType.SL_M: "STOP_LOSS_MARKET",
}
_ORDER_TYPES_BACK = {v: k for k, v in _ORDER_TYPES.items()}
_PRODUCTS: Mapping[ProductType, str] = {
    ProductType.CNC: "CNC", ProductType.MIS: "INTRADAY", ProductType.NRML: "MARGIN", ProductType.MTF: "MTF",
}
_PRODUCTS_BACK: Mapping[str, ProductType] = {
    **{v: k for k, v in _PRODUCTS.items()},
    # Cover and bracket orders are intraday only at Dhan (annexure: "valid only for Intraday").
    "CO": ProductType.MIS, "BO": ProductType.MIS,
}

# The order-update socket spells everything differently (reference 1.10.4).
_UPDATE_PRODUCTS: Mapping[str, ProductType] = {
    "C": ProductType.CNC, "I": ProductType.MIS, "M": ProductType.NRML, "F": ProductType.MTF,
    "V": ProductType.MIS, "B": ProductType.MIS,
}
_UPDATE_ORDER_TYPES: Mapping[str, OrderType] = {
    "LMT": OrderType.LIMIT, "MKT": OrderType.MARKET, "SL": OrderType.SL, "SLM": OrderType.SL_M,
}

DHAN_STATUSES: Mapping[str, OrderStatus] = {
    "TRANSIT": OrderStatus.PENDING,
    "PENDING": OrderStatus.OPEN,
    "PART_TRADED": OrderStatus.PARTIALLY_FILLED,
    "TRADED": OrderStatus.COMPLETE,
    "REJECTED": OrderStatus.REJECTED,
    "CANCELLED": OrderStatus.CANCELLED,
    "EXPIRED": OrderStatus.CANCELLED,
    # Forever orders waiting for their trigger, and slice replies.
    "CONFIRM": OrderStatus.TRIGGER_PENDING,
    # Super orders: both legs placed / the exit leg fired.
    "CLOSED": OrderStatus.COMPLETE,
    "TRIGGERED": OrderStatus.OPEN,
}
"""Order-book ``orderStatus`` (annexure). The order-update socket's ``Status`` uses the same words in
other cases (``Pending``, ``Traded``): they are compared upper-cased, with spaces as underscores."""

DHAN_INTERVALS: Mapping[CandleInterval, str] = {
    CandleInterval.MINUTE_1: "1", CandleInterval.MINUTE_5: "5", CandleInterval.MINUTE_15: "15",
    CandleInterval.HOUR_1: "60", CandleInterval.DAY: "D",
}
"""Intervals DhanHQ serves: intraday minutes 1, 5, 15, 25, 60 (``/charts/intraday``) and days
(``/charts/historical``). 25 minutes has no canonical interval; 3, 10 and 30 minutes are not served."""

HISTORY_MAX_DAYS: Mapping[CandleInterval, int] = {
    CandleInterval.MINUTE_1: 90, CandleInterval.MINUTE_5: 90, CandleInterval.MINUTE_15: 90,
    CandleInterval.HOUR_1: 90, CandleInterval.DAY: 3650,
}
"""Longest range per request: 90 days for intraday (docs); daily data has no stated cap, so ten years."""


def _unknown(what: str, value: object) -> BrokerUnavailableError:
    return BrokerUnavailableError(f"Dhan sent an unknown {what} {value!r}; upgrade tt-connect-dhan", broker=BROKER)


def order_type_to_dhan(order_type: OrderType) -> str:
    return _ORDER_TYPES[order_type]


def product_to_dhan(product: ProductType) -> str:
    return _PRODUCTS[product]


def dhan_order_type(value: object) -> OrderType:
    found = _ORDER_TYPES_BACK.get(value.upper()) if isinstance(value, str) else None
    if found is None:
        raise _unknown("order type", value)
    return found


def dhan_product(value: object) -> ProductType:
    found = _PRODUCTS_BACK.get(value.upper()) if isinstance(value, str) else None
    if found is None:
        raise _unknown("product type", value)
    return found


def dhan_side(value: object) -> Side:
    text = value.upper() if isinstance(value, str) else value
    if text in ("BUY", "B"):
        return Side.BUY
    if text in ("SELL", "S"):
        return Side.SELL
    raise _unknown("transaction type", value)


def dhan_validity(value: object) -> Validity:
    return Validity.IOC if isinstance(value, str) and value.upper() == "IOC" else Validity.DAY


def update_product(value: object) -> ProductType:
    """The order socket's one-letter product (``C``, ``I``, ``M``, ``F``, ``V``, ``B``) or a REST name."""
    if isinstance(value, str):
        found = _UPDATE_PRODUCTS.get(value.upper())
        if found is not None:
            return found
    return dhan_product(value)


def update_order_type(value: object) -> OrderType:
    """The order socket's ``LMT``/``MKT``/``SL``/``SLM`` or a REST name."""
    if isinstance(value, str):
        found = _UPDATE_ORDER_TYPES.get(value.upper())
        if found is not None:
            return found
    return dhan_order_type(value)


def update_side(value: object) -> Side:
    return dhan_side(value)


def dhan_status_to_status(status: object, order_type: OrderType, filled: int) -> OrderStatus:
    """Map an order status in any case; an open stop order waits for its trigger.

    Dhan shows a resting stop-loss order as ``PENDING`` whether or not it has triggered;
    a stop order with no fills is reported TRIGGER_PENDING (a triggered one fills at once
    in the common case). Unknown words parse as PENDING: not final, so the core re-reads.
    """
    text = status.strip().upper().replace(" ", "_") if isinstance(status, str) else ""
    found = DHAN_STATUSES.get(text, OrderStatus.PENDING)
    if found is OrderStatus.OPEN and order_type.needs_trigger and filled == 0:
        return OrderStatus.TRIGGER_PENDING
    if found is OrderStatus.OPEN and filled > 0:
        return OrderStatus.PARTIALLY_FILLED
    return found


_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d")


def dhan_time(value: object) -> _dt.datetime | None:
    """Parse Dhan's IST wall-clock texts (``2024-10-24 09:15:02``, quotes' ``24/10/2024 09:15:02``).

    None for null, empty, ``NA`` and the ``0001-01-01`` placeholder.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or text.upper() == "NA" or text.startswith("0001-01-01"):
        return None
    for fmt in _TIME_FORMATS:
        try:
            return _dt.datetime.strptime(text, fmt).replace(tzinfo=IST)
        except ValueError:
            continue
    try:
        parsed = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=IST) if parsed.tzinfo is None else parsed.astimezone(IST)
