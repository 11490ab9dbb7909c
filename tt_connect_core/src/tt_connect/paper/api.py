"""The paper driver's translator: canonical requests <-> the paper JSON API.

Pure functions only, exactly like a real broker's driver: builders return
``Call`` objects, parsers turn paper payloads into canonical models.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Protocol

from tt_connect.driver_api import BrokerApi, BrokerFailure, Call, DriverContext, HttpRequest, HttpResponse, fields
from tt_connect.enums import (
    CandleInterval,
    GttStatus,
    GttType,
    OrderStatus,
    OrderType,
    ProductType,
    RejectionReason,
    Side,
    StreamMode,
    Validity,
    Variety,
)
from tt_connect.instruments import AnyInstrument, Instrument
from tt_connect.models import (
    BasketMargin,
    CancelRequest,
    Candle,
    ConvertRequest,
    Depth,
    DepthLevel,
    Funds,
    Gtt,
    GttLeg,
    GttRequest,
    HistoryRequest,
    Holding,
    MarginRequirement,
    ModifyRequest,
    Order,
    OrderRequest,
    Position,
    Profile,
    Quote,
    SegmentFunds,
    Trade,
)

__all__ = ["BASE_URL", "PaperApi", "PaperTokens", "paper_order_to_order", "paper_quote_to_quote"]

BASE_URL = "paper://local"
SEGMENT = {"EQ": "NSE_EQ"}
REJECTION_REASONS: dict[str, RejectionReason] = {
    "FUNDS": RejectionReason.INSUFFICIENT_FUNDS, "PRICE_BAND": RejectionReason.PRICE_OUTSIDE_BAND,
    "FREEZE": RejectionReason.QUANTITY_ABOVE_FREEZE, "MARKET_CLOSED": RejectionReason.MARKET_CLOSED,
    "NOT_TRADABLE": RejectionReason.NOT_TRADABLE, "TICK_SIZE": RejectionReason.INVALID_PRICE,
    "TRIGGER": RejectionReason.INVALID_PRICE, "LOT_SIZE": RejectionReason.INVALID_QUANTITY,
    "BAD_QTY": RejectionReason.INVALID_QUANTITY, "NO_HOLDINGS": RejectionReason.INSUFFICIENT_FUNDS,
    "PRODUCT": RejectionReason.NOT_TRADABLE,
}
"""The paper engine's refusal codes -> canonical reasons (its error map uses the same table)."""
_STATUS = {
    "OPEN": OrderStatus.OPEN,
    "TRIGGER_PENDING": OrderStatus.TRIGGER_PENDING,
    "COMPLETE": OrderStatus.COMPLETE,
    "CANCELLED": OrderStatus.CANCELLED,
    "REJECTED": OrderStatus.REJECTED,
}

number = fields.number_reader("paper")
"""Every number from the (in-process) wire: NaN, infinities and 1e999 are refused, as the fuzz tier checks."""


def _time(value: Any) -> _dt.datetime | None:
    if value is None:
        return None
    return _dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _instrument(ctx: DriverContext, token: Any) -> AnyInstrument:
    token = str(token)
    for segment in ("NSE_EQ", "NFO", "NSE_INDEX"):
        try:
            return ctx.by_token(segment, token)
        except Exception:  # not in this segment
            continue
    return ctx.by_token("NSE_EQ", token)


Finder = Callable[[DriverContext, Any], AnyInstrument]
"""Engine token -> canonical instrument."""


class PaperTokens(Protocol):
    """How canonical instruments become engine tokens and back, when they are not the paper universe's
    (live-data paper trades a real broker's instruments: see :class:`tt_connect.paper.live.LiveTokens`)."""

    def token_of(self, ctx: DriverContext, instrument: Instrument) -> int:
        """Return the engine token of an instrument of the catalogue."""
        ...

    def instrument(self, ctx: DriverContext, token: Any) -> AnyInstrument:
        """Return the instrument behind an engine token."""
        ...


