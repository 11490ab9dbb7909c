"""Checks of GTT triggers and position conversions, before anything is sent.

A GTT that can never fire (a trigger on the wrong side of the market, an OCO
whose legs do not straddle it) or a leg without the price its order type needs
is refused here with a message that says what to change, not at the broker.
"""

from __future__ import annotations

from collections.abc import Sequence

from tt_connect.enums import OrderType, ProductType, Side
from tt_connect.errors import InvalidOrderError
from tt_connect.instruments import Index, Instrument
from tt_connect.models import ConvertRequest, GttLeg, GttRequest

__all__ = ["checked_convert", "checked_gtt"]


def _positive(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InvalidOrderError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _leg(leg: object, index: int) -> GttLeg:
    if not isinstance(leg, GttLeg):
        raise InvalidOrderError(f"legs[{index}] must be a GttLeg(trigger_price=..., side=..., qty=..., "
                                f"product=..., price=...), got {type(leg).__name__}")
    _positive(leg.trigger_price, f"legs[{index}].trigger_price")
    if isinstance(leg.qty, bool) or not isinstance(leg.qty, int) or leg.qty <= 0:
        raise InvalidOrderError(f"legs[{index}].qty must be a positive whole number, got {leg.qty!r}")
    if leg.order_type not in (OrderType.LIMIT, OrderType.MARKET):
        raise InvalidOrderError(f"legs[{index}]: a GTT places LIMIT or MARKET orders, not {leg.order_type}")
    if leg.order_type is OrderType.LIMIT and leg.price is None:
        raise InvalidOrderError(f"legs[{index}]: a LIMIT leg needs a price (the limit of the order it places)")
    if leg.price is not None:
        _positive(leg.price, f"legs[{index}].price")
    return leg


def checked_gtt(instrument: object, legs: Sequence[GttLeg] | object, last_price: float) -> GttRequest:
    """Build a :class:`GttRequest`, refusing triggers that could never fire.

    One leg is a single trigger anywhere but at the last price; two legs are an
    OCO: one trigger below the last price and one above, sorted lower first.
    """
    if not isinstance(instrument, Instrument) or isinstance(instrument, Index):
        raise InvalidOrderError(f"a GTT needs a tradable instrument (Equity, Future, Option), got {instrument!r}")
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
    return GttRequest(instrument=instrument, legs=tuple(checked), last_price=last)  # type: ignore[arg-type]


def checked_convert(instrument: object, side: object, qty: object, from_product: object,
                    to_product: object, overnight: bool) -> ConvertRequest:
    """Build a :class:`ConvertRequest` from already-coerced enums, refusing a no-op conversion."""
    if not isinstance(instrument, Instrument) or isinstance(instrument, Index):
        raise InvalidOrderError(f"only a tradable instrument's position can be converted, got {instrument!r}")
    if not isinstance(side, Side) or not isinstance(from_product, ProductType) or \
            not isinstance(to_product, ProductType):
        raise InvalidOrderError("side, from_product and to_product must be Side and ProductType members")
    if from_product is to_product:
        raise InvalidOrderError(f"the position is already {to_product}: choose a different to_product")
    if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
        raise InvalidOrderError(f"qty must be a positive whole number, got {qty!r}")
    return ConvertRequest(instrument=instrument, side=side, qty=qty,  # type: ignore[arg-type]
                          from_product=from_product, to_product=to_product, overnight=overnight)
