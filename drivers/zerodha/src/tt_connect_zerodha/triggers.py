"""Kite GTT triggers, margin calculator and position conversion: builders and parsers.

* GTT (``/gtt/triggers``): form fields ``type`` (``single`` / ``two-leg``),
  ``condition`` and ``orders`` as JSON text; replies ``{"trigger_id": N}``.
* Margins (``/margins/orders``, ``/margins/basket``): JSON bodies, one object
  per order; each reply line has ``total`` and a ``charges`` breakdown.
* Conversion (``PUT /portfolio/positions``): form with ``old_product`` and
  ``new_product``; replies ``true``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from tt_connect.driver_api import BrokerSymbol, DriverContext
from tt_connect.enums import GttStatus, GttType, Variety
from tt_connect.errors import BrokerUnavailableError
from tt_connect.instruments import AnyInstrument
from tt_connect.models import (
    BasketMargin,
    ConvertRequest,
    Gtt,
    GttLeg,
    GttRequest,
    MarginRequirement,
    OrderRequest,
)

from tt_connect_zerodha.mapping import (
    kite_order_type,
    kite_product,
    kite_side,
    kite_time,
    order_type_to_kite,
    product_to_kite,
    variety_to_kite,
)

__all__ = [
    "convert_form",
    "gtt_form",
    "kite_basket_to_basket",
    "kite_gtt_to_gtt",
    "kite_margin_to_margin",
    "margin_body",
]

BROKER = "zerodha"
_STATUSES = {"active": GttStatus.ACTIVE, "triggered": GttStatus.TRIGGERED, "disabled": GttStatus.DISABLED,
             "expired": GttStatus.EXPIRED, "cancelled": GttStatus.CANCELLED, "rejected": GttStatus.REJECTED,
             "deleted": GttStatus.DELETED}


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def gtt_form(symbol: BrokerSymbol, request: GttRequest) -> list[tuple[str, str]]:
    """The form of ``POST``/``PUT /gtt/triggers``: condition and orders as JSON text."""
    condition = {"exchange": symbol.exchange, "tradingsymbol": symbol.symbol,
                 "trigger_values": [_number(leg.trigger_price) for leg in request.legs],
                 "last_price": _number(request.last_price)}
    orders = [{"exchange": symbol.exchange, "tradingsymbol": symbol.symbol, "transaction_type": leg.side.value,
               "quantity": leg.qty, "order_type": order_type_to_kite(leg.order_type),
               "product": product_to_kite(leg.product, Variety.REGULAR),
               "price": _number(leg.price) if leg.price is not None else 0} for leg in request.legs]
    return [("type", "two-leg" if request.type is GttType.OCO else "single"),
            ("condition", msgspec.json.encode(condition).decode()), ("orders", msgspec.json.encode(orders).decode())]


def kite_gtt_to_gtt(ctx: DriverContext, data: Mapping[str, Any]) -> Gtt:
    """Parse one trigger of ``GET /gtt/triggers``; legs pair trigger values with orders in order."""
    condition = data.get("condition") or {}
    instrument: AnyInstrument = ctx.by_symbol(str(condition.get("exchange", "")),
                                              str(condition.get("tradingsymbol", "")))
    triggers = list(condition.get("trigger_values") or ())
    orders = list(data.get("orders") or ())
    if not triggers or len(triggers) != len(orders):
        raise BrokerUnavailableError(f"Kite GTT {data.get('id')} pairs {len(triggers)} triggers with "
                                     f"{len(orders)} orders", broker=BROKER)
    legs = tuple(GttLeg(trigger_price=float(trigger), side=kite_side(order.get("transaction_type")),
                        qty=int(order.get("quantity") or 0), product=kite_product(order.get("product")),
                        order_type=kite_order_type(order.get("order_type")),
                        price=float(order["price"]) if order.get("price") else None)
                 for trigger, order in zip(triggers, orders))
    return Gtt(gtt_id=str(data.get("id")), instrument=instrument,
               type=GttType.OCO if data.get("type") == "two-leg" else GttType.SINGLE,
               status=_STATUSES.get(str(data.get("status")), GttStatus.DISABLED), legs=legs,
               created_at=kite_time(data.get("created_at")), updated_at=kite_time(data.get("updated_at")),
               expires_at=kite_time(data.get("expires_at")), raw=data)


def margin_body(ctx: DriverContext, requests: Sequence[OrderRequest]) -> list[dict[str, Any]]:
    """The JSON list of ``POST /margins/orders`` and ``/margins/basket``."""
    body = []
    for request in requests:
        symbol = ctx.resolve(request.instrument)
        body.append({"exchange": symbol.exchange, "tradingsymbol": symbol.symbol,
                     "transaction_type": request.side.value, "variety": variety_to_kite(request.variety),
                     "product": product_to_kite(request.product, request.variety),
                     "order_type": order_type_to_kite(request.order_type), "quantity": request.qty,
                     "price": request.price or 0, "trigger_price": request.trigger_price or 0})
    return body


def kite_margin_to_margin(ctx: DriverContext | None, data: Mapping[str, Any]) -> MarginRequirement:
    """Parse one margin line; a basket total (no tradingsymbol) has no instrument."""
    symbol, exchange = data.get("tradingsymbol"), data.get("exchange")
    instrument = ctx.by_symbol(str(exchange), str(symbol)) if ctx is not None and symbol and exchange else None
    charges = data.get("charges") or {}
    return MarginRequirement(instrument=instrument, total=float(data.get("total") or 0),
                             span=float(data.get("span") or 0), exposure=float(data.get("exposure") or 0),
                             option_premium=float(data.get("option_premium") or 0), var=float(data.get("var") or 0),
                             charges=float(charges.get("total") or 0) if isinstance(charges, Mapping) else 0.0,
                             raw=data)


def kite_basket_to_basket(ctx: DriverContext, data: Mapping[str, Any]) -> BasketMargin:
    """Parse ``POST /margins/basket``."""
    return BasketMargin(initial=kite_margin_to_margin(None, data.get("initial") or {}),
                        final=kite_margin_to_margin(None, data.get("final") or {}),
                        orders=tuple(kite_margin_to_margin(ctx, m) for m in data.get("orders") or ()), raw=data)


def convert_form(symbol: BrokerSymbol, request: ConvertRequest) -> list[tuple[str, str]]:
    """The form of ``PUT /portfolio/positions``."""
    return [("exchange", symbol.exchange), ("tradingsymbol", symbol.symbol),
            ("transaction_type", request.side.value), ("position_type", "overnight" if request.overnight else "day"),
            ("quantity", str(request.qty)), ("old_product", product_to_kite(request.from_product, Variety.REGULAR)),
            ("new_product", product_to_kite(request.to_product, Variety.REGULAR))]