def paper_order_to_order(ctx: DriverContext, data: dict[str, Any], find: Finder = _instrument) -> Order:
    """Convert a paper order snapshot."""
    filled = int(data["filled_qty"])
    qty = int(data["qty"])
    status = _STATUS[data["status"]]
    if status is OrderStatus.OPEN and 0 < filled < qty:
        status = OrderStatus.PARTIALLY_FILLED
    return Order(
        order_id=data["order_id"], instrument=find(ctx, data["token"]), side=Side(data["side"]), qty=qty,
        order_type=OrderType(data["order_type"]), product=ProductType(data["product"]), status=status,
        validity=Validity(data["validity"]), variety=Variety(data.get("variety", "REGULAR")),
        price=number(data["price"]), trigger_price=number(data["trigger_price"]),
        average_price=number(data["average_price"]), filled_qty=filled,
        pending_qty=qty - filled - int(data.get("cancelled_qty", 0)) if not status.is_terminal else 0,
        cancelled_qty=int(data.get("cancelled_qty", 0)), tag=data.get("tag", ""),
        status_message=data.get("message", ""), exchange_order_id=data.get("exchange_order_id", ""),
        placed_at=_time(data["placed_at"]), updated_at=_time(data["updated_at"]),
        rejection_reason=REJECTION_REASONS.get(data.get("rejection_code", "")) if status is OrderStatus.REJECTED
        else None, raw=data,
    )


def paper_fill_to_trade(ctx: DriverContext, data: dict[str, Any], find: Finder = _instrument) -> Trade:
    return Trade(trade_id=data["trade_id"], order_id=data["order_id"], instrument=find(ctx, data["token"]),
                 side=Side(data["side"]), qty=int(data["qty"]), price=number(data["price"]),
                 product=ProductType(data["product"]), traded_at=_time(data["time"]),
                 exchange_order_id=data.get("exchange_order_id", ""), raw=data)


def _levels(levels: Sequence[Sequence[Any]]) -> tuple[DepthLevel, ...]:
    return tuple(DepthLevel(price=number(p), quantity=int(q), orders=int(n)) for p, q, n in levels)


def paper_quote_to_quote(ctx: DriverContext, data: dict[str, Any], find: Finder = _instrument) -> Quote:
    last = number(data["last_price"])
    close = number(data["close"])
    return Quote(
        instrument=find(ctx, data["token"]), last_price=last, last_quantity=int(data["last_quantity"]),
        volume=int(data["volume"]), open=number(data["open"]), high=number(data["high"]), low=number(data["low"]),
        close=close, net_change=round(last - close, 4), oi=int(data["oi"]), timestamp=_time(data["timestamp"]),
        depth=Depth(bids=_levels(data["bids"]), asks=_levels(data["asks"])),
        lower_circuit=number(data.get("lower_circuit", 0.0)), upper_circuit=number(data.get("upper_circuit", 0.0)),
        raw=data,
    )


