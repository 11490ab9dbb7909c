"""The Kite emulator's GTT triggers (``/gtt/triggers``) and margin calculator (``/margins/*``).

GTT writes are forms whose ``condition`` and ``orders`` fields are JSON text, each order a LIMIT order
(``single``: one trigger, ``two-leg``: a stop-loss and a target around the last price); the margin calculator
takes a JSON list of orders and prices each one (``/margins/orders``) or the basket as a whole
(``/margins/basket``), with Kite's charges breakdown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal
from tt_connect.paper.margins import MarginOrder, basket_margin, order_margin
from tt_connect.paper.triggers import PaperGtt, PaperGttLeg

from tt_connect_zerodha.emulator.wire import KITE_ORDER_TYPES, kite_time

if TYPE_CHECKING:
    from tt_connect_zerodha.emulator.app import KiteEmulator

__all__ = ["TriggerRoutes"]

_NO_TRIGGER = "Couldn't find that `trigger_id`."


class TriggerRoutes:
    """GTT and margin routes of one emulator."""

    def __init__(self, host: KiteEmulator) -> None:
        self._host = host

    def add(self, app: web.Application) -> None:
        api = self._host.api
        app.add_routes([
            web.post("/gtt/triggers", api(self._place_gtt)),
            web.get("/gtt/triggers", api(lambda request, fields, user: [
                self._gtt(g) for g in self._host.engine.triggers.gtts.values()])),
            web.get("/gtt/triggers/{gtt_id}", api(lambda request, fields, user: self._gtt(self._found(request)))),
            web.put("/gtt/triggers/{gtt_id}", api(self._modify_gtt)),
            web.delete("/gtt/triggers/{gtt_id}", api(self._delete_gtt)),
            web.post("/margins/orders", api(self._order_margins, body="json")),
            web.post("/margins/basket", api(self._basket_margins, body="json")),
        ])

    # -- GTT --------------------------------------------------------------------------------

    def _found(self, request: web.Request) -> PaperGtt:
        gtt: PaperGtt | None = self._host.engine.triggers.gtts.get(request.match_info["gtt_id"])
        if gtt is None:
            raise Refusal(ErrorKind.NOT_FOUND, _NO_TRIGGER)
        return gtt

    def _legs(self, fields: Mapping[str, Any]) -> tuple[int, list[PaperGttLeg], float]:
        try:
            condition = msgspec.json.decode(str(fields.get("condition", "")))
            orders = msgspec.json.decode(str(fields.get("orders", "")))
            triggers = [float(t) for t in condition["trigger_values"]]
            last_price = float(condition["last_price"])
            kind = str(fields.get("type", ""))
        except (msgspec.DecodeError, KeyError, TypeError, ValueError):
            raise Refusal(ErrorKind.INPUT, "Invalid `condition` or `orders`.") from None
        if kind not in ("single", "two-leg") or len(triggers) != (2 if kind == "two-leg" else 1) \
                or len(orders) != len(triggers):
            raise Refusal(ErrorKind.INPUT, "Invalid `type`: single takes one trigger, two-leg takes two.")
        token = self._host.portfolio_routes.token(condition)
        legs = []
        for trigger, order in zip(triggers, orders):
            order_type = KITE_ORDER_TYPES.get(str(order.get("order_type")))
            if order_type != "LIMIT":  # Kite's GTT docs: the order a trigger places is a LIMIT order
                raise Refusal(ErrorKind.INPUT, "Invalid `order_type`: a GTT places LIMIT orders.")
            legs.append(PaperGttLeg(trigger_price=trigger, side=str(order.get("transaction_type")),
                                    qty=int(order.get("quantity") or 0), product=str(order.get("product")),
                                    order_type=order_type, price=float(order.get("price") or 0)))
        return token, legs, last_price

    def _gtt(self, gtt: PaperGtt) -> dict[str, Any]:
        engine = self._host.engine
        identity = self._host.listing.identity(gtt.token)
        orders = []
        for leg in gtt.legs:
            orders.append({"exchange": identity["exchange"], "tradingsymbol": identity["tradingsymbol"],
                           "product": leg.product, "order_type": leg.order_type,
                           "transaction_type": leg.side, "quantity": leg.qty, "price": leg.price, "result": None})
        if gtt.order_ids and gtt.status == "triggered":
            fired = engine.orders.get(gtt.order_ids[-1])
            if fired is not None:
                index = next((i for i, leg in enumerate(gtt.legs) if leg.side == fired.side and
                              leg.qty == fired.qty), 0)
                orders[index]["result"] = {"order_result": {"status": "success", "order_id": fired.order_id,
                                                            "rejection_reason": ""},
                                           "timestamp": kite_time(fired.placed_at)}
        return {"id": int(gtt.gtt_id), "user_id": self._host.user_id, "parent_trigger": None, "type": gtt.kind,
                "created_at": kite_time(gtt.created_at), "updated_at": kite_time(gtt.updated_at),
                "expires_at": kite_time(gtt.expires_at), "status": gtt.status,
                "condition": {"exchange": identity["exchange"], "last_price": gtt.last_price,
                              "tradingsymbol": identity["tradingsymbol"],
                              "trigger_values": [leg.trigger_price for leg in gtt.legs],
                              "instrument_token": identity["instrument_token"]},
                "orders": orders, "meta": {}}

    def _place_gtt(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, int]:
        return {"trigger_id": int(self._host.engine.triggers.place(*self._legs(fields)).gtt_id)}

    def _modify_gtt(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, int]:
        gtt = self._found(request)
        token, legs, last_price = self._legs(fields)
        if gtt.token != token:
            raise Refusal(ErrorKind.INPUT, "A GTT's instrument cannot be changed.")
        return {"trigger_id": int(self._host.engine.triggers.modify(gtt.gtt_id, legs, last_price).gtt_id)}

    def _delete_gtt(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, int]:
        return {"trigger_id": int(self._host.engine.triggers.delete(self._found(request).gtt_id).gtt_id)}

    # -- margin calculator ------------------------------------------------------------------

    def _margin_orders(self, fields: Mapping[str, Any]) -> list[MarginOrder]:
        items = fields.get("items")
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise Refusal(ErrorKind.INPUT, "The body must be a list of orders.")
        orders = []
        for item in items:
            order_type = KITE_ORDER_TYPES.get(str(item.get("order_type")))
            if order_type is None:
                raise Refusal(ErrorKind.INPUT, "Invalid `order_type`.")
            orders.append(MarginOrder(token=self._host.portfolio_routes.token(item),
                                      side=str(item.get("transaction_type")),
                                      qty=int(item.get("quantity") or 0), order_type=order_type,
                                      product=str(item.get("product")), price=float(item.get("price") or 0),
                                      trigger_price=float(item.get("trigger_price") or 0)))
        return orders

    def _line(self, line: Mapping[str, Any], token: int | None) -> dict[str, Any]:
        listing = self._host.listing
        identity = listing.identity(token) if token is not None else {"tradingsymbol": "", "exchange": ""}
        return {"type": "equity" if token is not None else "", "tradingsymbol": identity["tradingsymbol"],
                "exchange": identity["exchange"], "span": line.get("span", 0), "exposure": line.get("exposure", 0),
                "option_premium": line.get("option_premium", 0), "additional": 0, "bo": 0, "cash": 0,
                "var": line.get("var", 0), "pnl": {"realised": 0, "unrealised": 0}, "leverage": 1,
                "charges": {"transaction_tax": 0, "transaction_tax_type": "stt", "exchange_turnover_charge": 0,
                            "sebi_turnover_charge": 0, "brokerage": 0, "stamp_duty": 0,
                            "gst": {"igst": 0, "cgst": 0, "sgst": 0, "total": 0}, "total": line["charges"]},
                "total": line["total"]}

    def _order_margins(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]]:
        engine = self._host.engine
        return [self._line(order_margin(engine, o), o.token) for o in self._margin_orders(fields)]

    def _basket_margins(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, Any]:
        orders = self._margin_orders(fields)
        basket = basket_margin(self._host.engine, orders)
        return {"initial": self._line(basket["initial"], None), "final": self._line(basket["final"], None),
                "orders": [self._line(line, o.token) for line, o in zip(basket["orders"], orders)],
                "charges": self._line(basket["initial"], None)["charges"]}
