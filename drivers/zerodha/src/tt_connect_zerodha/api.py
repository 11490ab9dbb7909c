"""Kite Connect v3 REST: request builders and pure ``kite_*_to_*`` parsers.

Every builder returns a :class:`~tt_connect.driver_api.Call` (request + parser)
and does no I/O. Bodies are form-encoded, as Kite requires; list parameters
(``i=NSE:INFY&i=NSE:SBIN``) go into the URL because Kite wants repeated keys.
Parsers keep the Kite payload in ``raw`` and attach instruments through the
``DriverContext`` (``by_symbol(exchange, tradingsymbol)``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from tt_connect.driver_api import (
    BrokerApi,
    BrokerFailure,
    Call,
    DriverContext,
    HttpRequest,
    HttpResponse,
    parse_rows,
)
from tt_connect.enums import CandleInterval, StreamMode, Validity, Variety
from tt_connect.errors import BrokerUnavailableError, InputError, InvalidOrderError
from tt_connect.instruments import AnyInstrument, Instrument, format_strike
from tt_connect.models import (
    BasketMargin,
    Candle,
    ConvertRequest,
    Depth,
    DepthLevel,
    Funds,
    Gtt,
    GttRequest,
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
from tt_connect.timeutil import IST

from tt_connect_zerodha.limits import DEFAULT, HISTORICAL, ORDERS, QUOTE
from tt_connect_zerodha.mapping import (
    HISTORY_MAX_DAYS,
    KITE_INTERVALS,
    kite_candle_time,
    kite_order_type,
    kite_product,
    kite_side,
    kite_status_to_status,
    kite_time,
    kite_validity,
    kite_variety,
    order_type_to_kite,
    product_to_kite,
    variety_to_kite,
)
from tt_connect_zerodha.triggers import (
    convert_form,
    gtt_form,
    kite_basket_to_basket,
    kite_gtt_to_gtt,
    kite_margin_to_margin,
    margin_body,
)

__all__ = [
    "LTP_BATCH",
    "QUOTE_BATCH",
    "ZerodhaApi",
    "kite_candles_to_candles",
    "kite_funds_to_funds",
    "kite_holding_to_holding",
    "kite_order_to_order",
    "kite_position_to_position",
    "kite_profile_to_profile",
    "kite_quote_to_quote",
    "kite_segment_to_segment_funds",
    "kite_trade_to_trade",
]

BROKER = "zerodha"
QUOTE_BATCH = 500
"""Instruments per ``/quote`` request (reference 1.7)."""
LTP_BATCH = 1000
"""Instruments per ``/quote/ltp`` and ``/quote/ohlc`` request (reference 1.7)."""


def _f(value: Any) -> float:
    return float(value) if value is not None else 0.0


def _i(value: Any) -> int:
    return int(value) if value is not None else 0


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: float) -> str:
    """A price or percentage as Kite's forms take it: ``590.5``, ``2``, and ``-1`` (not ``-1.0``)."""
    return format_strike(value) if value >= 0 else "-" + format_strike(-value)


def _instrument(ctx: DriverContext, row: Mapping[str, Any]) -> AnyInstrument:
    return ctx.by_symbol(_s(row.get("exchange")), _s(row.get("tradingsymbol")))


def _rows(payload: Any, what: str) -> list[Mapping[str, Any]]:
    if not isinstance(payload, list):
        raise BrokerUnavailableError(f"Kite {what} reply is not a list", broker=BROKER)
    return payload


