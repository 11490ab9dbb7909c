"""Fyers' enumeration codes <-> canonical enums, its tickers, exchange segments, fyTokens and time texts.

Shared by the REST translator, the instrument SELECT's documentation and the feed. Every fact is in
PROTOCOL.md with its source (the official ``fyers-apiv3`` 3.2.0 SDK, the v3 API reference).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

from tt_connect.driver_api import fields
from tt_connect.enums import CandleInterval, Exchange, OrderStatus, OrderType, ProductType, Side, Validity
from tt_connect.errors import BrokerUnavailableError
from tt_connect.timeutil import IST

__all__ = [
    "BROKER",
    "EXCHANGE_CODES",
    "FYERS_INTERVALS",
    "FYERS_STATUSES",
    "HISTORY_MAX_DAYS",
    "SEGMENT_BY_CODES",
    "SEGMENT_CODES",
    "TRADING_SEGMENTS",
    "fyers_order_type",
    "fyers_product",
    "fyers_side",
    "fyers_status_to_status",
    "fyers_time",
    "fyers_validity",
    "fy_token_segment",
    "integer",
    "number",
    "order_type_to_fyers",
    "product_to_fyers",
    "side_to_fyers",
    "ticker_exchange",
]

BROKER = "fyers"

number = fields.number_reader(BROKER)
"""Every wire number goes through the core's finite reader (NaN, infinities and junk are refused)."""
integer = fields.integer_reader(BROKER)

EXCHANGE_CODES: Mapping[int, str] = {10: "NSE", 11: "MCX", 12: "BSE"}
"""The master's and the replies' integer ``exchange`` -> its name (ticker prefix)."""

SEGMENT_CODES: Mapping[str, tuple[int, int]] = {
    "NSE_CM": (10, 10), "NSE_FO": (10, 11), "NSE_CD": (10, 12), "NSE_COM": (10, 20),
    "BSE_CM": (12, 10), "BSE_FO": (12, 11), "BSE_CD": (12, 12), "MCX_COM": (11, 20),
}
"""Symbol-master file name (our ``broker_segment``) -> (exchange, segment) integers."""
SEGMENT_BY_CODES: Mapping[tuple[int, int], str] = {codes: name for name, codes in SEGMENT_CODES.items()}

TRADING_SEGMENTS: Mapping[Exchange, str] = {
    Exchange.NSE: "NSE_CM", Exchange.BSE: "BSE_CM", Exchange.NFO: "NSE_FO", Exchange.BFO: "BSE_FO",
    Exchange.CDS: "NSE_CD", Exchange.BCD: "BSE_CD", Exchange.MCX: "MCX_COM",
}
"""Canonical exchange -> the Fyers segment its instruments live in (NSE's own commodities, ``NSE_COM``,
have no canonical exchange and are left out of the master)."""

_ORDER_TYPES: Mapping[OrderType, int] = {OrderType.LIMIT: 1, OrderType.MARKET: 2, OrderType.SL_M: 3,
                                         OrderType.SL: 4}
_ORDER_TYPES_BACK: Mapping[int, OrderType] = {v: k for k, v in _ORDER_TYPES.items()}
_PRODUCTS: Mapping[ProductType, str] = {ProductType.CNC: "CNC", ProductType.MIS: "INTRADAY",
                                        ProductType.NRML: "MARGIN", ProductType.MTF: "MTF"}
_PRODUCTS_BACK: Mapping[str, ProductType] = {
    **{v: k for k, v in _PRODUCTS.items()},
    # Cover and bracket orders are intraday products (v3 reference, "Product types").
    "CO": ProductType.MIS, "BO": ProductType.MIS,
}

FYERS_STATUSES: Mapping[int, OrderStatus] = {
    1: OrderStatus.CANCELLED, 2: OrderStatus.COMPLETE, 3: OrderStatus.PENDING, 4: OrderStatus.PENDING,
    5: OrderStatus.REJECTED, 6: OrderStatus.OPEN, 7: OrderStatus.CANCELLED,
}
"""Order ``status``: 1 cancelled, 2 traded, 3 "for future use", 4 transit, 5 rejected, 6 pending,
7 expired. The order socket also shows undocumented codes (20 "new ack", 90...): those read as PENDING,
not final, so the core reads the order again."""

