"""Account routes: profile, funds and margin, holdings, positions, position conversion, the margin calculator.

Funds answer an ``equity`` and a ``commodity`` segment (``UserFundMarginData``: ``used_margin``,
``payin_amount``, ``span_margin``, ``adhoc_margin``, ``notional_cash``, ``available_margin``,
``exposure_margin``). The margin calculator answers one ``margins`` entry per instrument, in
order, plus ``required_margin`` (the orders added up) and ``final_margin`` (with the hedge
benefit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web
from tt_connect.paper.engine import PaperRejection
from tt_connect.paper.margins import MarginOrder, basket_margin

from tt_connect_upstox.emulator.auth import token_reply
from tt_connect_upstox.emulator.wire import bad_input

if TYPE_CHECKING:
    from tt_connect_upstox.emulator.app import UpstoxEmulator

__all__ = ["add_routes"]


def add_routes(emu: UpstoxEmulator, app: web.Application) -> None:
    listing, engine = emu.listing, emu.engine

    def profile(request: web.Request, body: dict[str, Any], user: str) -> Any:
        reply = token_reply(emu, "")
        return {k: v for k, v in reply.items() if k not in ("access_token", "extended_token")}

    def funds(request: web.Request, body: dict[str, Any], user: str) -> Any:
        segment = request.query.get("segment")
        if segment not in (None, "SEC", "COM"):
            raise bad_input("segment must be SEC or COM")
        money = engine.funds()
        equity = {"used_margin": money["used_margin"], "payin_amount": 0.0, "span_margin": 0.0, "adhoc_margin": 0.0,
                  "notional_cash": 0.0, "available_margin": money["available_margin"], "exposure_margin": 0.0}
        commodity = dict.fromkeys(equity, 0.0)
        data = {"equity": equity, "commodity": commodity}
        return {"SEC": {"equity": equity}, "COM": {"commodity": commodity}}[segment] if segment else data

    def holdings(request: web.Request, body: dict[str, Any], user: str) -> Any:
        return [listing.holding(h, last) for h, last in engine.holding_rows()]

    def positions(request: web.Request, body: dict[str, Any], user: str) -> Any:
        return [listing.position(p, last) for p, last in engine.position_rows()]

    def convert(request: web.Request, body: dict[str, Any], user: str) -> Any:
        token = listing.token(body.get("instrument_token"))
        old = listing.paper_product(token, body.get("old_product"))
        new = listing.paper_product(token, body.get("new_product"))
        side = body.get("transaction_type")
        quantity = body.get("quantity")
        if side not in ("BUY", "SELL") or not isinstance(quantity, int) or isinstance(quantity, bool):
            raise bad_input("transaction_type or quantity")
        try:
            engine.convert(token=token, side=str(side), qty=quantity, from_product=old, to_product=new)
        except PaperRejection as rejection:
            raise bad_input(f"{rejection.message}") from None
        return {"status": "complete"}

    def margin(request: web.Request, body: dict[str, Any], user: str) -> Any:
        items = body.get("instruments")
        if not isinstance(items, list) or not items:
            raise bad_input("instruments is required")
        orders = []
        for item in items:
            if not isinstance(item, dict) or item.get("transaction_type") not in ("BUY", "SELL") \
                    or not isinstance(item.get("quantity"), int):
                raise bad_input("instrument_key, quantity, product and transaction_type are required")
            token = listing.token(item.get("instrument_key"))
            price = float(item.get("price") or 0.0)
            orders.append(MarginOrder(token=token, side=str(item["transaction_type"]), qty=int(item["quantity"]),
                                      order_type="LIMIT" if price else "MARKET",
                                      product=listing.paper_product(token, item.get("product")), price=price))
        basket = basket_margin(engine, orders)
        margins = [{"span_margin": line["span"], "exposure_margin": line["exposure"], "equity_margin": line["var"],
                    "net_buy_premium": line["option_premium"], "additional_margin": 0.0,
                    "total_margin": line["total"], "tender_margin": 0.0} for line in basket["orders"]]
        return ({"margins": margins, "required_margin": basket["initial"]["total"],
                   "final_margin": basket["final"]["total"]})

    ips = {"primary_ip": "127.0.0.1", "secondary_ip": "", "primary_ip_updated_at": None,
           "secondary_ip_updated_at": None}

    def user_ip(request: web.Request, body: dict[str, Any], user: str) -> Any:
        if request.method == "PUT":
            primary = body.get("primary_ip")
            if not isinstance(primary, str) or primary.count(".") != 3:
                raise bad_input("primary_ip must be an IPv4 address")
            stamp = emu.clock.now().strftime("%Y-%m-%d %H:%M:%S")
            ips.update(primary_ip=primary, secondary_ip=str(body.get("secondary_ip") or ""),
                       primary_ip_updated_at=stamp, secondary_ip_updated_at=stamp)
            return {**ips, "access_tokens_invalidated": False}
        return dict(ips)

    r = app.router
    r.add_get("/v2/user/ip", emu.route(user_ip, body="none"))
    r.add_put("/v2/user/ip", emu.route(user_ip))
    r.add_get("/v2/user/profile", emu.route(profile, v2=True, body="none"))
    r.add_get("/v2/user/get-funds-and-margin", emu.route(funds, v2=True, body="none"))
    r.add_get("/v2/portfolio/long-term-holdings", emu.route(holdings, v2=True, body="none"))
    r.add_get("/v2/portfolio/short-term-positions", emu.route(positions, v2=True, body="none"))
    r.add_put("/v2/portfolio/convert-position", emu.route(convert, v2=True))
    r.add_post("/v2/charges/margin", emu.route(margin))
