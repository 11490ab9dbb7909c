"""Kite Connect v3 REST: the request builders (parsers live in :mod:`.parsing`).

Every builder returns a :class:`~tt_connect.driver_api.Call` (request + pure parser) and does no
I/O. Requests arrive checked by the core (needs-price, TTL, iceberg and cover rules, tags, lots,
ticks), so a builder only translates. Bodies are form-encoded, as Kite requires, except the margin
calculator's JSON list; list parameters (``i=NSE:INFY&i=NSE:SBIN``) go into the URL because Kite
wants repeated keys. GTT ``condition`` and ``orders`` are JSON text inside the form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import msgspec
from tt_connect.driver_api import (
    BrokerApi,
    BrokerFailure,
    BrokerSymbol,
    Call,
    DriverContext,
    HttpRequest,
    HttpResponse,
    Operation,
    parse_rows,
)
from tt_connect.enums import GttType, StreamMode, Variety
from tt_connect.errors import BrokerUnavailableError
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
    Trade,
)
from tt_connect.timeutil import IST

from tt_connect_zerodha.limits import DEFAULT, HISTORICAL, ORDERS, QUOTE
from tt_connect_zerodha.mapping import (
    BROKER,
    HISTORY_MAX_DAYS,
    KITE_INTERVALS,
    kite_number,
    order_type_to_kite,
    product_to_kite,
    variety_to_kite,
)
from tt_connect_zerodha.parsing import (
    _f,
    kite_autoslice_to_order_ids,
    kite_basket_to_basket,
    kite_candles_to_candles,
    kite_funds_to_funds,
    kite_gtt_to_gtt,
    kite_margin_to_margin,
    kite_profile_to_profile,
    kite_quote_to_quote,
    kite_reply_to_list,
    kite_reply_to_object,
)
from tt_connect_zerodha.typed import typed_book

__all__ = ["QUOTE_BATCH", "ZerodhaApi"]

QUOTE_BATCH = 500
"""Instruments per ``/quote`` request (reference 1.7); ``/quote/ltp`` takes 1000, but the contract has one
batch size for both, so LTP batches are 500 too."""
_KITE_TIME = "%Y-%m-%d %H:%M:%S"


def _text(value: float) -> str:
    return str(kite_number(value))


def _path(identifier: str) -> str:
    """An id as one path segment: whatever it holds, it cannot address another endpoint."""
    return quote(identifier, safe="")


def _order_id(payload: Any) -> str:
    order_id = kite_reply_to_object(payload, "order").get("order_id")
    if order_id is None or order_id == "":
        raise BrokerUnavailableError("Kite's order reply carries no order_id", broker=BROKER)
    return str(order_id)


def _trigger_id(payload: Any) -> str:
    trigger_id = kite_reply_to_object(payload, "GTT").get("trigger_id")
    if trigger_id is None or str(trigger_id).strip() in ("", "None"):
        raise BrokerUnavailableError("Kite's GTT reply carries no trigger_id", broker=BROKER)
    return str(trigger_id)


class ZerodhaApi(BrokerApi):
    """Kite Connect v3 request builders."""

    broker = BROKER
    tag_max_length = 20
    """Kite's documented limit for the ``tag`` field."""
    quote_batch_size = QUOTE_BATCH
    history_max_days = HISTORY_MAX_DAYS
    algo_id_field = True
    """``algo_id`` on ``POST /orders/{variety}`` (kiteconnect 5.2.2, the exchanges' algo registration)."""
    native_slicing = True
    """Kite's ``autoslice=true`` splits an order above the freeze quantity into child orders itself."""
    needs_known_order = frozenset({Operation.MODIFY_ORDER, Operation.CANCEL_ORDER})
    """Kite addresses an order as ``/orders/{variety}/{order_id}`` and a cover order's second leg also by its
    ``parent_order_id``: both are read from the order the core knows, so a client that did not place an
    order (an AMO, an iceberg, a cover leg) modifies and cancels it without being told its variety."""

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

    def _write(self, method: str, path: str, endpoint: str, *, rate_class: str = DEFAULT,
               form: list[tuple[str, str]] | None = None, params: Mapping[str, str] | None = None) -> HttpRequest:
        return HttpRequest(method=method, url=f"{self._api}{path}", endpoint=endpoint, rate_class=rate_class,
                           form=form or None, params=params or None, is_write=True)

    @staticmethod
    def _book(ctx: DriverContext, kind: str, what: str) -> Callable[[Any], Any]:
        """A book's parser: the typed path (:mod:`~tt_connect_zerodha.typed`), lenient when the rows need it."""
        return lambda payload: typed_book(ctx, kind, kite_reply_to_list(payload, what), what)

    # -- account and portfolio -------------------------------------------------------------

    def profile(self, ctx: DriverContext) -> Call[Profile]:
        return Call(self._get("/user/profile", "user.profile"),
                    lambda payload: kite_profile_to_profile(kite_reply_to_object(payload, "profile")))

    def funds(self, ctx: DriverContext) -> Call[Funds]:
        return Call(self._get("/user/margins", "user.margins"),
                    lambda payload: kite_funds_to_funds(kite_reply_to_object(payload, "margins")))

    def holdings(self, ctx: DriverContext) -> Call[list[Holding]]:
        return Call(self._get("/portfolio/holdings", "portfolio.holdings"),
                    self._book(ctx, "holdings", "holdings"))

    def _position_book(self, ctx: DriverContext, book: str) -> Call[list[Position]]:
        parse = self._book(ctx, "positions", f"{book} positions")
        return Call(self._get("/portfolio/positions", "portfolio.positions"),
                    lambda payload: parse(kite_reply_to_object(payload, "positions").get(book)))

    def positions(self, ctx: DriverContext) -> Call[list[Position]]:
        """Return Kite's ``net`` list: what is held now, carried-forward quantity included."""
        return self._position_book(ctx, "net")

    def day_positions(self, ctx: DriverContext) -> Call[list[Position]]:
        """Return Kite's ``day`` list: today's buys and sells only."""
        return self._position_book(ctx, "day")

    # -- order book ------------------------------------------------------------------------

    def orders(self, ctx: DriverContext) -> Call[list[Order]]:
        return Call(self._get("/orders", "orders.list"), self._book(ctx, "orders", "orders"))

    def order_history(self, ctx: DriverContext, order_id: str) -> Call[list[Order]]:
        return Call(self._get(f"/orders/{_path(order_id)}", "orders.history"),
                    self._book(ctx, "orders", "order history"))

    def trades(self, ctx: DriverContext) -> Call[list[Trade]]:
        return Call(self._get("/trades", "trades.list"), self._book(ctx, "trades", "trades"))

    def order_trades(self, ctx: DriverContext, order_id: str) -> Call[list[Trade]]:
        return Call(self._get(f"/orders/{_path(order_id)}/trades", "orders.trades"),
                    self._book(ctx, "trades", "order trades"))

    # -- orders ----------------------------------------------------------------------------

    def _order_form(self, ctx: DriverContext, request: OrderRequest) -> list[tuple[str, str]]:
        symbol = ctx.resolve(request.instrument)
        form: list[tuple[str, str]] = [
            ("exchange", symbol.exchange), ("tradingsymbol", symbol.symbol),
            ("transaction_type", request.side.value), ("quantity", str(request.qty)),
            ("product", product_to_kite(request.product, request.variety)),
            ("order_type", order_type_to_kite(request.order_type)), ("validity", request.validity.value),
        ]
        if request.price is not None:
            form.append(("price", _text(request.price)))
        if request.trigger_price is not None:
            form.append(("trigger_price", _text(request.trigger_price)))
        if request.validity_ttl is not None:
            form.append(("validity_ttl", str(request.validity_ttl)))
        if request.disclosed_qty:
            form.append(("disclosed_quantity", str(request.disclosed_qty)))
        if request.iceberg_legs is not None:
            form += [("iceberg_legs", str(request.iceberg_legs)),
                     ("iceberg_quantity", str(-(-request.qty // request.iceberg_legs)))]
        if request.market_protection is not None:
            form.append(("market_protection", _text(request.market_protection)))
        if request.algo_id:
            form.append(("algo_id", request.algo_id))
        if request.tag:
            form.append(("tag", request.tag))
        return form

    def place_order(self, ctx: DriverContext, request: OrderRequest) -> Call[str]:
        """Build ``POST /orders/{variety}`` (form) carrying our ``tag``; parses to the order id."""
        return Call(self._write("POST", f"/orders/{variety_to_kite(request.variety)}", "orders.place",
                                rate_class=ORDERS, form=self._order_form(ctx, request)), _order_id)

    def place_sliced(self, ctx: DriverContext, request: OrderRequest) -> Call[list[str]]:
        """Build the same ``POST`` with ``autoslice=true``: Kite places it as child orders within the freeze
        quantity and answers their ids (a child it refused carries an ``error`` instead)."""
        form = [*self._order_form(ctx, request), ("autoslice", "true")]
        return Call(self._write("POST", f"/orders/{variety_to_kite(request.variety)}", "orders.place",
                                rate_class=ORDERS, form=form),
                    lambda payload: kite_autoslice_to_order_ids(kite_reply_to_object(payload, "autoslice order")))

    def _order_path(self, ctx: DriverContext, order_id: str, variety: Variety) -> tuple[str, dict[str, str]]:
        """``/orders/{variety}/{id}`` of the order as Kite knows it, and a cover leg's ``parent_order_id``."""
        known = ctx.known_order(order_id)
        raw = known.raw if known is not None and isinstance(known.raw, Mapping) else {}
        kite_variety = raw.get("variety") or variety_to_kite(known.variety if known is not None else variety)
        parent = raw.get("parent_order_id")
        return (f"/orders/{_path(str(kite_variety))}/{_path(order_id)}",
                {"parent_order_id": str(parent)} if parent else {})

    def modify_order(self, ctx: DriverContext, request: ModifyRequest) -> Call[str]:
        """Build ``PUT /orders/{variety}/{order_id}`` with only the fields that change."""
        path, parent = self._order_path(ctx, request.order_id, request.variety)
        form: list[tuple[str, str]] = list(parent.items())
        if request.qty is not None:
            form.append(("quantity", str(request.qty)))
        if request.price is not None:
            form.append(("price", _text(request.price)))
        if request.trigger_price is not None:
            form.append(("trigger_price", _text(request.trigger_price)))
        if request.order_type is not None:
            form.append(("order_type", order_type_to_kite(request.order_type)))
        if request.validity is not None:
            form.append(("validity", request.validity.value))
        if request.disclosed_qty is not None:
            form.append(("disclosed_quantity", str(request.disclosed_qty)))
        if request.market_protection is not None:
            form.append(("market_protection", _text(request.market_protection)))
        return Call(self._write("PUT", path, "orders.modify", rate_class=ORDERS, form=form), _order_id)

    def cancel_order(self, ctx: DriverContext, request: CancelRequest) -> Call[str]:
        """Build ``DELETE /orders/{variety}/{order_id}`` (``?parent_order_id=`` for a cover order's leg)."""
        path, parent = self._order_path(ctx, request.order_id, request.variety)
        return Call(self._write("DELETE", path, "orders.cancel", rate_class=ORDERS, params=parent), _order_id)

    # -- market data -----------------------------------------------------------------------

    @staticmethod
    def _keyed(ctx: DriverContext, instruments: Sequence[Instrument]) -> dict[str, Instrument]:
        """Kite's quote keys (``EXCHANGE:TRADINGSYMBOL``) -> our instruments; replies are keyed the same."""
        keys: dict[str, Instrument] = {}
        for instrument in instruments:
            symbol = ctx.resolve(instrument)
            keys[f"{symbol.exchange}:{symbol.symbol}"] = instrument
        return keys

    def _quote_request(self, path: str, endpoint: str, keys: Sequence[str]) -> HttpRequest:
        query = urlencode([("i", key) for key in keys], quote_via=quote)
        return HttpRequest(method="GET", url=f"{self._api}{path}?{query}", endpoint=endpoint, rate_class=QUOTE)

    def quote(self, ctx: DriverContext, instruments: Sequence[Instrument],
              mode: StreamMode) -> Call[dict[Instrument, Quote]]:
        """Build ``GET /quote`` (``/quote/ltp`` in LTP mode) for one batch.

        ``/quote/ohlc`` is not used: a canonical QUOTE carries volume and buy/sell totals that
        its reply lacks; the parser still reads an OHLC-shaped reply (the mocks' ``ohlc.json``).
        """
        keys = self._keyed(ctx, instruments)
        path, endpoint = ("/quote/ltp", "quote.ltp") if mode is StreamMode.LTP else ("/quote", "quote.full")
        with_depth = mode is StreamMode.FULL

        def parse(payload: Any) -> dict[Instrument, Quote]:
            rows = kite_reply_to_object(payload, "quote")
            return {keys[key]: kite_quote_to_quote(keys[key], row, with_depth)  # type: ignore[arg-type]
                    for key, row in rows.items() if key in keys and isinstance(row, Mapping)}

        return Call(self._quote_request(path, endpoint, list(keys)), parse)

    def ltp(self, ctx: DriverContext, instruments: Sequence[Instrument]) -> Call[dict[Instrument, float]]:
        """Build ``GET /quote/ltp`` for one batch; instruments Kite leaves out are absent from the result."""
        keys = self._keyed(ctx, instruments)

        def parse(payload: Any) -> dict[Instrument, float]:
            rows = kite_reply_to_object(payload, "ltp")
            return {keys[key]: _f(row.get("last_price")) for key, row in rows.items()
                    if key in keys and isinstance(row, Mapping)}

        return Call(self._quote_request("/quote/ltp", "quote.ltp", list(keys)), parse)

    def history(self, ctx: DriverContext, request: HistoryRequest) -> Call[list[Candle]]:
        """Build ``GET /instruments/historical/{token}/{interval}`` for one chunk (IST wall times)."""
        token = ctx.resolve(request.instrument).token
        params = {"from": request.start.astimezone(IST).strftime(_KITE_TIME),
                  "to": request.end.astimezone(IST).strftime(_KITE_TIME),
                  "continuous": "0", "oi": "1" if request.oi else "0"}
        return Call(self._get(f"/instruments/historical/{_path(token)}/{KITE_INTERVALS[request.interval]}",
                              "instruments.historical", rate_class=HISTORICAL, params=params),
                    lambda payload: kite_candles_to_candles(kite_reply_to_object(payload, "historical")))

    # -- GTT triggers ----------------------------------------------------------------------

    @staticmethod
    def _gtt_form(symbol: BrokerSymbol, request: GttRequest) -> list[tuple[str, str]]:
        condition = {"exchange": symbol.exchange, "tradingsymbol": symbol.symbol,
                     "trigger_values": [kite_number(leg.trigger_price) for leg in request.legs],
                     "last_price": kite_number(request.last_price)}
        orders = [{"exchange": symbol.exchange, "tradingsymbol": symbol.symbol, "transaction_type": leg.side.value,
                   "quantity": leg.qty, "order_type": order_type_to_kite(leg.order_type),
                   "product": product_to_kite(leg.product, Variety.REGULAR),
                   "price": kite_number(leg.price) if leg.price is not None else 0} for leg in request.legs]
        return [("type", "two-leg" if request.type is GttType.OCO else "single"),
                ("condition", msgspec.json.encode(condition).decode()),
                ("orders", msgspec.json.encode(orders).decode())]

    def place_gtt(self, ctx: DriverContext, request: GttRequest) -> Call[str]:
        """Build ``POST /gtt/triggers``; parses to the trigger id."""
        form = self._gtt_form(ctx.resolve(request.instrument), request)
        return Call(self._write("POST", "/gtt/triggers", "gtt.place", form=form), _trigger_id)

    def modify_gtt(self, ctx: DriverContext, gtt_id: str, request: GttRequest) -> Call[str]:
        form = self._gtt_form(ctx.resolve(request.instrument), request)
        return Call(self._write("PUT", f"/gtt/triggers/{_path(gtt_id)}", "gtt.modify", form=form), _trigger_id)

    def cancel_gtt(self, ctx: DriverContext, gtt_id: str) -> Call[str]:
        return Call(self._write("DELETE", f"/gtt/triggers/{_path(gtt_id)}", "gtt.delete"), _trigger_id)

    def gtts(self, ctx: DriverContext) -> Call[list[Gtt]]:
        return Call(self._get("/gtt/triggers", "gtt.list"),
                    lambda payload: parse_rows(kite_reply_to_list(payload, "GTT triggers"),
                                               lambda row: kite_gtt_to_gtt(ctx, row), broker=BROKER,
                                               what="GTT triggers"))

    def gtt(self, ctx: DriverContext, gtt_id: str) -> Call[Gtt]:
        return Call(self._get(f"/gtt/triggers/{_path(gtt_id)}", "gtt.get"),
                    lambda payload: kite_gtt_to_gtt(ctx, kite_reply_to_object(payload, "GTT")))

    # -- margin calculator and conversion --------------------------------------------------

    @staticmethod
    def _margin_body(ctx: DriverContext, requests: Sequence[OrderRequest]) -> list[dict[str, Any]]:
        body = []
        for request in requests:
            symbol = ctx.resolve(request.instrument)
            body.append({"exchange": symbol.exchange, "tradingsymbol": symbol.symbol,
                         "transaction_type": request.side.value, "variety": variety_to_kite(request.variety),
                         "product": product_to_kite(request.product, request.variety),
                         "order_type": order_type_to_kite(request.order_type), "quantity": request.qty,
                         "price": request.price or 0, "trigger_price": request.trigger_price or 0})
        return body

    def order_margins(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[list[MarginRequirement]]:
        """Build ``POST /margins/orders`` (a JSON list): each order priced on its own."""
        http = HttpRequest(method="POST", url=f"{self._api}/margins/orders", endpoint="margins.orders",
                           json=self._margin_body(ctx, requests))
        return Call(http, lambda payload: [kite_margin_to_margin(ctx, row)
                                           for row in kite_reply_to_list(payload, "margins")])

    def basket_margin(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[BasketMargin]:
        """Build ``POST /margins/basket?consider_positions=true`` (a JSON list)."""
        http = HttpRequest(method="POST", url=f"{self._api}/margins/basket", endpoint="margins.basket",
                           params={"consider_positions": "true"}, json=self._margin_body(ctx, requests))
        return Call(http, lambda payload: kite_basket_to_basket(ctx, kite_reply_to_object(payload, "basket margins")))

    def convert_position(self, ctx: DriverContext, request: ConvertRequest) -> Call[bool]:
        """Build ``PUT /portfolio/positions`` (form) moving a position to another product."""
        symbol = ctx.resolve(request.instrument)
        form = [("exchange", symbol.exchange), ("tradingsymbol", symbol.symbol),
                ("transaction_type", request.side.value),
                ("position_type", "overnight" if request.overnight else "day"), ("quantity", str(request.qty)),
                ("old_product", product_to_kite(request.from_product, Variety.REGULAR)),
                ("new_product", product_to_kite(request.to_product, Variety.REGULAR))]
        return Call(self._write("PUT", "/portfolio/positions", "positions.convert", form=form),
                    lambda payload: payload is True)
