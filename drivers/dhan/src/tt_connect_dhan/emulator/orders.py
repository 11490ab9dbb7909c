"""Order, portfolio and forever-order routes of the Dhan emulator.

Dhan refuses malformed requests synchronously (``DH-905`` with HTTP 400) and reports risk
refusals (funds, lot size, tick size, product) by accepting the order and showing it
``REJECTED`` with ``omsErrorCode``/``omsErrorDescription``, as its order book does. Orders on
an id that does not exist, or that is no longer open, are refused with ``DH-906``. A cancel
answers 202 with ``{"orderId", "orderStatus"}``; a conversion answers 202 with a JSON body
because the official SDK parses every body before it reads the status.
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

from tt_connect_dhan.emulator.wire import (
    DHAN_ORDER_TYPES,
    DHAN_PRODUCTS,
    dhan_fund_limit,
    dhan_holding,
    dhan_order,
    dhan_position,
    dhan_time,
    dhan_trade,
    ok,
    refuse,
)

if TYPE_CHECKING:
    from tt_connect_dhan.emulator.app import DhanEmulator

__all__ = ["add_routes", "field", "number_field"]

_TAG = re.compile(r"^[A-Za-z0-9 _-]{1,30}$")
_AMO_TIMES = ("PRE_OPEN", "OPEN", "OPEN_30", "OPEN_60")
MAX_MODIFICATIONS = 25
_FOREVER_STATUS = {"active": "CONFIRM", "triggered": "TRADED", "deleted": "CANCELLED", "expired": "EXPIRED"}


def field(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if value in (None, ""):
        raise refuse("DH-905", f"Missing required field: {name}.")
    return str(value)


def number_field(body: Mapping[str, Any], name: str, kind: type[int] | type[float], *, required: bool = False) -> Any:
    """Read a number the SDK sends as a JSON number (docs samples quote some as text: accepted too)."""
    return read_number(body, name, kind, refuse("DH-905", f"Missing or invalid {name}."), required=required)


def _state_words(order: PaperOrder) -> str:
    return {"COMPLETE": "traded", "CANCELLED": "cancelled", "REJECTED": "rejected"}.get(order.status, "closed")


def add_routes(emulator: DhanEmulator, app: web.Application) -> None:
    """Register ``/v2/orders``, ``/v2/trades``, portfolio, funds, margins and forever orders."""
    engine, listing = emulator.engine, emulator.listing

    def instrument(body: Mapping[str, Any]) -> int:
        segment = field(body, "exchangeSegment")
        if segment == "IDX_I":
            raise refuse("DH-905", "Orders cannot be placed on exchangeSegment IDX_I (index values).")
        token = listing.token(segment, field(body, "securityId"))
        if token is None:
            raise refuse("DH-905", "Invalid securityId for the exchangeSegment.")
        return token

    def known(order_id: str) -> PaperOrder:
        order = engine.orders.get(order_id)
        if order is None:
            raise refuse("DH-906", f"Order not found: {order_id}.")
        return order

    def open_order(order_id: str, action: str) -> PaperOrder:
        order = known(order_id)
        if order.status not in ("OPEN", "TRIGGER_PENDING"):
            raise refuse("DH-906", f"Order is already {_state_words(order)}; it cannot be {action}.")
        return order

    def render(order: PaperOrder) -> dict[str, Any]:
        return dhan_order(listing, order, emulator.client_id, emulator.order_extra.get(order.order_id, {}))

    def order_terms(body: Mapping[str, Any]) -> tuple[str, str, str, float, float]:
        """Check the fields Dhan checks before an order reaches its risk system; return the engine's terms."""
        side = field(body, "transactionType")
        if side not in ("BUY", "SELL"):
            raise refuse("DH-905", f"Invalid transactionType: {side}.")
        dhan_type = field(body, "orderType")
        order_type = DHAN_ORDER_TYPES.get(dhan_type)
        if order_type is None:
            raise refuse("DH-905", f"Invalid orderType: {dhan_type}.")
        product = DHAN_PRODUCTS.get(field(body, "productType"))
        if product is None:
            raise refuse("DH-905", f"Invalid productType: {body.get('productType')}.")
        price = number_field(body, "price", float) or 0.0
        trigger = number_field(body, "triggerPrice", float) or 0.0
        if order_type in ("LIMIT", "SL") and price <= 0:
            raise refuse("DH-905", f"price is required for a {dhan_type} order.")
        if order_type in ("SL", "SL_M") and trigger <= 0:
            raise refuse("DH-905", f"triggerPrice is required for a {dhan_type} order.")
        return side, order_type, product, price, trigger

    def place_one(body: Mapping[str, Any], qty: int) -> PaperOrder:
        token = instrument(body)
        side, order_type, product, price, trigger = order_terms(body)
        validity = field(body, "validity")
        if validity not in ("DAY", "IOC"):
            raise refuse("DH-905", f"Invalid validity: {validity}.")
        tag = str(body.get("correlationId") or "")
        if tag and not _TAG.match(tag):
            raise refuse("DH-905", "correlationId must be at most 30 letters, digits, spaces, '_' or '-'.")
        amo = body.get("afterMarketOrder") is True
        if amo and body.get("amoTime") not in _AMO_TIMES:
            raise refuse("DH-905", f"amoTime must be one of {', '.join(_AMO_TIMES)} for an after-market order.")
        order = engine.place_or_reject(token=token, side=side, qty=qty, order_type=order_type, product=product,
                                       price=price, trigger_price=trigger, validity=validity, tag=tag, amo=amo)
        emulator.order_extra[order.order_id] = {
            "productType": str(body["productType"]), "afterMarketOrder": amo, "amoTime": body.get("amoTime"),
            "disclosedQuantity": number_field(body, "disclosedQuantity", int) or 0,
            "boProfitValue": body.get("boProfitValue"), "boStopLossValue": body.get("boStopLossValue"),
            "modifications": 0}
        return engine.orders[order.order_id]

    def place(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        emulator.check_static_ip(request)
        emulator.order_write("place", listing.row(instrument(body)).exchange, body.get("algoId"))
        order = place_one(body, number_field(body, "quantity", int, required=True))
        emulator.drop_if_asked()
        return {"orderId": order.order_id, "orderStatus": render(order)["orderStatus"]}

    def place_sliced(request: web.Request, body: dict[str, Any], user: str) -> list[dict[str, Any]]:
        """``/orders/slicing``: above the freeze quantity the order goes as several (Dhan's own splitting)."""
        emulator.check_static_ip(request)
        qty = number_field(body, "quantity", int, required=True)
        row = listing.row(instrument(body))
        freeze = row.lot_size * 24 if row.kind in ("FUT", "OPT") else qty
        slices = [freeze] * (qty // freeze) + ([qty % freeze] if qty % freeze else [])
        out = []
        for part in slices:
            order = place_one(body, part)
            out.append({"orderId": order.order_id, "orderStatus": render(order)["orderStatus"]})
        return out

    def modify(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        emulator.check_static_ip(request)
        order_id = request.match_info["order_id"]
        if order_id in engine.orders:
            emulator.order_write("modify", engine.row(engine.orders[order_id].token).exchange)
        if str(body.get("orderId", order_id)) != order_id:
            raise refuse("DH-905", "orderId in the body does not match the path.")
        order = open_order(order_id, "modified")
        extra = emulator.order_extra.setdefault(order_id, {})
        if extra.get("modifications", 0) >= MAX_MODIFICATIONS:
            raise refuse("DH-906", f"An order can be modified at most {MAX_MODIFICATIONS} times.")
        dhan_type = body.get("orderType")
        order_type = DHAN_ORDER_TYPES.get(str(dhan_type)) if dhan_type else None
        if dhan_type and order_type is None:
            raise refuse("DH-905", f"Invalid orderType: {dhan_type}.")
        validity = body.get("validity")
        if validity not in (None, "", "DAY", "IOC"):
            raise refuse("DH-905", f"Invalid validity: {validity}.")
        if validity:
            order.validity = str(validity)
        engine.modify(order_id, qty=number_field(body, "quantity", int), price=number_field(body, "price", float),
                      trigger_price=number_field(body, "triggerPrice", float), order_type=order_type)
        if body.get("disclosedQuantity") is not None:
            extra["disclosedQuantity"] = number_field(body, "disclosedQuantity", int) or 0
        extra["modifications"] = extra.get("modifications", 0) + 1
        return {"orderId": order_id, "orderStatus": render(engine.orders[order_id])["orderStatus"]}

    def cancel(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        emulator.check_static_ip(request)
        order_id = request.match_info["order_id"]
        if order_id in engine.orders:
            emulator.order_write("cancel", engine.row(engine.orders[order_id].token).exchange)
        open_order(order_id, "cancelled")
        engine.cancel(order_id)
        return ok({"orderId": order_id, "orderStatus": "CANCELLED"}, status=202)

    def order_book(request: web.Request, body: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [render(o) for o in engine.orders.values()]

    def one_order(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        return render(known(request.match_info["order_id"]))

    def by_correlation(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        tag = request.match_info["correlation_id"]
        found = [o for o in engine.orders.values() if o.tag == tag]
        if not found:
            raise refuse("DH-906", f"No order with correlationId {tag}.")
        return render(found[-1])

    def trade_rows(order_id: str | None) -> list[dict[str, Any]]:
        rows = []
        for fill in engine.fills:
            if order_id is None or fill.order_id == order_id:
                extra = emulator.order_extra.get(fill.order_id, {})
                rows.append(dhan_trade(listing, fill, engine.orders.get(fill.order_id), emulator.client_id,
                                       extra.get("productType")))
        return rows

    def trades(request: web.Request, body: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return trade_rows(None)

    def order_trades(request: web.Request, body: dict[str, Any], user: str) -> list[dict[str, Any]]:
        order_id = request.match_info["order_id"]
        known(order_id)
        return trade_rows(order_id)

    # -- portfolio and funds ----------------------------------------------------------------

    def positions(request: web.Request, body: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [dhan_position(listing, p, last, emulator.client_id) for p, last in engine.position_rows()]

    def holdings(request: web.Request, body: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [dhan_holding(listing, h, last) for h, last in engine.holding_rows()]

    def convert(request: web.Request, body: dict[str, Any], user: str) -> web.Response:
        token = instrument(body)
        old = DHAN_PRODUCTS.get(str(body.get("fromProductType")))
        new = DHAN_PRODUCTS.get(str(body.get("toProductType")))
        kind = str(body.get("positionType") or "")
        if old is None or new is None or kind not in ("LONG", "SHORT"):
            raise refuse("DH-905", "fromProductType, toProductType and positionType (LONG or SHORT) are required.")
        try:
            engine.convert(token=token, side="BUY" if kind == "LONG" else "SELL",
                           qty=number_field(body, "convertQty", int, required=True), from_product=old, to_product=new)
        except PaperRejection as rejection:
            raise refuse("DH-906", rejection.message) from None
        return ok({}, status=202)

    def fund_limit(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        return dhan_fund_limit(engine, emulator.client_id)

    def margin_order(item: Mapping[str, Any]) -> MarginOrder:
        token = instrument(item)
        side = field(item, "transactionType")
        product = DHAN_PRODUCTS.get(field(item, "productType"))
        if side not in ("BUY", "SELL") or product is None:
            raise refuse("DH-905", "Invalid transactionType or productType.")
        price = number_field(item, "price", float) or 0.0
        return MarginOrder(token=token, side=side, qty=number_field(item, "quantity", int, required=True),
                           order_type="LIMIT" if price else "MARKET", product=product, price=price,
                           trigger_price=number_field(item, "triggerPrice", float) or 0.0)

    def margin(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        found = order_margin(engine, margin_order(body))
        available = engine.available_margin()
        return {"totalMargin": found["total"], "spanMargin": found.get("span", 0.0),
                "exposureMargin": found.get("exposure", 0.0), "availableBalance": available,
                "variableMargin": found.get("var", 0.0), "insufficientBalance": max(found["total"] - available, 0.0),
                "brokerage": found["charges"], "leverage": "1.00"}

    def basket(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        items = body.get("scripList", body.get("scripts"))
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise refuse("DH-905", "scripList must be a non-empty list of orders.")
        found = basket_margin(engine, [margin_order(item) for item in items])
        lines = found["orders"]
        total = found["final"]["total"]
        return {"total_margin": f"{total:.2f}", "span_margin": f"{sum(x.get('span', 0.0) for x in lines):.2f}",
                "exposure_margin": f"{sum(x.get('exposure', 0.0) for x in lines):.2f}",
                "equity_margin": f"{sum(x['total'] for x in lines if x['product'] == 'CNC'):.2f}",
                "fo_margin": f"{sum(x['total'] for x in lines if x['product'] != 'CNC'):.2f}",
                "commodity_margin": "0.00", "currency": "INR",
                "hedge_benefit": f"{found['initial']['total'] - total:.2f}"}

    # -- forever orders (Dhan's GTT / OCO) ----------------------------------------------------

    def forever_leg(body: Mapping[str, Any], suffix: str, side: str, product: str) -> PaperGttLeg:
        dhan_type = str(body.get("orderType") or "LIMIT")
        order_type = DHAN_ORDER_TYPES.get(dhan_type)
        if order_type not in ("LIMIT", "MARKET"):
            raise refuse("DH-905", "A forever order is LIMIT or MARKET.")
        return PaperGttLeg(trigger_price=number_field(body, f"triggerPrice{suffix}", float, required=True),
                           side=side, qty=number_field(body, f"quantity{suffix}", int, required=True),
                           product=product, order_type=order_type,
                           price=number_field(body, f"price{suffix}", float) or 0.0)

    def forever_place(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        emulator.check_static_ip(request)
        token = instrument(body)
        flag = field(body, "orderFlag")
        side = field(body, "transactionType")
        product = field(body, "productType")
        if flag not in ("SINGLE", "OCO") or side not in ("BUY", "SELL") or product not in ("CNC", "MTF"):
            raise refuse("DH-905", "orderFlag (SINGLE or OCO), transactionType and productType (CNC or MTF) "
                                    "are required.")
        legs = [forever_leg(body, "", side, "CNC")]
        if flag == "OCO":
            legs.append(forever_leg(body, "1", side, "CNC"))
        try:
            gtt = engine.triggers.place(token, legs, engine.ltp(token))
        except PaperRejection as rejection:
            raise refuse("DH-905", rejection.message) from None
        emulator.order_extra[f"gtt:{gtt.gtt_id}"] = {"productType": product, "orderFlag": flag,
                                                     "correlationId": str(body.get("correlationId") or ""),
                                                     "target_first": legs[0].trigger_price}
        return {"orderId": gtt.gtt_id, "orderStatus": "PENDING"}

    def forever_known(gtt_id: str) -> PaperGtt:
        gtt = engine.triggers.gtts.get(gtt_id)
        if gtt is None:
            raise refuse("DH-906", f"Forever order not found: {gtt_id}.")
        return gtt

    def forever_modify(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        emulator.check_static_ip(request)
        gtt_id = request.match_info["order_id"]
        gtt = forever_known(gtt_id)
        if gtt.status != "active":
            raise refuse("DH-906", f"Forever order is already {_FOREVER_STATUS.get(gtt.status, gtt.status)}.")
        leg_name = field(body, "legName")
        if leg_name not in ("TARGET_LEG", "STOP_LOSS_LEG") or (leg_name == "STOP_LOSS_LEG" and gtt.kind != "two-leg"):
            raise refuse("DH-905", f"Invalid legName {leg_name} for this forever order.")
        extra = emulator.order_extra.get(f"gtt:{gtt_id}", {})
        target_index = next((i for i, leg in enumerate(gtt.legs) if leg.trigger_price == extra.get("target_first")),
                            0)
        index = target_index if leg_name == "TARGET_LEG" else 1 - target_index
        legs = list(gtt.legs)
        current = legs[index]
        legs[index] = forever_leg(body, "", current.side, current.product)
        try:
            engine.triggers.modify(gtt_id, legs, engine.ltp(gtt.token))
        except PaperRejection as rejection:
            raise refuse("DH-905", rejection.message) from None
        if leg_name == "TARGET_LEG":
            extra["target_first"] = legs[index].trigger_price
        return {"orderId": gtt_id, "orderStatus": "PENDING"}

    def forever_cancel(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        emulator.check_static_ip(request)
        gtt_id = request.match_info["order_id"]
        gtt = forever_known(gtt_id)
        if gtt.status != "active":
            raise refuse("DH-906", f"Forever order is already {_FOREVER_STATUS.get(gtt.status, gtt.status)}.")
        engine.triggers.delete(gtt_id)
        return {"orderId": gtt_id, "orderStatus": "CANCELLED"}

    def forever_rows(gtt: PaperGtt) -> list[dict[str, Any]]:
        extra = emulator.order_extra.get(f"gtt:{gtt.gtt_id}", {})
        flag = "OCO" if gtt.kind == "two-leg" else "SINGLE"
        target = extra.get("target_first")
        rows: list[dict[str, Any]] = []
        for leg in sorted(gtt.legs, key=lambda lg: lg.trigger_price != target):
            rows.append({
                "dhanClientId": emulator.client_id, "orderId": gtt.gtt_id,
                "orderStatus": _FOREVER_STATUS.get(gtt.status, "CONFIRM"), "transactionType": leg.side,
                **listing.identity(gtt.token), "productType": extra.get("productType", "CNC"), "orderType": flag,
                "orderFlag": flag, "quantity": leg.qty, "price": leg.price, "triggerPrice": leg.trigger_price,
                "legName": "TARGET_LEG" if leg.trigger_price == target or not rows else "STOP_LOSS_LEG",
                "createTime": dhan_time(gtt.created_at), "updateTime": dhan_time(gtt.updated_at),
                "exchangeTime": "NA", **listing._derivative_fields(listing.row(gtt.token))})
        return rows

    def forever_list(request: web.Request, body: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [row for gtt in engine.triggers.gtts.values() for row in forever_rows(gtt)]

    r = app.router
    api = emulator.api
    r.add_post("/v2/orders", api(place))
    r.add_post("/v2/orders/slicing", api(place_sliced))
    r.add_get("/v2/orders", api(order_book))
    r.add_get("/v2/orders/external/{correlation_id}", api(by_correlation))
    r.add_get("/v2/orders/{order_id}", api(one_order))
    r.add_put("/v2/orders/{order_id}", api(modify))
    r.add_delete("/v2/orders/{order_id}", api(cancel))
    r.add_get("/v2/trades", api(trades))
    r.add_get("/v2/trades/", api(trades))  # the SDK's get_trade_book() asks with a trailing slash
    r.add_get("/v2/trades/{order_id}", api(order_trades))
    r.add_get("/v2/positions", api(positions))
    r.add_post("/v2/positions/convert", api(convert))
    r.add_get("/v2/holdings", api(holdings))
    r.add_get("/v2/fundlimit", api(fund_limit))
    r.add_post("/v2/margincalculator", api(margin))
    r.add_post("/v2/margincalculator/multi", api(basket))
    r.add_post("/v2/forever/orders", api(forever_place))
    r.add_put("/v2/forever/orders/{order_id}", api(forever_modify))
    r.add_delete("/v2/forever/orders/{order_id}", api(forever_cancel))
    r.add_get("/v2/forever/orders", api(forever_list))
    r.add_get("/v2/forever/all", api(forever_list))  # the docs' path for the same list
