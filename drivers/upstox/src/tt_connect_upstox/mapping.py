"""Upstox's enumeration strings <-> canonical enums, its segments, intervals and timestamp formats.

Shared by the REST translator, the feed and the emulator. Every spelling here is one the
official SDK's models accept (they refuse any other: ``order_type`` MARKET/LIMIT/SL/SL-M,
``validity`` DAY/IOC, ``transaction_type`` BUY/SELL; PROTOCOL.md names the files), or one the
documentation's appendix lists (order statuses).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

from tt_connect.driver_api import fields
from tt_connect.enums import CandleInterval, Exchange, OrderStatus, OrderType, ProductType, Side, Validity
from tt_connect.errors import BrokerUnavailableError, InvalidOrderError
from tt_connect.timeutil import IST

__all__ = [
    "EXCHANGE_OF_SEGMENT",
    "HISTORY_MAX_DAYS",
    "INDEX_SEGMENTS",
    "ORDER_TYPES",
    "SEGMENTS_OF_EXCHANGE",
    "UPSTOX_INTERVALS",
    "UPSTOX_STATUSES",
    "order_type_to_upstox",
    "product_to_upstox",
    "segment_of_key",
    "upstox_candle_time",
    "upstox_epoch_ms",
    "upstox_order_type",
    "upstox_product",
    "upstox_side",
    "upstox_status_to_status",
    "upstox_time",
    "upstox_validity",
    "validity_to_upstox",
]

BROKER = "upstox"

ORDER_TYPES: Mapping[OrderType, str] = {OrderType.MARKET: "MARKET", OrderType.LIMIT: "LIMIT", OrderType.SL: "SL",
                                         OrderType.SL_M: "SL-M"}
_ORDER_TYPES_BACK = {v: k for k, v in ORDER_TYPES.items()}

# "D" is Upstox's delivery for cash and carry-forward for derivatives; "I" intraday.
_PRODUCTS: Mapping[ProductType, str] = {ProductType.CNC: "D", ProductType.NRML: "D", ProductType.MIS: "I",
                                         ProductType.MTF: "MTF"}

EXCHANGE_OF_SEGMENT: Mapping[str, Exchange] = {
    "NSE_EQ": Exchange.NSE, "NSE_INDEX": Exchange.NSE, "BSE_EQ": Exchange.BSE, "BSE_INDEX": Exchange.BSE,
    "NSE_FO": Exchange.NFO, "BSE_FO": Exchange.BFO, "NCD_FO": Exchange.CDS, "BCD_FO": Exchange.BCD,
    "MCX_FO": Exchange.MCX, "MCX_INDEX": Exchange.MCX,
}
"""``instrument_key`` segment -> canonical exchange. ``NSE_COM`` (NSE commodity) has no canonical exchange."""

INDEX_SEGMENTS = frozenset({"NSE_INDEX", "BSE_INDEX", "MCX_INDEX"})

SEGMENTS_OF_EXCHANGE: Mapping[Exchange, tuple[str, ...]] = {
    exchange: tuple(seg for seg, ex in EXCHANGE_OF_SEGMENT.items() if ex is exchange) for exchange in Exchange
}

UPSTOX_STATUSES: Mapping[str, OrderStatus] = {
    "complete": OrderStatus.COMPLETE,
    "rejected": OrderStatus.REJECTED,
    "cancelled": OrderStatus.CANCELLED,
    "cancelled after market order": OrderStatus.CANCELLED,
    "open": OrderStatus.OPEN,
    "trigger pending": OrderStatus.TRIGGER_PENDING,
    # Received by Upstox, not yet live at the exchange.
    "put order req received": OrderStatus.PENDING,
    "validation pending": OrderStatus.PENDING,
    "open pending": OrderStatus.PENDING,
    "after market order req received": OrderStatus.PENDING,
    "modify after market order req received": OrderStatus.PENDING,
    # Live at the exchange while a modification or a cancellation is in flight (or was refused).
    "modify pending": OrderStatus.OPEN,
    "modify validation pending": OrderStatus.OPEN,
    "modified": OrderStatus.OPEN,
    "not modified": OrderStatus.OPEN,
    "cancel pending": OrderStatus.OPEN,
    "not cancelled": OrderStatus.OPEN,
}
"""The documentation's order-status appendix. Unknown strings parse as PENDING: not final, re-read."""

UPSTOX_INTERVALS: Mapping[CandleInterval, tuple[str, int]] = {
    CandleInterval.MINUTE_1: ("minutes", 1),
    CandleInterval.MINUTE_3: ("minutes", 3),
    CandleInterval.MINUTE_5: ("minutes", 5),
    CandleInterval.MINUTE_10: ("minutes", 10),
    CandleInterval.MINUTE_15: ("minutes", 15),
    CandleInterval.MINUTE_30: ("minutes", 30),
    CandleInterval.HOUR_1: ("hours", 1),
    CandleInterval.DAY: ("days", 1),
}
"""Canonical interval -> the v3 historical-candle path's (unit, interval)."""

