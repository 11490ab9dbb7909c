"""Kite's enumeration strings <-> canonical enums, its number and timestamp formats.

Shared by the request builders, the REST parsers and the stream's order updates.
"""

from __future__ import annotations

import datetime as _dt

from tt_connect.enums import CandleInterval, OrderStatus, OrderType, ProductType, Side, Validity, Variety
from tt_connect.errors import BrokerUnavailableError
from tt_connect.timeutil import IST

__all__ = [
    "BROKER",
    "HISTORY_MAX_DAYS",
    "KITE_INTERVALS",
    "KITE_STATUSES",
    "kite_candle_time",
    "kite_number",
    "kite_order_type",
    "kite_product",
    "kite_side",
    "kite_status_to_status",
    "kite_time",
    "kite_validity",
    "kite_variety",
    "order_type_to_kite",
    "product_to_kite",
    "variety_to_kite",
]

BROKER = "zerodha"
_ORDER_TYPES = {OrderType.MARKET: "MARKET", OrderType.LIMIT: "LIMIT", OrderType.SL: "SL", OrderType.SL_M: "SL-M"}
_ORDER_TYPES_BACK = {v: k for k, v in _ORDER_TYPES.items()}
_VARIETIES = {Variety.REGULAR: "regular", Variety.AMO: "amo", Variety.ICEBERG: "iceberg", Variety.CO: "co"}
_VARIETIES_BACK = {v: k for k, v in _VARIETIES.items()}
_PRODUCTS_BACK = {
    "CNC": ProductType.CNC, "MIS": ProductType.MIS, "NRML": ProductType.NRML, "MTF": ProductType.MTF,
    # Cover and (legacy) bracket orders are intraday products at Kite.
    "CO": ProductType.MIS, "BO": ProductType.MIS,
}
_VALIDITIES_BACK = {"DAY": Validity.DAY, "IOC": Validity.IOC, "TTL": Validity.TTL}

KITE_STATUSES: dict[str, OrderStatus] = {
    "COMPLETE": OrderStatus.COMPLETE,
    "REJECTED": OrderStatus.REJECTED,
    "CANCELLED": OrderStatus.CANCELLED,
    "CANCELLED AMO": OrderStatus.CANCELLED,
    "LAPSED": OrderStatus.CANCELLED,
    "OPEN": OrderStatus.OPEN,
    "TRIGGER PENDING": OrderStatus.TRIGGER_PENDING,
    # Received by Kite, not yet live at the exchange.
    "PUT ORDER REQ RECEIVED": OrderStatus.PENDING,
    "VALIDATION PENDING": OrderStatus.PENDING,
    "OPEN PENDING": OrderStatus.PENDING,
    "AMO REQ RECEIVED": OrderStatus.PENDING,
    # Live at the exchange while a modification or cancellation is in flight.
    "MODIFY VALIDATION PENDING": OrderStatus.OPEN,
    "MODIFY PENDING": OrderStatus.OPEN,
    "MODIFIED": OrderStatus.OPEN,
    "CANCEL PENDING": OrderStatus.OPEN,
    # Postback-only: a modification or a partial fill of a live order.
    "UPDATE": OrderStatus.OPEN,
}
"""Every Kite status string we know (reference 1.5.3). Unknown ones parse as PENDING: not final, re-read."""

KITE_INTERVALS: dict[CandleInterval, str] = {
    CandleInterval.MINUTE_1: "minute",
    CandleInterval.MINUTE_3: "3minute",
    CandleInterval.MINUTE_5: "5minute",
    CandleInterval.MINUTE_10: "10minute",
    CandleInterval.MINUTE_15: "15minute",
    CandleInterval.MINUTE_30: "30minute",
    CandleInterval.HOUR_1: "60minute",
    CandleInterval.DAY: "day",
}

HISTORY_MAX_DAYS: dict[CandleInterval, int] = {
    CandleInterval.MINUTE_1: 60,
    CandleInterval.MINUTE_3: 100,
    CandleInterval.MINUTE_5: 100,
    CandleInterval.MINUTE_10: 100,
    CandleInterval.MINUTE_15: 200,
    CandleInterval.MINUTE_30: 200,
    CandleInterval.HOUR_1: 400,
    CandleInterval.DAY: 2000,
}
"""Longest date range Kite serves per historical request (reference 1.8, Zerodha staff on the forum)."""


def _unknown(what: str, value: object) -> BrokerUnavailableError:
    return BrokerUnavailableError(f"Kite sent an unknown {what} {value!r}; upgrade tt-connect-zerodha",
                                  broker=BROKER)


def kite_number(value: float) -> int | float:
    """A price or percentage as Kite writes it: ``590.5``, ``2`` and ``-1``, never ``2.0`` (``str()`` for forms)."""
    return int(value) if float(value).is_integer() else float(value)


def order_type_to_kite(order_type: OrderType) -> str:
    return _ORDER_TYPES[order_type]


def variety_to_kite(variety: Variety) -> str:
    return _VARIETIES[variety]


def product_to_kite(product: ProductType, variety: Variety) -> str:
    """Cover orders travel with Kite's own ``CO`` product."""
    return "CO" if variety is Variety.CO else product.value


def kite_order_type(value: object) -> OrderType:
    found = _ORDER_TYPES_BACK.get(value) if isinstance(value, str) else None
    if found is None:
        raise _unknown("order type", value)
    return found


def kite_side(value: object) -> Side:
    if value == "BUY":
        return Side.BUY
    if value == "SELL":
        return Side.SELL
    raise _unknown("transaction type", value)


def kite_product(value: object) -> ProductType:
    found = _PRODUCTS_BACK.get(value) if isinstance(value, str) else None
    if found is None:
        raise _unknown("product", value)
    return found


def kite_variety(value: object) -> Variety:
    """Auction (and legacy bracket) orders have no canonical variety; they read as REGULAR (raw keeps it)."""
    return _VARIETIES_BACK.get(value, Variety.REGULAR) if isinstance(value, str) else Variety.REGULAR


def kite_validity(value: object) -> Validity:
    return _VALIDITIES_BACK.get(value, Validity.DAY) if isinstance(value, str) else Validity.DAY


def kite_status_to_status(status: object, filled: int, pending: int) -> OrderStatus:
    """Map a Kite status; a live order with fills is PARTIALLY_FILLED."""
    found = KITE_STATUSES.get(status, OrderStatus.PENDING) if isinstance(status, str) else OrderStatus.PENDING
    if found is OrderStatus.OPEN and filled > 0 and pending > 0:
        return OrderStatus.PARTIALLY_FILLED
    return found


def kite_time(value: object) -> _dt.datetime | None:
    """Parse Kite's ``YYYY-MM-DD HH:MM:SS`` (IST, no offset); None for null or empty."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return _dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST)
    except ValueError:
        try:
            parsed = _dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed.replace(tzinfo=IST) if parsed.tzinfo is None else parsed.astimezone(IST)


def kite_candle_time(value: object) -> _dt.datetime:
    """Parse a candle's ``2017-12-15T09:15:00+0530`` into an aware IST datetime."""
    if not isinstance(value, str):
        raise _unknown("candle timestamp", value)
    try:
        return _dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").astimezone(IST)
    except ValueError:
        parsed = _dt.datetime.fromisoformat(value)
        return parsed.replace(tzinfo=IST) if parsed.tzinfo is None else parsed.astimezone(IST)
