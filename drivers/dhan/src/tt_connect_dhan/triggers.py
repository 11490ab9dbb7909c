"""Forever orders (Dhan's GTT / OCO), margins and position conversion: request bodies.

A forever order is SINGLE (one trigger) or OCO (two): the create body's first leg
(``price``/``triggerPrice``/``quantity``) is the ``TARGET_LEG``, the second
(``price1``/``triggerPrice1``/``quantity1``) the ``STOP_LOSS_LEG`` (reference 1.4.4). A canonical
OCO lists the lower trigger first; for a sell the target is the higher trigger, for a buy the lower.
Products are CNC or MTF only.
"""

from __future__ import annotations

from typing import Any

from tt_connect.driver_api import BrokerSymbol
from tt_connect.enums import OrderType, ProductType, Side
from tt_connect.errors import UnsupportedOperationError
from tt_connect.models import ConvertRequest, GttLeg, GttRequest, OrderRequest

from tt_connect_dhan.mapping import BROKER, product_to_dhan

__all__ = ["convert_body", "forever_body", "forever_leg_body", "margin_item", "target_first"]

_FOREVER_PRODUCTS = frozenset({ProductType.CNC, ProductType.MTF})


def target_first(legs: tuple[GttLeg, ...]) -> tuple[GttLeg, ...]:
    """Order an OCO's legs as Dhan names them: target, then stop-loss."""
    if len(legs) != 2:
        return legs
    low, high = legs
    return (high, low) if low.side is Side.SELL else (low, high)


def _leg_fields(leg: GttLeg, suffix: str = "") -> dict[str, Any]:
    return {f"price{suffix}": float(leg.price or 0.0), f"triggerPrice{suffix}": float(leg.trigger_price),
            f"quantity{suffix}": leg.qty}


def forever_body(symbol: BrokerSymbol, request: GttRequest, tag: str = "") -> dict[str, Any]:
    """``POST /forever/orders``: SINGLE or OCO, always DAY validity (SDK ``_forever_order.py``)."""
    legs = target_first(request.legs)
    first = legs[0]
    if first.product not in _FOREVER_PRODUCTS:
        raise UnsupportedOperationError(f"Dhan forever orders take product CNC or MTF, not {first.product}",
                                        broker=BROKER)
    body: dict[str, Any] = {
        "orderFlag": "OCO" if len(legs) == 2 else "SINGLE", "transactionType": first.side.value,
        "exchangeSegment": symbol.segment, "productType": product_to_dhan(first.product),
        "orderType": "MARKET" if first.order_type is OrderType.MARKET else "LIMIT", "validity": "DAY",
        "securityId": symbol.token, "disclosedQuantity": 0, **_leg_fields(first),
        "price1": 0.0, "triggerPrice1": 0.0, "quantity1": 0,
    }
    if len(legs) == 2:
        body.update(_leg_fields(legs[1], "1"))
    if tag:
        body["correlationId"] = tag
    return body


def forever_leg_body(gtt_id: str, leg: GttLeg, leg_name: str, oco: bool) -> dict[str, Any]:
    """``PUT /forever/orders/{id}``: one leg a call, named ``TARGET_LEG`` or ``STOP_LOSS_LEG``."""
    return {"orderId": gtt_id, "orderFlag": "OCO" if oco else "SINGLE",
            "orderType": "MARKET" if leg.order_type is OrderType.MARKET else "LIMIT", "legName": leg_name,
            "quantity": leg.qty, "price": float(leg.price or 0.0), "disclosedQuantity": 0,
            "triggerPrice": float(leg.trigger_price), "validity": "DAY"}


def margin_item(symbol: BrokerSymbol, request: OrderRequest) -> dict[str, Any]:
    """One order as ``/margincalculator`` (and each ``scripList`` entry of ``/multi``) takes it."""
    return {"exchangeSegment": symbol.segment, "transactionType": request.side.value, "quantity": request.qty,
            "productType": product_to_dhan(request.product), "securityId": symbol.token,
            "price": float(request.price or 0.0), "triggerPrice": float(request.trigger_price or 0.0)}


def convert_body(symbol: BrokerSymbol, request: ConvertRequest) -> dict[str, Any]:
    """``POST /positions/convert`` (SDK ``_portfolio.py``): a long position converts BUY quantity."""
    return {"fromProductType": product_to_dhan(request.from_product), "exchangeSegment": symbol.segment,
            "positionType": "LONG" if request.side is Side.BUY else "SHORT", "securityId": symbol.token,
            "convertQty": request.qty, "toProductType": product_to_dhan(request.to_product)}
