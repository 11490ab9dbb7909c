"""GTT v3 routes: place, modify, cancel and read good-till-triggered orders.

A GTT is ``{"type": "SINGLE"|"MULTIPLE", "quantity", "product", "instrument_token",
"transaction_type", "rules": [{"strategy": "ENTRY"|"TARGET"|"STOPLOSS", "trigger_type":
"ABOVE"|"BELOW"|"IMMEDIATE", "trigger_price", "trailing_gap"?}]}``; it places a market order
when its trigger is crossed. Ids read ``GTT-C...``; times are epoch **microseconds**. The
emulator runs SINGLE GTTs (one ENTRY rule, ABOVE or BELOW) on the paper engine's trigger book;
MULTIPLE GTTs (an entry followed by a target/stop-loss pair) are refused as not emulated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal
from tt_connect.paper.engine import PaperRejection
from tt_connect.paper.triggers import PaperGtt, PaperGttLeg

from tt_connect_upstox.emulator.wire import V3, bad_input

if TYPE_CHECKING:
    from tt_connect_upstox.emulator.app import UpstoxEmulator

__all__ = ["add_routes"]

_RULE_STATUS = {"active": "SCHEDULED", "triggered": "TRIGGERED", "deleted": "CANCELLED", "expired": "EXPIRED"}
_PREFIX = "GTT-C"


def _micros(emu: UpstoxEmulator, gtt: PaperGtt, which: str) -> int:
    return int(getattr(gtt, which).timestamp() * 1_000_000)


def add_routes(emu: UpstoxEmulator, app: web.Application) -> None:
    listing, engine = emu.listing, emu.engine

    def paper_id(gtt_id: object) -> str:
        text = str(gtt_id or "")
        found = text[len(_PREFIX):] if text.startswith(_PREFIX) else ""
        if found not in engine.triggers.gtts:
            raise Refusal(ErrorKind.NOT_FOUND, f"GTT order not found: {text or '(none)'}", code="UDAPI100010",
                          status=400)
        return found

    def render(gtt: PaperGtt) -> dict[str, Any]:
        (leg,) = gtt.legs
        rising = leg.trigger_price > gtt.last_price
        status = _RULE_STATUS.get(gtt.status, gtt.status.upper())
        if status == "TRIGGERED" and gtt.order_ids:
            order = engine.orders.get(gtt.order_ids[-1])
            status = "COMPLETED" if order is not None and order.status == "COMPLETE" else \
                "FAILED" if order is not None and order.status == "REJECTED" else status
        rule = {"strategy": "ENTRY", "status": status, "message": gtt.message or None,
                "trigger_type": "ABOVE" if rising else "BELOW", "trigger_price": leg.trigger_price,
                "transaction_type": leg.side, "order_id": gtt.order_ids[-1] if gtt.order_ids else None}
        return {"type": "SINGLE", "exchange": listing.segment(listing.row(gtt.token)), "quantity": leg.qty,
                "product": listing.product(gtt.token, leg.product), "rules": [rule],
                "trading_symbol": listing.symbol[gtt.token], "instrument_token": listing.key[gtt.token],
                "gtt_order_id": f"{_PREFIX}{gtt.gtt_id}", "expires_at": _micros(emu, gtt, "expires_at"),
                "created_at": _micros(emu, gtt, "created_at")}

    def leg_of(token: int, body: dict[str, Any], side: str, product: str) -> tuple[PaperGttLeg, float]:
        if body.get("type") != "SINGLE":
            raise bad_input("the emulator runs SINGLE GTTs only")
        rules = body.get("rules")
        quantity = body.get("quantity")
        if not isinstance(rules, list) or len(rules) != 1 or not isinstance(rules[0], dict) \
                or rules[0].get("strategy") != "ENTRY" or not isinstance(quantity, int) or quantity <= 0:
            raise bad_input("a SINGLE GTT has one ENTRY rule and a positive quantity")
        rule = rules[0]
        trigger_type = rule.get("trigger_type")
        try:
            trigger = float(rule["trigger_price"])
        except (KeyError, TypeError, ValueError):
            raise bad_input("trigger_price") from None
        last = engine.ltp(token)
        if trigger_type not in ("ABOVE", "BELOW") or (trigger_type == "ABOVE") != (trigger > last):
            raise bad_input(f"trigger_type {trigger_type} does not match trigger_price {trigger} against the last "
                            f"price {last}")
        return PaperGttLeg(trigger_price=trigger, side=side, qty=quantity, product=product, order_type="MARKET"), last

    def place(request: web.Request, body: dict[str, Any], user: str) -> Any:
        token = listing.token(body.get("instrument_token"))
        side = body.get("transaction_type")
        if side not in ("BUY", "SELL"):
            raise bad_input("transaction_type")
        leg, last = leg_of(token, body, str(side), listing.paper_product(token, body.get("product")))
        try:
            gtt = engine.triggers.place(token, [leg], last)
        except PaperRejection as rejection:
            raise bad_input(f"{rejection.message}") from None
        return V3({"gtt_order_ids": [f"{_PREFIX}{gtt.gtt_id}"]})

    def modify(request: web.Request, body: dict[str, Any], user: str) -> Any:
        gtt = engine.triggers.get(paper_id(body.get("gtt_order_id")))
        (current,) = gtt.legs
        leg, last = leg_of(gtt.token, body, current.side, current.product)
        try:
            engine.triggers.modify(gtt.gtt_id, [leg], last)
        except PaperRejection as rejection:
            raise bad_input(f"{rejection.message}") from None
        return V3({"gtt_order_ids": [f"{_PREFIX}{gtt.gtt_id}"]})

    def cancel(request: web.Request, body: dict[str, Any], user: str) -> Any:
        gtt_id = paper_id(body.get("gtt_order_id"))
        try:
            engine.triggers.delete(gtt_id)
        except PaperRejection as rejection:
            raise bad_input(f"{rejection.message}") from None
        return V3({"gtt_order_ids": [f"{_PREFIX}{gtt_id}"]})

    def details(request: web.Request, body: dict[str, Any], user: str) -> Any:
        wanted = request.query.get("gtt_order_id")
        if wanted:
            return V3([render(engine.triggers.get(paper_id(wanted)))])
        return V3([render(g) for g in engine.triggers.gtts.values()])

    r = app.router
    r.add_post("/v3/order/gtt/place", emu.route(place))
    r.add_put("/v3/order/gtt/modify", emu.route(modify))
    r.add_delete("/v3/order/gtt/cancel", emu.route(cancel))
    r.add_get("/v3/order/gtt", emu.route(details, body="none"))
