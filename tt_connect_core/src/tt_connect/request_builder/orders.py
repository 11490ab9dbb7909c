"""User input -> canonical order requests: place, modify, cancel, margins, conversion.

Everything a broker would refuse for a reason tt-connect can see is refused here, before
anything is sent, with :class:`~tt_connect.errors.InvalidOrderError` (the argument and what to
pass instead) or :class:`~tt_connect.errors.UnsupportedOperationError` (the capability matrix).
Drivers receive only requests that passed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import msgspec

from tt_connect.driver_api import Capabilities, Operation, Support
from tt_connect.enums import OrderType, ProductType, Side, Validity, Variety
from tt_connect.errors import InvalidOrderError
from tt_connect.instruments import Index, Instrument
from tt_connect.models import CancelRequest, ConvertRequest, ModifyRequest, Order, OrderRequest
from tt_connect.request_builder.capabilities import require, require_order
from tt_connect.request_builder.coerce import boolean, enum_value, identifier, instrument_value, number, quantity
from tt_connect.transport.tags import make_order_tag

__all__ = ["OrderBuilder", "PlacePlan"]

_TAG_SUFFIX = 8
_CHANGES = ("qty", "price", "trigger_price", "order_type", "validity", "market_protection")
_E = InvalidOrderError


@dataclass(frozen=True)
class PlacePlan:
    """A checked order and what the core does beside sending it.

    ``cancel_after`` is set when the order's TTL validity is emulated: the order goes out as
    DAY and the core cancels what is left of it after that many seconds.
    """

    request: OrderRequest
    cancel_after: float | None = None


def _market_protection(value: object) -> float | None:
    """A percentage in (0, 100], or -1 for the broker's automatic protection (Kite's convention)."""
    if value is None:
        return None
    protection = number(value, "market_protection", _E)
    if not (protection == -1 or 0 < protection <= 100):
        raise _E(f"market_protection is a percentage above 0 and at most 100, or -1 for the broker's automatic "
                 f"protection; got {value!r}")
    return protection


def _price(value: object, name: str) -> float | None:
    return None if value is None else number(value, name, _E, positive=True)


class OrderBuilder:
    """Checks orders for one client: its broker's capabilities, tags, lots and ticks, and extension hooks.

    Parameters
    ----------
    broker, capabilities
        The driver's name and matrix.
    tag_max_length, tag_alphabet
        The broker's tag rules (``BrokerApi`` declarations).
    check_contract
        The instrument master's lot/tick check of one request (raises InvalidOrderError).
    validate
        The extension plugins' risk hook, called with every order about to be placed.
    """

    def __init__(self, *, broker: str, capabilities: Capabilities, tag_max_length: int, tag_alphabet: str,
                 check_contract: Callable[[OrderRequest], None],
                 validate: Callable[[OrderRequest], None], freeze_of: Callable[[Instrument], int | None],
                 algo_id_field: bool = False, default_algo_id: str | None = None) -> None:
        self.broker = broker
        self._capabilities = capabilities
        self._tag_max = tag_max_length
        self._alphabet = tag_alphabet
        self._check_contract = check_contract
        self._validate = validate
        self._freeze_of = freeze_of
        self._algo_field = algo_id_field
        self._default_algo = default_algo_id

    # -- place -----------------------------------------------------------------------------

    def place(self, *, instrument: object, qty: object, side: object, product: object, order_type: object,
              price: object = None, trigger_price: object = None, validity: object = Validity.DAY,
              validity_ttl: object = None, variety: object = Variety.REGULAR, disclosed_qty: object = 0,
              market_protection: object = None, tag: object = None, iceberg_legs: object = None,
              algo_id: object = None, within_freeze: bool = True) -> PlacePlan:
        """Return the checked order, tagged, with how its validity is served.

        ``within_freeze=False`` is for the slicer's parent order only: every order sent stays at or
        under the exchange's freeze quantity.
        """
        require(self._capabilities, Operation.PLACE_ORDER, self.broker)
        request = self.order_request(
            instrument=instrument, qty=qty, side=side, product=product, order_type=order_type, price=price,
            trigger_price=trigger_price, validity=validity, validity_ttl=validity_ttl, variety=variety,
            disclosed_qty=disclosed_qty, market_protection=market_protection, iceberg_legs=iceberg_legs)
        support = require_order(self._capabilities, request, self.broker)
        self._check_contract(request)
        if within_freeze:
            self.check_freeze(request)
        request = msgspec.structs.replace(
            request, tag=make_order_tag(self._tag_max, self._alphabet, self._tag_prefix(tag)),
            algo_id=self._algo_id(algo_id))
        self._validate(request)
        if support is Support.EMULATED and request.validity is Validity.TTL:
            ttl = request.validity_ttl or 0
            request = msgspec.structs.replace(request, validity=Validity.DAY, validity_ttl=None)
            return PlacePlan(request, cancel_after=ttl * 60.0)
        return PlacePlan(request)

    def order_request(self, *, instrument: object, qty: object, side: object, product: object,
                      order_type: object, price: object = None, trigger_price: object = None,
                      validity: object = Validity.DAY, validity_ttl: object = None,
                      variety: object = Variety.REGULAR, disclosed_qty: object = 0,
                      market_protection: object = None, iceberg_legs: object = None) -> OrderRequest:
        """Return an untagged, shape-checked OrderRequest (what margins and baskets price too)."""
        item = instrument_value(instrument, "instrument", _E, tradable=True)
        otype = enum_value(OrderType, order_type, "order_type", _E)
        kind = enum_value(Variety, variety, "variety", _E)
        limit = _price(price, "price")
        trigger = _price(trigger_price, "trigger_price")
        if otype.needs_price and limit is None:
            raise _E(f"a {otype} order needs a price")
        if not otype.needs_price and limit is not None:
            raise _E(f"a {otype} order takes no price; use OrderType.LIMIT or OrderType.SL")
        # A cover order's trigger_price is its compulsory stop-loss, whatever the entry order type.
        wants_trigger = otype.needs_trigger or kind is Variety.CO
        if wants_trigger and trigger is None:
            what = "cover order needs its stop-loss" if kind is Variety.CO else f"{otype} order needs a"
            raise _E(f"a {what} trigger_price")
        if not wants_trigger and trigger is not None:
            raise _E(f"a {otype} order takes no trigger_price")
        valid = enum_value(Validity, validity, "validity", _E)
        ttl: int | None = None
        if valid is Validity.TTL:
            ttl = quantity(validity_ttl, "validity_ttl (minutes)", _E)
        elif validity_ttl is not None:
            raise _E("validity_ttl is only used with Validity.TTL")
        disclosed = 0 if disclosed_qty in (0, None) else quantity(disclosed_qty, "disclosed_qty", _E)
        units = quantity(qty, "qty", _E)
        if disclosed > units:
            raise _E(f"disclosed_qty {disclosed} is more than the order's qty {units}")
        legs: int | None = None
        if kind is Variety.ICEBERG:
            legs = quantity(iceberg_legs, "iceberg_legs (how many slices)", _E)
            if legs < 2:
                raise _E(f"an iceberg order needs iceberg_legs of 2 or more, got {legs}")
        elif iceberg_legs is not None:
            raise _E("iceberg_legs is only used with Variety.ICEBERG")
        return OrderRequest(
            instrument=item,  # type: ignore[arg-type]
            qty=units,
            side=enum_value(Side, side, "side", _E),
            product=enum_value(ProductType, product, "product", _E),
            order_type=otype, price=limit, trigger_price=trigger, validity=valid, validity_ttl=ttl, variety=kind,
            disclosed_qty=disclosed, market_protection=_market_protection(market_protection), iceberg_legs=legs)

    def check_freeze(self, request: OrderRequest) -> None:
        """Refuse an order above the exchange's freeze quantity for its contract."""
        freeze = self._freeze_of(request.instrument)
        if freeze is not None and request.qty > freeze:
            raise _E(f"qty {request.qty} of {request.instrument} is above the exchange's freeze quantity {freeze}; "
                     "place_sliced(...) splits it into legal child orders")

    def _algo_id(self, algo_id: object) -> str:
        chosen = self._default_algo if algo_id is None else algo_id
        if chosen is None or chosen == "":
            return ""
        if not isinstance(chosen, str) or not chosen.strip() or len(chosen) > 64:
            raise _E(f"algo_id must be the exchange-issued algo ID as text, got {chosen!r}")
        if not self._algo_field:
            from tt_connect.errors import UnsupportedOperationError

            raise UnsupportedOperationError(f"{self.broker} has no algo ID field on its orders; place the order "
                                            "without algo_id (or through a broker that carries it)",
                                            broker=self.broker)
        return chosen.strip()

    def _tag_prefix(self, tag: object) -> str:
        if tag is None:
            return ""
        room = self._tag_max - _TAG_SUFFIX
        if not isinstance(tag, str) or len(tag) > room or not tag.isalnum() or not tag.isascii():
            raise _E(f"tag must be at most {room} letters/digits for {self.broker} (tt-connect appends a unique "
                     f"{_TAG_SUFFIX}+ character suffix to make the order traceable); got {tag!r}")
        tag = tag.lower() if self._alphabet.islower() else tag
        if any(ch not in self._alphabet for ch in tag):
            raise _E(f"tag {tag!r} has characters {self.broker} does not accept in tags")
        return tag

    # -- modify and cancel -----------------------------------------------------------------

    def modify(self, *, order_id: object, qty: object = None, price: object = None, trigger_price: object = None,
               order_type: object = None, validity: object = None, variety: object = Variety.REGULAR,
               disclosed_qty: object = None, market_protection: object = None) -> ModifyRequest:
        """Return the checked changes (contract checks against the current order: :meth:`check_modify`)."""
        require(self._capabilities, Operation.MODIFY_ORDER, self.broker)
        request = ModifyRequest(
            order_id=identifier(order_id, "order_id", _E),
            variety=enum_value(Variety, variety, "variety", _E),
            qty=None if qty is None else quantity(qty, "qty", _E),
            price=_price(price, "price"),
            trigger_price=_price(trigger_price, "trigger_price"),
            order_type=None if order_type is None else enum_value(OrderType, order_type, "order_type", _E),
            validity=None if validity is None else enum_value(Validity, validity, "validity", _E),
            disclosed_qty=None if disclosed_qty is None else quantity(disclosed_qty, "disclosed_qty", _E,
                                                                      allow_zero=True),
            market_protection=_market_protection(market_protection),
        )
        if all(getattr(request, f) is None for f in _CHANGES):
            raise _E(f"modify_order needs at least one of {', '.join(_CHANGES)}")
        if request.validity is Validity.TTL:
            raise _E("an order's validity cannot be changed to TTL; place a new order with Validity.TTL")
        return request

    def needs_current(self, request: ModifyRequest) -> bool:
        """Return True when the change must be checked against the order's contract (lot, tick, type)."""
        return any(v is not None for v in (request.qty, request.price, request.trigger_price, request.order_type))

    def check_modify(self, request: ModifyRequest, current: Order) -> None:
        """Refuse a change the order's contract or type would make invalid."""
        otype = request.order_type or current.order_type
        price = request.price if request.price is not None else (current.price or None)
        trigger = request.trigger_price if request.trigger_price is not None else (current.trigger_price or None)
        if otype.needs_price and price is None:
            raise _E(f"changing order {current.order_id} to {otype} needs a price")
        if otype.needs_trigger and trigger is None:
            raise _E(f"changing order {current.order_id} to {otype} needs a trigger_price")
        if not otype.needs_price and request.price is not None:
            raise _E(f"a {otype} order takes no price")
        self._check_contract(OrderRequest(
            instrument=current.instrument, qty=request.qty or current.qty, side=current.side,
            product=current.product, order_type=otype, price=request.price, trigger_price=request.trigger_price))

    def cancel(self, *, order_id: object, variety: object = Variety.REGULAR) -> CancelRequest:
        """Return the checked cancellation."""
        require(self._capabilities, Operation.CANCEL_ORDER, self.broker)
        return CancelRequest(order_id=identifier(order_id, "order_id", _E),
                             variety=enum_value(Variety, variety, "variety", _E))

    # -- margins and conversion ------------------------------------------------------------

    def margin_orders(self, orders: object) -> list[OrderRequest]:
        """Return the orders a margin call prices: each shape-, capability- and contract-checked."""
        require(self._capabilities, Operation.MARGINS, self.broker)
        if isinstance(orders, OrderRequest):
            orders = [orders]
        if not isinstance(orders, Sequence) or isinstance(orders, str) or not orders:
            raise _E("margins take a non-empty list of OrderRequest(instrument=..., qty=..., ...)")
        checked = []
        for index, order in enumerate(orders):
            if not isinstance(order, OrderRequest):
                raise _E(f"orders[{index}] must be an OrderRequest, got {type(order).__name__}")
            request = self.order_request(
                instrument=order.instrument, qty=order.qty, side=order.side, product=order.product,
                order_type=order.order_type, price=order.price, trigger_price=order.trigger_price,
                validity=order.validity, validity_ttl=order.validity_ttl, variety=order.variety,
                disclosed_qty=order.disclosed_qty, market_protection=order.market_protection,
                iceberg_legs=order.iceberg_legs)
            require_order(self._capabilities, request, self.broker)
            self._check_contract(request)
            checked.append(request)
        return checked

    def convert(self, *, instrument: object, side: object, qty: object, from_product: object, to_product: object,
                overnight: object = False) -> ConvertRequest:
        """Return the checked conversion, refusing a no-op."""
        require(self._capabilities, Operation.CONVERT_POSITION, self.broker)
        item: Instrument = instrument_value(instrument, "instrument", _E, tradable=True)
        source = enum_value(ProductType, from_product, "from_product", _E)
        target = enum_value(ProductType, to_product, "to_product", _E)
        if source is target:
            raise _E(f"the position is already {target}: choose a different to_product")
        request = ConvertRequest(instrument=item, side=enum_value(Side, side, "side", _E),  # type: ignore[arg-type]
                                 qty=quantity(qty, "qty", _E), from_product=source, to_product=target,
                                 overnight=boolean(overnight, "overnight", _E))
        if isinstance(request.instrument, Index):
            raise _E(f"{request.instrument} is an index: it has no position to convert")
        return request
