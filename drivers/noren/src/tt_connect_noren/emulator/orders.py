"""The emulator's order, portfolio, GTT and margin routes, over the paper engine.

Noren's OMS accepts an order first and runs its risk checks after (reference 3.8): a
refusal for funds, lot size, holdings or price is an order that shows up ``REJECTED``
with the RMS text in ``rejreason`` (``RED:Margin Shortfall:...``), on the books and on
the socket. What the OMS refuses outright (a field missing, a symbol it does not know)
is a ``Not_Ok`` reply.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from msgspec.structs import replace
from tt_connect.emulation import number_field
from tt_connect.paper.engine import PaperOrder, PaperRejection
from tt_connect.paper.margins import MarginOrder, basket_margin, order_margin
from tt_connect.paper.triggers import PaperGtt, PaperGttLeg

from tt_connect_noren.emulator.wire import (
    NO_DATA,
    NOREN_ORDER_TYPES,
    NOREN_PRODUCTS,
    money,
    noren_holding,
    noren_limits,
    noren_order,
    noren_position,
    noren_time,
    noren_trade,
    refuse,
)

if TYPE_CHECKING:
    from tt_connect_noren.emulator.app import NorenEmulator

__all__ = ["ROUTES", "rejection_text", "report_type", "shown"]

_FUNDS = re.compile(r"required ([\d,.]+), available ([-\d,.]+)")
_OPEN = ("OPEN", "TRIGGER_PENDING")


_RMS_TEXTS = {
    "PRICE_BAND": "RED:Order price is outside the day's circuit limits",
    "FREEZE": "RED:Order quantity exceeds the freeze quantity",
    "MARKET_CLOSED": "RED:Market is Closed",
    "LOT_SIZE": "RED:Order quantity is not a multiple of the lot size",
    "TICK_SIZE": "RED:Order price is not a multiple of the tick size",
    "NO_HOLDINGS": "RED:Insufficient holdings to sell for delivery",
    "NOT_TRADABLE": "RED:Trading is not allowed in an index",
    "TRIGGER": "RED:Trigger price is on the wrong side of the last price",
    "PRODUCT": "RED:Product not allowed for this instrument",
}
"""The paper engine's refusal codes as Noren's RMS words them ([UNVERIFIED] texts, PROTOCOL.md "Errors")."""


def rejection_text(emu: NorenEmulator, code: str, message: str) -> str:
    """The paper engine's refusal as Noren's RMS words it (``rejreason``)."""
    found = _FUNDS.search(message)
    if code == "FUNDS" and found:
        return (f"RED:Margin Shortfall:INR {found.group(1)} Available:INR {found.group(2)} for "
                f"C-{emu.user_id} [{emu.profile.name.upper()}_STD]")
    return _RMS_TEXTS.get(code, f"RED:{message}")


def _required(fields: dict[str, Any], *names: str) -> None:
    for name in names:
        if fields.get(name) in (None, ""):
            raise refuse(f"Invalid Input : {name} is Missing.")


def _number(fields: dict[str, Any], name: str, kind: type[int] | type[float] = float) -> Any:
    """A number field as the SDKs send it: text (``"None"`` was dropped by ``read_body``), blank = absent."""
    return number_field(fields, name, kind, refuse(f"Invalid Input : Invalid {name}"))


def _order(emu: NorenEmulator, fields: dict[str, Any]) -> PaperOrder:
    order = emu.engine.orders.get(str(fields.get("norenordno", "")))
    if order is None:
        raise refuse("Rejected : ORA:Order not found")
    return order


def place_order(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    _required(fields, "uid", "actid", "exch", "tsym", "qty", "prd", "trantype", "prctyp", "ret")
    emu.order_write("place", str(fields["exch"]), fields.get("algo_id"))
    paper_token = emu.listing.find(fields["exch"], fields["tsym"])
    order_type = NOREN_ORDER_TYPES.get(str(fields["prctyp"]))
    product = NOREN_PRODUCTS.get(str(fields["prd"]))
    side = {"B": "BUY", "S": "SELL"}.get(str(fields["trantype"]))
    validity = {"DAY": "DAY", "EOS": "DAY", "IOC": "IOC"}.get(str(fields["ret"]))
    if order_type is None or product is None or side is None or validity is None:
        raise refuse("Invalid Input : Invalid prctyp, prd, trantype or ret")
    if fields["prd"] == "H" and _number(fields, "blprc") is None:
        raise refuse("Invalid Input : blprc is Missing.")
    order = emu.engine.place_or_reject(
        token=paper_token, side=side, qty=_number(fields, "qty", int) or 0, order_type=order_type, product=product,
        price=_number(fields, "prc") or 0.0, trigger_price=_number(fields, "trgprc") or 0.0, validity=validity,
        tag=str(fields.get("remarks") or ""), amo=str(fields.get("amo", "")).upper() == "YES")
    emu.order_fields[order.order_id] = dict(fields)
    emu.drop_if_asked()
    return {"norenordno": order.order_id}


def modify_order(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    """``ModifyOrder``: ``qty`` is the order's new *total* quantity (reference 3.5.2); tsym must not change."""
    _required(fields, "norenordno", "exch", "tsym")
    order = _order(emu, fields)
    emu.order_write("modify", emu.engine.row(order.token).exchange, fields.get("algo_id"))
    if order.status not in _OPEN:
        raise refuse("Rejected : ORA:Order not found to Modify")
    if emu.listing.find(fields["exch"], fields["tsym"]) != order.token:
        raise refuse("Invalid Input : tsym does not match the order")
    prctyp = fields.get("prctyp")
    order_type = NOREN_ORDER_TYPES.get(str(prctyp)) if prctyp else None
    if prctyp and order_type is None:
        raise refuse("Invalid Input : Invalid prctyp")
    if order_type in ("SL", "SL_M") and _number(fields, "trgprc") is None:
        raise refuse("Invalid Input : trgprc is Missing.")
    try:
        emu.engine.modify(order.order_id, qty=_number(fields, "qty", int), price=_number(fields, "prc"),
                          trigger_price=_number(fields, "trgprc"), order_type=order_type)
    except PaperRejection as rejection:
        raise refuse(f"Rejected : {rejection_text(emu, rejection.code, rejection.message)}") from None
    return {"result": order.order_id}


