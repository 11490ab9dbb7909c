"""SmartAPI's GTT rules and margin calculator over the paper engine.

A rule is one trigger that fires one LIMIT order (reference 2.10). The three writes are served
on both spellings of their path: smartapi-python and -java prefix them with ``/gtt-service``
(reference 2.4). Rule statuses are SmartAPI's words (``NEW``, ``SENTTOEXCHANGE``,
``CANCELLED``...; ``EXPIRED`` is [UNVERIFIED], see PROTOCOL.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web
from tt_connect.emulation import ErrorKind, Handler, Refusal
from tt_connect.paper.margins import MarginOrder, basket_margin
from tt_connect.paper.triggers import PaperGtt, PaperGttLeg
from tt_connect.timeutil import IST

from tt_connect_angelone.emulator.wire import ANGEL_ORDER_TYPES, ANGEL_PRODUCTS, field_number, invalid

if TYPE_CHECKING:
    from tt_connect_angelone.emulator.app import SmartApiEmulator

__all__ = ["GTT_WRITES", "SmartApiTriggers"]

GTT_WRITES = ("createRule", "modifyRule", "cancelRule")
"""The rule calls the official SDKs send under ``/gtt-service`` as well."""
_RULE_STATUS = {"active": "NEW", "triggered": "SENTTOEXCHANGE", "deleted": "CANCELLED", "expired": "EXPIRED"}
_PAPER_PRODUCTS = {paper: angel for angel, paper in ANGEL_PRODUCTS.items()}


class SmartApiTriggers:
    """GTT rules and the margin calculator of the one account."""

    def __init__(self, host: SmartApiEmulator) -> None:
        self._host = host
        self._engine = host.engine
        self._listing = host.listing

    def routes(self) -> dict[tuple[str, str], Handler]:
        return {
            ("POST", "/gtt/v1/createRule"): self._create_rule,
            ("POST", "/gtt/v1/modifyRule"): self._modify_rule,
            ("POST", "/gtt/v1/cancelRule"): self._cancel_rule,
            ("POST", "/gtt/v1/ruleDetails"): lambda request, fields, user: self._rule(self._gtt(fields)),
            ("POST", "/gtt/v1/ruleList"): self._rule_list,
            ("POST", "/margin/v1/batch"): self._margin_batch,
        }

    # -- GTT rules --------------------------------------------------------------------------

    @staticmethod
    def _leg(fields: Mapping[str, Any], side: str, product: str) -> PaperGttLeg:
        quantity = field_number(fields, "qty", int) or field_number(fields, "quantity", int, required=True) or 0
        return PaperGttLeg(trigger_price=field_number(fields, "triggerprice", float, required=True) or 0.0,
                           side=side, qty=quantity, product=product, order_type="LIMIT",
                           price=field_number(fields, "price", float, required=True) or 0.0)

    def _gtt(self, fields: Mapping[str, Any]) -> PaperGtt:
        gtt_id = str(fields.get("id", ""))
        if gtt_id not in self._engine.triggers.gtts:
            raise Refusal(ErrorKind.NOT_FOUND, f"GTT rule {gtt_id or '(none)'} not found", code="AB1007")
        return self._engine.triggers.get(gtt_id)

    def _rule(self, gtt: PaperGtt) -> dict[str, Any]:
        (leg,) = gtt.legs
        return {"id": int(gtt.gtt_id), **self._listing.identity(gtt.token), "transactiontype": leg.side,
                "producttype": _PAPER_PRODUCTS.get(leg.product, leg.product), "price": leg.price, "qty": leg.qty,
                "triggerprice": leg.trigger_price, "disclosedqty": 0,
                "status": _RULE_STATUS.get(gtt.status, gtt.status.upper()),
                "createddate": gtt.created_at.astimezone(IST).isoformat(timespec="seconds"),
                "updateddate": gtt.updated_at.astimezone(IST).isoformat(timespec="seconds"),
                "expirydate": gtt.expires_at.astimezone(IST).isoformat(timespec="seconds"),
                "clientid": self._host.client_code}

    def _create_rule(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, int]:
        token = self._listing.paper_token(fields)
        product = ANGEL_PRODUCTS.get(str(fields.get("producttype")))
        side = str(fields.get("transactiontype", ""))
        if product is None or side not in ("BUY", "SELL"):
            raise invalid("producttype or transactiontype")
        gtt = self._engine.triggers.place(token, [self._leg(fields, side, product)], self._engine.ltp(token))
        return {"id": int(gtt.gtt_id)}

    def _same_rule(self, fields: Mapping[str, Any]) -> PaperGtt:
        gtt = self._gtt(fields)
        if self._listing.paper_token(fields) != gtt.token:
            raise Refusal(ErrorKind.INPUT, "symboltoken does not match the rule", code="AB1007")
        return gtt

    def _modify_rule(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, int]:
        gtt = self._same_rule(fields)
        (current,) = gtt.legs
        leg = self._leg(fields, current.side, current.product)
        return {"id": int(self._engine.triggers.modify(gtt.gtt_id, [leg], self._engine.ltp(gtt.token)).gtt_id)}

    def _cancel_rule(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, int]:
        return {"id": int(self._engine.triggers.delete(self._same_rule(fields).gtt_id).gtt_id)}

    def _rule_list(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]] | None:
        wanted = fields.get("status")
        if not isinstance(wanted, list) or not wanted:
            raise Refusal(ErrorKind.INPUT, "status must be a non-empty list", code="AB1007")
        page = field_number(fields, "page", int) or 1
        count = field_number(fields, "count", int) or 10
        rules = [self._rule(g) for g in self._engine.triggers.gtts.values()]
        chosen = [r for r in rules if "FORALL" in wanted or r["status"] in wanted]
        return chosen[(page - 1) * count:page * count] or None

    # -- margin calculator ------------------------------------------------------------------

    def _margin_batch(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, Any]:
        positions = fields.get("positions")
        if not isinstance(positions, list) or not positions:
            raise Refusal(ErrorKind.INPUT, "positions must be a non-empty list", code="AB1007")
        orders = []
        for item in positions:
            if not isinstance(item, dict):
                raise Refusal(ErrorKind.INPUT, "each position is an object", code="AB1007")
            token = self._listing.paper_token(item, "token")
            product = ANGEL_PRODUCTS.get(str(item.get("productType")))
            order_type = ANGEL_ORDER_TYPES.get(str(item.get("orderType") or "MARKET"))
            if product is None or order_type is None:
                raise invalid("productType or orderType")
            orders.append(MarginOrder(token=token, side=str(item.get("tradeType", "")),
                                      qty=field_number(item, "qty", int, required=True) or 0, order_type=order_type,
                                      product=product, price=field_number(item, "price", float) or 0.0))
        basket = basket_margin(self._engine, orders)
        lines = basket["orders"]
        premium = round(sum(line.get("option_premium", 0.0) for line in lines), 2)
        total = basket["final"]["total"]

        def var(delivery: bool) -> float:
            return round(sum(float(line.get("var", 0.0)) for line in lines if (line["product"] == "CNC") is delivery),
                         2)

        return {"totalMarginRequired": total,
                "marginComponents": {"netPremium": premium,
                                     "spanMargin": round(sum(line.get("span", 0.0) for line in lines), 2),
                                     "marginBenefit": round(basket["initial"]["total"] - total, 2),
                                     "deliveryMargin": var(True), "nonNFOMargin": var(False),
                                     "totOptionsPremium": premium}}
