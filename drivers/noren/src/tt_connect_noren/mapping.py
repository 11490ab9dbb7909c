"""Noren's enumeration strings <-> canonical enums, its exchanges, intervals and time formats.

Shared by the REST translator, the feed and the order-update decoder. Facts from
reference section 3.7 and the SDKs (PROTOCOL.md gives each source). Every Noren
value is a string; status strings vary in case between deployments, so they are
compared upper-cased.
"""

from __future__ import annotations

import datetime as _dt

from tt_connect.enums import CandleInterval, Exchange, OrderStatus, OrderType, ProductType, Side, Validity, Variety
from tt_connect.errors import BrokerUnavailableError
from tt_connect.timeutil import IST

__all__ = [
    "EXCHANGES",
    "HISTORY_MAX_DAYS",
    "NOREN_INTERVALS",
    "NOREN_STATUSES",
    "noren_order_type",
    "noren_product",
    "noren_side",
    "noren_status_to_status",
    "noren_time",
    "noren_validity",
    "noren_variety",
    "order_type_to_noren",
    "product_to_noren",
    "side_to_noren",
    "validity_to_noren",
]

BROKER = "noren"

EXCHANGES: dict[str, Exchange] = {"NSE": Exchange.NSE, "BSE": Exchange.BSE, "NFO": Exchange.NFO,
                                  "BFO": Exchange.BFO, "CDS": Exchange.CDS, "MCX": Exchange.MCX}
"""Noren ``exch`` -> canonical exchange (NCX, NCDEX, has no canonical exchange and is not loaded)."""

_ORDER_TYPES = {OrderType.MARKET: "MKT", OrderType.LIMIT: "LMT", OrderType.SL: "SL-LMT", OrderType.SL_M: "SL-MKT"}
_ORDER_TYPES_BACK = {v: k for k, v in _ORDER_TYPES.items()}
_PRODUCTS = {ProductType.CNC: "C", ProductType.MIS: "I", ProductType.NRML: "M"}
_PRODUCTS_BACK = {"C": ProductType.CNC, "I": ProductType.MIS, "M": ProductType.NRML,
                  # cover ("high leverage") and bracket orders are intraday products at Noren
                  "H": ProductType.MIS, "B": ProductType.MIS,
                  # books sometimes show the display alias of the product (reference gotcha 10)
                  "CNC": ProductType.CNC, "MIS": ProductType.MIS, "NRML": ProductType.NRML}
COVER_PRODUCT = "H"
"""``prd`` of a cover order (Variety.CO); its stop-loss travels in ``blprc``."""

NOREN_STATUSES: dict[str, OrderStatus] = {
    "PENDING": OrderStatus.PENDING,
    "OPEN": OrderStatus.OPEN,
    "TRIGGER_PENDING": OrderStatus.TRIGGER_PENDING,
    "COMPLETE": OrderStatus.COMPLETE,
    "CANCELED": OrderStatus.CANCELLED,
    "CANCELLED": OrderStatus.CANCELLED,
    "REJECTED": OrderStatus.REJECTED,
    "REJECT": OrderStatus.REJECTED,
    "INVALID_STATUS_TYPE": OrderStatus.PENDING,
}
"""Upper-cased ``status`` strings (reference 3.7). Unknown ones read as PENDING: not final, so re-read."""

NOREN_INTERVALS: dict[CandleInterval, str] = {
    CandleInterval.MINUTE_1: "1", CandleInterval.MINUTE_3: "3", CandleInterval.MINUTE_5: "5",
    CandleInterval.MINUTE_10: "10", CandleInterval.MINUTE_15: "15", CandleInterval.MINUTE_30: "30",
    CandleInterval.HOUR_1: "60",
}
"""``TPSeries`` ``intrv`` values (SDK docstring: 1, 3, 5, 10, 15, 30, 60, 120, 240). DAY uses ``EODChartData``."""

HISTORY_MAX_DAYS: dict[CandleInterval, int] = {**{interval: 30 for interval in NOREN_INTERVALS},
                                               CandleInterval.DAY: 365}
"""Days per request the driver asks for. Noren publishes no range limit ([UNVERIFIED], PROTOCOL.md); these
chunks keep each reply to a few thousand candles."""


def _unknown(what: str, value: object) -> BrokerUnavailableError:
    return BrokerUnavailableError(f"Noren sent an unknown {what} {value!r}; upgrade tt-connect-noren", broker=BROKER)


def order_type_to_noren(order_type: OrderType) -> str:
    return _ORDER_TYPES[order_type]


def product_to_noren(product: ProductType, variety: Variety = Variety.REGULAR) -> str:
    """Return ``prd``: a cover order is product ``H`` whatever its canonical (intraday) product."""
    if variety is Variety.CO:
        return COVER_PRODUCT
    return _PRODUCTS[product]


def side_to_noren(side: Side) -> str:
    return "B" if side is Side.BUY else "S"


def validity_to_noren(validity: Validity) -> str:
    return "IOC" if validity is Validity.IOC else "DAY"


def noren_order_type(value: object) -> OrderType:
    found = _ORDER_TYPES_BACK.get(value.upper()) if isinstance(value, str) else None
    if found is None:
        raise _unknown("price type", value)
    return found


def noren_side(value: object) -> Side:
    if value == "B":
        return Side.BUY
    if value == "S":
        return Side.SELL
    raise _unknown("transaction type", value)


def noren_product(value: object) -> ProductType:
    found = _PRODUCTS_BACK.get(value.upper()) if isinstance(value, str) else None
    if found is None:
        raise _unknown("product", value)
    return found


def noren_variety(product: object, amo: object) -> Variety:
    """``prd=H`` is a cover order; ``amo=Yes`` an after-market order; everything else regular."""
    if product == COVER_PRODUCT:
        return Variety.CO
    if isinstance(amo, str) and amo.upper() == "YES":
        return Variety.AMO
    return Variety.REGULAR


def noren_validity(value: object) -> Validity:
    """IOC is IOC; DAY and EOS (end of session) are both day orders canonically."""
    return Validity.IOC if isinstance(value, str) and value.upper() == "IOC" else Validity.DAY


def noren_status_to_status(status: object, filled: int, quantity: int) -> OrderStatus:
    """Map ``status`` (any case); a live order with some fills is PARTIALLY_FILLED."""
    found = NOREN_STATUSES.get(status.strip().upper(), OrderStatus.PENDING) if isinstance(status, str) else \
        OrderStatus.PENDING
    if found is OrderStatus.OPEN and 0 < filled < quantity:
        return OrderStatus.PARTIALLY_FILLED
    return found


_TIME_FORMATS = ("%H:%M:%S %d-%m-%Y", "%d-%m-%Y %H:%M:%S", "%d-%b-%Y %H:%M:%S", "%d-%b-%Y", "%d-%m-%Y")


def noren_time(value: object) -> _dt.datetime | None:
    """Parse Noren's IST times: ``norentm`` ``10:15:02 25-11-2026``, ``exch_tm``/``fltm``/candles
    ``25-11-2026 10:15:02``, daily candles ``25-NOV-2026``. None for empty or unreadable text."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    for fmt in _TIME_FORMATS:
        try:
            return _dt.datetime.strptime(text, fmt).replace(tzinfo=IST)
        except ValueError:
            continue
    return None
