"""SmartAPI GTT rules, margin calculator and position conversion: builders and parsers.

* GTT (``gtt/v1/createRule`` and friends): one trigger per rule, always a LIMIT
  order when it fires (the capability matrix says so: the core refuses an OCO or a
  MARKET leg before a builder runs); JSON bodies; writes reply ``{"id": N}``.
* Margins (``margin/v1/batch``): one total for the whole list of positions, with
  a ``marginComponents`` breakdown (field names [UNVERIFIED], PROTOCOL.md).
* Conversion (``order/v1/convertPosition``): replies ``data: null`` on success.

Pure functions; ``api.py`` wraps them into calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tt_connect.driver_api import BrokerSymbol, DriverContext
from tt_connect.enums import GttStatus, GttType, OrderType
from tt_connect.instruments import AnyInstrument, format_strike
from tt_connect.models import (
    BasketMargin,
    ConvertRequest,
    Gtt,
    GttLeg,
    GttRequest,
    MarginRequirement,
    OrderRequest,
)

from tt_connect_angelone.mapping import angel_product, angel_side, angel_time, order_type_to_angel, product_to_angel
from tt_connect_angelone.parsing import instrument_of, number, object_of, text

__all__ = [
    "GTT_LIST_STATUSES",
    "GTT_VALIDITY_DAYS",
    "GttPage",
    "angel_margin_to_basket",
    "angel_margin_to_requirement",
    "angel_rule_to_gtt",
    "convert_body",
    "margin_body",
    "rule_body",
]

BROKER = "angelone"
GTT_VALIDITY_DAYS = 365
"""``timeperiod`` of a new rule: SmartAPI's SDK examples use a year (reference 2.10)."""
GTT_LIST_STATUSES = ("FORALL",)
"""``ruleList``'s filter: ``FORALL`` (the value smartapi-python sends, reference 2.10) lists rules in
every state, rejected ones included; the single status names are unverified."""
_STATUSES = {"NEW": GttStatus.ACTIVE, "ACTIVE": GttStatus.ACTIVE, "SENTTOEXCHANGE": GttStatus.TRIGGERED,
             "CANCELLED": GttStatus.CANCELLED, "EXPIRED": GttStatus.EXPIRED, "REJECTED": GttStatus.REJECTED}


def _price(value: float) -> str:
    return format_strike(value)


class GttPage(list[Gtt]):
    """One page of ``ruleList``, parsed, and how many rules it carried on the wire.

    A rule on a contract today's master no longer lists is skipped by the parser; whether a next
    page may exist depends on the rules the broker sent, so the page carries that count.
    """

    def __init__(self, rules: list[Gtt], on_wire: int) -> None:
        super().__init__(rules)
        self.on_wire = on_wire


def rule_body(symbol: BrokerSymbol, request: GttRequest, gtt_id: str | None = None) -> dict[str, Any]:
    """The JSON of ``createRule`` (no id) or ``modifyRule`` (with the rule's id): one LIMIT leg."""
    (leg,) = request.legs
    common = {"symboltoken": symbol.token, "exchange": symbol.exchange, "price": _price(leg.price or 0.0),
              "qty": str(leg.qty), "triggerprice": _price(leg.trigger_price), "disclosedqty": "0",
              "timeperiod": str(GTT_VALIDITY_DAYS)}
    if gtt_id is not None:
        return {"id": gtt_id, **common}
    return {"tradingsymbol": symbol.symbol, "producttype": product_to_angel(leg.product),
            "transactiontype": leg.side.value, **common}


def angel_rule_to_gtt(ctx: DriverContext, row: Any) -> Gtt:
    """Parse one rule of ``ruleDetails``/``ruleList``: always a single LIMIT leg."""
    rule = object_of(row, "GTT rule")
    price = number(rule.get("price"))
    leg = GttLeg(trigger_price=number(rule.get("triggerprice")), side=angel_side(rule.get("transactiontype")),
                 qty=int(number(rule.get("qty") or rule.get("quantity"))),
                 product=angel_product(rule.get("producttype")), order_type=OrderType.LIMIT,
                 price=price if price else None)
    return Gtt(gtt_id=text(rule.get("id")), instrument=instrument_of(ctx, rule), type=GttType.SINGLE,
               status=_STATUSES.get(text(rule.get("status")).upper(), GttStatus.DISABLED), legs=(leg,),
               created_at=angel_time(rule.get("createddate")), updated_at=angel_time(rule.get("updateddate")),
               expires_at=angel_time(rule.get("expirydate")), raw=rule)


def margin_body(ctx: DriverContext, requests: Sequence[OrderRequest]) -> dict[str, Any]:
    """The JSON of ``margin/v1/batch``: one position per order."""
    positions = []
    for request in requests:
        symbol = ctx.resolve(request.instrument)
        price = request.price if request.order_type.needs_price and request.price else 0
        positions.append({"exchange": symbol.exchange, "qty": request.qty, "price": price,
                          "productType": product_to_angel(request.product), "token": symbol.token,
                          "tradeType": request.side.value, "orderType": order_type_to_angel(request.order_type)})
    return {"positions": positions}


def angel_margin_to_requirement(data: Any, instrument: AnyInstrument | None = None) -> MarginRequirement:
    """Map ``totalMarginRequired`` and its components onto the canonical breakdown.

    SmartAPI reports no exposure margin or charges: they stay 0. Delivery and
    non-F&O margins are what the exchange calls VaR margin on cash positions.
    """
    reply = object_of(data, "margin")
    parts = reply.get("marginComponents")
    parts = parts if isinstance(parts, Mapping) else {}
    premium = number(parts.get("totOptionsPremium")) or number(parts.get("netPremium"))
    return MarginRequirement(instrument=instrument, total=number(reply.get("totalMarginRequired")),
                             span=number(parts.get("spanMargin")), option_premium=premium,
                             var=number(parts.get("deliveryMargin")) + number(parts.get("nonNFOMargin")),
                             raw=reply)


def angel_margin_to_basket(data: Any) -> BasketMargin:
    """A basket's margin: ``final`` is SmartAPI's total; ``initial`` adds back ``marginBenefit``.

    SmartAPI returns one figure for the whole batch (no per-order lines), so
    ``orders`` is empty; ask ``order_margins`` for per-order figures.
    """
    final = angel_margin_to_requirement(data)
    parts = object_of(data, "margin").get("marginComponents")
    benefit = number(parts.get("marginBenefit")) if isinstance(parts, Mapping) else 0.0
    initial = MarginRequirement(total=final.total + max(benefit, 0.0), span=final.span,
                                option_premium=final.option_premium, var=final.var, raw=final.raw)
    return BasketMargin(initial=initial, final=final, orders=(), raw=final.raw)


def convert_body(symbol: BrokerSymbol, request: ConvertRequest) -> dict[str, str]:
    """The JSON of ``convertPosition``; ``type`` is the position's day (``DAY``) or carried (``CARRYFORWARD``)."""
    return {"exchange": symbol.exchange, "symboltoken": symbol.token, "tradingsymbol": symbol.symbol,
            "oldproducttype": product_to_angel(request.from_product),
            "newproducttype": product_to_angel(request.to_product), "transactiontype": request.side.value,
            "quantity": str(request.qty), "type": "CARRYFORWARD" if request.overnight else "DAY"}
