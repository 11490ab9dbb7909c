"""Acme's spellings of the canonical enums, both ways."""

from __future__ import annotations

from tt_connect.enums import OrderStatus, OrderType, ProductType, Validity, Variety

__all__ = ["ACME_ORDER_TYPES", "ACME_STATUS", "CANDLE_INTERVALS", "order_type_to_acme", "variety_to_acme"]

ACME_ORDER_TYPES: dict[str, OrderType] = {"MKT": OrderType.MARKET, "LMT": OrderType.LIMIT, "SL": OrderType.SL,
                                          "SLM": OrderType.SL_M}
_TO_ACME = {canonical: acme for acme, canonical in ACME_ORDER_TYPES.items()}
ACME_STATUS: dict[str, OrderStatus] = {"PENDING": OrderStatus.PENDING, "OPEN": OrderStatus.OPEN,
                                       "TRIGGER_PENDING": OrderStatus.TRIGGER_PENDING, "FILLED": OrderStatus.COMPLETE,
                                       "CANCELLED": OrderStatus.CANCELLED, "REJECTED": OrderStatus.REJECTED}
ACME_PRODUCTS = {p.value: p for p in (ProductType.CNC, ProductType.MIS, ProductType.NRML)}
ACME_VALIDITIES = {v.value: v for v in (Validity.DAY, Validity.IOC)}
CANDLE_INTERVALS = {"1m": "1m", "5m": "5m", "15m": "15m", "1h": "1h", "1d": "1d"}
"""Canonical interval value -> Acme's (they happen to agree; a real broker's table maps every name)."""


def order_type_to_acme(order_type: OrderType) -> str:
    return _TO_ACME[order_type]


def variety_to_acme(variety: Variety) -> str:
    return "amo" if variety is Variety.AMO else "regular"