def cancel_order(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    _required(fields, "norenordno")
    order = _order(emu, fields)
    emu.order_write("cancel", emu.engine.row(order.token).exchange, fields.get("algo_id"))
    if order.status not in _OPEN:
        raise refuse("Rejected : ORA:Order not found to Cancel")
    emu.engine.cancel(order.order_id)
    return {"result": order.order_id}


def shown(emu: NorenEmulator, order: PaperOrder) -> PaperOrder:
    """The order with its rejection worded as Noren's RMS words it."""
    if order.status == "REJECTED" and not order.message.startswith("RED:"):
        return replace(order, message=rejection_text(emu, order.rejection_code, order.message))
    return order


def _row(emu: NorenEmulator, order: PaperOrder, report: str = "") -> dict[str, Any]:
    return noren_order(emu.listing, shown(emu, order), uid=emu.user_id,
                       fields=emu.order_fields.get(order.order_id, {}), report=report)


def order_book(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> list[dict[str, Any]]:
    rows = [_row(emu, order) for order in reversed(list(emu.engine.orders.values()))]
    if not rows:
        raise refuse(NO_DATA)
    return rows


def report_type(previous: PaperOrder | None, state: PaperOrder) -> str:
    if state.status == "REJECTED":
        return "Rejected"
    if state.status == "CANCELLED":
        return "Canceled"
    if previous is None:
        return "New"
    if state.filled_qty > previous.filled_qty:
        return "Fill"
    return "Replaced"


def order_history(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> list[dict[str, Any]]:
    """``SingleOrdHist``: every state of the order, newest first, each with its report type ``rpt``."""
    _required(fields, "norenordno")
    states = emu.engine.history.get(str(fields["norenordno"]))
    if not states:
        raise refuse(NO_DATA)
    rows = []
    previous: PaperOrder | None = None
    for state in states:
        rows.append(_row(emu, state, report_type(previous, state)))
        previous = state
    return rows[::-1]


def trade_book(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> list[dict[str, Any]]:
    rows = [noren_trade(emu.listing, fill, uid=user, fields=emu.order_fields.get(fill.order_id, {}))
            for fill in emu.engine.fills]
    if not rows:
        raise refuse(NO_DATA)
    return rows


def positions(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> list[dict[str, Any]]:
    rows = [noren_position(emu.listing, position, last, uid=user) for position, last in emu.engine.position_rows()]
    if not rows:
        raise refuse(NO_DATA)
    return rows


def holdings(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> list[dict[str, Any]]:
    rows = [noren_holding(emu.listing, holding) for holding, _ in emu.engine.holding_rows()]
    if not rows:
        raise refuse(NO_DATA)
    return rows


def limits(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    return noren_limits(emu.engine, user)


def convert(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    """``ProductConversion``: exch, tsym, qty, prd (new), prevprd, trantype, postype (``DAY``/``CF``)."""
    _required(fields, "exch", "tsym", "qty", "prd", "prevprd", "trantype", "postype")
    if str(fields["postype"]).upper() not in ("DAY", "CF"):
        raise refuse("Invalid Input : Invalid Position Type")
    side = {"B": "BUY", "S": "SELL"}.get(str(fields["trantype"]))
    to_product, from_product = NOREN_PRODUCTS.get(str(fields["prd"])), NOREN_PRODUCTS.get(str(fields["prevprd"]))
    if side is None or to_product is None or from_product is None:
        raise refuse("Invalid Input : Invalid prd, prevprd or trantype")
    try:
        emu.engine.convert(token=emu.listing.find(fields["exch"], fields["tsym"]), side=side,
                           qty=_number(fields, "qty", int) or 0, from_product=from_product, to_product=to_product)
    except PaperRejection as rejection:
        raise refuse(f"Rejected : {rejection.message}") from None
    return {}


# -- GTT ("alert orders") -------------------------------------------------------------------------

_ALERT_TYPES = {"LTP_A_O": "above", "LTP_B_O": "below"}


def _leg(fields: dict[str, Any]) -> PaperGttLeg:
    _required(fields, "trantype", "prctyp", "qty", "prd")
    order_type = NOREN_ORDER_TYPES.get(str(fields["prctyp"]))
    product = NOREN_PRODUCTS.get(str(fields["prd"]))
    if order_type not in ("LIMIT", "MARKET") or product is None:
        raise refuse("Invalid Input : Invalid prctyp or prd")
    return PaperGttLeg(trigger_price=0.0, side="BUY" if fields["trantype"] == "B" else "SELL",
                       qty=_number(fields, "qty", int) or 0, product=product, order_type=order_type,
                       price=_number(fields, "prc") or 0.0)


def _gtt_legs(emu: NorenEmulator, fields: dict[str, Any]) -> tuple[int, list[PaperGttLeg]]:
    """Single: ``ai_t`` LTP_A_O/LTP_B_O with trigger ``d``; OCO: ``LMT_BOS_O`` with ``oivariable`` x/y and
    the two legs' order fields in ``place_order_params`` / ``place_order_params_leg2``."""
    _required(fields, "ai_t", "exch", "tsym")
    token = emu.listing.find(fields["exch"], fields["tsym"])
    kind = str(fields["ai_t"])
    if kind in _ALERT_TYPES:
        _required(fields, "d")
        leg = _leg(fields)
        return token, [PaperGttLeg(trigger_price=_number(fields, "d") or 0.0, side=leg.side, qty=leg.qty,
                                   product=leg.product, order_type=leg.order_type, price=leg.price)]
    if kind == "LMT_BOS_O":
        variables = {str(v.get("var_name")): v.get("d") for v in fields.get("oivariable") or () if isinstance(v, dict)}
        first, second = fields.get("place_order_params"), fields.get("place_order_params_leg2")
        if not isinstance(first, dict) or not isinstance(second, dict) or "x" not in variables or "y" not in variables:
            raise refuse("Invalid Input : an OCO needs oivariable x and y and both legs' place_order_params")
        legs = []
        for params, trigger in ((first, variables["x"]), (second, variables["y"])):
            leg = _leg(params)
            legs.append(PaperGttLeg(trigger_price=_number({"d": trigger}, "d") or 0.0, side=leg.side, qty=leg.qty,
                                    product=leg.product, order_type=leg.order_type, price=leg.price))
        return token, legs
    raise refuse("Invalid Input : Invalid ai_t")


def _last(emu: NorenEmulator, token: int) -> float:
    return emu.engine.ltp(token)


def place_gtt(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    paper_token, legs = _gtt_legs(emu, fields)
    try:
        gtt = emu.engine.triggers.place(paper_token, legs, _last(emu, paper_token))
    except PaperRejection as rejection:
        raise refuse(f"Invalid Input : {rejection.message}") from None
    emu.gtt_fields[gtt.gtt_id] = dict(fields)
    return {"stat": "OI created", "al_id": gtt.gtt_id}


def _known_gtt(emu: NorenEmulator, fields: dict[str, Any]) -> PaperGtt:
    _required(fields, "al_id")
    gtt = emu.engine.triggers.gtts.get(str(fields["al_id"]))
    if gtt is None or gtt.status != "active":
        raise refuse("Invalid Input : Alert Id not found")
    return gtt


def modify_gtt(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    gtt = _known_gtt(emu, fields)
    paper_token, legs = _gtt_legs(emu, fields)
    if paper_token != gtt.token:
        raise refuse("Invalid Input : tsym does not match the alert")
    try:
        emu.engine.triggers.modify(gtt.gtt_id, legs, _last(emu, paper_token))
    except PaperRejection as rejection:
        raise refuse(f"Invalid Input : {rejection.message}") from None
    emu.gtt_fields[gtt.gtt_id] = dict(fields)
    return {"stat": "OI replaced", "al_id": gtt.gtt_id}


def cancel_gtt(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    gtt = _known_gtt(emu, fields)
    emu.engine.triggers.delete(gtt.gtt_id)
    return {"stat": "OI deleted", "al_id": gtt.gtt_id}


def _gtt_row(emu: NorenEmulator, gtt: PaperGtt) -> dict[str, Any]:
    fields = emu.gtt_fields.get(gtt.gtt_id, {})
    row: dict[str, Any] = {**emu.listing.identity(gtt.token), "al_id": gtt.gtt_id, "ai_t": fields.get("ai_t", ""),
                           "validity": "GTT", "remarks": fields.get("remarks") or "",
                           "norentm": noren_time(gtt.created_at)}
    leg = gtt.legs[0]
    order = {"trantype": "B" if leg.side == "BUY" else "S", "prctyp": "LMT" if leg.order_type == "LIMIT" else "MKT",
             "qty": str(leg.qty), "prc": money(leg.price), "prd": {"CNC": "C", "MIS": "I", "NRML": "M"}[leg.product],
             "ret": "DAY"}
    if len(gtt.legs) == 1:
        row.update(d=money(leg.trigger_price), **order, place_order_params=order)
    else:
        second = gtt.legs[1]
        row.update(oivariable=[{"var_name": "x", "d": money(leg.trigger_price)},
                               {"var_name": "y", "d": money(second.trigger_price)}], place_order_params=order,
                   place_order_params_leg2={**order, "trantype": "B" if second.side == "BUY" else "S",
                                            "qty": str(second.qty), "prc": money(second.price)})
    return row


def pending_gtts(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> list[dict[str, Any]]:
    rows = [_gtt_row(emu, gtt) for gtt in emu.engine.triggers.gtts.values() if gtt.status == "active"]
    if not rows:
        raise refuse(NO_DATA)
    return rows


def enabled_gtts(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    return {"ai_ts": ["LTP_A_O", "LTP_B_O", "LMT_BOS_O"]}


# -- margins -------------------------------------------------------------------------------------


def _margin_order(emu: NorenEmulator, fields: dict[str, Any]) -> MarginOrder:
    _required(fields, "exch", "tsym", "qty", "prd", "trantype", "prctyp")
    order_type, product = NOREN_ORDER_TYPES.get(str(fields["prctyp"])), NOREN_PRODUCTS.get(str(fields["prd"]))
    if order_type is None or product is None:
        raise refuse("Invalid Input : Invalid prctyp or prd")
    return MarginOrder(token=emu.listing.find(fields["exch"], fields["tsym"]),
                       side="BUY" if fields["trantype"] == "B" else "SELL", qty=_number(fields, "qty", int) or 0,
                       order_type=order_type, product=product, price=_number(fields, "prc") or 0.0,
                       trigger_price=_number(fields, "trgprc") or 0.0)


def order_margin_route(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    """``GetOrderMargin`` ([UNVERIFIED] shape, PROTOCOL.md): ``cash``, ``marginused``, ``ordermargin``."""
    found = order_margin(emu.engine, _margin_order(emu, fields))
    funds = emu.engine.funds()
    return {"cash": money(funds["available_cash"]), "marginused": money(funds["used_margin"]),
            "ordermargin": money(found["total"]), "remarks": "Order Success", "charges": money(found["charges"])}


def basket_margin_route(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    """``GetBasketMargin`` ([UNVERIFIED] shape): the first order at the top level, the rest in ``basketlists``."""
    orders = [_margin_order(emu, fields)]
    legs = [leg for leg in fields.get("basketlists") or () if isinstance(leg, dict)]
    orders += [_margin_order(emu, {**fields, **leg}) for leg in legs]
    found = basket_margin(emu.engine, orders)
    return {"marginused": money(found["final"]["total"]), "marginusedtrade": money(found["initial"]["total"]),
            "remarks": "Order Success"}


ROUTES = {
    "PlaceOrder": place_order, "ModifyOrder": modify_order, "CancelOrder": cancel_order, "OrderBook": order_book,
    "SingleOrdHist": order_history, "TradeBook": trade_book, "PositionBook": positions, "Holdings": holdings,
    "Limits": limits, "ProductConversion": convert, "PlaceGTTOrder": place_gtt, "PlaceOCOOrder": place_gtt,
    "ModifyGTTOrder": modify_gtt, "ModifyOCOOrder": modify_gtt, "CancelGTTOrder": cancel_gtt,
    "CancelOCOOrder": cancel_gtt, "GetPendingGTTOrder": pending_gtts, "GetEnabledGTTs": enabled_gtts,
    "GetOrderMargin": order_margin_route, "GetBasketMargin": basket_margin_route,
}
