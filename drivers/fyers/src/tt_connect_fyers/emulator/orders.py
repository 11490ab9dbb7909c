"""Order, portfolio, margin and GTT routes of the Fyers emulator.

``/orders/sync`` places (POST), modifies (PATCH) and cancels (DELETE, JSON body ``{"id"}``) and answers
with the order id and codes 1101/1102/1103. Malformed requests are refused with ``-50`` (or the old
field codes); a risk refusal (funds, price band, market closed, freeze) is refused with ``-99`` and
its reason, and the order is left REJECTED in the book with the id in the reply, as a synchronous
OMS does. An unknown id is ``-51``; an order that is no longer open ``-161``/``-162``/``-164``
(cancelled, traded, rejected: the error CSV's codes, PROTOCOL.md "unverified").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web
from tt_connect.emulation import number_field as read_number
from tt_connect.paper.engine import PaperOrder, PaperRejection
from tt_connect.paper.margins import MarginOrder, basket_margin, order_margin
from tt_connect.paper.triggers import PaperGtt, PaperGttLeg

from tt_connect_fyers.emulator.wire import (
    FYERS_ORDER_TYPES,
    FYERS_PRODUCTS,
    failure,
    fyers_fund_limit,
    fyers_holding,
    fyers_order,
    fyers_position,
    fyers_time,
    fyers_trade,
    ok,
    refuse,
    rejection_text,
)

if TYPE_CHECKING:
    from tt_connect_fyers.emulator.app import FyersEmulator

__all__ = ["add_routes", "field", "number_field"]

_TAG = re.compile(r"^[A-Za-z0-9]{1,30}$")
_NOT_OPEN = {"CANCELLED": (-161, "cancelled"), "COMPLETE": (-162, "traded"), "REJECTED": (-164, "rejected")}
_GTT_STATUS = {"active": 6, "triggered": 2, "deleted": 1, "cancelled": 1, "expired": 7, "rejected": 5}


def field(body: Mapping[str, Any], name: str) -> Any:
    value = body.get(name)
    if value is None or value == "":
        raise refuse(-50, f"Invalid input: {name} is required.")
    return value


def number_field(body: Mapping[str, Any], name: str, kind: type[int] | type[float], *, required: bool = False) -> Any:
    return read_number(body, name, kind, refuse(-50, f"Invalid input: {name} must be a number."), required=required)


def add_routes(emulator: FyersEmulator, app: web.Application) -> None:
    """Register ``/api/v3`` orders, trades, portfolio, funds, margins and GTT orders."""
    engine, listing = emulator.engine, emulator.listing

    def instrument(body: Mapping[str, Any]) -> int:
        token = listing.token(field(body, "symbol"))
        if token is None:
            raise refuse(-300, f"Invalid symbol: {body.get('symbol')}.")
        return token

    def side_of(body: Mapping[str, Any]) -> str:
        side = number_field(body, "side", int, required=True)
        if side not in (1, -1):
            raise refuse(-313, "Invalid side: use 1 (buy) or -1 (sell).")
        return "BUY" if side == 1 else "SELL"

    def product_of(body: Mapping[str, Any], key: str = "productType") -> str:
        product = str(field(body, key))
        if product not in FYERS_PRODUCTS:
            raise refuse(-314, f"Invalid productType: {product}.")
        return product

    def known(order_id: str) -> PaperOrder:
        order = engine.orders.get(order_id)
        if order is None:
            raise refuse(-51, f"Invalid order id: {order_id}.")
        return order

    def open_order(order_id: str, action: str) -> PaperOrder:
        order = known(order_id)
        if order.status not in ("OPEN", "TRIGGER_PENDING"):
            code, words = _NOT_OPEN.get(order.status, (-99, "closed"))
            raise refuse(code, f"Order is already {words}; it cannot be {action}.")
        return order

    def render(order: PaperOrder) -> dict[str, Any]:
        return fyers_order(listing, order, emulator.fy_id, emulator.order_extra.get(order.order_id, {}))

    # -- orders ------------------------------------------------------------------------------

    def place(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        token = instrument(body)
        emulator.order_write("place", listing.row(token).exchange)
        side, product = side_of(body), product_of(body)
        fyers_type = number_field(body, "type", int, required=True)
        order_type = FYERS_ORDER_TYPES.get(fyers_type)
        if order_type is None:
            raise refuse(-101, f"Invalid order type: {fyers_type}.")
        qty = number_field(body, "qty", int, required=True)
        if qty <= 0:
            raise refuse(-310, "Invalid quantity.")
        price = number_field(body, "limitPrice", float) or 0.0
        trigger = number_field(body, "stopPrice", float) or 0.0
        if order_type in ("LIMIT", "SL") and price <= 0:
            raise refuse(-308, "Invalid limitPrice for a limit or stop-limit order.")
        if order_type in ("SL", "SL_M") and trigger <= 0:
            raise refuse(-309, "Invalid stopPrice for a stop order.")
        validity = str(field(body, "validity"))
        if validity not in ("DAY", "IOC"):
            raise refuse(-326, f"Invalid validity: {validity}.")
        offline = body.get("offlineOrder")
        if not isinstance(offline, bool):
            raise refuse(-328, "offlineOrder must be true or false.")
        tag = str(body.get("orderTag") or "")
        stop_loss = number_field(body, "stopLoss", float) or 0.0
        if product in ("CO", "BO"):
            if tag:
                raise refuse(-50, "Invalid input: orderTag is not allowed for CO and BO orders.")
            if order_type not in ("LIMIT", "MARKET"):
                raise refuse(-305, "Only market and limit orders are allowed for CO and BO.")
            if stop_loss <= 0:
                raise refuse(-311, "Invalid stopLoss for a cover order.")
        if tag and (not _TAG.match(tag) or tag in (emulator.fy_id, "Untagged")):
            raise refuse(-50, "Invalid input: orderTag must be 1-30 letters and digits.")
        order = engine.place_or_reject(token=token, side=side, qty=qty, order_type=order_type,
                                       product=FYERS_PRODUCTS[product], price=price, trigger_price=trigger,
                                       validity=validity, tag=tag, amo=offline)
        emulator.order_extra[order.order_id] = {
            "productType": product, "offlineOrder": offline, "stopLoss": stop_loss,
            "takeProfit": number_field(body, "takeProfit", float) or 0.0,
            "disclosedQty": number_field(body, "disclosedQty", int) or 0}
        emulator.drop_if_asked()
        placed = engine.orders[order.order_id]
        if placed.status == "REJECTED":
            return failure(-99, rejection_text(placed), 400, id=placed.order_id)
        return ok({"id": placed.order_id}, code=1101, message="Successfully placed order")

    def modify(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        order_id = str(field(body, "id"))
        if order_id in engine.orders:
            emulator.order_write("modify", engine.row(engine.orders[order_id].token).exchange)
        open_order(order_id, "modified")
        fyers_type = number_field(body, "type", int)
        order_type = FYERS_ORDER_TYPES.get(fyers_type) if fyers_type is not None else None
        if fyers_type is not None and order_type is None:
            raise refuse(-101, f"Invalid order type: {fyers_type}.")
        engine.modify(order_id, qty=number_field(body, "qty", int), price=number_field(body, "limitPrice", float),
                      trigger_price=number_field(body, "stopPrice", float), order_type=order_type)
        if body.get("disclosedQty") is not None:
            emulator.order_extra.setdefault(order_id, {})["disclosedQty"] = number_field(body, "disclosedQty", int)
        return ok({"id": order_id}, code=1102, message="Successfully modified order")

    def cancel(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        order_id = str(field(body, "id"))
        if order_id in engine.orders:
            emulator.order_write("cancel", engine.row(engine.orders[order_id].token).exchange)
        open_order(order_id, "cancelled")
        engine.cancel(order_id)
        return ok({"id": order_id}, code=1103, message="Successfully cancelled order")

    def order_book(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        wanted_id, wanted_tag = request.query.get("id"), request.query.get("order_tag")
        rows = [render(o) for o in engine.orders.values()
                if (wanted_id is None or o.order_id in wanted_id.split(","))
                and (wanted_tag is None or o.tag == wanted_tag.removeprefix("1:"))]
        return {"orderBook": rows}

    def trade_book(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        wanted_tag = request.query.get("order_tag")
        rows = []
        for fill in engine.fills:
            order = engine.orders.get(fill.order_id)
            if wanted_tag is not None and (order is None or order.tag != wanted_tag.removeprefix("1:")):
                continue
            rows.append(fyers_trade(listing, fill, order, emulator.fy_id, emulator.order_extra.get(fill.order_id, {})))
        return {"tradeBook": rows}

    # -- portfolio, funds, margins ---------------------------------------------------------

    def positions(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        rows = [fyers_position(listing, p, last) for p, last in engine.position_rows()]
        realised = round(sum(r["realized_profit"] for r in rows), 2)
        unrealised = round(sum(r["unrealized_profit"] for r in rows), 2)
        return {"netPositions": rows, "overall": {
            "count_total": len(rows), "count_open": sum(1 for r in rows if r["netQty"]),
            "pl_total": round(realised + unrealised, 2), "pl_realized": realised, "pl_unrealized": unrealised}}

    def convert(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        token = instrument(body)
        side = number_field(body, "positionSide", int, required=True)
        old, new = product_of(body, "convertFrom"), product_of(body, "convertTo")
        if side not in (1, -1):
            raise refuse(-50, "Invalid input: positionSide must be 1 or -1.")
        try:
            engine.convert(token=token, side="BUY" if side == 1 else "SELL",
                           qty=number_field(body, "convertQty", int, required=True),
                           from_product=FYERS_PRODUCTS[old], to_product=FYERS_PRODUCTS[new])
        except PaperRejection as rejection:
            raise refuse(-352, f"No position to convert: {rejection.message}") from None
        return {"message": "Successfully converted the position", "positionDetails": 1}

    def holdings(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        rows = [fyers_holding(listing, h, last) for h, last in engine.holding_rows()]
        invested = round(sum(r["costPrice"] * r["quantity"] for r in rows), 2)
        value = round(sum(r["marketVal"] for r in rows), 2)
        return {"holdings": rows, "overall": {"count_total": len(rows), "total_investment": invested,
                                              "total_current_value": value, "total_pl": round(value - invested, 2),
                                              "pnl_perc": round((value - invested) / invested * 100, 2)
                                              if invested else 0.0}}

    def funds(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        return {"fund_limit": fyers_fund_limit(engine)}

    def margin_order(item: Mapping[str, Any]) -> MarginOrder:
        token = instrument(item)
        order_type = FYERS_ORDER_TYPES.get(number_field(item, "type", int, required=True))
        if order_type is None:
            raise refuse(-101, "Invalid order type.")
        return MarginOrder(token=token, side=side_of(item), qty=number_field(item, "qty", int, required=True),
                           order_type=order_type, product=FYERS_PRODUCTS[product_of(item)],
                           price=number_field(item, "limitPrice", float) or 0.0,
                           trigger_price=number_field(item, "stopPrice", float) or 0.0)

    def margin(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        items = body.get("data")
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise refuse(-50, "Invalid input: data must be a non-empty list of orders.")
        orders = [margin_order(item) for item in items]
        total = order_margin(engine, orders[0])["total"] if len(orders) == 1 else \
            basket_margin(engine, orders)["final"]["total"]
        available = engine.available_margin()
        return {"data": {"margin_avail": round(available, 2), "margin_total": round(engine.used_margin() + total, 2),
                         "margin_new_order": round(total, 2)}}

    # -- GTT and OCO ---------------------------------------------------------------------------

    def gtt_legs(body: Mapping[str, Any], side: str, product: str) -> list[PaperGttLeg]:
        info = body.get("orderInfo")
        if not isinstance(info, dict) or not isinstance(info.get("leg1"), dict):
            raise refuse(-50, "Invalid input: orderInfo.leg1 is required.")
        legs = []
        for name in ("leg1", "leg2"):
            leg = info.get(name)
            if isinstance(leg, dict):
                legs.append(PaperGttLeg(trigger_price=number_field(leg, "triggerPrice", float, required=True),
                                        side=side, qty=number_field(leg, "qty", int, required=True),
                                        product=FYERS_PRODUCTS[product], order_type="LIMIT",
                                        price=number_field(leg, "price", float, required=True)))
        return legs

    def gtt_known(gtt_id: str) -> PaperGtt:
        gtt = engine.triggers.gtts.get(gtt_id)
        if gtt is None:
            raise refuse(-51, f"Invalid GTT order id: {gtt_id}.")
        return gtt

    def gtt_active(gtt_id: str) -> PaperGtt:
        gtt = gtt_known(gtt_id)
        if gtt.status != "active":
            raise refuse(-99, f"GTT order is already {gtt.status}.")
        return gtt

    def gtt_place(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        token = instrument(body)
        emulator.order_write("place", listing.row(token).exchange)
        side, product = side_of(body), product_of(body)
        if product not in ("CNC", "MARGIN", "MTF"):
            raise refuse(-314, "A GTT order takes productType CNC, MARGIN or MTF.")
        legs = gtt_legs(body, side, product)
        last = engine.ltp(token)
        if len(legs) == 2 and not legs[0].trigger_price > last > legs[1].trigger_price:
            raise refuse(-50, "Invalid input: an OCO's leg1 trigger must be above and leg2's below the LTP.")
        try:
            gtt = engine.triggers.place(token, legs, last)
        except PaperRejection as rejection:
            raise refuse(-50, f"Invalid input: {rejection.message}") from None
        emulator.order_extra[f"gtt:{gtt.gtt_id}"] = {"productType": product}
        return ok({"id": gtt.gtt_id}, code=1101, message="Successfully placed GTT order")

    def gtt_modify(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        gtt_id = str(field(body, "id"))
        gtt = gtt_active(gtt_id)
        emulator.order_write("modify", listing.row(gtt.token).exchange)
        product = emulator.order_extra.get(f"gtt:{gtt_id}", {}).get("productType", "CNC")
        legs = gtt_legs(body, gtt.legs[0].side, product)
        if len(legs) != len(gtt.legs):
            raise refuse(-50, "Invalid input: a GTT order cannot change between single and OCO.")
        try:
            engine.triggers.modify(gtt_id, legs, engine.ltp(gtt.token))
        except PaperRejection as rejection:
            raise refuse(-50, f"Invalid input: {rejection.message}") from None
        return ok({"id": gtt_id}, code=1102, message="Successfully modified GTT order")

    def gtt_cancel(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        gtt_id = str(field(body, "id"))
        gtt = gtt_active(gtt_id)
        emulator.order_write("cancel", listing.row(gtt.token).exchange)
        engine.triggers.delete(gtt_id)
        return ok({"id": gtt_id}, code=1103, message="Successfully cancelled GTT order")

    def gtt_row(gtt: PaperGtt) -> dict[str, Any]:
        legs = sorted(gtt.legs, key=lambda leg: leg.trigger_price, reverse=True)
        first, second = legs[0], legs[1] if len(legs) > 1 else None
        identity = listing.identity(gtt.token)
        row = listing.row(gtt.token)
        return {
            "clientId": emulator.fy_id, "exchange": 10, "fy_token": identity["fyToken"], "id_fyers": gtt.gtt_id,
            "id": gtt.gtt_id, "instrument": listing.instrument_type(row), "lot_size": row.lot_size,
            "multiplier": 1, "ord_status": _GTT_STATUS.get(gtt.status, 6), "precision": 2,
            "price_limit": first.price, "price2_limit": second.price if second else 0.0,
            "price_trigger": first.trigger_price, "price2_trigger": second.trigger_price if second else 0.0,
            "product_type": emulator.order_extra.get(f"gtt:{gtt.gtt_id}", {}).get("productType", "CNC"),
            "qty": first.qty, "qty2": second.qty if second else 0, "report_type": "", "segment": identity["segment"],
            "symbol": identity["symbol"], "symbol_desc": row.name, "symbol_exch": row.underlying,
            "tick_size": row.tick_size, "tran_side": 1 if first.side == "BUY" else -1,
            "gtt_oco_ind": 2 if second else 1, "create_time": fyers_time(gtt.created_at),
            "create_time_epoch": int(gtt.created_at.timestamp()), "update_time": fyers_time(gtt.updated_at),
            "update_time_epoch": int(gtt.updated_at.timestamp()), "oms_msg": "",
        }

    def gtt_book(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        return {"orderBook": [gtt_row(g) for g in engine.triggers.gtts.values()]}

    r = app.router
    api = emulator.api
    r.add_post("/api/v3/orders/sync", api(place, body="json"))
    r.add_patch("/api/v3/orders/sync", api(modify, body="json"))
    r.add_delete("/api/v3/orders/sync", api(cancel, body="json"))
    r.add_get("/api/v3/orders", api(order_book, body="query"))
    r.add_get("/api/v3/tradebook", api(trade_book, body="query"))
    r.add_get("/api/v3/positions", api(positions, body="query"))
    r.add_post("/api/v3/positions", api(convert, body="json"))
    r.add_get("/api/v3/holdings", api(holdings, body="query"))
    r.add_get("/api/v3/funds", api(funds, body="query"))
    r.add_post("/api/v3/multiorder/margin", api(margin, body="json"))
    r.add_post("/api/v3/gtt/orders/sync", api(gtt_place, body="json"))
    r.add_patch("/api/v3/gtt/orders/sync", api(gtt_modify, body="json"))
    r.add_delete("/api/v3/gtt/orders/sync", api(gtt_cancel, body="json"))
    r.add_get("/api/v3/gtt/orders", api(gtt_book, body="query"))
