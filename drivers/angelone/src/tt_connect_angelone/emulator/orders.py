"""SmartAPI's order desk over the paper engine: orders, the books, the portfolio and conversion.

As on AngelOne, ``placeOrder`` answers SUCCESS for an order the risk system or the exchange
then refuses: the order shows up ``rejected`` with a ``text`` (reference 2.5.1; SmartAPI forum
topic 147): funds, price band, freeze quantity, market closed. What SmartAPI itself refuses (a
missing field, a variety that does not fit the order type, a long ``ordertag``) is refused at
once. Modifying or cancelling an order that is no longer open is refused at once
(**Decision**, see PROTOCOL.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web
from tt_connect.emulation import ErrorKind, Handler, Refusal
from tt_connect.paper.engine import PaperOrder, PaperRejection

from tt_connect_angelone.emulator.wire import (
    ANGEL_ORDER_TYPES,
    ANGEL_PRODUCTS,
    angel_holding,
    angel_order,
    angel_position,
    angel_rms,
    angel_trade,
    field_number,
    invalid,
    rejection_text,
)

if TYPE_CHECKING:
    from tt_connect_angelone.emulator.app import SmartApiEmulator

__all__ = ["SmartApiOrders"]

_MAX_TAG = 20
"""``ordertag`` length limit (AB4008, SmartAPI forum staff announcement, November 2024)."""
_REQUIRED = ("variety", "tradingsymbol", "symboltoken", "transactiontype", "exchange", "ordertype", "producttype",
             "duration", "quantity")
_VARIETIES = ("NORMAL", "STOPLOSS", "AMO")
_UNIQUE_IDS = uuid.UUID("6f1c2a52-6a43-4d5e-9b7e-8f3f2b8c1d00")


class SmartApiOrders:
    """Orders, the order and trade books, positions, holdings, funds and conversion of the one account."""

    def __init__(self, host: SmartApiEmulator) -> None:
        self._host = host
        self._engine = host.engine
        self._listing = host.listing
        self.varieties: dict[str, str] = {}
        """Order id -> the variety it was placed with (NORMAL, STOPLOSS, AMO): the paper engine has none."""

    def routes(self) -> dict[tuple[str, str], Handler]:
        return {
            ("GET", "/user/v1/getRMS"): lambda request, fields, user: angel_rms(self._engine),
            ("POST", "/order/v1/placeOrder"): self._place,
            ("POST", "/order/v1/modifyOrder"): self._modify,
            ("POST", "/order/v1/cancelOrder"): self._cancel,
            ("GET", "/order/v1/getOrderBook"): self._order_book,
            ("GET", "/order/v1/details/{unique_id}"): self._details,
            ("GET", "/order/v1/getTradeBook"): self._trade_book,
            ("GET", "/order/v1/getPosition"): self._positions,
            ("POST", "/order/v1/convertPosition"): self._convert,
            ("GET", "/portfolio/v1/getHolding"): self._holdings,
            ("GET", "/portfolio/v1/getAllHolding"): self._all_holdings,
        }

    # -- rows -------------------------------------------------------------------------------

    @staticmethod
    def unique_id(order_id: str) -> str:
        """The ``uniqueorderid`` of an order: a UUID derived from its ``orderid``."""
        return str(uuid.uuid5(_UNIQUE_IDS, order_id))

    def row(self, order: PaperOrder) -> dict[str, Any]:
        """An order as ``getOrderBook``, ``details`` and the order socket show it."""
        return angel_order(self._listing, order, variety=self.varieties.get(order.order_id, "NORMAL"),
                           unique_id=self.unique_id(order.order_id))

    # -- writes -----------------------------------------------------------------------------

    def _place(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, str]:
        self._host.order_write("place", str(fields.get("exchange", "")))
        for name in _REQUIRED:
            if fields.get(name) in (None, ""):
                raise Refusal(ErrorKind.INPUT, f"Missing {name}", code="AB1007")
        token = self._listing.paper_token(fields)
        variety, angel_type = str(fields["variety"]), str(fields["ordertype"])
        order_type = ANGEL_ORDER_TYPES.get(angel_type)
        product = ANGEL_PRODUCTS.get(str(fields["producttype"]))
        if order_type is None:
            raise invalid("ordertype")
        if product is None:
            raise Refusal(ErrorKind.INPUT, "Invalid Product Type", code="AB1012")
        if variety not in _VARIETIES:
            raise Refusal(ErrorKind.INPUT, "Invalid Order Variety", code="AB1008")
        if (variety == "STOPLOSS") != angel_type.startswith("STOPLOSS") and variety != "AMO":
            raise Refusal(ErrorKind.INPUT, "Invalid Order Variety: STOPLOSS orders need variety STOPLOSS, "
                                           "others NORMAL", code="AB1008")
        tag = str(fields.get("ordertag") or "")
        if len(tag) > _MAX_TAG:
            raise Refusal(ErrorKind.INPUT, f"Ordertag length should not exceed {_MAX_TAG} characters", code="AB4008")
        order = self._engine.place_or_reject(
            token=token, side=str(fields["transactiontype"]),
            qty=field_number(fields, "quantity", int, required=True) or 0, order_type=order_type, product=product,
            price=field_number(fields, "price", float) or 0.0,
            trigger_price=field_number(fields, "triggerprice", float) or 0.0, validity=str(fields["duration"]),
            tag=tag, amo=variety == "AMO")
        self.varieties[order.order_id] = variety
        self._host.drop_if_asked()
        return {"script": self._listing.symbol[token], "orderid": order.order_id,
                "uniqueorderid": self.unique_id(order.order_id)}

    def _record(self, action: str, order_id: str) -> None:
        self._host.order_write(action, self._engine.row(self._engine.orders[order_id].token).exchange)

    def _known(self, fields: Mapping[str, Any]) -> str:
        order_id = str(fields.get("orderid", ""))
        if order_id not in self._engine.orders:
            raise Refusal(ErrorKind.NOT_FOUND, "Order not found", code="AB1013")
        return order_id

    def _not_open(self, order_id: str, rejection: PaperRejection, action: str) -> Refusal:
        """Modify or cancel of an order that is no longer open; other refusals keep their own text."""
        if rejection.code != "ORDER_STATE":
            code, text = rejection_text(rejection.code, rejection.message)
            return Refusal(ErrorKind.ORDER, text, code=code)
        status = self._engine.orders[order_id].status.lower()
        return Refusal(ErrorKind.ORDER, f"Order {order_id} is already {status} and cannot be {action}", code="AB1007")

    def _modify(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, str]:
        order_id = self._known(fields)
        self._record("modify", order_id)
        angel_type = fields.get("ordertype")
        order_type = ANGEL_ORDER_TYPES.get(str(angel_type)) if angel_type else None
        if angel_type and order_type is None:
            raise invalid("ordertype")
        try:
            self._engine.modify(order_id, qty=field_number(fields, "quantity", int),
                                price=field_number(fields, "price", float),
                                trigger_price=field_number(fields, "triggerprice", float), order_type=order_type)
        except PaperRejection as rejection:
            raise self._not_open(order_id, rejection, "modified") from None
        return {"orderid": order_id, "uniqueorderid": self.unique_id(order_id)}

    def _cancel(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, str]:
        order_id = self._known(fields)
        self._record("cancel", order_id)
        try:
            self._engine.cancel(order_id)
        except PaperRejection as rejection:
            raise self._not_open(order_id, rejection, "cancelled") from None
        return {"orderid": order_id, "uniqueorderid": self.unique_id(order_id)}

    # -- books ------------------------------------------------------------------------------

    def _order_book(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]] | None:
        return [self.row(o) for o in self._engine.orders.values()] or None  # null, not [], for an empty book

    def _details(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, Any]:
        wanted = request.match_info["unique_id"]
        for order in self._engine.orders.values():
            if self.unique_id(order.order_id) == wanted:
                return self.row(order)
        raise Refusal(ErrorKind.NOT_FOUND, "Order not found", code="AB1013")

    def _trade_book(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]] | None:
        return [angel_trade(self._listing, f) for f in self._engine.fills] or None

    # -- portfolio --------------------------------------------------------------------------

    def _positions(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]] | None:
        return [angel_position(self._listing, p, last) for p, last in self._engine.position_rows()] or None

    def _holdings(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [angel_holding(self._listing, h, last, self._engine.quote(h.token).close)
                for h, last in self._engine.holding_rows()]

    def _all_holdings(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, Any]:
        rows = self._holdings(request, fields, user)
        value = sum(r["ltp"] * r["quantity"] for r in rows)
        invested = sum(r["averageprice"] * r["quantity"] for r in rows)
        return {"holdings": rows, "totalholding": {
            "totalholdingvalue": round(value, 2), "totalinvvalue": round(invested, 2),
            "totalprofitandloss": round(value - invested, 2),
            "totalpnlpercentage": round((value - invested) / invested * 100, 2) if invested else 0.0}}

    def _convert(self, request: web.Request, fields: dict[str, Any], user: str) -> None:
        token = self._listing.paper_token(fields)
        old = ANGEL_PRODUCTS.get(str(fields.get("oldproducttype")))
        new = ANGEL_PRODUCTS.get(str(fields.get("newproducttype")))
        if old is None or new is None:
            raise Refusal(ErrorKind.INPUT, "Invalid Product Type", code="AB1012")
        try:
            self._engine.convert(token=token, side=str(fields.get("transactiontype", "")),
                                 qty=field_number(fields, "quantity", int, required=True) or 0, from_product=old,
                                 to_product=new)
        except PaperRejection as rejection:
            code, text = rejection_text(rejection.code, rejection.message)
            raise Refusal(ErrorKind.ORDER, text, code=code) from None
        return None
