"""Fyers v3 REST: request builders (JSON bodies, GET parameters in the query) around ``parsing.py``.

Every builder returns a :class:`~tt_connect.driver_api.Call` and does no I/O; the translator keeps
no state. Trading calls go to the ``api_url`` root (``.../api/v3``), market data to ``data_url``
(``.../data``). DELETE calls carry a JSON body (``{"id": ...}``), as the SDK sends them. Order
writes use the ``/sync`` endpoints, which answer with the exchange order id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tt_connect.driver_api import (
    BrokerApi,
    BrokerFailure,
    BrokerSymbol,
    Call,
    DriverContext,
    HttpRequest,
    HttpResponse,
    Operation,
    fields,
    parse_rows,
    reply_object,
)
from tt_connect.enums import CandleInterval, StreamMode, Variety
from tt_connect.errors import (
    BrokerUnavailableError,
    GttNotFoundError,
    OrderNotFoundError,
    TTConnectError,
    UnsupportedOperationError,
)
from tt_connect.instruments import Instrument
from tt_connect.models import (
    BasketMargin,
    CancelRequest,
    Candle,
    ConvertRequest,
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
    Trade,
)
from tt_connect.timeutil import IST

from tt_connect_fyers.limits import DATA, NON_TRADING, ORDERS
from tt_connect_fyers.mapping import (
    BROKER,
    FYERS_INTERVALS,
    HISTORY_MAX_DAYS,
    order_type_to_fyers,
    product_to_fyers,
    side_to_fyers,
)
from tt_connect_fyers.parsing import (
    fyers_candles_to_candles,
    fyers_day_position,
    fyers_funds_to_funds,
    fyers_gtts_to_gtts,
    fyers_holding_to_holding,
    fyers_margin_to_basket,
    fyers_margin_to_requirement,
    fyers_order_to_order,
    fyers_position_to_position,
    fyers_profile_to_profile,
    fyers_quote_to_quote,
    fyers_trade_to_trade,
    payload_list,
    payload_object,
)

__all__ = ["QUOTE_BATCH", "FyersApi", "gtt_legs"]

QUOTE_BATCH = 50
"""Symbols per ``/data/quotes`` request (v3 reference, "Rate limits")."""


def gtt_legs(legs: tuple[GttLeg, ...]) -> dict[str, dict[str, Any]]:
    """``orderInfo``: ``leg1`` (an OCO's trigger above the market) then ``leg2`` (the one below), SDK docstring."""
    ordered = sorted(legs, key=lambda leg: leg.trigger_price, reverse=True)
    return {f"leg{i}": {"price": float(leg.price or leg.trigger_price), "triggerPrice": float(leg.trigger_price),
                        "qty": leg.qty} for i, leg in enumerate(ordered, start=1)}


class FyersApi(BrokerApi):
    """Request builders and parsers for Fyers API v3."""

    broker = BROKER
    tag_max_length = 30
    """``orderTag``: 1-30 alphanumeric characters (v3 reference)."""
    tag_alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    quote_batch_size = QUOTE_BATCH
    margin_batch_size = 1
    """``/multiorder/margin`` prices a list as one basket: one order a call gives its own requirement."""
    history_max_days = HISTORY_MAX_DAYS
    needs_known_order = frozenset({Operation.GTT})
    """A GTT modification keeps the trigger's side, product and kind: the core reads the GTT first."""

    def __init__(self, api_url: str, data_url: str) -> None:
        self._api = api_url.rstrip("/")
        self._data = data_url.rstrip("/")

    # -- plumbing --------------------------------------------------------------------------

    def _request(self, method: str, path: str, endpoint: str, *, rate_class: str = NON_TRADING, body: Any = None,
                 params: Mapping[str, str] | None = None, data: bool = False, is_write: bool = False) -> HttpRequest:
        root = self._data if data else self._api
        return HttpRequest(method=method, url=f"{root}{path}", endpoint=endpoint, rate_class=rate_class, json=body,
                           params=dict(params) if params else None, is_write=is_write,
                           headers={"Content-Type": "application/json", "version": "3"})

    def unwrap(self, response: HttpResponse) -> Any:
        """Return the reply object when ``s`` is ``ok``; else raise :class:`BrokerFailure` with its code."""
        try:
            body = response.json()
        except TTConnectError:
            raise BrokerFailure(f"Fyers answered HTTP {response.status} with a body that is not JSON",
                                http_status=response.status) from None
        if not isinstance(body, Mapping):
            raise BrokerFailure(f"Fyers answered HTTP {response.status} with no reply object",
                                http_status=response.status, raw=body)
        if 200 <= response.status < 300 and body.get("s") == "ok":
            return body
        code = body.get("code")
        message = fields.text(body.get("message")) or f"HTTP {response.status}"
        raise BrokerFailure(message, code=str(code) if code is not None and code != "" else None,
                            http_status=response.status, raw=dict(body))

    def _rows(self, ctx: DriverContext, key: str, parse: Callable[[DriverContext, Mapping[str, Any]], Any],
              what: str) -> Callable[[Any], list[Any]]:
        return lambda payload: parse_rows(payload_list(payload, key, what), lambda row: parse(ctx, row),
                                          broker=BROKER, what=what)

    @staticmethod
    def _id(payload: Any, what: str) -> str:
        """The order id of a write's reply. Code 201 is "sent, not acknowledged" (v3 reference): without an id
        that is an unknown outcome, which the core resolves through the order's tag."""
        reply = reply_object(payload, broker=BROKER, what=what)
        if reply.get("code") == 201 and not fields.text(reply.get("id")):
            raise BrokerUnavailableError(f"Fyers sent the {what} without an acknowledgement (code 201)", broker=BROKER)
        return fields.ident(reply.get("id"), broker=BROKER, field="order id")

    # -- account and portfolio ---------------------------------------------------------------

    def profile(self, ctx: DriverContext) -> Call[Profile]:
        return Call(self._request("GET", "/profile", "user.profile"),
                    lambda payload: fyers_profile_to_profile(payload_object(payload, "data", "profile")))

    def funds(self, ctx: DriverContext) -> Call[Funds]:
        return Call(self._request("GET", "/funds", "user.funds"), fyers_funds_to_funds)

    def holdings(self, ctx: DriverContext) -> Call[list[Holding]]:
        return Call(self._request("GET", "/holdings", "portfolio.holdings"),
                    self._rows(ctx, "holdings", fyers_holding_to_holding, "holdings"))

    def positions(self, ctx: DriverContext) -> Call[list[Position]]:
        return Call(self._request("GET", "/positions", "portfolio.positions"),
                    self._rows(ctx, "netPositions", fyers_position_to_position, "positions"))

    def day_positions(self, ctx: DriverContext) -> Call[list[Position]]:
        return Call(self._request("GET", "/positions", "portfolio.positions"),
                    self._rows(ctx, "netPositions", fyers_day_position, "positions"))

    def convert_position(self, ctx: DriverContext, request: ConvertRequest) -> Call[bool]:
        """``POST /positions`` (SDK 3.2.0; the old Postman collection used PUT) with the plain ticker."""
        body = {"symbol": ctx.resolve(request.instrument).symbol, "positionSide": side_to_fyers(request.side),
                "convertQty": request.qty, "convertFrom": product_to_fyers(request.from_product),
                "convertTo": product_to_fyers(request.to_product), "overnight": 1 if request.overnight else 0}
        return Call(self._request("POST", "/positions", "portfolio.convert", rate_class=ORDERS, body=body,
                                  is_write=True), lambda payload: True)

    # -- orders ------------------------------------------------------------------------------

    def orders(self, ctx: DriverContext) -> Call[list[Order]]:
        return Call(self._request("GET", "/orders", "orders.list"),
                    self._rows(ctx, "orderBook", fyers_order_to_order, "orders"))

    def order(self, ctx: DriverContext, order_id: str) -> Call[Order]:
        """``GET /orders?id=<id>``: the book filtered to one order."""
        def pick(payload: Any) -> Order:
            for row in payload_list(payload, "orderBook", "order"):
                if isinstance(row, Mapping) and fields.text(row.get("id")) == order_id:
                    return fyers_order_to_order(ctx, row)
            raise OrderNotFoundError(f"Fyers has no order {order_id}", broker=BROKER)
        return Call(self._request("GET", "/orders", "orders.one", params={"id": order_id}), pick)

    def trades(self, ctx: DriverContext) -> Call[list[Trade]]:
        return Call(self._request("GET", "/tradebook", "trades.list"),
                    self._rows(ctx, "tradeBook", fyers_trade_to_trade, "trades"))

    def _order_body(self, symbol: BrokerSymbol, request: OrderRequest) -> dict[str, Any]:
        cover = request.variety is Variety.CO
        body: dict[str, Any] = {
            "symbol": symbol.symbol, "qty": request.qty, "type": order_type_to_fyers(request.order_type),
            "side": side_to_fyers(request.side), "productType": "CO" if cover else product_to_fyers(request.product),
            "limitPrice": float(request.price or 0.0),
            "stopPrice": 0.0 if cover else float(request.trigger_price or 0.0),
            "validity": request.validity.value, "disclosedQty": request.disclosed_qty,
            "offlineOrder": request.variety is Variety.AMO, "stopLoss": 0.0, "takeProfit": 0.0,
        }
        if cover:
            if request.price is None or request.trigger_price is None:
                raise UnsupportedOperationError("a Fyers cover order's stop-loss is an offset from its limit price: "
                                                "place it as a LIMIT order with a trigger_price", broker=BROKER)
            body["stopLoss"] = round(abs(request.price - request.trigger_price), 4)
        elif request.tag:  # Fyers refuses a tag on CO/BO orders
            body["orderTag"] = request.tag
        return body

    def place_order(self, ctx: DriverContext, request: OrderRequest) -> Call[str]:
        """``POST /orders/sync``: AMO is ``offlineOrder``; a cover order is product ``CO`` with ``stopLoss`` points."""
        body = self._order_body(ctx.resolve(request.instrument), request)
        return Call(self._request("POST", "/orders/sync", "orders.place", rate_class=ORDERS, body=body, is_write=True),
                    lambda payload: self._id(payload, "order placement"))

    def modify_order(self, ctx: DriverContext, request: ModifyRequest) -> Call[str]:
        """``PATCH /orders/sync`` with what changes (``qty`` is the new total quantity)."""
        body: dict[str, Any] = {"id": request.order_id}
        if request.order_type is not None:
            body["type"] = order_type_to_fyers(request.order_type)
        if request.qty is not None:
            body["qty"] = request.qty
        if request.price is not None:
            body["limitPrice"] = float(request.price)
        if request.trigger_price is not None:
            body["stopPrice"] = float(request.trigger_price)
        if request.disclosed_qty is not None:
            body["disclosedQty"] = request.disclosed_qty
        return Call(self._request("PATCH", "/orders/sync", "orders.modify", rate_class=ORDERS, body=body,
                                  is_write=True),
                    lambda payload: fields.text(reply_object(payload, broker=BROKER, what="modification").get("id"))
                    or request.order_id)

    def cancel_order(self, ctx: DriverContext, request: CancelRequest) -> Call[str]:
        """``DELETE /orders/sync`` with the JSON body ``{"id": ...}``."""
        order_id = request.order_id
        return Call(self._request("DELETE", "/orders/sync", "orders.cancel", rate_class=ORDERS,
                                  body={"id": order_id}, is_write=True),
                    lambda payload: fields.text(reply_object(payload, broker=BROKER, what="cancel").get("id"))
                    or order_id)

    # -- market data -------------------------------------------------------------------------

    def quote(self, ctx: DriverContext, instruments: Sequence[Instrument],
              mode: StreamMode) -> Call[dict[Instrument, Quote]]:
        """``GET /data/quotes?symbols=a,b`` (at most 50 a call); replies ``d[]`` of ``{"n", "s", "v"}``."""
        back: dict[str, Instrument] = {}
        for instrument in instruments:
            back[ctx.resolve(instrument).symbol] = instrument

        def parse(payload: Any) -> dict[Instrument, Quote]:
            out: dict[Instrument, Quote] = {}
            for entry in payload_list(payload, "d", "quotes"):
                if not isinstance(entry, Mapping) or entry.get("s") != "ok":
                    continue
                instrument = back.get(fields.text(entry.get("n")))
                values = entry.get("v")
                if instrument is not None and isinstance(values, Mapping):
                    out[instrument] = fyers_quote_to_quote(instrument, values)  # type: ignore[arg-type]
            return out
        return Call(self._request("GET", "/quotes", "market.quote", rate_class=DATA, data=True,
                                  params={"symbols": ",".join(back)}), parse)

    def history(self, ctx: DriverContext, request: HistoryRequest) -> Call[list[Candle]]:
        """``GET /data/history`` with epoch ranges (``date_format=0``), continuous futures and OI when asked."""
        resolution = FYERS_INTERVALS.get(request.interval)
        if resolution is None:
            raise UnsupportedOperationError(f"Fyers has no {request.interval} candles", broker=BROKER)
        start, end = request.start, request.end
        params: dict[str, str] = {"symbol": ctx.resolve(request.instrument).symbol, "resolution": resolution,
                                  "date_format": "0", "range_from": str(int(start.timestamp())),
                                  "range_to": str(int(end.timestamp())), "cont_flag": "1"}
        if request.oi:
            params["oi_flag"] = "1"
        if request.interval is CandleInterval.DAY:  # a day's candle is stamped at its start: compare days
            first, last = start.astimezone(IST).date(), end.astimezone(IST).date()
            return Call(self._request("GET", "/history", "market.history", rate_class=DATA, data=True, params=params),
                        lambda payload: [c for c in fyers_candles_to_candles(payload)
                                         if first <= c.timestamp.astimezone(IST).date() <= last])
        return Call(self._request("GET", "/history", "market.history", rate_class=DATA, data=True, params=params),
                    lambda payload: [c for c in fyers_candles_to_candles(payload) if start <= c.timestamp <= end])

    # -- GTT and OCO -------------------------------------------------------------------------

    def place_gtt(self, ctx: DriverContext, request: GttRequest) -> Call[str]:
        """``POST /gtt/orders/sync``: one side and product for the trigger; ``leg2`` makes it OCO."""
        first = request.legs[0]
        if any(leg.side is not first.side or leg.product is not first.product for leg in request.legs):
            raise UnsupportedOperationError("a Fyers GTT/OCO has one side and one product for both legs",
                                            broker=BROKER)
        body = {"side": side_to_fyers(first.side), "symbol": ctx.resolve(request.instrument).symbol,
                "productType": product_to_fyers(first.product), "orderInfo": gtt_legs(request.legs)}
        return Call(self._request("POST", "/gtt/orders/sync", "gtt.place", rate_class=ORDERS, body=body,
                                  is_write=True), lambda payload: self._id(payload, "GTT placement"))

    def modify_gtt(self, ctx: DriverContext, gtt_id: str, request: GttRequest) -> Call[str]:
        """``PATCH /gtt/orders/sync`` ``{"id", "orderInfo"}``: new prices and quantities, same side and kind."""
        known = ctx.known_gtt(gtt_id)
        if known is not None:
            sides = {leg.side for leg in request.legs}
            if len(request.legs) != len(known.legs) or sides != {known.legs[0].side}:
                raise UnsupportedOperationError("Fyers modifies a GTT's prices and quantities, not its side or kind: "
                                                "cancel it and place a new one", broker=BROKER)
        body = {"id": gtt_id, "orderInfo": gtt_legs(request.legs)}
        return Call(self._request("PATCH", "/gtt/orders/sync", "gtt.modify", rate_class=ORDERS, body=body,
                                  is_write=True), lambda payload: gtt_id)

    def cancel_gtt(self, ctx: DriverContext, gtt_id: str) -> Call[str]:
        return Call(self._request("DELETE", "/gtt/orders/sync", "gtt.cancel", rate_class=ORDERS, body={"id": gtt_id},
                                  is_write=True), lambda payload: gtt_id)

    def gtts(self, ctx: DriverContext) -> Call[list[Gtt]]:
        return Call(self._request("GET", "/gtt/orders", "gtt.list"), lambda payload: fyers_gtts_to_gtts(ctx, payload))

    def gtt(self, ctx: DriverContext, gtt_id: str) -> Call[Gtt]:
        """The GTT book, filtered (Fyers has no single-GTT read)."""
        def pick(payload: Any) -> Gtt:
            for found in fyers_gtts_to_gtts(ctx, payload):
                if found.gtt_id == gtt_id:
                    return found
            raise GttNotFoundError(f"Fyers has no GTT order {gtt_id}", broker=BROKER)
        return Call(self._request("GET", "/gtt/orders", "gtt.list"), pick)

    # -- margins -----------------------------------------------------------------------------

    @staticmethod
    def _margin_item(symbol: BrokerSymbol, request: OrderRequest) -> dict[str, Any]:
        return {"symbol": symbol.symbol, "qty": request.qty, "side": side_to_fyers(request.side),
                "type": order_type_to_fyers(request.order_type), "productType": product_to_fyers(request.product),
                "limitPrice": float(request.price or 0.0), "stopPrice": float(request.trigger_price or 0.0),
                "stopLoss": 0.0, "takeProfit": 0.0}

    def order_margins(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[list[MarginRequirement]]:
        """``POST /multiorder/margin`` with one order (``margin_batch_size`` is 1)."""
        (request,) = requests
        body = {"data": [self._margin_item(ctx.resolve(request.instrument), request)]}
        return Call(self._request("POST", "/multiorder/margin", "margins.order", body=body),
                    lambda payload: [fyers_margin_to_requirement(request.instrument, payload)])

    def basket_margin(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[BasketMargin]:
        """``POST /multiorder/margin`` with every order: the legs' order matters for the hedge benefit."""
        body = {"data": [self._margin_item(ctx.resolve(r.instrument), r) for r in requests]}
        return Call(self._request("POST", "/multiorder/margin", "margins.basket", body=body), fyers_margin_to_basket)

