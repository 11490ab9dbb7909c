"""Order routes: place / modify / cancel (v2 and v3), the order book, one order, its history, trades.

Single orders are what the SDK sends to its order host (``api-hft``); the emulator serves every
host on one port, so the paths are the same. Refusals follow the order pages' codes:
malformed requests are 400s with ``UDAPI`` codes (synchronous), while what Upstox's risk system
or the exchange refuses (funds, price outside the circuit band, quantity above the freeze
limit, a plain order outside market hours) is accepted and shows up ``rejected`` with its
reason in ``status_message``, as on Upstox.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web
from tt_connect.paper.engine import PaperOrder, PaperRejection

from tt_connect_upstox.emulator.wire import ORDER_TYPES, Refusal, ok

if TYPE_CHECKING:
    from tt_connect_upstox.emulator.app import UpstoxEmulator

__all__ = ["CIRCUIT_MESSAGE", "FREEZE_MESSAGE", "HOURS_MESSAGE", "add_routes"]

CIRCUIT_MESSAGE = "The price set should be within the circuit limits. Please modify your order price."
"""Upstox's text for a price outside the band (seen in a GTT rule's ``message`` on community.upstox.com)."""
FREEZE_MESSAGE = "Order quantity is greater than the freeze quantity. Please use slicing."  # [UNVERIFIED] text
HOURS_MESSAGE = "Orders can be placed only during market hours. Please place an AMO instead."  # [UNVERIFIED] text
_MAX_SLICES = 25
"""Place Order V3: at most 25 orders when slicing applies."""


def _number(body: dict[str, Any], name: str, kind: type[int] | type[float], *, default: float | None = None) -> Any:
    value = body.get(name, default)
    if value is None or isinstance(value, bool):
        raise Refusal(400, "UDAPI100038", f"Invalid input passed to the API: {name} is required")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise Refusal(400, "UDAPI100038", f"Invalid input passed to the API: {name}") from None


def _order_type(body: dict[str, Any]) -> str:
    if body.get("order_type") is None:
        raise Refusal(400, "UDAPI1004", "Valid order type is required")
    found = ORDER_TYPES.get(str(body.get("order_type")))
    if found is None:
        raise Refusal(400, "UDAPI1056", "The 'order_type' is invalid")
    return found


def _validity(body: dict[str, Any]) -> str:
    if body.get("validity") is None:
        raise Refusal(400, "UDAPI1007", "Validity is required")
    if body.get("validity") not in ("DAY", "IOC"):
        raise Refusal(400, "UDAPI1055", "The 'validity' is invalid")
    return str(body["validity"])


def _known(emu: UpstoxEmulator, order_id: object) -> PaperOrder:
    if not isinstance(order_id, str) or not order_id:
        raise Refusal(400, "UDAPI1023", "Order id is required")
    order = emu.engine.orders.get(order_id)
    if order is None:
        raise Refusal(400, "UDAPI100010", "Order not found")
    return order


def _reject(emu: UpstoxEmulator, fields: dict[str, Any], message: str) -> PaperOrder:
    """Book an order that the risk system or the exchange refused (REJECTED, with Upstox's reason).

    The kit's engine makes rejected orders only from its own refusals (``place_or_reject``);
    these reasons are Upstox's, so the emulator books them the same way.
    """
    engine = emu.engine
    now = engine.clock.now()
    order = PaperOrder(order_id=engine._next_id(), status="REJECTED", placed_at=now, updated_at=now,
                       message=message, **fields)
    engine.orders[order.order_id] = order
    engine.history[order.order_id] = []
    engine._record(order)
    return order


def _in_band(emu: UpstoxEmulator, token: int, order_type: str, price: float) -> bool:
    if order_type not in ("LIMIT", "SL"):
        return True
    quote = emu.listing.quote(emu.engine.quote(token))
    return bool(quote["lower_circuit_limit"] <= price <= quote["upper_circuit_limit"])


def place(emu: UpstoxEmulator, body: dict[str, Any]) -> list[str]:
    """Place one order (or its slices); return the order ids."""
    token = emu.listing.token(body.get("instrument_token"))
    row = emu.listing.row(token)
    if row.kind == "IDX":
        raise Refusal(400, "UDAPI100038", "Invalid input passed to the API: an index cannot be traded")
    side = body.get("transaction_type")
    if side not in ("BUY", "SELL"):
        raise Refusal(400, "UDAPI100038", "Invalid input passed to the API: transaction_type")
    order_type, validity = _order_type(body), _validity(body)
    product = emu.listing.paper_product(token, body.get("product"))
    qty = _number(body, "quantity", int)
    price = _number(body, "price", float, default=0.0)
    trigger = _number(body, "trigger_price", float, default=0.0)
    tag = str(body.get("tag") or "")
    is_amo = body.get("is_amo") is True
    fields = {"token": token, "side": str(side), "qty": qty, "order_type": order_type, "product": product,
              "validity": validity, "price": price if order_type in ("LIMIT", "SL") else 0.0,
              "trigger_price": trigger if order_type in ("SL", "SL_M") else 0.0, "tag": tag}
    freeze = emu.listing.freeze_quantity(token)
    if not emu.market_open and not is_amo:
        return [_reject(emu, fields, HOURS_MESSAGE).order_id]
    if not _in_band(emu, token, order_type, price):
        return [_reject(emu, fields, CIRCUIT_MESSAGE).order_id]
    sizes = [qty]
    if qty > freeze:
        if body.get("slice") is not True:
            return [_reject(emu, fields, FREEZE_MESSAGE).order_id]
        step = freeze - freeze % row.lot_size
        sizes = [step] * (qty // step) + ([qty % step] if qty % step else [])
        if len(sizes) > _MAX_SLICES:
            raise Refusal(400, "UDAPI100038", f"Invalid input passed to the API: slicing would need "
                                              f"{len(sizes)} orders, at most {_MAX_SLICES} are allowed")
    ids = []
    for size in sizes:
        try:
            order = emu.engine.place_or_reject(**{**fields, "qty": size})
        except PaperRejection as rejection:
            raise Refusal(400, "UDAPI100038", f"Invalid input passed to the API: {rejection.message}") from None
        if is_amo:
            emu.amo_orders.add(order.order_id)
        ids.append(order.order_id)
    return ids


def add_routes(emu: UpstoxEmulator, app: web.Application) -> None:
    listing = emu.listing

    def render(order: PaperOrder, *, history: bool = False) -> dict[str, Any]:
        return listing.order(order, is_amo=order.order_id in emu.amo_orders, history=history)

    def place_v2(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        ids = place(emu, {**body, "slice": False})
        emu.drop_if_asked()
        return ok({"order_id": ids[0]})

    def place_v3(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        ids = place(emu, body)
        emu.drop_if_asked()
        return ok({"order_ids": ids}, latency=True)

    def modify(request: web.Request, body: dict[str, Any], user: str, *, v3: bool) -> web.Response:
        order = _known(emu, body.get("order_id"))
        if order.status not in ("OPEN", "TRIGGER_PENDING"):
            raise Refusal(400, "UDAPI100039", "Modify of already cancelled/rejected/completed order is not allowed")
        order_type, validity = _order_type(body), _validity(body)
        qty = body.get("quantity")
        emu.engine.orders[order.order_id].validity = validity
        try:
            emu.engine.modify(order.order_id, qty=int(qty) if qty else None, price=float(body.get("price") or 0.0),
                              trigger_price=float(body.get("trigger_price") or 0.0), order_type=order_type)
        except PaperRejection as rejection:
            raise Refusal(400, "UDAPI100038", f"Invalid input passed to the API: {rejection.message}") from None
        except (TypeError, ValueError):
            raise Refusal(400, "UDAPI100038", "Invalid input passed to the API") from None
        return ok({"order_id": order.order_id}, latency=v3)

    def cancel(request: web.Request, body: dict[str, Any], user: str, *, v3: bool) -> web.Response:
        order = _known(emu, request.query.get("order_id"))
        if order.status not in ("OPEN", "TRIGGER_PENDING"):
            raise Refusal(400, "UDAPI100040", "Cancel of already cancelled/rejected/completed order is not allowed")
        emu.engine.cancel(order.order_id)
        return ok({"order_id": order.order_id}, latency=v3)

    def book(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        return ok([render(order) for order in emu.engine.orders.values()])

    def details(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        return ok(render(_known(emu, request.query.get("order_id"))))

    def history(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        order_id, tag = request.query.get("order_id"), request.query.get("tag")
        if order_id:
            order = _known(emu, order_id)
            return ok([render(snapshot, history=True) for snapshot in emu.engine.history[order.order_id]])
        if tag:
            tagged = [o for o in emu.engine.orders.values() if o.tag == tag]
            return ok([render(snapshot, history=True) for o in tagged for snapshot in emu.engine.history[o.order_id]])
        raise Refusal(400, "UDAPI1023", "Order id is required")

    def trades(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        return ok([listing.trade(fill) for fill in emu.engine.fills])

    def order_trades(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        order = _known(emu, request.query.get("order_id"))
        return ok([listing.trade(fill) for fill in emu.engine.fills if fill.order_id == order.order_id])

    def multi_place(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        items = body.get("items")
        if not isinstance(items, list) or not items:
            raise Refusal(400, "UDAPI100038", "Invalid input passed to the API: a list of orders is required")
        placed, errors = [], []
        for item in items:
            correlation = str(item.get("correlation_id", "")) if isinstance(item, dict) else ""
            try:
                if not isinstance(item, dict):
                    raise Refusal(400, "UDAPI100038", "Invalid input passed to the API")
                for order_id in place(emu, item):
                    placed.append({"correlation_id": correlation, "order_id": order_id})
            except Refusal as refusal:
                errors.append({"error_code": refusal.code, "message": refusal.message, "property_path": None,
                               "invalid_value": None, "correlation_id": correlation})
        status = "success" if not errors else "error" if not placed else "partial_success"
        body_out = {"status": status, "data": placed, "errors": errors or None,
                    "summary": {"total": len(items), "success": len(placed), "error": len(errors), "payload_error": 0}}
        return web.Response(status=200 if placed else 400, body=msgspec.json.encode(body_out),
                            content_type="application/json")

    r = app.router
    r.add_post("/v2/order/place", emu.api(place_v2, api_version=True))
    r.add_post("/v3/order/place", emu.api(place_v3))
    r.add_put("/v2/order/modify", emu.api(lambda q, b, u: modify(q, b, u, v3=False), api_version=True))
    r.add_put("/v3/order/modify", emu.api(lambda q, b, u: modify(q, b, u, v3=True)))
    r.add_delete("/v2/order/cancel", emu.api(lambda q, b, u: cancel(q, b, u, v3=False), api_version=True))
    r.add_delete("/v3/order/cancel", emu.api(lambda q, b, u: cancel(q, b, u, v3=True)))
    r.add_get("/v2/order/retrieve-all", emu.api(book, api_version=True))
    r.add_get("/v2/order/details", emu.api(details))
    r.add_get("/v2/order/history", emu.api(history, api_version=True))
    r.add_get("/v2/order/trades/get-trades-for-day", emu.api(trades, api_version=True))
    r.add_get("/v2/order/trades", emu.api(order_trades, api_version=True))
    r.add_post("/v2/order/multi/place", emu.api(multi_place))
