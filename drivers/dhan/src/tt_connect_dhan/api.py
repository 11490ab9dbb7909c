"""DhanHQ v2 REST: request builders (JSON bodies) around the pure parsers of ``parsing.py``.

Every builder returns a :class:`~tt_connect.driver_api.Call` and does no I/O; the translator
keeps no state. Bodies carry ``dhanClientId``, as the official SDK's do (``dhan_http.py``), and
the fields the SDK always sends (``disclosedQuantity``, ``triggerPrice``, ``afterMarketOrder``,
null ``boProfitValue``/``boStopLossValue``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

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
from tt_connect.enums import CandleInterval, Exchange, InstrumentKind, StreamMode, Variety
from tt_connect.errors import BrokerUnavailableError, GttNotFoundError, UnsupportedOperationError
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

from tt_connect_dhan.limits import DATA, NON_TRADING, ORDERS, QUOTE
from tt_connect_dhan.mapping import BROKER, DHAN_INTERVALS, HISTORY_MAX_DAYS, order_type_to_dhan, product_to_dhan
from tt_connect_dhan.parsing import (
    dhan_basket_margin_to_basket,
    dhan_candles_to_candles,
    dhan_day_position,
    dhan_forever_to_gtts,
    dhan_funds_to_funds,
    dhan_holding_to_holding,
    dhan_margin_to_requirement,
    dhan_order_to_order,
    dhan_position_to_position,
    dhan_profile_to_profile,
    dhan_quote_to_quote,
    dhan_static_ip,
    dhan_trade_to_trade,
    number,
    object_of,
    quote_data,
    rows_of,
    text,
)
from tt_connect_dhan.triggers import convert_body, forever_body, forever_leg_body, margin_item, target_first

__all__ = ["QUOTE_BATCH", "DhanApi", "chart_instrument"]

QUOTE_BATCH = 1000
"""Instruments per ``/marketfeed/*`` request (docs)."""
_INDEX_UNDERLYINGS = frozenset({"NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "NIFTYNXT50", "SENSEX", "BANKEX",
                                "SENSEX50"})
"""Underlyings whose derivatives are index (``FUTIDX``/``OPTIDX``) contracts."""


def chart_instrument(instrument: Instrument) -> str:
    """The annexure ``instrument`` the chart APIs want (``EQUITY``, ``OPTIDX``, ``FUTCOM``...)."""
    kind = instrument.kind
    if kind is InstrumentKind.EQ:
        return "EQUITY"
    if kind is InstrumentKind.IDX:
        return "INDEX"
    prefix = "FUT" if kind is InstrumentKind.FUT else "OPT"
    if instrument.exchange is Exchange.MCX:
        return "FUTCOM" if prefix == "FUT" else "OPTFUT"
    if instrument.exchange in (Exchange.CDS, Exchange.BCD):
        return prefix + "CUR"
    return prefix + ("IDX" if instrument.underlying in _INDEX_UNDERLYINGS else "STK")


class DhanApi(BrokerApi):
    """Request builders and parsers for DhanHQ v2."""

    broker = BROKER
    tag_max_length = 30
    """``correlationId``: at most 30 characters (docs)."""
    tag_alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    quote_batch_size = QUOTE_BATCH
    margin_batch_size = 1
    """``/margincalculator`` prices one order a call."""
    history_max_days = HISTORY_MAX_DAYS
    needs_known_order = frozenset({Operation.MODIFY_ORDER})
    """A modification repeats the order's type, quantity, prices and validity (the SDK sends them all)."""

    def __init__(self, api_url: str, client_id: str) -> None:
        self._api = api_url.rstrip("/")
        self._client = client_id

    # -- plumbing --------------------------------------------------------------------------

    def _request(self, method: str, path: str, endpoint: str, *, rate_class: str = NON_TRADING, body: Any = None,
                 is_write: bool = False) -> HttpRequest:
        if isinstance(body, dict):
            body = {**body, "dhanClientId": self._client}
        return HttpRequest(method=method, url=f"{self._api}{path}", endpoint=endpoint, rate_class=rate_class,
                           json=body, is_write=is_write, headers={"Accept": "application/json"})

    def unwrap(self, response: HttpResponse) -> Any:
        """Return the bare JSON of a 2xx reply (``{}`` for an empty one), or raise :class:`BrokerFailure`."""
        if 200 <= response.status < 300:
            return response.json() if response.body.strip() else {}
        try:
            body = response.json()
        except BrokerUnavailableError:
            raise BrokerFailure(f"Dhan answered HTTP {response.status}", http_status=response.status) from None
        if not isinstance(body, Mapping):
            raise BrokerFailure(f"Dhan answered HTTP {response.status}", http_status=response.status, raw=body)
        code = body.get("errorCode")
        message = body.get("errorMessage") or body.get("errorType") or f"HTTP {response.status}"
        raise BrokerFailure(str(message), code=str(code) if code else None, http_status=response.status,
                            raw=dict(body))

    def _rows(self, ctx: DriverContext, parse: Callable[[DriverContext, Mapping[str, Any]], Any],
              what: str) -> Callable[[Any], list[Any]]:
        return lambda payload: parse_rows(rows_of(payload, what), lambda row: parse(ctx, row), broker=BROKER,
                                          what=what)

    # -- account and portfolio ---------------------------------------------------------------

    def profile(self, ctx: DriverContext) -> Call[Profile]:
        return Call(self._request("GET", "/profile", "user.profile"),
                    lambda payload: dhan_profile_to_profile(object_of(payload, "profile")))

    def funds(self, ctx: DriverContext) -> Call[Funds]:
        return Call(self._request("GET", "/fundlimit", "user.funds"),
                    lambda payload: dhan_funds_to_funds(object_of(payload, "fund limit")))

    def holdings(self, ctx: DriverContext) -> Call[list[Holding]]:
        return Call(self._request("GET", "/holdings", "portfolio.holdings"),
                    self._rows(ctx, dhan_holding_to_holding, "holdings"))

    def positions(self, ctx: DriverContext) -> Call[list[Position]]:
        return Call(self._request("GET", "/positions", "portfolio.positions"),
                    self._rows(ctx, dhan_position_to_position, "positions"))

    def day_positions(self, ctx: DriverContext) -> Call[list[Position]]:
        return Call(self._request("GET", "/positions", "portfolio.positions"),
                    self._rows(ctx, dhan_day_position, "positions"))

    def convert_position(self, ctx: DriverContext, request: ConvertRequest) -> Call[bool]:
        body = convert_body(ctx.resolve(request.instrument), request)
        return Call(self._request("POST", "/positions/convert", "portfolio.convert", body=body, is_write=True),
                    lambda payload: True)

    # -- the whitelisted static IPs (order writes are refused from any other, v2.4) ---------

    def static_ip(self, ctx: DriverContext) -> Call[StaticIp]:
        """``GET /ip/getIP``: both IPs and the dates they were last changed."""
        return Call(self._request("GET", "/ip/getIP", "ip.get"),
                    lambda payload: dhan_static_ip(object_of(payload, "static IP")))

    def set_static_ip(self, ctx: DriverContext, current: StaticIp, primary: str,
                      secondary: str | None) -> Sequence[Call[object]]:
        """One write per IP: ``POST /ip/setIP`` the first time, ``PUT /ip/modifyIP`` after; an IP
        already registered is not sent again (Dhan limits how often one may change)."""
        wanted = (("PRIMARY", primary, current.primary), ("SECONDARY", secondary, current.secondary))
        return [Call(self._request("PUT" if held else "POST", "/ip/modifyIP" if held else "/ip/setIP",
                                   "ip.modify" if held else "ip.set", body={"ip": ip, "ipFlag": flag}, is_write=True),
                     lambda payload: payload)
                for flag, ip, held in wanted if ip and ip != held]

    # -- orders ------------------------------------------------------------------------------

    def orders(self, ctx: DriverContext) -> Call[list[Order]]:
        return Call(self._request("GET", "/orders", "orders.list"), self._rows(ctx, dhan_order_to_order, "orders"))

    def order(self, ctx: DriverContext, order_id: str) -> Call[Order]:
        """``GET /orders/{id}``: the order's latest state."""
        return Call(self._request("GET", f"/orders/{order_id}", "orders.one"),
                    lambda payload: dhan_order_to_order(ctx, object_of(payload, "order")))

    def trades(self, ctx: DriverContext) -> Call[list[Trade]]:
        return Call(self._request("GET", "/trades", "trades.list"), self._rows(ctx, dhan_trade_to_trade, "trades"))

    def order_trades(self, ctx: DriverContext, order_id: str) -> Call[list[Trade]]:
        return Call(self._request("GET", f"/trades/{order_id}", "trades.order"),
                    self._rows(ctx, dhan_trade_to_trade, "order trades"))

    def place_order(self, ctx: DriverContext, request: OrderRequest) -> Call[str]:
        """``POST /orders``: AMO is a flag with ``amoTime``; a cover order is product ``CO`` with its stop."""
        symbol = ctx.resolve(request.instrument)
        amo = request.variety is Variety.AMO
        body: dict[str, Any] = {
            "transactionType": request.side.value, "exchangeSegment": symbol.segment,
            "productType": "CO" if request.variety is Variety.CO else product_to_dhan(request.product),
            "orderType": order_type_to_dhan(request.order_type), "validity": request.validity.value,
            "securityId": symbol.token, "quantity": request.qty, "disclosedQuantity": request.disclosed_qty,
            "price": float(request.price or 0.0), "triggerPrice": float(request.trigger_price or 0.0),
            "afterMarketOrder": amo, "boProfitValue": None, "boStopLossValue": None,
        }
        if amo:
            body["amoTime"] = "OPEN"
        if request.tag:
            body["correlationId"] = request.tag
        return Call(self._request("POST", "/orders", "orders.place", rate_class=ORDERS, body=body, is_write=True),
                    lambda payload: text(object_of(payload, "order placement").get("orderId")))

    def modify_order(self, ctx: DriverContext, request: ModifyRequest) -> Call[str]:
        """``PUT /orders/{id}`` with every field, as the SDK sends it: what does not change comes from the
        order as the core last saw it; ``quantity`` is the new total quantity."""
        known = ctx.known_order(request.order_id)
        order_type = request.order_type or (known.order_type if known else None)
        body: dict[str, Any] = {"orderId": request.order_id}
        if order_type is not None:
            body["orderType"] = order_type_to_dhan(order_type)
        fields: tuple[tuple[str, Any, Any], ...] = (
            ("quantity", request.qty, known.qty if known else None),
            ("disclosedQuantity", request.disclosed_qty, known.disclosed_qty if known else None),
            ("price", request.price, known.price if known else None),
            ("triggerPrice", request.trigger_price, known.trigger_price if known else None),
            ("validity", request.validity.value if request.validity else None, known.validity.value if known else None),
        )
        for name, wanted, current in fields:
            value = wanted if wanted is not None else current
            if value is not None:
                body[name] = float(value) if name in ("price", "triggerPrice") else value
        if request.variety is Variety.CO:
            body["legName"] = "STOP_LOSS_LEG" if request.trigger_price is not None else "ENTRY_LEG"
        return Call(self._request("PUT", f"/orders/{request.order_id}", "orders.modify", rate_class=ORDERS,
                                  body=body, is_write=True),
                    lambda payload: text(object_of(payload, "order modification").get("orderId")) or request.order_id)

    def cancel_order(self, ctx: DriverContext, request: CancelRequest) -> Call[str]:
        order_id = request.order_id
        return Call(self._request("DELETE", f"/orders/{order_id}", "orders.cancel", rate_class=ORDERS, is_write=True),
                    lambda payload: text(object_of(payload, "order cancellation").get("orderId")) or order_id)

    # -- market data -------------------------------------------------------------------------

    @staticmethod
    def _batch(ctx: DriverContext, instruments: Sequence[Instrument]
               ) -> tuple[dict[str, list[int]], dict[tuple[str, str], Instrument]]:
        """Segment -> integer security ids on the wire, and the way back to our instruments."""
        wire: dict[str, list[int]] = {}
        back: dict[tuple[str, str], Instrument] = {}
        for instrument in instruments:
            symbol = ctx.resolve(instrument)
            wire.setdefault(symbol.segment, []).append(int(symbol.token))
            back[(symbol.segment, symbol.token)] = instrument
        return wire, back

    @staticmethod
    def _each(payload: Any, back: Mapping[tuple[str, str], Instrument]) -> list[tuple[Instrument, Mapping[str, Any]]]:
        found = []
        for segment, rows in quote_data(payload).items():
            if isinstance(rows, Mapping):
                for security_id, row in rows.items():
                    instrument = back.get((str(segment), str(security_id)))
                    if instrument is not None and isinstance(row, Mapping):
                        found.append((instrument, row))
        return found

    def quote(self, ctx: DriverContext, instruments: Sequence[Instrument],
              mode: StreamMode) -> Call[dict[Instrument, Quote]]:
        """``POST /marketfeed/quote`` (``/ohlc`` for LTP mode), one batch of at most 1000 instruments."""
        path = "/marketfeed/ohlc" if mode is StreamMode.LTP else "/marketfeed/quote"
        depth = mode is StreamMode.FULL
        wire, back = self._batch(ctx, instruments)
        return Call(self._request("POST", path, "market.quote", rate_class=QUOTE, body=wire),
                    lambda payload: {inst: dhan_quote_to_quote(inst, row, depth)  # type: ignore[arg-type]
                                     for inst, row in self._each(payload, back)})

    def ltp(self, ctx: DriverContext, instruments: Sequence[Instrument]) -> Call[dict[Instrument, float]]:
        wire, back = self._batch(ctx, instruments)
        return Call(self._request("POST", "/marketfeed/ltp", "market.ltp", rate_class=QUOTE, body=wire),
                    lambda payload: {inst: number(row.get("last_price"))
                                     for inst, row in self._each(payload, back)})

    def history(self, ctx: DriverContext, request: HistoryRequest) -> Call[list[Candle]]:
        """One chunk: ``/charts/intraday`` (minutes, IST times) or ``/charts/historical`` (days, end exclusive)."""
        instrument, interval, start, end, oi = request.instrument, request.interval, request.start, request.end, \
            request.oi
        minutes = DHAN_INTERVALS.get(interval)
        if minutes is None:
            raise UnsupportedOperationError(f"Dhan has no {interval} candles (1, 5, 15, 60 minutes and days)",
                                            broker=BROKER)
        symbol = ctx.resolve(instrument)
        body: dict[str, Any] = {"securityId": symbol.token, "exchangeSegment": symbol.segment,
                                "instrument": chart_instrument(instrument), "oi": oi}
        if interval is CandleInterval.DAY:
            body.update(expiryCode=0, fromDate=f"{start.astimezone(IST):%Y-%m-%d}",
                        toDate=f"{end.astimezone(IST).date() + _dt.timedelta(days=1):%Y-%m-%d}")
            path, endpoint = "/charts/historical", "market.history_daily"
        else:
            body.update(interval=int(minutes), fromDate=f"{start.astimezone(IST):%Y-%m-%d %H:%M:%S}",
                        toDate=f"{end.astimezone(IST):%Y-%m-%d %H:%M:%S}")
            path, endpoint = "/charts/intraday", "market.history_intraday"
        first, last = start.astimezone(IST), end.astimezone(IST)
        return Call(self._request("POST", path, endpoint, rate_class=DATA, body=body),
                    lambda payload: [c for c in dhan_candles_to_candles(payload) if first <= c.timestamp <= last])

    # -- forever orders (GTT) ----------------------------------------------------------------

    def place_gtt(self, ctx: DriverContext, request: GttRequest) -> Call[str]:
        body = forever_body(ctx.resolve(request.instrument), request)
        return Call(self._request("POST", "/forever/orders", "gtt.place", rate_class=ORDERS, body=body, is_write=True),
                    lambda payload: text(object_of(payload, "forever order").get("orderId")))

    def modify_gtt(self, ctx: DriverContext, gtt_id: str, request: GttRequest) -> Call[str]:
        """One leg a call: a SINGLE order's trigger (``TARGET_LEG``); an OCO is modified leg by leg."""
        if len(request.legs) != 1:
            raise UnsupportedOperationError("Dhan modifies a forever order one leg at a time: cancel the OCO and "
                                            "place it again", broker=BROKER)
        body = forever_leg_body(gtt_id, target_first(request.legs)[0], "TARGET_LEG", oco=False)
        return Call(self._request("PUT", f"/forever/orders/{gtt_id}", "gtt.modify", rate_class=ORDERS, body=body,
                                  is_write=True), lambda payload: gtt_id)

    def cancel_gtt(self, ctx: DriverContext, gtt_id: str) -> Call[str]:
        return Call(self._request("DELETE", f"/forever/orders/{gtt_id}", "gtt.cancel", rate_class=ORDERS,
                                  is_write=True), lambda payload: gtt_id)

    def gtts(self, ctx: DriverContext) -> Call[list[Gtt]]:
        return Call(self._request("GET", "/forever/orders", "gtt.list"),
                    lambda payload: dhan_forever_to_gtts(ctx, payload))

    def gtt(self, ctx: DriverContext, gtt_id: str) -> Call[Gtt]:
        """Dhan has no single-order read for forever orders: the list, filtered."""
        def pick(payload: Any) -> Gtt:
            for found in dhan_forever_to_gtts(ctx, payload):
                if found.gtt_id == gtt_id:
                    return found
            raise GttNotFoundError(f"Dhan has no forever order {gtt_id}", broker=BROKER)
        return Call(self._request("GET", "/forever/orders", "gtt.list"), pick)

    # -- margins -----------------------------------------------------------------------------

    def order_margins(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[list[MarginRequirement]]:
        """``POST /margincalculator``: one order a call (``margin_batch_size`` is 1)."""
        (request,) = requests
        body = margin_item(ctx.resolve(request.instrument), request)
        return Call(self._request("POST", "/margincalculator", "margins.order", body=body),
                    lambda payload: [dhan_margin_to_requirement(request.instrument, object_of(payload, "margin"))])

    def basket_margin(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[BasketMargin]:
        """``POST /margincalculator/multi`` with the SDK's keys (``includePosition``, ``scripList``)."""
        body = {"includePosition": False, "includeOrder": False,
                "scripList": [margin_item(ctx.resolve(r.instrument), r) for r in requests]}
        return Call(self._request("POST", "/margincalculator/multi", "margins.basket", body=body),
                    lambda payload: dhan_basket_margin_to_basket(object_of(payload, "basket margin")))

