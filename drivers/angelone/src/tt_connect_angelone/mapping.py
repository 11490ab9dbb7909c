"""SmartAPI's enumeration strings <-> canonical enums, its exchange codes and timestamp formats.

Shared by the REST translator and the feed. Facts from the reference, sections 2.5,
2.8, 2.11 and 2.13.3; see PROTOCOL.md for where each was confirmed.
"""

from __future__ import annotations

import datetime as _dt

from tt_connect.enums import CandleInterval, OrderStatus, OrderType, ProductType, Side, Validity, Variety
from tt_connect.errors import BrokerUnavailableError, UnsupportedOperationError
from tt_connect.timeutil import IST

__all__ = [
    "ANGEL_INTERVALS",
    "ANGEL_STATUSES",
    "EXCHANGE_TYPES",
    "HISTORY_MAX_DAYS",
    "SEGMENT_OF_EXCHANGE_TYPE",
    "angel_candle_time",
    "angel_order_type",
    "angel_product",
    "angel_side",
    "angel_status_to_status",
    "angel_time",
    "angel_validity",
    "angel_variety",
    "order_type_to_angel",
    "product_to_angel",
    "variety_to_angel",
]

BROKER = "angelone"

_ORDER_TYPES = {OrderType.MARKET: "MARKET", OrderType.LIMIT: "LIMIT", OrderType.SL: "STOPLOSS_LIMIT",
                OrderType.SL_M: "STOPLOSS_MARKET"}
_ORDER_TYPES_BACK = {v: k for k, v in _ORDER_TYPES.items()}
_PRODUCTS = {ProductType.CNC: "DELIVERY", ProductType.MIS: "INTRADAY", ProductType.NRML: "CARRYFORWARD"}
_PRODUCTS_BACK = {
    "DELIVERY": ProductType.CNC, "INTRADAY": ProductType.MIS, "CARRYFORWARD": ProductType.NRML,
    # Margin delivery is AngelOne's pay-later product: the closest canonical product is MTF.
    "MARGIN": ProductType.MTF,
    # Bracket orders are intraday at AngelOne.
    "BO": ProductType.MIS,
}
_VALIDITIES_BACK = {"DAY": Validity.DAY, "IOC": Validity.IOC}

EXCHANGE_TYPES: dict[str, int] = {"NSE": 1, "NFO": 2, "BSE": 3, "BFO": 4, "MCX": 5, "NCDEX": 7, "CDS": 13}
"""Scrip-master ``exch_seg`` -> SmartWebSocketV2 ``exchangeType`` (reference 2.13.3, gotcha 2)."""
SEGMENT_OF_EXCHANGE_TYPE: dict[int, str] = {code: segment for segment, code in EXCHANGE_TYPES.items()}

ANGEL_STATUSES: dict[str, OrderStatus] = {
    "complete": OrderStatus.COMPLETE,
    "rejected": OrderStatus.REJECTED,
    "cancelled": OrderStatus.CANCELLED,
    "open": OrderStatus.OPEN,
    "trigger pending": OrderStatus.TRIGGER_PENDING,
    # Received by AngelOne, not yet live at the exchange.
    "open pending": OrderStatus.PENDING,
    "validation pending": OrderStatus.PENDING,
    "put order req received": OrderStatus.PENDING,
    "after market order req received": OrderStatus.PENDING,
    # Live at the exchange while a modification or cancellation is in flight.
    "modify pending": OrderStatus.OPEN,
    "modify validation pending": OrderStatus.OPEN,
    "modified": OrderStatus.OPEN,
    "cancel pending": OrderStatus.OPEN,
}
"""Lower-case OMS status strings (reference 2.5.3). Unknown ones parse as PENDING: not final, re-read."""

ANGEL_INTERVALS: dict[CandleInterval, str] = {
    CandleInterval.MINUTE_1: "ONE_MINUTE",
    CandleInterval.MINUTE_3: "THREE_MINUTE",
    CandleInterval.MINUTE_5: "FIVE_MINUTE",
    CandleInterval.MINUTE_10: "TEN_MINUTE",
    CandleInterval.MINUTE_15: "FIFTEEN_MINUTE",
    CandleInterval.MINUTE_30: "THIRTY_MINUTE",
    CandleInterval.HOUR_1: "ONE_HOUR",
    CandleInterval.DAY: "ONE_DAY",
}

