"""The Kite emulator's orders: the order book, history and trades, and placing, modifying, cancelling.

Kite refuses an order synchronously when its pre-trade checks fail (a closed market, a price beyond the
circuit limits, a quantity above the freeze limit, a stop-loss trigger on the wrong side), with an
``InputException``; it accepts an order the account cannot pay for and rejects it afterwards, the
order showing ``REJECTED`` with "Insufficient funds..." in ``status_message`` (the official mock
``orders.json``). The paper engine's refusals are rendered so, in Kite's words (sources: PROTOCOL.md).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web
from tt_connect.desk.tools import slice_quantities
from tt_connect.emulation import ErrorKind, Refusal, number_field
from tt_connect.exchange_rules import freeze_quantity
from tt_connect.paper.engine import PaperEngine, PaperOrder, PaperRejection
from tt_connect.paper.margins import MarginOrder, order_margin
from tt_connect.paper.rules import price_band

from tt_connect_zerodha.emulator.wire import KITE_ERRORS, KITE_ORDER_TYPES, kite_order, kite_refusal, kite_trade

if TYPE_CHECKING:
    from tt_connect_zerodha.emulator.app import KiteEmulator

__all__ = ["OrderRoutes"]

_VARIETIES = ("regular", "amo", "iceberg", "co")
_VALIDITIES = {"DAY": "DAY", "IOC": "IOC", "TTL": "DAY"}
"""Kite validity -> paper validity. TTL rests like DAY in the paper market; the order reads back as TTL."""
_MAX_TAG = 20
_ACCEPTED_THEN_REJECTED = frozenset({"FUNDS"})
"""Paper refusals Kite reports as a REJECTED order rather than an error reply."""
_DONE = {"COMPLETE": "completed", "CANCELLED": "cancelled", "REJECTED": "rejected"}
_NO_ORDER = "Couldn't find that `order_id`."


def _invalid(name: str) -> Refusal:
    return Refusal(ErrorKind.INPUT, f"Invalid `{name}`.")


@dataclass(frozen=True)
class _Placement:
    """What Kite shows of an order that the paper market does not model, known before it is placed."""

    variety: str
    extra: Mapping[str, Any]


class OrderRoutes:
    """``/orders/*`` and ``/trades`` of one emulator."""

    def __init__(self, host: KiteEmulator) -> None:
        self._host = host
        self.varieties: dict[str, str] = {}
        self.extras: dict[str, dict[str, Any]] = {}
        """Per order, what Kite echoes that the paper market does not model (TTL, tags, protection, texts)."""
        self._placing: _Placement | None = None
        self._parents = itertools.count(1)

    def add(self, app: web.Application) -> None:
        api = self._host.api
        app.add_routes([
            web.get("/orders", api(lambda request, fields, user: [self.row(o) for o in self._engine.orders.values()])),
            web.get("/orders/{order_id}", api(self._history)),
            web.get("/orders/{order_id}/trades", api(self._order_trades)),
            web.get("/trades", api(lambda request, fields, user: [kite_trade(self._host.listing, f)
                                                                  for f in self._engine.fills])),
            web.post("/orders/{variety}", api(self._place)),
            web.put("/orders/{variety}/{order_id}", api(self._modify)),
            web.delete("/orders/{variety}/{order_id}", api(self._cancel)),
        ])

    @property
    def _engine(self) -> PaperEngine:
        return self._host.engine

    def row(self, order: PaperOrder) -> dict[str, Any]:
        """An order as Kite shows it in the book, its history, postbacks and ticker updates."""
        return kite_order(self._host.listing, order, user_id=self._host.user_id,
                          variety=self.varieties.get(order.order_id, "regular"),
                          extra=self.extras.get(order.order_id), market_open=self._engine.market_open)

    def note(self, order: PaperOrder) -> None:
        """Called on every order change, before it is pushed anywhere: adopt a new order's placement, and
        give an order Kite accepted and rejected its reason in Kite's words."""
        placing = self._placing
        if order.order_id not in self.varieties and placing is not None:
            self.varieties[order.order_id] = placing.variety
            self.extras[order.order_id] = dict(placing.extra)
        if order.status == "REJECTED" and order.rejection_code == "FUNDS":
            margin = order_margin(self._engine, MarginOrder(
                token=order.token, side=order.side, qty=order.qty, order_type=order.order_type,
                product=order.product, price=order.price, trigger_price=order.trigger_price))
            text = (f"Insufficient funds. Required margin is {margin['total']:.2f} but available margin is "
                    f"{self._engine.available_margin():.2f}. Check the orderbook for open orders.")
            self.extras.setdefault(order.order_id, {}).update(status_message=text, status_message_raw=text)

    def _known(self, request: web.Request) -> PaperOrder:
        order: PaperOrder | None = self._engine.orders.get(request.match_info["order_id"])
        if order is None:
            raise Refusal(ErrorKind.NOT_FOUND, _NO_ORDER)
        return order

    def _history(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [self.row(o) for o in self._engine.order_history(self._known(request).order_id)]

    def _order_trades(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]]:
        order_id = self._known(request).order_id
        return [kite_trade(self._host.listing, f) for f in self._engine.fills if f.order_id == order_id]

    # -- writes -----------------------------------------------------------------------------

    def _place(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, str]:
        variety = request.match_info["variety"]
        self._host.order_write("place", str(fields.get("exchange", "")), fields.get("algo_id"))
        if variety not in _VARIETIES:
            raise _invalid("variety")
        token = self._host.portfolio_routes.token(fields)
        order_type = KITE_ORDER_TYPES.get(str(fields.get("order_type", "")))
        if order_type is None:
            raise _invalid("order_type")
        validity = str(fields.get("validity") or "DAY")
        if validity not in _VALIDITIES:
            raise _invalid("validity")
        tag = str(fields.get("tag") or "")
        if len(tag) > _MAX_TAG or (tag and not tag.replace(" ", "").isalnum()):
            raise Refusal(ErrorKind.INPUT, "Invalid `tag`: up to 20 alphanumeric characters.")
        ttl = number_field(fields, "validity_ttl", int, _invalid("validity_ttl"))
        if validity == "TTL" and not ttl:
            raise Refusal(ErrorKind.INPUT, "`validity_ttl` is required for TTL orders.")
        quantity = number_field(fields, "quantity", int, _invalid("quantity"), required=True) or 0
        price = number_field(fields, "price", float, _invalid("price")) or 0.0
        trigger = number_field(fields, "trigger_price", float, _invalid("trigger_price")) or 0.0
        product = str(fields.get("product", ""))
        if (variety == "co") != (product == "CO"):
            raise Refusal(ErrorKind.INPUT, "Cover orders go as variety `co` with product `CO`.")
        if variety == "co" and not trigger:
            raise Refusal(ErrorKind.INPUT, "A cover order needs its stop-loss `trigger_price`.")
        extra = {"validity": validity, "validity_ttl": ttl if validity == "TTL" else None,
                 "market_protection": number_field(fields, "market_protection", float,
                                                   _invalid("market_protection")) or 0,
                 "disclosed_quantity": number_field(fields, "disclosed_quantity", int,
                                                    _invalid("disclosed_quantity")) or 0,
                 "tags": [tag] if tag else None, **({"product": "CO"} if product == "CO" else {})}
        # A cover order is intraday; the paper market books its entry as MIS (its stop leg is not modelled).
        order: dict[str, Any] = {"token": token, "side": str(fields.get("transaction_type", "")), "qty": quantity,
                                 "order_type": order_type, "product": "MIS" if product == "CO" else product,
                                 "price": price, "trigger_price": trigger, "validity": _VALIDITIES[validity],
                                 "tag": tag, "amo": variety == "amo"}
        if fields.get("autoslice") == "true":
            return self._autoslice(_Placement(variety, extra), order)
        placed = self._submit(_Placement(variety, extra), **order)
        self._host.drop_if_asked()
        return {"order_id": placed.order_id}

    def _autoslice(self, placement: _Placement, order: dict[str, Any]) -> dict[str, Any]:
        """Kite's ``autoslice=true``: child orders within the freeze quantity, each refused or placed on its own
        (official mock ``autoslice_response.json``; children are tagged ``autoslice:<parent id>``, ``orders.json``)."""
        row = self._engine.row(order["token"])
        freeze = freeze_quantity(row.underlying) if row.kind in ("FUT", "OPT") else None
        sizes = slice_quantities(order["qty"], row.lot_size, freeze) if freeze else [order["qty"]]
        parent = f"8{next(self._parents):013d}"  # the parent is no order of the book
        tags = [*(placement.extra.get("tags") or ()), "autoslice", f"autoslice:{parent}"]
        child = _Placement(placement.variety, {**placement.extra, "tags": tags})
        children: list[dict[str, Any]] = []
        for size in sizes:
            try:
                children.append({"order_id": self._submit(child, **{**order, "qty": size}).order_id})
            except Refusal as refusal:
                error_type, status = KITE_ERRORS[refusal.kind]
                children.append({"error": {"code": refusal.status or status, "error_type": refusal.code or error_type,
                                           "message": refusal.message, "data": None}})
        return {"order_id": parent, "children": children}

    def _submit(self, placement: _Placement, **order: Any) -> PaperOrder:
        """Place on the paper market as Kite does: refused now, or accepted and rejected afterwards."""
        self._placing = placement
        try:
            try:
                placed: PaperOrder = self._engine.place(**order)
            except PaperRejection as rejection:
                if rejection.code not in _ACCEPTED_THEN_REJECTED:
                    raise self._refusal(rejection, order) from None
                placed = self._engine.place_or_reject(**order)
            return placed
        finally:
            self._placing = None

    def _refusal(self, rejection: PaperRejection, order: Mapping[str, Any]) -> Refusal:
        """A pre-trade refusal in Kite's words (PROTOCOL.md names where each text comes from)."""
        row = self._engine.row(order["token"])
        buy = order["side"] == "BUY"
        if rejection.code == "MARKET_CLOSED":
            text = "Markets are closed right now. Use GTT for placing long standing orders instead."
        elif rejection.code == "PRICE_BAND":
            low, high = price_band(row.kind, self._engine.quote(row.token).close) or (0.0, 0.0)
            price = order["price"] or order["trigger_price"]
            side, limit = ("lower", low) if price < low else ("upper", high)
            text = (f"Your order price is {'lower' if side == 'lower' else 'higher'} than the current {side} "
                    f"circuit limit of {limit:.2f}. Place an order within the daily range.")
        elif rejection.code == "FREEZE":
            text = (f"Quantity is more than the freeze quantity of {freeze_quantity(row.underlying)} for "
                    f"{row.underlying}. Split the order, or place it as an iceberg order.")
        elif rejection.code == "TRIGGER":
            text = (f"Trigger price for stoploss {'buy' if buy else 'sell'} orders should be "
                    f"{'higher' if buy else 'lower'} than the last traded price.")
        elif rejection.code == "NO_HOLDINGS":
            text = f"Insufficient holdings to sell {order['qty']} {row.symbol}."
        else:
            text = None
        return kite_refusal(rejection, text)

    def _changed(self, order: PaperOrder, action: str, change: Callable[[], PaperOrder]) -> dict[str, str]:
        """Apply a change; an order that is no longer open is refused as Kite refuses it."""
        if order.status not in ("OPEN", "TRIGGER_PENDING"):
            done = _DONE.get(order.status, order.status.lower())
            raise Refusal(ErrorKind.ORDER, f"Order cannot be {action} as it is already {done}.",
                          code="OrderException")
        try:
            return {"order_id": change().order_id}
        except PaperRejection as rejection:
            raise kite_refusal(rejection) from None

    def _record(self, action: str, order: PaperOrder, fields: Mapping[str, Any]) -> None:
        self._host.order_write(action, self._engine.row(order.token).exchange, fields.get("algo_id"))

    def _addressed(self, request: web.Request) -> PaperOrder:
        """The order a ``/orders/{variety}/{order_id}`` path names: its variety is part of its address."""
        order = self._known(request)
        if request.match_info["variety"] != self.varieties.get(order.order_id, "regular"):
            raise _invalid("variety")
        return order

    def _modify(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, str]:
        order = self._addressed(request)
        self._record("modify", order, fields)
        order_type = fields.get("order_type")
        paper_type = KITE_ORDER_TYPES.get(str(order_type)) if order_type else None
        if order_type and paper_type is None:
            raise _invalid("order_type")
        protection = number_field(fields, "market_protection", float, _invalid("market_protection"))
        changes = {"qty": number_field(fields, "quantity", int, _invalid("quantity")),
                   "price": number_field(fields, "price", float, _invalid("price")),
                   "trigger_price": number_field(fields, "trigger_price", float, _invalid("trigger_price")),
                   "order_type": paper_type}

        def change() -> PaperOrder:
            if protection is not None:
                self.extras.setdefault(order.order_id, {})["market_protection"] = protection
                if all(value is None for value in changes.values()):
                    return order  # only the protection changed
            return self._engine.modify(order.order_id, **changes)  # type: ignore[arg-type]

        return self._changed(order, "modified", change)

    def _cancel(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, str]:
        order = self._addressed(request)
        self._record("cancel", order, fields)
        return self._changed(order, "cancelled", lambda: self._engine.cancel(order.order_id))