class PaperApi(BrokerApi):
    """Request builders and parsers for the paper JSON API."""

    broker = "paper"
    tag_max_length = 20
    quote_batch_size = 500
    margin_batch_size = 100
    history_max_days: ClassVar[Mapping[CandleInterval, int]] = {
        CandleInterval.DAY: 2000, **{i: 60 for i in CandleInterval if i is not CandleInterval.DAY}}

    def __init__(self, tokens: PaperTokens | None = None) -> None:
        self._tokens = tokens

    def token(self, ctx: DriverContext, instrument: Instrument) -> int:
        """The engine token of an instrument (the paper universe's own, or one a token book assigned)."""
        return int(ctx.resolve(instrument).token) if self._tokens is None else self._tokens.token_of(ctx, instrument)

    def find(self, ctx: DriverContext, token: Any) -> AnyInstrument:
        """The instrument behind an engine token."""
        return _instrument(ctx, token) if self._tokens is None else self._tokens.instrument(ctx, token)

    def unwrap(self, response: HttpResponse) -> Any:
        payload = response.json()
        if not isinstance(payload, dict):
            raise BrokerFailure("reply is not a JSON object", http_status=response.status)
        if "error" in payload:
            error = payload["error"]
            raise BrokerFailure(str(error.get("message", "")), code=error.get("code"),
                                http_status=response.status, raw=payload)
        if response.status >= 400 or "data" not in payload:
            raise BrokerFailure(f"unexpected reply with HTTP {response.status}", http_status=response.status)
        return payload["data"]

    @staticmethod
    def _get(endpoint: str, path: str, rate_class: str = "default", **params: str) -> HttpRequest:
        return HttpRequest(method="GET", url=f"{BASE_URL}/{path}", endpoint=endpoint, rate_class=rate_class,
                           params=params or None)

    def profile(self, ctx: DriverContext) -> Call[Profile]:
        def parse(data: Any) -> Profile:
            return Profile(broker="paper", user_id=data["user_id"], name=data["name"], email=data["email"],
                           exchanges=tuple(data["exchanges"]), products=tuple(data["products"]), raw=data)

        return Call(self._get("profile", "profile"), parse)

    def funds(self, ctx: DriverContext) -> Call[Funds]:
        def parse(data: Any) -> Funds:
            return Funds(equity=SegmentFunds(
                available_cash=number(data["available_cash"]), available_margin=number(data["available_margin"]),
                used_margin=number(data["used_margin"]), opening_balance=number(data["opening_balance"]),
            ), raw=data)

        return Call(self._get("funds", "funds"), parse)

    def holdings(self, ctx: DriverContext) -> Call[list[Holding]]:
        def parse(data: Any) -> list[Holding]:
            out = []
            for item in data:
                h, last = item["holding"], number(item["last_price"])
                qty, avg = int(h["quantity"]), number(h["average_price"])
                out.append(Holding(instrument=self.find(ctx, h["token"]), quantity=qty, average_price=avg,
                                   last_price=last, pnl=round((last - avg) * qty, 2), raw=item))
            return out

        return Call(self._get("holdings", "holdings"), parse)

    def positions(self, ctx: DriverContext) -> Call[list[Position]]:
        def parse(data: Any) -> list[Position]:
            out = []
            for item in data:
                p, last = item["position"], number(item["last_price"])
                qty = int(p["quantity"])
                unrealised = (last - number(p["average_price"])) * qty
                out.append(Position(
                    instrument=self.find(ctx, p["token"]), product=ProductType(p["product"]), quantity=qty,
                    average_price=number(p["average_price"]), last_price=last,
                    buy_quantity=int(p["buy_quantity"]), sell_quantity=int(p["sell_quantity"]),
                    buy_price=number(p["buy_value"]) / p["buy_quantity"] if p["buy_quantity"] else 0.0,
                    sell_price=number(p["sell_value"]) / p["sell_quantity"] if p["sell_quantity"] else 0.0,
                    realised_pnl=round(number(p["realised"]), 2), unrealised_pnl=round(unrealised, 2),
                    pnl=round(number(p["realised"]) + unrealised, 2), raw=item))
            return out

        return Call(self._get("positions", "positions"), parse)

    def day_positions(self, ctx: DriverContext) -> Call[list[Position]]:
        """Day equals net: paper keeps no overnight split (on the exchange calendar F&O carries over whole)."""
        return self.positions(ctx)

    def orders(self, ctx: DriverContext) -> Call[list[Order]]:
        return Call(self._get("orders", "orders"), lambda data: [paper_order_to_order(ctx, o, self.find) for o in data])

    def order_history(self, ctx: DriverContext, order_id: str) -> Call[list[Order]]:
        return Call(self._get("orders.history", f"orders/{order_id}"),
                    lambda data: [paper_order_to_order(ctx, o, self.find) for o in data])

    def trades(self, ctx: DriverContext) -> Call[list[Trade]]:
        return Call(self._get("trades", "trades"), lambda data: [paper_fill_to_trade(ctx, t, self.find) for t in data])

    def order_trades(self, ctx: DriverContext, order_id: str) -> Call[list[Trade]]:
        return Call(self._get("orders.trades", f"orders/{order_id}/trades"),
                    lambda data: [paper_fill_to_trade(ctx, t, self.find) for t in data])

    def place_order(self, ctx: DriverContext, request: OrderRequest) -> Call[str]:
        body = {"token": self.token(ctx, request.instrument), "side": request.side.value, "qty": request.qty,
                "order_type": request.order_type.value, "product": request.product.value,
                "price": request.price, "trigger_price": request.trigger_price,
                "validity": request.validity.value, "tag": request.tag, "variety": request.variety.value}
        http = HttpRequest(method="POST", url=f"{BASE_URL}/orders", endpoint="orders.place", rate_class="orders",
                           json=body, is_write=True)
        return Call(http, lambda data: str(data["order_id"]))

    def modify_order(self, ctx: DriverContext, request: ModifyRequest) -> Call[str]:
        body = {k: v for k, v in (("qty", request.qty), ("price", request.price),
                                  ("trigger_price", request.trigger_price),
                                  ("order_type", request.order_type.value if request.order_type else None))
                if v is not None}
        http = HttpRequest(method="PUT", url=f"{BASE_URL}/orders/{request.order_id}", endpoint="orders.modify",
                           rate_class="orders", json=body, is_write=True)
        return Call(http, lambda data: str(data["order_id"]))

    def cancel_order(self, ctx: DriverContext, request: CancelRequest) -> Call[str]:
        http = HttpRequest(method="DELETE", url=f"{BASE_URL}/orders/{request.order_id}", endpoint="orders.cancel",
                           rate_class="orders", is_write=True)
        return Call(http, lambda data: str(data["order_id"]))

    def quote(self, ctx: DriverContext, instruments: Sequence[Instrument],
              mode: StreamMode) -> Call[dict[Instrument, Quote]]:
        tokens = ",".join(str(self.token(ctx, i)) for i in instruments)

        def parse(data: Any) -> dict[Instrument, Quote]:
            quotes = (paper_quote_to_quote(ctx, q, self.find) for q in data)
            return {q.instrument: q for q in quotes}

        return Call(self._get("quote", "quote", "quotes", tokens=tokens), parse)

    def history(self, ctx: DriverContext, request: HistoryRequest) -> Call[list[Candle]]:
        token = self.token(ctx, request.instrument)
        oi = request.oi

        def parse(data: Any) -> list[Candle]:
            return [Candle(timestamp=_dt.datetime.fromisoformat(c[0]) if isinstance(c[0], str) else c[0],
                           open=c[1], high=c[2], low=c[3], close=c[4], volume=c[5], oi=c[6] if oi else 0)
                    for c in data]

        return Call(self._get("history", f"history/{token}", "history", interval=str(request.interval.seconds),
                              **{"from": request.start.isoformat(), "to": request.end.isoformat()}), parse)

    # -- GTT, margins, conversion --------------------------------------------------------

    def _gtt_body(self, ctx: DriverContext, request: GttRequest) -> dict[str, Any]:
        return {"token": self.token(ctx, request.instrument), "last_price": request.last_price,
                "legs": [{"trigger_price": leg.trigger_price, "side": leg.side.value, "qty": leg.qty,
                          "product": leg.product.value, "order_type": leg.order_type.value,
                          "price": leg.price or 0.0} for leg in request.legs]}

    def _write(self, method: str, path: str, endpoint: str, body: Any = None) -> HttpRequest:
        return HttpRequest(method=method, url=f"{BASE_URL}/{path}", endpoint=endpoint, json=body, is_write=True)

    def place_gtt(self, ctx: DriverContext, request: GttRequest) -> Call[str]:
        return Call(self._write("POST", "gtt", "gtt.place", self._gtt_body(ctx, request)),
                    lambda data: str(data["gtt_id"]))

    def modify_gtt(self, ctx: DriverContext, gtt_id: str, request: GttRequest) -> Call[str]:
        return Call(self._write("PUT", f"gtt/{gtt_id}", "gtt.modify", self._gtt_body(ctx, request)),
                    lambda data: str(data["gtt_id"]))

    def cancel_gtt(self, ctx: DriverContext, gtt_id: str) -> Call[str]:
        return Call(self._write("DELETE", f"gtt/{gtt_id}", "gtt.delete"), lambda data: str(data["gtt_id"]))

    def gtts(self, ctx: DriverContext) -> Call[list[Gtt]]:
        return Call(self._get("gtt.list", "gtt"), lambda data: [paper_gtt_to_gtt(ctx, g, self.find) for g in data])

    def gtt(self, ctx: DriverContext, gtt_id: str) -> Call[Gtt]:
        return Call(self._get("gtt.get", f"gtt/{gtt_id}"), lambda data: paper_gtt_to_gtt(ctx, data, self.find))

    def _margin_body(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> dict[str, Any]:
        return {"orders": [{"token": self.token(ctx, r.instrument), "side": r.side.value, "qty": r.qty,
                            "order_type": r.order_type.value, "product": r.product.value,
                            "price": r.price or 0.0, "trigger_price": r.trigger_price or 0.0} for r in requests]}

    def order_margins(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[list[MarginRequirement]]:
        http = HttpRequest(method="POST", url=f"{BASE_URL}/margins/orders", endpoint="margins.orders",
                           json=self._margin_body(ctx, requests))
        return Call(http, lambda data: [paper_margin_to_margin(ctx, m, self.find) for m in data])

    def basket_margin(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[BasketMargin]:
        http = HttpRequest(method="POST", url=f"{BASE_URL}/margins/basket", endpoint="margins.basket",
                           json=self._margin_body(ctx, requests))

        def parse(data: Any) -> BasketMargin:
            return BasketMargin(initial=paper_margin_to_margin(ctx, data["initial"], self.find),
                                final=paper_margin_to_margin(ctx, data["final"], self.find),
                                orders=tuple(paper_margin_to_margin(ctx, m, self.find) for m in data["orders"]),
                                raw=data)

        return Call(http, parse)

    def convert_position(self, ctx: DriverContext, request: ConvertRequest) -> Call[bool]:
        body = {"token": self.token(ctx, request.instrument), "side": request.side.value, "qty": request.qty,
                "from_product": request.from_product.value, "to_product": request.to_product.value}
        return Call(self._write("PUT", "positions", "positions.convert", body), lambda data: bool(data))


_GTT_STATUS = {"active": GttStatus.ACTIVE, "triggered": GttStatus.TRIGGERED, "deleted": GttStatus.DELETED,
               "expired": GttStatus.EXPIRED}


def paper_gtt_to_gtt(ctx: DriverContext, data: dict[str, Any], find: Finder = _instrument) -> Gtt:
    """Convert a paper GTT."""
    legs = tuple(GttLeg(trigger_price=number(leg["trigger_price"]), side=Side(leg["side"]), qty=int(leg["qty"]),
                        product=ProductType(leg["product"]), order_type=OrderType(leg["order_type"]),
                        price=number(leg["price"]) if leg.get("price") else None) for leg in data["legs"])
    return Gtt(gtt_id=str(data["gtt_id"]), instrument=find(ctx, data["token"]),
               type=GttType.OCO if data["kind"] == "two-leg" else GttType.SINGLE,
               status=_GTT_STATUS.get(data["status"], GttStatus.DISABLED), legs=legs,
               created_at=_time(data.get("created_at")), updated_at=_time(data.get("updated_at")),
               expires_at=_time(data.get("expires_at")), raw=data)


def paper_margin_to_margin(ctx: DriverContext, data: dict[str, Any],
                           find: Finder = _instrument) -> MarginRequirement:
    """Convert a paper margin line (an order's, or a basket's total without a token)."""
    token = data.get("token")
    return MarginRequirement(instrument=find(ctx, token) if token else None, total=number(data["total"]),
                             span=number(data.get("span", 0.0)), exposure=number(data.get("exposure", 0.0)),
                             option_premium=number(data.get("option_premium", 0.0)), var=number(data.get("var", 0.0)),
                             charges=number(data.get("charges", 0.0)), raw=data)
