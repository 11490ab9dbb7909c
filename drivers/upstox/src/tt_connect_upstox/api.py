"""Request builders for the whole unified API: canonical requests -> Upstox v2/v3 REST calls.

Single orders (place, modify, cancel) go to the order host (``order_api_url``, Upstox's
``api-hft``); everything else, GTT and multi-order included, to ``api_url``. ``Api-Version: 2.0``
travels exactly where the official SDK sends it. Requests arrive valid (the core checked them);
every method only translates, and the parsers live in :mod:`tt_connect_upstox.parsing`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import quote as _quote

import msgspec
from tt_connect.driver_api import (
    BrokerApi,
    BrokerFailure,
    Call,
    DriverContext,
    HttpRequest,
    HttpResponse,
    Operation,
    parse_rows,
)
from tt_connect.enums import CandleInterval, OrderType, StreamMode, Variety
from tt_connect.errors import OrderNotFoundError, UnsupportedOperationError
from tt_connect.instruments import Instrument
from tt_connect.models import (
    BasketMargin,
    CancelRequest,
    Candle,
    ConvertRequest,
    Funds,
    Gtt,
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
    StaticIp,
    Trade,
)
from tt_connect.timeutil import IST

from tt_connect_upstox.auth import token_failure
from tt_connect_upstox.config import UpstoxConfig
from tt_connect_upstox.mapping import HISTORY_MAX_DAYS, UPSTOX_INTERVALS, order_type_to_upstox, product_to_upstox
from tt_connect_upstox.parsing import (
    number,
    object_of,
    rows_of,
    upstox_candles_to_candles,
    upstox_day_position,
    upstox_funds_to_funds,
    upstox_gtt_to_gtt,
    upstox_holding_to_holding,
    upstox_margin_to_requirements,
    upstox_order_to_order,
    upstox_position_to_position,
    upstox_profile_to_profile,
    upstox_quote_to_quote,
    upstox_trade_to_trade,
)

__all__ = ["UpstoxApi"]

BROKER = "upstox"
_V2 = {"Api-Version": "2.0"}


def _validity(request: OrderRequest | ModifyRequest, fallback: str = "DAY") -> str:
    """DAY or IOC; a TTL order travels as DAY (the core cancels it when its time is up)."""
    value = request.validity
    return "IOC" if value is not None and value.name == "IOC" else fallback if value is None else "DAY"


class UpstoxApi(BrokerApi):
    """The Upstox REST translator."""

    broker: ClassVar[str] = BROKER
    tag_max_length: ClassVar[int] = 20
    """The order pages do not state a tag limit the SDK checks ([UNVERIFIED]); 20 fits every broker."""
    quote_batch_size: ClassVar[int] = 500
    margin_batch_size: ClassVar[int] = 20
    history_max_days: ClassVar[Mapping[CandleInterval, int]] = HISTORY_MAX_DAYS
    algo_id_field: ClassVar[bool] = True
    """An order's ``algo_id`` travels as ``X-Algo-Name`` (the SDK's ``algo_name``; SEBI's algo tagging)."""
    native_slicing: ClassVar[bool] = True
    """v3 ``slice: true`` splits an order above the freeze quantity into Upstox's own child orders."""
    needs_known_order: ClassVar[frozenset[Operation]] = frozenset({Operation.MODIFY_ORDER})
    """A v3 modify carries validity, price, order type and trigger in full: unchanged ones come from the order."""

    def __init__(self, config: UpstoxConfig) -> None:
        self._api = config.api_url.rstrip("/")
        self._orders = config.order_api_url.rstrip("/")
        self._algo_name = config.algo_name

    # -- wire ------------------------------------------------------------------------------

    def _get(self, path: str, endpoint: str, *, params: Mapping[str, str] | None = None,
             v2: bool = False) -> HttpRequest:
        return HttpRequest(method="GET", url=f"{self._api}{path}", endpoint=endpoint, params=params,
                           headers=_V2 if v2 else None)

    def _order_call(self, method: str, path: str, endpoint: str, *, body: Any = None,
                    params: Mapping[str, str] | None = None, host: str | None = None,
                    algo_id: str = "") -> HttpRequest:
        algo = algo_id or self._algo_name
        return HttpRequest(method=method, url=f"{host or self._orders}{path}", endpoint=endpoint, rate_class="orders",
                           json=body, params=params, headers={"X-Algo-Name": algo} if algo else None, is_write=True)

    def unwrap(self, response: HttpResponse) -> Any:
        """Return ``data`` of a success envelope; an ``errors`` envelope (any HTTP status) is a failure."""
        failure = token_failure(response)
        if failure is not None:
            raise failure
        payload = response.json()
        if not isinstance(payload, Mapping) or payload.get("status") not in ("success", "partial_success"):
            errors = payload.get("errors") if isinstance(payload, Mapping) else None
            first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], Mapping) else {}
            code = first.get("errorCode") or first.get("error_code")
            raise BrokerFailure(str(first.get("message") or "Upstox answered without a success status"),
                                code=str(code) if code else None, http_status=response.status, raw=payload)
        return payload.get("data")

    # -- account and portfolio -------------------------------------------------------------

    def profile(self, ctx: DriverContext) -> Call[Profile]:
        return Call(self._get("/v2/user/profile", "user.profile", v2=True),
                    lambda data: upstox_profile_to_profile(object_of(data, "profile")))

    def funds(self, ctx: DriverContext) -> Call[Funds]:
        return Call(self._get("/v2/user/get-funds-and-margin", "user.funds", v2=True),
                    lambda data: upstox_funds_to_funds(object_of(data, "funds")))

    def holdings(self, ctx: DriverContext) -> Call[list[Holding]]:
        return Call(self._get("/v2/portfolio/long-term-holdings", "portfolio.holdings", v2=True),
                    lambda data: parse_rows(rows_of(data, "holdings"), lambda r: upstox_holding_to_holding(ctx, r),
                                            broker=BROKER, what="holdings"))

    def positions(self, ctx: DriverContext) -> Call[list[Position]]:
        return Call(self._get("/v2/portfolio/short-term-positions", "portfolio.positions", v2=True),
                    lambda data: parse_rows(rows_of(data, "positions"),
                                            lambda r: upstox_position_to_position(ctx, r), broker=BROKER,
                                            what="positions"))

    def day_positions(self, ctx: DriverContext) -> Call[list[Position]]:
        return Call(self._get("/v2/portfolio/short-term-positions", "portfolio.positions", v2=True),
                    lambda data: parse_rows(rows_of(data, "positions"), lambda r: upstox_day_position(ctx, r),
                                            broker=BROKER, what="day positions"))

    # -- order book ------------------------------------------------------------------------

    def orders(self, ctx: DriverContext) -> Call[list[Order]]:
        return Call(self._get("/v2/order/retrieve-all", "orders.book", v2=True),
                    lambda data: parse_rows(rows_of(data, "order book"), lambda r: upstox_order_to_order(ctx, r),
                                            broker=BROKER, what="orders"))

    def order(self, ctx: DriverContext, order_id: str) -> Call[Order]:
        return Call(self._get("/v2/order/details", "orders.details", params={"order_id": order_id}),
                    lambda data: upstox_order_to_order(ctx, object_of(data, "order details")))

    def order_history(self, ctx: DriverContext, order_id: str) -> Call[list[Order]]:
        return Call(self._get("/v2/order/history", "orders.history", params={"order_id": order_id}, v2=True),
                    lambda data: [upstox_order_to_order(ctx, r) for r in rows_of(data, "order history")])

    def trades(self, ctx: DriverContext) -> Call[list[Trade]]:
        return Call(self._get("/v2/order/trades/get-trades-for-day", "orders.trades", v2=True),
                    lambda data: parse_rows(rows_of(data, "trades"), lambda r: upstox_trade_to_trade(ctx, r),
                                            broker=BROKER, what="trades"))

    def order_trades(self, ctx: DriverContext, order_id: str) -> Call[list[Trade]]:
        return Call(self._get("/v2/order/trades", "orders.order_trades", params={"order_id": order_id}, v2=True),
                    lambda data: [upstox_trade_to_trade(ctx, r) for r in rows_of(data, "order trades")])

    # -- orders ----------------------------------------------------------------------------

    def place_order(self, ctx: DriverContext, request: OrderRequest) -> Call[str]:
        """``POST /v3/order/place`` on the order host; the reply's ``order_ids`` (one: no slicing asked)."""
        return Call(self._place(ctx, request, sliced=False), _first_order_id)

    def place_sliced(self, ctx: DriverContext, request: OrderRequest) -> Call[list[str]]:
        """The same call with ``slice: true``: Upstox places child orders within the freeze quantity (at most
        25) and answers all their ids."""
        return Call(self._place(ctx, request, sliced=True), _order_ids)

    def _place(self, ctx: DriverContext, request: OrderRequest, *, sliced: bool) -> HttpRequest:
        symbol = ctx.resolve(request.instrument)
        body: dict[str, Any] = {
            "quantity": request.qty, "product": product_to_upstox(request.product), "validity": _validity(request),
            "price": request.price if request.order_type.needs_price and request.price is not None else 0,
            "tag": request.tag, "instrument_token": symbol.token,
            "order_type": order_type_to_upstox(request.order_type),
            "transaction_type": request.side.value, "disclosed_quantity": request.disclosed_qty,
            "trigger_price": request.trigger_price if request.order_type.needs_trigger and
            request.trigger_price is not None else 0,
            "is_amo": request.variety is Variety.AMO, "slice": sliced}
        if request.market_protection is not None:
            body["market_protection"] = request.market_protection
        return self._order_call("POST", "/v3/order/place", "orders.place", body=body, algo_id=request.algo_id)

    def modify_order(self, ctx: DriverContext, request: ModifyRequest) -> Call[str]:
        """``PUT /v3/order/modify``: every field Upstox requires, the unchanged ones read off the known order."""
        known = ctx.known_order(request.order_id)
        if known is None:  # the core guarantees it (needs_known_order); a broken context is not the user's fault
            raise OrderNotFoundError(f"order {request.order_id} is not known", broker=BROKER)
        order_type = request.order_type or known.order_type
        price = request.price if request.price is not None else known.price
        trigger = request.trigger_price if request.trigger_price is not None else known.trigger_price
        body: dict[str, Any] = {
            "order_id": request.order_id, "quantity": request.qty if request.qty is not None else known.qty,
            "validity": _validity(request, "IOC" if known.validity.name == "IOC" else "DAY"),
            "order_type": order_type_to_upstox(order_type), "price": price if order_type.needs_price else 0,
            "trigger_price": trigger if order_type.needs_trigger else 0,
            "disclosed_quantity": request.disclosed_qty if request.disclosed_qty is not None else known.disclosed_qty}
        if request.market_protection is not None:
            body["market_protection"] = request.market_protection
        return Call(self._order_call("PUT", "/v3/order/modify", "orders.modify", body=body), _order_id)

    def cancel_order(self, ctx: DriverContext, request: CancelRequest) -> Call[str]:
        return Call(self._order_call("DELETE", "/v3/order/cancel", "orders.cancel",
                                     params={"order_id": request.order_id}), _order_id)

    # -- market data -----------------------------------------------------------------------

    def _keys(self, ctx: DriverContext, instruments: Sequence[Instrument]) -> dict[str, Instrument]:
        return {ctx.resolve(instrument).token: instrument for instrument in instruments}

    def quote(self, ctx: DriverContext, instruments: Sequence[Instrument],
              mode: StreamMode) -> Call[dict[Instrument, Quote]]:
        """``GET /v3/market-quote/quotes``; depth only for FULL. Keys Upstox does not know are left out."""
        keys = self._keys(ctx, instruments)

        def parse(data: Any) -> dict[Instrument, Quote]:
            out: dict[Instrument, Quote] = {}
            for row in object_of(data or {}, "quote").values():
                instrument = keys.get(str(row.get("instrument_token"))) if isinstance(row, Mapping) else None
                if instrument is not None:
                    quote = upstox_quote_to_quote(instrument, row)  # type: ignore[arg-type]
                    out[instrument] = quote if mode is StreamMode.FULL else _without_depth(quote)
            return out

        return Call(self._get("/v3/market-quote/quotes", "market.quotes", params={"instrument_key": ",".join(keys)}),
                    parse)

    def ltp(self, ctx: DriverContext, instruments: Sequence[Instrument]) -> Call[dict[Instrument, float]]:
        keys = self._keys(ctx, instruments)

        def parse(data: Any) -> dict[Instrument, float]:
            out: dict[Instrument, float] = {}
            for row in object_of(data or {}, "ltp").values():
                instrument = keys.get(str(row.get("instrument_token"))) if isinstance(row, Mapping) else None
                if instrument is not None:
                    out[instrument] = number(row.get("last_price"))
            return out

        return Call(self._get("/v3/market-quote/ltp", "market.ltp", params={"instrument_key": ",".join(keys)}),
                    parse)

    def history(self, ctx: DriverContext, request: HistoryRequest) -> Call[list[Candle]]:
        """One chunk: the v3 historical endpoint by day range, or the intraday one for today alone."""
        key = _quote(ctx.resolve(request.instrument).token, safe="")
        unit, interval = UPSTOX_INTERVALS[request.interval]
        start, end = request.start.astimezone(IST), request.end.astimezone(IST)
        today = ctx.now().astimezone(IST).date()
        if start.date() == end.date() == today:
            path = f"/v3/historical-candle/intraday/{key}/{unit}/{interval}"
        else:
            path = f"/v3/historical-candle/{key}/{unit}/{interval}/{end.date().isoformat()}/{start.date().isoformat()}"

        def parse(data: Any) -> list[Candle]:
            daily = request.interval is CandleInterval.DAY
            return [c if request.oi else _without_oi(c) for c in upstox_candles_to_candles(data)
                    if (start.date() <= c.timestamp.date() <= end.date() if daily else start <= c.timestamp <= end)]

        return Call(self._get(path, "market.history"), parse)

    # -- GTT -------------------------------------------------------------------------------

    def _gtt_body(self, ctx: DriverContext, request: GttRequest) -> dict[str, Any]:
        if len(request.legs) != 1:
            raise UnsupportedOperationError(
                "Upstox GTTs start with an entry: a two-leg OCO exit has no Upstox form; place one trigger",
                broker=BROKER)
        (leg,) = request.legs
        rule = {"strategy": "ENTRY", "trigger_type": "ABOVE" if leg.trigger_price > request.last_price else "BELOW",
                "trigger_price": leg.trigger_price}
        return {"type": "SINGLE", "quantity": leg.qty, "product": product_to_upstox(leg.product), "rules": [rule],
                "instrument_token": ctx.resolve(request.instrument).token, "transaction_type": leg.side.value}

    def place_gtt(self, ctx: DriverContext, request: GttRequest) -> Call[str]:
        """``POST /v3/order/gtt/place`` (main host). Upstox executes a triggered GTT at market: a leg's
        limit price has no place in its rules."""
        return Call(self._order_call("POST", "/v3/order/gtt/place", "gtt.place", body=self._gtt_body(ctx, request),
                                     host=self._api), _first_gtt_id)

    def modify_gtt(self, ctx: DriverContext, gtt_id: str, request: GttRequest) -> Call[str]:
        body = self._gtt_body(ctx, request)
        body = {"type": body["type"], "quantity": body["quantity"], "rules": body["rules"], "gtt_order_id": gtt_id}
        return Call(self._order_call("PUT", "/v3/order/gtt/modify", "gtt.modify", body=body, host=self._api),
                    _first_gtt_id)

    def cancel_gtt(self, ctx: DriverContext, gtt_id: str) -> Call[str]:
        return Call(self._order_call("DELETE", "/v3/order/gtt/cancel", "gtt.cancel", body={"gtt_order_id": gtt_id},
                                     host=self._api), _first_gtt_id)

    def gtts(self, ctx: DriverContext) -> Call[list[Gtt]]:
        return Call(self._get("/v3/order/gtt", "gtt.list"),
                    lambda data: parse_rows(rows_of(data, "GTT list"), lambda r: upstox_gtt_to_gtt(ctx, r),
                                            broker=BROKER, what="gtts"))

    def gtt(self, ctx: DriverContext, gtt_id: str) -> Call[Gtt]:
        def parse(data: Any) -> Gtt:
            rows = rows_of(data, "GTT details")
            if not rows:
                raise BrokerFailure(f"GTT order not found: {gtt_id}", http_status=200)
            return upstox_gtt_to_gtt(ctx, rows[0])

        return Call(self._get("/v3/order/gtt", "gtt.details", params={"gtt_order_id": gtt_id}), parse)

    # -- margins and conversion ------------------------------------------------------------

    def _margin_request(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> HttpRequest:
        items = [{"instrument_key": ctx.resolve(r.instrument).token, "quantity": r.qty,
                  "product": product_to_upstox(r.product), "transaction_type": r.side.value,
                  "price": r.price if r.order_type in (OrderType.LIMIT, OrderType.SL) and r.price else 0}
                 for r in requests]
        return HttpRequest(method="POST", url=f"{self._api}/v2/charges/margin", endpoint="charges.margin",
                           json={"instruments": items})

    def order_margins(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[list[MarginRequirement]]:
        """Each order priced on its own: one request per order would cost a call each, so the batch is sent
        and its per-instrument ``margins`` are read (Upstox prices each line alone there)."""
        instruments = [r.instrument for r in requests]
        return Call(self._margin_request(ctx, requests),
                    lambda data: upstox_margin_to_requirements(instruments, object_of(data, "margin")))

    def basket_margin(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[BasketMargin]:
        """``required_margin`` is the lines added up, ``final_margin`` the basket with its hedge benefit."""
        instruments = [r.instrument for r in requests]

        def parse(data: Any) -> BasketMargin:
            payload = object_of(data, "margin")
            lines = upstox_margin_to_requirements(instruments, payload)
            return BasketMargin(initial=MarginRequirement(total=number(payload.get("required_margin"))),
                                final=MarginRequirement(total=number(payload.get("final_margin"))),
                                orders=tuple(lines), raw=payload)

        return Call(self._margin_request(ctx, requests), parse)

    def static_ip(self, ctx: DriverContext) -> Call[StaticIp]:
        """``GET /v2/user/ip``: the primary and secondary IPs orders are accepted from."""
        return Call(self._get("/v2/user/ip", "user.ip"), lambda data: _static_ip(object_of(data, "user IP")))

    def set_static_ip(self, ctx: DriverContext, current: StaticIp, primary: str,
                      secondary: str | None) -> Sequence[Call[object]]:
        """``PUT /v2/user/ip`` sets both at once; the reply says whether Upstox invalidated the access
        tokens (``access_tokens_invalidated``, SDK ``UserIpResponseData``)."""
        body = {"primary_ip": primary, "secondary_ip": secondary or ""}
        return [Call(HttpRequest(method="PUT", url=f"{self._api}/v2/user/ip", endpoint="user.ip.update", json=body,
                                 is_write=True), lambda data: _static_ip(object_of(data, "user IP")))]

    def convert_position(self, ctx: DriverContext, request: ConvertRequest) -> Call[bool]:
        body = {"instrument_token": ctx.resolve(request.instrument).token,
                "new_product": product_to_upstox(request.to_product),
                "old_product": product_to_upstox(request.from_product), "transaction_type": request.side.value,
                "quantity": request.qty}
        return Call(HttpRequest(method="PUT", url=f"{self._api}/v2/portfolio/convert-position",
                                endpoint="portfolio.convert", json=body, headers=_V2, is_write=True),
                    lambda data: isinstance(data, Mapping) and str(data.get("status", "")).lower() == "complete")


def _id(data: Any, key: str) -> str:
    """The id a write's reply carries: ``order_id``, or the first of ``order_ids``/``gtt_order_ids``."""
    found = object_of(data, key).get(key)
    if isinstance(found, list):
        found = found[0] if found else None
    if not found:
        raise BrokerFailure(f"Upstox's reply carries no {key}", raw=data)
    return str(found)


def _order_ids(data: Any) -> list[str]:
    ids = object_of(data, "place order").get("order_ids")
    if not isinstance(ids, list) or not ids:
        raise BrokerFailure("Upstox's reply carries no order_ids", raw=data)
    return [str(i) for i in ids]


def _static_ip(data: Mapping[str, Any]) -> StaticIp:
    return StaticIp(primary=str(data.get("primary_ip") or ""), secondary=str(data.get("secondary_ip") or ""),
                    raw=data)


def _first_order_id(data: Any) -> str:
    return _id(data, "order_ids")


def _order_id(data: Any) -> str:
    return _id(data, "order_id")


def _first_gtt_id(data: Any) -> str:
    return _id(data, "gtt_order_ids")


def _without_depth(quote: Quote) -> Quote:
    return msgspec.structs.replace(quote, depth=None)


def _without_oi(candle: Candle) -> Candle:
    return msgspec.structs.replace(candle, oi=0)

