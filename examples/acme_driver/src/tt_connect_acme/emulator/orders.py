"""Acme's order routes over the paper engine: place, modify, cancel, the books."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal, number_field

from tt_connect_acme.emulator.wire import PAPER_TYPES

if TYPE_CHECKING:
    from tt_connect_acme.emulator.app import AcmeEmulator

__all__ = ["OrderRoutes"]

_MAX_TAG = 24


def _bad(name: str) -> Refusal:
    return Refusal(ErrorKind.INPUT, f"invalid {name}", code="ACM-400")


class OrderRoutes:
    def __init__(self, host: AcmeEmulator) -> None:
        self.host = host

    def add(self, app: web.Application) -> None:
        api = self.host.api
        router = app.router
        router.add_get("/v1/orders", api(self.book))
        router.add_post("/v1/orders", api(self.place, body="json"))
        router.add_get("/v1/orders/{order_id}", api(self.one))
        router.add_patch("/v1/orders/{order_id}", api(self.modify, body="json"))
        router.add_delete("/v1/orders/{order_id}", api(self.cancel))
        router.add_get("/v1/orders/{order_id}/trades", api(self.order_trades))
        router.add_get("/v1/trades", api(self.trades))
        router.add_get("/v1/positions", api(self.positions))
        router.add_get("/v1/holdings", api(self.holdings))

    def book(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [self.host.listing.order(o) for o in self.host.engine.orders.values()]

    def _order(self, request: web.Request) -> Any:
        order = self.host.engine.orders.get(request.match_info["order_id"])
        if order is None:
            raise Refusal(ErrorKind.NOT_FOUND, "no such order", code="ACM-404")
        return order

    def one(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, Any]:
        return self.host.listing.order(self._order(request))

    def place(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, str]:
        host = self.host
        token = host.listing.token.get(str(fields.get("key", "")))
        if token is None:
            raise _bad("key")
        host.order_write("place", host.engine.row(token).exchange)
        order_type = PAPER_TYPES.get(str(fields.get("type")))
        if order_type is None:
            raise _bad("type")
        qty = number_field(fields, "qty", int, _bad("qty"), required=True)
        tag = str(fields.get("tag") or "")
        if len(tag) > _MAX_TAG:
            raise _bad("tag")
        # Acme accepts an order and rejects it afterwards when its risk checks fail (as most brokers do).
        order = host.engine.place_or_reject(
            token=token, side=str(fields.get("side")), qty=qty or 0, order_type=order_type,
            product=str(fields.get("product")), price=number_field(fields, "price", float, _bad("price")) or 0.0,
            trigger_price=number_field(fields, "trigger_price", float, _bad("trigger_price")) or 0.0,
            validity=str(fields.get("validity", "DAY")), tag=tag, amo=fields.get("variety") == "amo")
        host.drop_if_asked()
        return {"order_id": order.order_id}

    def modify(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, str]:
        order = self._order(request)
        self.host.order_write("modify", self.host.engine.row(order.token).exchange)
        kind = fields.get("type")
        changed = self.host.engine.modify(
            order.order_id, qty=number_field(fields, "qty", int, _bad("qty")),
            price=number_field(fields, "price", float, _bad("price")),
            trigger_price=number_field(fields, "trigger_price", float, _bad("trigger_price")),
            order_type=PAPER_TYPES.get(str(kind)) if kind else None)
        return {"order_id": changed.order_id}

    def cancel(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, str]:
        order = self._order(request)
        self.host.order_write("cancel", self.host.engine.row(order.token).exchange)
        return {"order_id": self.host.engine.cancel(order.order_id).order_id}

    def order_trades(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]]:
        order = self._order(request)
        return [self.host.listing.trade(f) for f in self.host.engine.fills if f.order_id == order.order_id]

    def trades(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [self.host.listing.trade(f) for f in self.host.engine.fills]

    def positions(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [self.host.listing.position(p, last) for p, last in self.host.engine.position_rows()]

    def holdings(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [self.host.listing.holding(h, last) for h, last in self.host.engine.holding_rows()]