HISTORY_MAX_DAYS: dict[CandleInterval, int] = {
    CandleInterval.MINUTE_1: 30,
    CandleInterval.MINUTE_3: 60,
    CandleInterval.MINUTE_5: 100,
    CandleInterval.MINUTE_10: 100,
    CandleInterval.MINUTE_15: 200,
    CandleInterval.MINUTE_30: 200,
    CandleInterval.HOUR_1: 400,
    CandleInterval.DAY: 2000,
}
"""Longest date range per ``getCandleData`` request (reference 2.8, community values); the core splits
longer ranges (``AngelOneApi.history_max_days``)."""


def _unknown(what: str, value: object) -> BrokerUnavailableError:
    return BrokerUnavailableError(f"AngelOne sent an unknown {what} {value!r}; upgrade tt-connect-angelone",
                                  broker=BROKER)


def order_type_to_angel(order_type: OrderType) -> str:
    return _ORDER_TYPES[order_type]


def product_to_angel(product: ProductType) -> str:
    """Return SmartAPI's product; MTF has no documented SmartAPI equivalent (a GTT leg or a conversion may
    still name it: the capability matrix gates orders only)."""
    found = _PRODUCTS.get(product)
    if found is None:
        raise UnsupportedOperationError(f"AngelOne does not take product {product}; use CNC, MIS or NRML",
                                        broker=BROKER)
    return found


def variety_to_angel(variety: Variety, order_type: OrderType) -> str:
    """Stop-loss orders travel as variety ``STOPLOSS`` (reference 2.14 gotcha 5); AMO stays AMO."""
    if variety is Variety.AMO:
        return "AMO"
    if variety is not Variety.REGULAR:
        raise UnsupportedOperationError(f"AngelOne does not take variety {variety}; use REGULAR or AMO",
                                        broker=BROKER)
    return "STOPLOSS" if order_type.needs_trigger else "NORMAL"


def angel_order_type(value: object) -> OrderType:
    found = _ORDER_TYPES_BACK.get(value.upper()) if isinstance(value, str) else None
    if found is None:
        raise _unknown("order type", value)
    return found


def angel_side(value: object) -> Side:
    text = value.upper() if isinstance(value, str) else value
    if text == "BUY":
        return Side.BUY
    if text == "SELL":
        return Side.SELL
    raise _unknown("transaction type", value)


def angel_product(value: object) -> ProductType:
    found = _PRODUCTS_BACK.get(value.upper()) if isinstance(value, str) else None
    if found is None:
        raise _unknown("product type", value)
    return found


def angel_variety(value: object) -> Variety:
    """NORMAL, STOPLOSS (and bracket ROBO) are all regular orders canonically; raw keeps the original."""
    return Variety.AMO if isinstance(value, str) and value.upper() == "AMO" else Variety.REGULAR


def angel_validity(value: object) -> Validity:
    return _VALIDITIES_BACK.get(value.upper(), Validity.DAY) if isinstance(value, str) else Validity.DAY


def angel_status_to_status(status: object, filled: int, pending: int) -> OrderStatus:
    """Map an OMS status (any case); a live order with fills is PARTIALLY_FILLED."""
    text = status.strip().lower() if isinstance(status, str) else ""
    found = ANGEL_STATUSES.get(text, OrderStatus.PENDING)
    if found is OrderStatus.OPEN and filled > 0 and pending > 0:
        return OrderStatus.PARTIALLY_FILLED
    return found


_TIME_FORMATS = ("%d-%b-%Y %H:%M:%S", "%d-%m-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d-%b-%Y")


def angel_time(value: object) -> _dt.datetime | None:
    """Parse SmartAPI's ``20-Oct-2020 13:10:59`` (IST, no offset); None for null, empty or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
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


def angel_candle_time(value: object) -> _dt.datetime:
    """Parse a candle's ``2023-10-18T09:15:00+05:30`` into an aware IST datetime."""
    if isinstance(value, str):
        try:
            parsed = _dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise _unknown("candle timestamp", value) from None
        return parsed.replace(tzinfo=IST) if parsed.tzinfo is None else parsed.astimezone(IST)
    raise _unknown("candle timestamp", value)