FYERS_INTERVALS: Mapping[CandleInterval, str] = {
    CandleInterval.MINUTE_1: "1", CandleInterval.MINUTE_3: "3", CandleInterval.MINUTE_5: "5",
    CandleInterval.MINUTE_10: "10", CandleInterval.MINUTE_15: "15", CandleInterval.MINUTE_30: "30",
    CandleInterval.HOUR_1: "60", CandleInterval.DAY: "1D",
}
"""``resolution`` of ``/data/history`` per canonical interval (Fyers also has seconds, 2, 20, 120 and 240
minutes, weeks and months, which have no canonical interval)."""

HISTORY_MAX_DAYS: Mapping[CandleInterval, int] = {
    **{interval: 100 for interval in FYERS_INTERVALS if interval is not CandleInterval.DAY},
    CandleInterval.DAY: 366,
}
"""Longest range per ``/data/history`` request: 100 days intraday, 366 days for daily candles (v3 reference)."""


def _unknown(what: str, value: object) -> BrokerUnavailableError:
    return BrokerUnavailableError(f"Fyers sent an unknown {what} {value!r:.40}; upgrade tt-connect-fyers",
                                  broker=BROKER)


def order_type_to_fyers(order_type: OrderType) -> int:
    return _ORDER_TYPES[order_type]


def product_to_fyers(product: ProductType) -> str:
    return _PRODUCTS[product]


def side_to_fyers(side: Side) -> int:
    return 1 if side is Side.BUY else -1


def fyers_order_type(value: object) -> OrderType:
    found = _ORDER_TYPES_BACK.get(integer(value)) if value not in (None, "") else None
    if found is None:
        raise _unknown("order type", value)
    return found


def fyers_product(value: object) -> ProductType:
    found = _PRODUCTS_BACK.get(value.strip().upper()) if isinstance(value, str) else None
    if found is None:
        raise _unknown("product type", value)
    return found


def fyers_side(value: object) -> Side:
    side = integer(value) if value not in (None, "") else 0
    if side == 1:
        return Side.BUY
    if side == -1:
        return Side.SELL
    raise _unknown("side", value)


def fyers_validity(value: object) -> Validity:
    return Validity.IOC if isinstance(value, str) and value.strip().upper() == "IOC" else Validity.DAY


def fyers_status_to_status(status: object, order_type: OrderType, filled: int) -> OrderStatus:
    """Map an order status code; a pending stop order waits for its trigger, a part-filled one is partial."""
    code = integer(status) if status not in (None, "") else 0
    found = FYERS_STATUSES.get(code, OrderStatus.PENDING)
    if found is OrderStatus.OPEN and filled > 0:
        return OrderStatus.PARTIALLY_FILLED
    if found is OrderStatus.OPEN and order_type.needs_trigger:
        return OrderStatus.TRIGGER_PENDING
    return found


def fy_token_segment(fy_token: str) -> str | None:
    """The symbol-master file a fyToken belongs to, from its first four digits (exchange, segment)."""
    if len(fy_token) < 4 or not fy_token[:4].isdigit():
        return None
    return SEGMENT_BY_CODES.get((int(fy_token[:2]), int(fy_token[2:4])))


def ticker_exchange(ticker: str) -> str:
    """``NSE:SBIN-EQ`` -> ``NSE`` (the part before the colon)."""
    return ticker.partition(":")[0]


_TIME_FORMATS = ("%d-%b-%Y %H:%M:%S", "%d-%m-%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")


def fyers_time(value: object) -> _dt.datetime | None:
    """Order and trade times: ``09-Mar-2023 09:34:38`` IST (trade docs also show ``09-03-2023``); epochs too."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return _dt.datetime.fromtimestamp(number(value), _dt.UTC).astimezone(IST)
    return fields.timestamp(value, _TIME_FORMATS)