HISTORY_MAX_DAYS: Mapping[CandleInterval, int] = {
    CandleInterval.MINUTE_1: 30,
    CandleInterval.MINUTE_3: 30,
    CandleInterval.MINUTE_5: 30,
    CandleInterval.MINUTE_10: 30,
    CandleInterval.MINUTE_15: 30,
    CandleInterval.MINUTE_30: 90,
    CandleInterval.HOUR_1: 90,
    CandleInterval.DAY: 3650,
}
"""Longest range one v3 candle request covers: minutes 1-15 one month, longer minutes and hours one
quarter, days one decade (v3 historical-candle page; see PROTOCOL.md)."""


def _unknown(what: str, value: object) -> BrokerUnavailableError:
    return BrokerUnavailableError(f"Upstox sent an unknown {what} {value!r}; upgrade tt-connect-upstox",
                                  broker=BROKER)


def segment_of_key(instrument_key: str) -> str:
    """Return the segment part of an ``instrument_key`` (``NSE_EQ|INE002A01018`` -> ``NSE_EQ``)."""
    segment, bar, _ = instrument_key.partition("|")
    if not bar or not segment:
        raise _unknown("instrument key", instrument_key)
    return segment


def order_type_to_upstox(order_type: OrderType) -> str:
    return ORDER_TYPES[order_type]


def product_to_upstox(product: ProductType) -> str:
    return _PRODUCTS[product]


def validity_to_upstox(validity: Validity) -> str:
    """DAY and IOC travel as themselves; TTL has no Upstox spelling (the core emulates it as DAY)."""
    if validity is Validity.IOC:
        return "IOC"
    if validity is Validity.DAY:
        return "DAY"
    raise InvalidOrderError(f"Upstox takes validity DAY or IOC, not {validity}", broker=BROKER)


def upstox_order_type(value: object) -> OrderType:
    found = _ORDER_TYPES_BACK.get(value.upper()) if isinstance(value, str) else None
    if found is None:
        raise _unknown("order type", value)
    return found


def upstox_side(value: object) -> Side:
    text = value.upper() if isinstance(value, str) else value
    if text == "BUY":
        return Side.BUY
    if text == "SELL":
        return Side.SELL
    raise _unknown("transaction type", value)


def upstox_product(value: object, segment: str) -> ProductType:
    """``D`` is CNC for a cash segment and NRML for a derivatives one; ``CO``/``OCO`` are intraday."""
    text = value.upper() if isinstance(value, str) else ""
    if text == "D":
        return ProductType.CNC if segment.endswith(("_EQ", "_INDEX")) else ProductType.NRML
    if text in ("I", "CO", "OCO"):
        return ProductType.MIS
    if text == "MTF":
        return ProductType.MTF
    raise _unknown("product", value)


def upstox_validity(value: object) -> Validity:
    return Validity.IOC if isinstance(value, str) and value.upper() == "IOC" else Validity.DAY


def upstox_status_to_status(status: object, filled: int, pending: int) -> OrderStatus:
    """Map an order status (any case); a live order with fills is PARTIALLY_FILLED."""
    text = status.strip().lower() if isinstance(status, str) else ""
    found = UPSTOX_STATUSES.get(text, OrderStatus.PENDING)
    if found is OrderStatus.OPEN and filled > 0 and pending > 0:
        return OrderStatus.PARTIALLY_FILLED
    return found


_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%d-%b-%Y %H:%M:%S", "%d-%m-%Y %H:%M:%S")


def upstox_time(value: object) -> _dt.datetime | None:
    """Read ``2023-12-04 10:16:20`` (IST, no offset; the trade book also writes ``04-Dec-2023 ...``)."""
    return fields.timestamp(value, _TIME_FORMATS)


def upstox_epoch_ms(value: object) -> _dt.datetime | None:
    """Read an epoch in milliseconds (feed ``ltt``, GTT times are microseconds: see the caller)."""
    if isinstance(value, str):
        value = int(value) if value.strip().isdigit() else 0
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    return _dt.datetime.fromtimestamp(value / 1000, IST)


def upstox_candle_time(value: object) -> _dt.datetime:
    """Read a candle's ``2025-01-02T09:15:00+05:30`` into an aware IST datetime."""
    if isinstance(value, str):
        try:
            parsed = _dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise _unknown("candle timestamp", value) from None
        return parsed.replace(tzinfo=IST) if parsed.tzinfo is None else parsed.astimezone(IST)
    raise _unknown("candle timestamp", value)
