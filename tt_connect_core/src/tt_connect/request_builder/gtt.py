"""Checks of GTT triggers, before anything is sent.

A GTT that can never fire (a trigger on the wrong side of the market, an OCO
whose legs do not straddle it) or a leg without the price its order type needs
is refused here with a message that says what to change, not at the broker.
"""

from __future__ import annotations

from collections.abc import Sequence

from tt_connect.enums import OrderType, ProductType, Side
from tt_connect.errors import InvalidOrderError
from tt_connect.models import GttLeg, GttRequest
from tt_connect.request_builder.coerce import enum_value, instrument_value, number, quantity

__all__ = ["checked_gtt"]


def _positive(value: object, name: str) -> float:
    return number(value, name, InvalidOrderError, positive=True)


def _leg(leg: object, index: int) -> GttLeg:
    if not isinstance(leg, GttLeg):
        raise InvalidOrderError(f"legs[{index}] must be a GttLeg(trigger_price=..., side=..., qty=..., "
                                f"product=..., price=...), got {type(leg).__name__}")
    where = f"legs[{index}]"
    order_type = enum_value(OrderType, leg.order_type, f"{where}.order_type", InvalidOrderError)
    if order_type not in (OrderType.LIMIT, OrderType.MARKET):
        raise InvalidOrderError(f"{where}: a GTT places LIMIT or MARKET orders, not {order_type}")
    if order_type is OrderType.LIMIT and leg.price is None:
        raise InvalidOrderError(f"{where}: a LIMIT leg needs a price (the limit of the order it places)")
    return GttLeg(trigger_price=_positive(leg.trigger_price, f"{where}.trigger_price"),
                  side=enum_value(Side, leg.side, f"{where}.side", InvalidOrderError),
                  qty=quantity(leg.qty, f"{where}.qty", InvalidOrderError),
                  product=enum_value(ProductType, leg.product, f"{where}.product", InvalidOrderError),
                  order_type=order_type,
                  price=None if leg.price is None else _positive(leg.price, f"{where}.price"))


def checked_gtt(instrument: object, legs: Sequence[GttLeg] | object, last_price: float) -> GttRequest:
    """Build a :class:`GttRequest`, refusing triggers that could never fire.

    One leg is a single trigger anywhere but at the last price; two legs are an
    OCO: one trigger below the last price and one above, sorted lower first.
    """
    item = instrument_value(instrument, "instrument", InvalidOrderError, tradable=True)
    if isinstance(legs, GttLeg):
        legs = [legs]
    if not isinstance(legs, Sequence) or isinstance(legs, str) or len(legs) not in (1, 2):
        raise InvalidOrderError("a GTT has one leg (single trigger) or two legs (OCO: stop-loss and target)")
    checked = sorted((_leg(leg, i) for i, leg in enumerate(legs)), key=lambda leg: leg.trigger_price)
    last = _positive(last_price, "last_price")
    for leg in checked:
        if abs(leg.trigger_price - last) < 1e-9:
            raise InvalidOrderError(f"trigger {leg.trigger_price} equals the last price {last}: it would fire at "
                                    "once; place an ordinary order instead")
    if len(checked) == 2:
        low, high = checked
        if not low.trigger_price < last < high.trigger_price:
            raise InvalidOrderError(f"an OCO needs one trigger below and one above the last price {last}; got "
                                    f"{low.trigger_price} and {high.trigger_price}")
        if low.side is not high.side:
            raise InvalidOrderError("both legs of an OCO close the same position, so they have the same side")
    return GttRequest(instrument=item, legs=tuple(checked), last_price=last)  # type: ignore[arg-type]