def _object(payload: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise BrokerUnavailableError(f"Kite {what} reply is not an object", broker=BROKER)
    return payload


# -- parsers -----------------------------------------------------------------------------


def kite_profile_to_profile(data: Mapping[str, Any]) -> Profile:
    """Parse ``GET /user/profile``."""
    return Profile(broker=BROKER, user_id=_s(data.get("user_id")), name=_s(data.get("user_name")),
                   email=_s(data.get("email")), exchanges=tuple(data.get("exchanges") or ()),
                   products=tuple(data.get("products") or ()), raw=data)


def kite_segment_to_segment_funds(data: Mapping[str, Any]) -> SegmentFunds:
    """Parse one segment of ``GET /user/margins``: ``net`` is what new orders can use."""
    available = data.get("available") or {}
    utilised = data.get("utilised") or {}
    return SegmentFunds(
        available_cash=_f(available.get("cash")),
        available_margin=_f(data.get("net")),
        used_margin=_f(utilised.get("debits")),
        opening_balance=_f(available.get("opening_balance")),
        collateral=_f(available.get("collateral")),
        payin=_f(available.get("intraday_payin")),
        payout=_f(utilised.get("payout")),
        raw=data,
    )


def kite_funds_to_funds(data: Mapping[str, Any]) -> Funds:
    """Parse ``GET /user/margins`` (equity and commodity segments)."""
    equity = data.get("equity")
    if not isinstance(equity, Mapping):
        raise BrokerUnavailableError("Kite margins reply has no equity segment", broker=BROKER)
    commodity = data.get("commodity")
    return Funds(equity=kite_segment_to_segment_funds(equity),
                 commodity=kite_segment_to_segment_funds(commodity) if isinstance(commodity, Mapping) else None,
                 raw=data)


def kite_holding_to_holding(ctx: DriverContext, row: Mapping[str, Any]) -> Holding:
    """Parse one row of ``GET /portfolio/holdings``."""
    return Holding(instrument=_instrument(ctx, row), quantity=_i(row.get("quantity")),
                   average_price=_f(row.get("average_price")), last_price=_f(row.get("last_price")),
                   t1_quantity=_i(row.get("t1_quantity")), pnl=_f(row.get("pnl")),
                   day_change=_f(row.get("day_change")), isin=_s(row.get("isin")), raw=row)


def kite_position_to_position(ctx: DriverContext, row: Mapping[str, Any]) -> Position:
    """Parse one row of ``GET /portfolio/positions`` (``net`` or ``day``)."""
    return Position(
        instrument=_instrument(ctx, row), product=kite_product(row.get("product")),
        quantity=_i(row.get("quantity")), average_price=_f(row.get("average_price")),
        last_price=_f(row.get("last_price")), buy_quantity=_i(row.get("buy_quantity")),
        buy_price=_f(row.get("buy_price")), sell_quantity=_i(row.get("sell_quantity")),
        sell_price=_f(row.get("sell_price")), overnight_quantity=_i(row.get("overnight_quantity")),
        realised_pnl=_f(row.get("realised")), unrealised_pnl=_f(row.get("unrealised")),
        pnl=_f(row.get("pnl")), multiplier=_f(row.get("multiplier") or 1), raw=row)


def kite_order_to_order(ctx: DriverContext, row: Mapping[str, Any]) -> Order:
    """Parse a Kite order (order book, order history, postback or stream update)."""
    filled = _i(row.get("filled_quantity"))
    pending = _i(row.get("pending_quantity"))
    return Order(
        order_id=_s(row.get("order_id")), instrument=_instrument(ctx, row),
        side=kite_side(row.get("transaction_type")), qty=_i(row.get("quantity")),
        order_type=kite_order_type(row.get("order_type")), product=kite_product(row.get("product")),
        status=kite_status_to_status(row.get("status"), filled, pending),
        validity=kite_validity(row.get("validity")), variety=kite_variety(row.get("variety")),
        price=_f(row.get("price")), trigger_price=_f(row.get("trigger_price")),
        average_price=_f(row.get("average_price")), filled_qty=filled, pending_qty=pending,
        cancelled_qty=_i(row.get("cancelled_quantity")), disclosed_qty=_i(row.get("disclosed_quantity")),
        tag=_s(row.get("tag")), status_message=_s(row.get("status_message")),
        exchange_order_id=_s(row.get("exchange_order_id")), placed_at=kite_time(row.get("order_timestamp")),
        updated_at=kite_time(row.get("exchange_update_timestamp")) or kite_time(row.get("exchange_timestamp"))
        or kite_time(row.get("order_timestamp")),
        raw=row)


def kite_trade_to_trade(ctx: DriverContext, row: Mapping[str, Any]) -> Trade:
    """Parse one fill (``GET /trades``, ``GET /orders/{id}/trades``); its price is ``average_price``."""
    return Trade(trade_id=_s(row.get("trade_id")), order_id=_s(row.get("order_id")),
                 instrument=_instrument(ctx, row), side=kite_side(row.get("transaction_type")),
                 qty=_i(row.get("quantity")), price=_f(row.get("average_price")),
                 product=kite_product(row.get("product")),
                 traded_at=kite_time(row.get("fill_timestamp")) or kite_time(row.get("exchange_timestamp")),
                 exchange_order_id=_s(row.get("exchange_order_id")), raw=row)


def _depth(data: Any) -> Depth | None:
    if not isinstance(data, Mapping):
        return None

    def levels(side: Any) -> tuple[DepthLevel, ...]:
        return tuple(DepthLevel(price=_f(lv.get("price")), quantity=_i(lv.get("quantity")),
                                orders=_i(lv.get("orders"))) for lv in side or ())

    return Depth(bids=levels(data.get("buy")), asks=levels(data.get("sell")))


def kite_quote_to_quote(instrument: AnyInstrument, row: Mapping[str, Any], with_depth: bool = True) -> Quote:
    """Parse one entry of ``GET /quote`` (or ``/quote/ltp``, which only has ``last_price``)."""
    ohlc = row.get("ohlc") or {}
    return Quote(
        instrument=instrument, last_price=_f(row.get("last_price")), last_quantity=_i(row.get("last_quantity")),
        average_price=_f(row.get("average_price")), volume=_i(row.get("volume")),
        buy_quantity=_i(row.get("buy_quantity")), sell_quantity=_i(row.get("sell_quantity")),
        open=_f(ohlc.get("open")), high=_f(ohlc.get("high")), low=_f(ohlc.get("low")), close=_f(ohlc.get("close")),
        net_change=_f(row.get("net_change")), oi=_i(row.get("oi")), oi_day_high=_i(row.get("oi_day_high")),
        oi_day_low=_i(row.get("oi_day_low")), lower_circuit=_f(row.get("lower_circuit_limit")),
        upper_circuit=_f(row.get("upper_circuit_limit")), last_trade_time=kite_time(row.get("last_trade_time")),
        timestamp=kite_time(row.get("timestamp")), depth=_depth(row.get("depth")) if with_depth else None, raw=row)


def kite_candles_to_candles(data: Mapping[str, Any]) -> list[Candle]:
    """Parse ``{"candles": [[ts, o, h, l, c, v(, oi)], ...]}``."""
    out: list[Candle] = []
    for row in data.get("candles") or ():
        out.append(Candle(timestamp=kite_candle_time(row[0]), open=_f(row[1]), high=_f(row[2]), low=_f(row[3]),
                          close=_f(row[4]), volume=_i(row[5]), oi=_i(row[6]) if len(row) > 6 else 0))
    return out


# -- the BrokerApi -----------------------------------------------------------------------


class ZerodhaApi(BrokerApi):
    """Kite Connect v3 request builders and parsers."""

    broker = BROKER
    tag_max_length = 20
    """Kite's documented limit for the ``tag`` field."""

    def __init__(self, api_url: str = "https://api.kite.trade") -> None:
        self._api = api_url.rstrip("/")

    # -- plumbing --------------------------------------------------------------------------

    def unwrap(self, response: HttpResponse) -> Any:
        """Return ``data`` of ``{"status": "success", ...}``; raise BrokerFailure for an error envelope.

        A body that is not JSON (a proxy's HTML page) raises BrokerUnavailableError from
        ``HttpResponse.json``.
        """
        body = response.json()
        if isinstance(body, Mapping):
            status = body.get("status")
            if status == "success" and response.status < 400:
                return body.get("data")
            if status == "error" or response.status >= 400:
                code = body.get("error_type")
                message = body.get("message") or f"Kite replied HTTP {response.status}"
                raise BrokerFailure(str(message), code=code if isinstance(code, str) else None,
                                    http_status=response.status, raw=dict(body))
        if response.status >= 400:
            raise BrokerFailure(f"Kite replied HTTP {response.status}", http_status=response.status, raw=body)
        raise BrokerUnavailableError(f"Kite replied with an unexpected envelope (HTTP {response.status})",
                                     broker=BROKER, http_status=response.status)

    def _get(self, path: str, endpoint: str, *, rate_class: str = DEFAULT,
             params: Mapping[str, str] | None = None) -> HttpRequest:
        return HttpRequest(method="GET", url=f"{self._api}{path}", endpoint=endpoint, rate_class=rate_class,
                           params=params)

    @staticmethod
    def _list(ctx: DriverContext, parse_row: Callable[[DriverContext, Mapping[str, Any]], Any],
              what: str) -> Callable[[Any], Any]:
        return lambda payload: parse_rows(_rows(payload, what), lambda row: parse_row(ctx, row), broker=BROKER,
                                          what=what)

    # -- account and portfolio -------------------------------------------------------------

    def profile(self, ctx: DriverContext) -> Call[Profile]:
        return Call(self._get("/user/profile", "user.profile"),
                    lambda payload: kite_profile_to_profile(_object(payload, "profile")))

    def funds(self, ctx: DriverContext) -> Call[Funds]:
        return Call(self._get("/user/margins", "user.margins"),
                    lambda payload: kite_funds_to_funds(_object(payload, "margins")))

    def holdings(self, ctx: DriverContext) -> Call[list[Holding]]:
        return Call(self._get("/portfolio/holdings", "portfolio.holdings"),
                    self._list(ctx, kite_holding_to_holding, "holdings"))

    def _position_book(self, ctx: DriverContext, book: str) -> Call[list[Position]]:
        def parse(payload: Any) -> list[Position]:
            rows = _object(payload, "positions").get(book)
            return parse_rows(_rows(rows, f"{book} positions"), lambda row: kite_position_to_position(ctx, row),
                              broker=BROKER, what=f"{book} positions")

        return Call(self._get("/portfolio/positions", "portfolio.positions"), parse)

    def positions(self, ctx: DriverContext) -> Call[list[Position]]:
        """Return Kite's ``net`` list: what is held now, carried-forward quantity included."""
        return self._position_book(ctx, "net")

    def day_positions(self, ctx: DriverContext) -> Call[list[Position]]:
        """Return Kite's ``day`` list: today's buys and sells only."""
        return self._position_book(ctx, "day")

    # -- order book ------------------------------------------------------------------------

    def orders(self, ctx: DriverContext) -> Call[list[Order]]:
        return Call(self._get("/orders", "orders.list"), self._list(ctx, kite_order_to_order, "orders"))

    def order_history(self, ctx: DriverContext, order_id: str) -> Call[list[Order]]:
        return Call(self._get(f"/orders/{_path_id(order_id)}", "orders.history"),
                    self._list(ctx, kite_order_to_order, "order history"))

    def trades(self, ctx: DriverContext) -> Call[list[Trade]]:
        return Call(self._get("/trades", "trades.list"), self._list(ctx, kite_trade_to_trade, "trades"))

    def order_trades(self, ctx: DriverContext, order_id: str) -> Call[list[Trade]]:
        return Call(self._get(f"/orders/{_path_id(order_id)}/trades", "orders.trades"),
                    self._list(ctx, kite_trade_to_trade, "order trades"))

    # -- orders ----------------------------------------------------------------------------

    def place_order(self, ctx: DriverContext, request: OrderRequest) -> Call[str]:
        """Build ``POST /orders/{variety}`` (form) carrying our ``tag``; parses to the order id."""
        symbol = ctx.resolve(request.instrument)
        form: list[tuple[str, str]] = [
            ("exchange", symbol.exchange), ("tradingsymbol", symbol.symbol),
            ("transaction_type", request.side.value), ("quantity", str(request.qty)),
            ("product", product_to_kite(request.product, request.variety)),
            ("order_type", order_type_to_kite(request.order_type)), ("validity", request.validity.value),
        ]
        if request.order_type.needs_price:
            if request.price is None:
                raise InvalidOrderError(f"a {request.order_type} order needs a price", broker=BROKER)
            form.append(("price", _number(request.price)))
        if request.order_type.needs_trigger or request.variety is Variety.CO:
            if request.trigger_price is None:
                raise InvalidOrderError(f"a {request.order_type} {request.variety} order needs a trigger_price",
                                        broker=BROKER)
            form.append(("trigger_price", _number(request.trigger_price)))
        if request.validity is Validity.TTL:
            if not request.validity_ttl or request.validity_ttl <= 0:
                raise InvalidOrderError("a TTL order needs validity_ttl, in minutes (> 0)", broker=BROKER)
            form.append(("validity_ttl", str(request.validity_ttl)))
        if request.disclosed_qty:
            form.append(("disclosed_quantity", str(request.disclosed_qty)))
        if request.variety is Variety.ICEBERG:
            legs = request.iceberg_legs
            if legs is None or legs < 2:
                raise InvalidOrderError("an iceberg order needs iceberg_legs (2 or more)", broker=BROKER)
            form.append(("iceberg_legs", str(legs)))
            form.append(("iceberg_quantity", str(-(-request.qty // legs))))
        if request.market_protection is not None:
            form.append(("market_protection", _number(request.market_protection)))
        if request.tag:
            form.append(("tag", request.tag))
        http = HttpRequest(method="POST", url=f"{self._api}/orders/{variety_to_kite(request.variety)}",
                           endpoint="orders.place", rate_class=ORDERS, form=form, is_write=True)
        return Call(http, _order_id)

    def modify_order(self, ctx: DriverContext, request: ModifyRequest) -> Call[str]:
        """Build ``PUT /orders/{variety}/{order_id}`` with only the fields that change."""
        form: list[tuple[str, str]] = []
        if request.qty is not None:
            form.append(("quantity", str(request.qty)))
        if request.price is not None:
            form.append(("price", _number(request.price)))
        if request.trigger_price is not None:
            form.append(("trigger_price", _number(request.trigger_price)))
        if request.order_type is not None:
            form.append(("order_type", order_type_to_kite(request.order_type)))
        if request.validity is not None:
            form.append(("validity", request.validity.value))
        if request.disclosed_qty is not None:
            form.append(("disclosed_quantity", str(request.disclosed_qty)))
        if request.market_protection is not None:
            form.append(("market_protection", _number(request.market_protection)))
        if not form:
            raise InputError("nothing to modify: pass qty, price, trigger_price, order_type, validity, "
                             "disclosed_qty or market_protection", broker=BROKER)
        url = f"{self._api}/orders/{variety_to_kite(request.variety)}/{_path_id(request.order_id)}"
        return Call(HttpRequest(method="PUT", url=url, endpoint="orders.modify", rate_class=ORDERS, form=form,
                                is_write=True), _order_id)

    def cancel_order(self, ctx: DriverContext, order_id: str, variety: Variety) -> Call[str]:
        """Build ``DELETE /orders/{variety}/{order_id}``."""
        url = f"{self._api}/orders/{variety_to_kite(variety)}/{_path_id(order_id)}"
        return Call(HttpRequest(method="DELETE", url=url, endpoint="orders.cancel", rate_class=ORDERS,
                                is_write=True), _order_id)

    # -- market data -----------------------------------------------------------------------

    def _keyed(self, ctx: DriverContext, instruments: Sequence[Instrument]) -> dict[str, Instrument]:
        keys: dict[str, Instrument] = {}
        for instrument in instruments:
            symbol = ctx.resolve(instrument)
            keys[f"{symbol.exchange}:{symbol.symbol}"] = instrument
        return keys

    def _batched(self, path: str, endpoint: str, keys: Sequence[str], size: int) -> list[HttpRequest]:
        requests = []
        for start in range(0, len(keys), size):
            query = urlencode([("i", key) for key in keys[start:start + size]], quote_via=quote)
            requests.append(HttpRequest(method="GET", url=f"{self._api}{path}?{query}", endpoint=endpoint,
                                        rate_class=QUOTE))
        return requests

    def quote(self, ctx: DriverContext, instruments: Sequence[Instrument],
              mode: StreamMode) -> list[Call[dict[Instrument, Quote]]]:
        """Build ``GET /quote`` (``/quote/ltp`` for LTP mode) in batches of Kite's per-request limit.

        ``/quote/ohlc`` is not used: a canonical QUOTE carries volume and buy/sell totals that
        its reply lacks; the parser still reads an OHLC-shaped reply (the mocks' ``ohlc.json``).
        """
        keys = self._keyed(ctx, instruments)
        if mode is StreamMode.LTP:
            path, endpoint, size = "/quote/ltp", "quote.ltp", LTP_BATCH
        else:
            path, endpoint, size = "/quote", "quote.full", QUOTE_BATCH
        with_depth = mode is StreamMode.FULL

        def parse(payload: Any) -> dict[Instrument, Quote]:
            rows = _object(payload, "quote")
            return {keys[key]: kite_quote_to_quote(keys[key], row, with_depth)  # type: ignore[arg-type]
                    for key, row in rows.items() if key in keys and isinstance(row, Mapping)}

        return [Call(request, parse) for request in self._batched(path, endpoint, list(keys), size)]

    def ltp(self, ctx: DriverContext, instruments: Sequence[Instrument]) -> list[Call[dict[Instrument, float]]]:
        """Build ``GET /quote/ltp`` in batches of 1000."""
        keys = self._keyed(ctx, instruments)

        def parse(payload: Any) -> dict[Instrument, float]:
            rows = _object(payload, "ltp")
            return {keys[key]: _f(row.get("last_price")) for key, row in rows.items()
                    if key in keys and isinstance(row, Mapping)}

        return [Call(request, parse) for request in self._batched("/quote/ltp", "quote.ltp", list(keys), LTP_BATCH)]

    def history(self, ctx: DriverContext, instrument: Instrument, interval: CandleInterval,
                start: _dt.datetime, end: _dt.datetime, oi: bool) -> list[Call[list[Candle]]]:
        """Build ``GET /instruments/historical/{token}/{interval}``, one call per allowed date range."""
        start, end = _ist(start), _ist(end)
        if end < start:
            raise InputError(f"history: end {end:%Y-%m-%d %H:%M} is before start {start:%Y-%m-%d %H:%M}",
                             broker=BROKER)
        token = ctx.resolve(instrument).token
        url = f"{self._api}/instruments/historical/{token}/{KITE_INTERVALS[interval]}"
        span = _dt.timedelta(days=HISTORY_MAX_DAYS[interval])
        calls: list[Call[list[Candle]]] = []
        chunk_start = start
        while True:
            chunk_end = min(chunk_start + span, end)
            params = {"from": f"{chunk_start:%Y-%m-%d %H:%M:%S}", "to": f"{chunk_end:%Y-%m-%d %H:%M:%S}",
                      "continuous": "0", "oi": "1" if oi else "0"}
            calls.append(Call(HttpRequest(method="GET", url=url, endpoint="instruments.historical",
                                          rate_class=HISTORICAL, params=params),
                              lambda payload: kite_candles_to_candles(_object(payload, "historical"))))
            if chunk_end >= end:
                return calls
            chunk_start = chunk_end + _dt.timedelta(seconds=1)

    # -- GTT, margins, conversion (see triggers.py) -----------------------------------------

    def _gtt_write(self, method: str, path: str, endpoint: str,
                   form: list[tuple[str, str]] | None = None) -> Call[str]:
        http = HttpRequest(method=method, url=f"{self._api}{path}", endpoint=endpoint, form=form, is_write=True)
        return Call(http, lambda payload: str(_object(payload, "GTT").get("trigger_id")))

    def place_gtt(self, ctx: DriverContext, request: GttRequest) -> Call[str]:
        """Build ``POST /gtt/triggers``; parses to the trigger id."""
        return self._gtt_write("POST", "/gtt/triggers", "gtt.place",
                               gtt_form(ctx.resolve(request.instrument), request))

    def modify_gtt(self, ctx: DriverContext, gtt_id: str, request: GttRequest) -> Call[str]:
        return self._gtt_write("PUT", f"/gtt/triggers/{_path_id(gtt_id)}", "gtt.modify",
                               gtt_form(ctx.resolve(request.instrument), request))

    def cancel_gtt(self, ctx: DriverContext, gtt_id: str) -> Call[str]:
        return self._gtt_write("DELETE", f"/gtt/triggers/{_path_id(gtt_id)}", "gtt.delete")

    def gtts(self, ctx: DriverContext) -> Call[list[Gtt]]:
        return Call(self._get("/gtt/triggers", "gtt.list"), self._list(ctx, kite_gtt_to_gtt, "GTT triggers"))

    def gtt(self, ctx: DriverContext, gtt_id: str) -> Call[Gtt]:
        return Call(self._get(f"/gtt/triggers/{_path_id(gtt_id)}", "gtt.get"),
                    lambda payload: kite_gtt_to_gtt(ctx, _object(payload, "GTT")))

    def order_margins(self, ctx: DriverContext,
                      requests: Sequence[OrderRequest]) -> list[Call[list[MarginRequirement]]]:
        """Build ``POST /margins/orders`` (JSON): Kite prices a whole list in one request."""
        http = HttpRequest(method="POST", url=f"{self._api}/margins/orders", endpoint="margins.orders",
                           json=margin_body(ctx, requests))
        return [Call(http, lambda payload: [kite_margin_to_margin(ctx, row) for row in _rows(payload, "margins")])]

    def basket_margin(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[BasketMargin]:
        """Build ``POST /margins/basket?consider_positions=true`` (JSON)."""
        http = HttpRequest(method="POST", url=f"{self._api}/margins/basket", endpoint="margins.basket",
                           params={"consider_positions": "true"}, json=margin_body(ctx, requests))
        return Call(http, lambda payload: kite_basket_to_basket(ctx, _object(payload, "basket margins")))

    def convert_position(self, ctx: DriverContext, request: ConvertRequest) -> Call[bool]:
        """Build ``PUT /portfolio/positions`` (form)."""
        http = HttpRequest(method="PUT", url=f"{self._api}/portfolio/positions", endpoint="positions.convert",
                           form=convert_form(ctx.resolve(request.instrument), request), is_write=True)
        return Call(http, lambda payload: payload is True)


def _ist(moment: _dt.datetime) -> _dt.datetime:
    return moment.replace(tzinfo=IST) if moment.tzinfo is None else moment.astimezone(IST)


def _path_id(order_id: str) -> str:
    text = str(order_id).strip()
    if not text or not text.replace("-", "").isalnum():
        raise InputError(f"not a Kite order id: {order_id!r}", broker=BROKER)
    return text


def _order_id(payload: Any) -> str:
    order_id = _object(payload, "order").get("order_id")
    if order_id is None or order_id == "":
        raise BrokerUnavailableError("Kite's order reply carries no order_id", broker=BROKER)
    return str(order_id)

