"""Order routes: place / modify / cancel (v2 and v3), the order book, one order, its history, trades.

Single orders are what the SDK sends to its order host (``api-hft``); the emulator serves every
host on one port, so the paths are the same. Refusals follow the order pages' codes:
malformed requests are 400s with ``UDAPI`` codes (synchronous), while what Upstox's risk system
or the exchange refuses (funds, price outside the circuit band, quantity above the freeze
limit, a plain order outside market hours) is accepted and shows up ``rejected`` with its
reason in ``status_message``, as on Upstox: the paper engine books those refusals as rejected
orders (``place_or_reject``) and :func:`~.wire.status_message` words them as Upstox does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal
from tt_connect.paper.engine import PaperOrder

from tt_connect_upstox.emulator.wire import ORDER_TYPES, V3, bad_input

if TYPE_CHECKING:
    from tt_connect_upstox.emulator.app import UpstoxEmulator

__all__ = ["add_routes", "place"]

_MAX_SLICES = 25
"""Place Order V3: at most 25 orders when slicing applies."""


def _number(body: dict[str, Any], name: str, kind: type[int] | type[float], *, default: float | None = None) -> Any:
    value = body.get(name, default)
    if value is None or isinstance(value, bool):
        raise bad_input(f"{name} is required")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise bad_input(name) from None


def _order_type(body: dict[str, Any]) -> str:
    if body.get("order_type") is None:
        raise bad_input("Valid order type is required", "UDAPI1004")
    found = ORDER_TYPES.get(str(body.get("order_type")))
    if found is None:
        raise bad_input("The 'order_type' is invalid", "UDAPI1056")
    return found


def _validity(body: dict[str, Any]) -> str:
    if body.get("validity") is None:
        raise bad_input("Validity is required", "UDAPI1007")
    if body.get("validity") not in ("DAY", "IOC"):
        raise bad_input("The 'validity' is invalid", "UDAPI1055")
    return str(body["validity"])


def _known(emu: UpstoxEmulator, order_id: object) -> PaperOrder:
    if not isinstance(order_id, str) or not order_id:
        raise bad_input("Order id is required", "UDAPI1023")
    order = emu.engine.orders.get(order_id)
    if order is None:
        raise Refusal(ErrorKind.NOT_FOUND, "Order not found", code="UDAPI100010", status=400)
    return order


def _slices(emu: UpstoxEmulator, token: int, qty: int) -> list[int]:
    """Child quantities for ``slice: true``: whole lots up to the freeze quantity each."""
    row = emu.listing.row(token)
    freeze = emu.listing.freeze_quantity(token)
    if qty <= freeze:
        return [qty]
    step = freeze - freeze % row.lot_size
    sizes = [step] * (qty // step) + ([qty % step] if qty % step else [])
    if len(sizes) > _MAX_SLICES:
        raise bad_input(f"slicing would need {len(sizes)} orders, at most {_MAX_SLICES} are allowed")
    return sizes


def place(emu: UpstoxEmulator, body: dict[str, Any], algo_name: str | None = None) -> list[str]:
    """Place one order (or its slices); return the order ids. ``algo_name``: the ``X-Algo-Name`` header."""
    token = emu.listing.token(body.get("instrument_token"))
    emu.order_write("place", emu.listing.row(token).exchange, algo_name)
    if emu.listing.row(token).kind == "IDX":
        raise bad_input("an index cannot be traded")
    side = body.get("transaction_type")
    if side not in ("BUY", "SELL"):
        raise bad_input("transaction_type")
    order_type, validity = _order_type(body), _validity(body)
    qty = _number(body, "quantity", int)
    fields: dict[str, Any] = {"token": token, "side": str(side), "order_type": order_type, "validity": validity,
              "product": emu.listing.paper_product(token, body.get("product")),
              "price": _number(body, "price", float, default=0.0) if order_type in ("LIMIT", "SL") else 0.0,
              "trigger_price": _number(body, "trigger_price", float, default=0.0) if order_type in ("SL", "SL_M")
              else 0.0, "tag": str(body.get("tag") or ""), "amo": body.get("is_amo") is True}
    sizes = _slices(emu, token, qty) if body.get("slice") is True else [qty]
    return [emu.engine.place_or_reject(qty=size, **fields).order_id for size in sizes]


def add_routes(emu: UpstoxEmulator, app: web.Application) -> None:
    listing, engine = emu.listing, emu.engine

    def place_v2(request: web.Request, body: dict[str, Any], user: str) -> Any:
        ids = place(emu, {**body, "slice": False}, request.headers.get("X-Algo-Name"))
        emu.drop_if_asked()
        return {"order_id": ids[0]}

    def place_v3(request: web.Request, body: dict[str, Any], user: str) -> Any:
        ids = place(emu, body, request.headers.get("X-Algo-Name"))
        emu.drop_if_asked()
        return V3({"order_ids": ids})

    def modify(request: web.Request, body: dict[str, Any], user: str, *, v3: bool) -> Any:
        order = _known(emu, body.get("order_id"))
        emu.order_write("modify", engine.row(order.token).exchange, request.headers.get("X-Algo-Name"))
        if order.status not in ("OPEN", "TRIGGER_PENDING"):
            raise bad_input("Modify of already cancelled/rejected/completed order is not allowed", "UDAPI100039")
        order_type, validity = _order_type(body), _validity(body)
        qty = body.get("quantity")
        engine.orders[order.order_id].validity = validity
        try:
            engine.modify(order.order_id, qty=int(qty) if qty else None, price=float(body.get("price") or 0.0),
                          trigger_price=float(body.get("trigger_price") or 0.0), order_type=order_type)
        except (TypeError, ValueError):
            raise bad_input("quantity, price or trigger_price") from None
        data = {"order_id": order.order_id}
        return V3(data) if v3 else data

    def cancel(request: web.Request, body: dict[str, Any], user: str, *, v3: bool) -> Any:
        order = _known(emu, request.query.get("order_id"))
        emu.order_write("cancel", engine.row(order.token).exchange, request.headers.get("X-Algo-Name"))
        if order.status not in ("OPEN", "TRIGGER_PENDING"):
            raise bad_input("Cancel of already cancelled/rejected/completed order is not allowed", "UDAPI100040")
        engine.cancel(order.order_id)
        data = {"order_id": order.order_id}
        return V3(data) if v3 else data

    def book(request: web.Request, body: dict[str, Any], user: str) -> Any:
        return [listing.order(order) for order in engine.orders.values()]

    def details(request: web.Request, body: dict[str, Any], user: str) -> Any:
        return listing.order(_known(emu, request.query.get("order_id")))

    def history(request: web.Request, body: dict[str, Any], user: str) -> Any:
        order_id, tag = request.query.get("order_id"), request.query.get("tag")
        if order_id:
            order = _known(emu, order_id)
            return [listing.order(snapshot, history=True) for snapshot in engine.history[order.order_id]]
        if tag:
            tagged = [o for o in engine.orders.values() if o.tag == tag]
            return [listing.order(snapshot, history=True) for o in tagged for snapshot in engine.history[o.order_id]]
        raise bad_input("Order id is required", "UDAPI1023")

    def trades(request: web.Request, body: dict[str, Any], user: str) -> Any:
        return [listing.trade(fill) for fill in engine.fills]

    def order_trades(request: web.Request, body: dict[str, Any], user: str) -> Any:
        order = _known(emu, request.query.get("order_id"))
        return [listing.trade(fill) for fill in engine.fills if fill.order_id == order.order_id]

    async def multi_place(request: web.Request) -> web.Response:
        """``POST /v2/order/multi/place``: its own envelope (``data``, ``errors``, ``summary``)."""
        try:
            emu.authenticate(request)
            items = (await emu.read_fields(request, "json")).get("items")
        except Refusal as refusal:
            return emu.refusal_response(refusal)
        if not isinstance(items, list) or not items:
            return emu.refusal_response(bad_input("a list of orders is required"))
        placed, errors = [], []
        for item in items:
            correlation = str(item.get("correlation_id", "")) if isinstance(item, dict) else ""
            try:
                if not isinstance(item, dict):
                    raise bad_input("each order is an object")
                ids = place(emu, item, request.headers.get("X-Algo-Name"))
                placed += [{"correlation_id": correlation, "order_id": oid} for oid in ids]
            except Refusal as refusal:
                errors.append({"error_code": refusal.code, "message": refusal.message, "property_path": None,
                               "invalid_value": None, "correlation_id": correlation})
        status = "success" if not errors else "error" if not placed else "partial_success"
        reply = {"status": status, "data": placed, "errors": errors or None,
                 "summary": {"total": len(items), "success": len(placed), "error": len(errors), "payload_error": 0}}
        return web.Response(status=200 if placed else 400, body=msgspec.json.encode(reply),
                            content_type="application/json")

    r = app.router
    r.add_post("/v2/order/place", emu.route(place_v2, v2=True))
    r.add_post("/v3/order/place", emu.route(place_v3))
    r.add_put("/v2/order/modify", emu.route(lambda q, b, u: modify(q, b, u, v3=False), v2=True))
    r.add_put("/v3/order/modify", emu.route(lambda q, b, u: modify(q, b, u, v3=True)))
    r.add_delete("/v2/order/cancel", emu.route(lambda q, b, u: cancel(q, b, u, v3=False), v2=True, body="none"))
    r.add_delete("/v3/order/cancel", emu.route(lambda q, b, u: cancel(q, b, u, v3=True), body="none"))
    r.add_get("/v2/order/retrieve-all", emu.route(book, v2=True, body="none"))
    r.add_get("/v2/order/details", emu.route(details, body="none"))
    r.add_get("/v2/order/history", emu.route(history, v2=True, body="none"))
    r.add_get("/v2/order/trades/get-trades-for-day", emu.route(trades, v2=True, body="none"))
    r.add_get("/v2/order/trades", emu.route(order_trades, v2=True, body="none"))
    r.add_post("/v2/order/multi/place", multi_place)
