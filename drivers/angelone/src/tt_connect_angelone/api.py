"""SmartAPI REST: request builders (JSON bodies) around the pure parsers of ``parsing.py`` and ``triggers.py``.

Every builder returns a :class:`~tt_connect.driver_api.Call` and does no I/O. Requests arrive
checked: the core refused what SmartAPI cannot take (TTL, iceberg, cover orders, an OCO trigger,
a long tag) from the capability matrix, batched quotes and margins, and split candle ranges.

The translator keeps no state. SmartAPI's ``modifyOrder`` repeats the order's exchange, symbol,
token, product, type and duration, ``cancelOrder`` its exact variety (``STOPLOSS`` for stop
orders) and ``cancelRule`` the rule's token: for those the driver lists the operation in
``needs_known_order`` and reads the order (or rule) the core holds, with the broker's row in
``raw``. ``order`` uses the single-order endpoint once the order's ``uniqueorderid`` is known,
and the order book before.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote as quote_path

from tt_connect.driver_api import (
    BrokerApi,
    Call,
    DriverContext,
    HttpRequest,
    HttpResponse,
    Operation,
    PagedCall,
    parse_rows,
)
from tt_connect.enums import StreamMode, Variety
from tt_connect.errors import BrokerUnavailableError, GttNotFoundError, OrderNotFoundError
from tt_connect.instruments import Instrument, format_strike
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

from tt_connect_angelone.auth import PROFILE_PATH
from tt_connect_angelone.limits import (
    CONVERT,
    FUNDS,
    GTT_CANCEL,
    GTT_CREATE,
    GTT_DETAILS,
    GTT_LIST,
    GTT_MODIFY,
    HISTORICAL,
    HOLDINGS,
    MARGINS,
    ORDER_BOOK,
    ORDER_STATUS,
    ORDERS,
    POSITIONS,
    PROFILE,
    QUOTE,
    TRADE_BOOK,
)
from tt_connect_angelone.mapping import (
    ANGEL_INTERVALS,
    HISTORY_MAX_DAYS,
    order_type_to_angel,
    product_to_angel,
    variety_to_angel,
)
from tt_connect_angelone.parsing import (
    angel_book_to_order,
    angel_candles_to_candles,
    angel_day_position,
    angel_envelope_to_data,
    angel_holding_to_holding,
    angel_order_to_order,
    angel_profile_to_profile,
    angel_quote_to_quote,
    angel_rms_to_funds,
    angel_trade_to_trade,
    object_of,
    rows_of,
    text,
)
from tt_connect_angelone.triggers import (
    GTT_LIST_STATUSES,
    GttPage,
    angel_margin_to_basket,
    angel_margin_to_requirement,
    angel_rule_to_gtt,
    convert_body,
    margin_body,
    rule_body,
)
from tt_connect_angelone.typed import typed_book

__all__ = ["GTT_PAGE", "QUOTE_BATCH", "AngelOneApi"]

BROKER = "angelone"
QUOTE_BATCH = 50
"""Tokens per ``market/v1/quote`` request, across exchanges (reference 2.8, staff 2023-11)."""
GTT_PAGE = 100
"""Rules per ``ruleList`` request; ``gtts()`` reads page after page until one comes back short."""
_SECURE = "/rest/secure/angelbroking"
_QUOTE_MODES = {StreamMode.LTP: "LTP", StreamMode.QUOTE: "FULL", StreamMode.FULL: "FULL"}
_STOP_TYPES = ("STOPLOSS_LIMIT", "STOPLOSS_MARKET")
_MINUTE = _dt.timedelta(minutes=1)
_PRICED_TYPES = ("LIMIT", "STOPLOSS_LIMIT")


def _price(value: float | None) -> str:
    """Prices travel as strings of rupees (reference 2.5.1); ``0`` where the order type takes none."""
    return format_strike(value) if value is not None and value > 0 else "0"


def _order_id_in(payload: Any, fallback: str = "") -> str:
    data = payload if isinstance(payload, Mapping) else {}
    order_id = text(data.get("orderid")) or fallback
    if not order_id:
        raise BrokerUnavailableError("AngelOne's order reply carries no orderid", broker=BROKER)
    return order_id


def _known(ctx: DriverContext, order_id: str) -> Order:
    """The order the core read for an operation listed in ``needs_known_order``."""
    order = ctx.known_order(order_id)
    if order is None:
        raise OrderNotFoundError(f"AngelOne has no order {order_id!r} today", broker=BROKER)
    return order


def _wire(order: Order, key: str) -> str:
    """A wire field of the broker's row behind an order (upper case), or "" when the row lacks it."""
    return text(order.raw.get(key)).upper() if isinstance(order.raw, Mapping) else ""


class AngelOneApi(BrokerApi):
    """SmartAPI request builders and parsers."""

    broker = BROKER
    tag_max_length = 20
    """``ordertag`` takes up to 20 characters; SmartAPI refuses a longer one with AB4008 (staff
    announcement on the SmartAPI forum, November 2024; the key is in the official SDKs' order models)."""
    quote_batch_size = QUOTE_BATCH
    margin_batch_size = 1
    """``margin/v1/batch`` answers one total for all its positions: per-order figures take a call each."""
    history_max_days = HISTORY_MAX_DAYS
    needs_known_order = frozenset({Operation.MODIFY_ORDER, Operation.CANCEL_ORDER, Operation.GTT})

    def __init__(self, api_url: str = "https://apiconnect.angelone.in") -> None:
        self._api = api_url.rstrip("/")

    # -- plumbing --------------------------------------------------------------------------

    def unwrap(self, response: HttpResponse) -> Any:
        """Return ``data`` of a successful envelope; raise BrokerFailure for either error envelope."""
        return angel_envelope_to_data(response)

    def _get(self, path: str, endpoint: str, rate_class: str) -> HttpRequest:
        return HttpRequest(method="GET", url=f"{self._api}{path}", endpoint=endpoint, rate_class=rate_class)

    def _post(self, path: str, endpoint: str, rate_class: str, body: Mapping[str, Any], *,
              is_write: bool = False) -> HttpRequest:
        return HttpRequest(method="POST", url=f"{self._api}{path}", endpoint=endpoint, rate_class=rate_class,
                           json=dict(body), is_write=is_write)

    def _book(self) -> HttpRequest:
        return self._get(f"{_SECURE}/order/v1/getOrderBook", "order.book", ORDER_BOOK)

    # -- account and portfolio -------------------------------------------------------------

    def profile(self, ctx: DriverContext) -> Call[Profile]:
        return Call(self._get(PROFILE_PATH, "user.profile", PROFILE),
                    lambda payload: angel_profile_to_profile(object_of(payload, "profile")))

    def funds(self, ctx: DriverContext) -> Call[Funds]:
        return Call(self._get(f"{_SECURE}/user/v1/getRMS", "user.rms", FUNDS),
                    lambda payload: angel_rms_to_funds(object_of(payload, "RMS")))

    def holdings(self, ctx: DriverContext) -> Call[list[Holding]]:
        return Call(self._get(f"{_SECURE}/portfolio/v1/getHolding", "portfolio.holdings", HOLDINGS),
                    lambda payload: parse_rows(rows_of(payload, "holdings"), lambda r: angel_holding_to_holding(ctx, r),
                                               broker=BROKER, what="holdings"))

    def positions(self, ctx: DriverContext) -> Call[list[Position]]:
        return Call(self._get(f"{_SECURE}/order/v1/getPosition", "order.positions", POSITIONS),
                    lambda payload: typed_book(ctx, "positions", rows_of(payload, "positions"), "positions"))

    def day_positions(self, ctx: DriverContext) -> Call[list[Position]]:
        """Today's buys and sells, read from the same flat list (see ``angel_day_position``)."""
        return Call(self._get(f"{_SECURE}/order/v1/getPosition", "order.positions", POSITIONS),
                    lambda payload: parse_rows(rows_of(payload, "positions"), lambda r: angel_day_position(ctx, r),
                                               broker=BROKER, what="day positions"))

    # -- order book ------------------------------------------------------------------------

    def orders(self, ctx: DriverContext) -> Call[list[Order]]:
        return Call(self._book(), lambda payload: typed_book(ctx, "orders", rows_of(payload, "order book"),
                                                             "order book"))

    def order(self, ctx: DriverContext, order_id: str) -> Call[Order]:
        """Read one order: ``details/{uniqueorderid}`` (10/s) once the core has seen the order, else the book.

        The order ids tt-connect hands out are SmartAPI's ``orderid`` (what modify and cancel
        take); the single-order endpoint takes the ``uniqueorderid`` of the order's row instead.
        """
        known = ctx.known_order(order_id)
        unique = _wire(known, "uniqueorderid").lower() if known is not None else ""
        if not unique:
            return Call(self._book(), lambda payload: angel_book_to_order(ctx, payload, order_id))
        return Call(self._get(f"{_SECURE}/order/v1/details/{quote_path(unique, safe='')}", "order.details",
                              ORDER_STATUS),
                    lambda payload: angel_order_to_order(ctx, object_of(payload, "order status")))

    def trades(self, ctx: DriverContext) -> Call[list[Trade]]:
        return Call(self._get(f"{_SECURE}/order/v1/getTradeBook", "order.trades", TRADE_BOOK),
                    lambda payload: parse_rows(rows_of(payload, "trade book"), lambda r: angel_trade_to_trade(ctx, r),
                                               broker=BROKER, what="trade book"))

    # -- orders ----------------------------------------------------------------------------

    def place_order(self, ctx: DriverContext, request: OrderRequest) -> Call[str]:
        """Build ``placeOrder`` (JSON, every value a string) carrying our tag as ``ordertag``."""
        symbol = ctx.resolve(request.instrument)
        body: dict[str, str] = {
            "variety": variety_to_angel(request.variety, request.order_type), "tradingsymbol": symbol.symbol,
            "symboltoken": symbol.token, "transactiontype": request.side.value, "exchange": symbol.exchange,
            "ordertype": order_type_to_angel(request.order_type), "producttype": product_to_angel(request.product),
            "duration": request.validity.value, "price": _price(request.price), "quantity": str(request.qty),
        }
        if request.trigger_price is not None:
            body["triggerprice"] = _price(request.trigger_price)
        if request.disclosed_qty:
            body["disclosedquantity"] = str(request.disclosed_qty)
        if request.tag:
            body["ordertag"] = request.tag
        return Call(self._post(f"{_SECURE}/order/v1/placeOrder", "order.place", ORDERS, body, is_write=True),
                    _order_id_in)

    def modify_order(self, ctx: DriverContext, request: ModifyRequest) -> Call[str]:
        """Build ``modifyOrder``: the changes over the wire fields of the order as the core last saw it."""
        order = _known(ctx, request.order_id)
        symbol = ctx.resolve(order.instrument)
        order_type = order_type_to_angel(request.order_type or order.order_type)
        stop = order_type in _STOP_TYPES
        variety = "AMO" if order.variety is Variety.AMO else ("STOPLOSS" if stop else "NORMAL")
        price = request.price if request.price is not None else order.price
        trigger = request.trigger_price if request.trigger_price is not None else order.trigger_price
        body: dict[str, str] = {
            "variety": variety, "orderid": request.order_id, "ordertype": order_type,
            "producttype": _wire(order, "producttype") or product_to_angel(order.product),
            "duration": (request.validity or order.validity).value,
            "price": _price(price) if order_type in _PRICED_TYPES else "0",
            "quantity": str(request.qty if request.qty is not None else order.qty),
            "tradingsymbol": symbol.symbol, "symboltoken": symbol.token, "exchange": symbol.exchange,
        }
        if stop:
            body["triggerprice"] = _price(trigger)
        if request.disclosed_qty is not None:
            body["disclosedquantity"] = str(request.disclosed_qty)
        return Call(self._post(f"{_SECURE}/order/v1/modifyOrder", "order.modify", ORDERS, body, is_write=True),
                    lambda payload: _order_id_in(payload, request.order_id))

    def cancel_order(self, ctx: DriverContext, request: CancelRequest) -> Call[str]:
        """Build ``cancelOrder`` ``{"variety", "orderid"}`` with the order's own variety (STOPLOSS for stops)."""
        order = _known(ctx, request.order_id)
        variety = _wire(order, "variety") or variety_to_angel(order.variety, order.order_type)
        body = {"variety": variety, "orderid": request.order_id}
        return Call(self._post(f"{_SECURE}/order/v1/cancelOrder", "order.cancel", ORDERS, body, is_write=True),
                    lambda payload: _order_id_in(payload, request.order_id))

    # -- market data -----------------------------------------------------------------------

    def quote(self, ctx: DriverContext, instruments: Sequence[Instrument],
              mode: StreamMode) -> Call[dict[Instrument, Quote]]:
        """Build one ``market/v1/quote`` (FULL, or LTP for LTP mode) for at most 50 tokens, grouped by exchange."""
        keyed: dict[tuple[str, str], Instrument] = {}
        grouped: dict[str, list[str]] = {}
        for instrument in instruments:
            symbol = ctx.resolve(instrument)
            if (symbol.exchange, symbol.token) not in keyed:
                keyed[(symbol.exchange, symbol.token)] = instrument
                grouped.setdefault(symbol.exchange, []).append(symbol.token)
        with_depth = mode is StreamMode.FULL

        def parse(payload: Any) -> dict[Instrument, Quote]:
            out: dict[Instrument, Quote] = {}
            for row in rows_of(object_of(payload, "quote").get("fetched"), "quote"):
                key = (text(row.get("exchange")).upper(), text(row.get("symbolToken") or row.get("symboltoken")))
                instrument = keyed.get(key)
                if instrument is not None:
                    out[instrument] = angel_quote_to_quote(instrument, row, with_depth)  # type: ignore[arg-type]
            return out

        body = {"mode": _QUOTE_MODES[mode], "exchangeTokens": grouped}
        return Call(self._post(f"{_SECURE}/market/v1/quote", "market.quote", QUOTE, body), parse)

    def history(self, ctx: DriverContext, request: HistoryRequest) -> Call[list[Candle]]:
        """Build one ``getCandleData`` for one chunk (the core keeps chunks within ``history_max_days``)."""
        symbol = ctx.resolve(request.instrument)
        start = request.start.astimezone(IST).replace(second=0, microsecond=0)
        # Dates travel to the minute and ``fromdate`` must be before ``todate`` (else AB1004): a chunk
        # within one minute (the tail the core splits off a long range) asks for that whole minute.
        end = max(request.end.astimezone(IST).replace(second=0, microsecond=0), start + _MINUTE)
        body = {"exchange": symbol.exchange, "symboltoken": symbol.token, "interval": ANGEL_INTERVALS[request.interval],
                "fromdate": f"{start:%Y-%m-%d %H:%M}", "todate": f"{end:%Y-%m-%d %H:%M}"}
        return Call(self._post(f"{_SECURE}/historical/v1/getCandleData", "historical.candles", HISTORICAL, body),
                    angel_candles_to_candles)

    # -- GTT rules, margins, conversion (see triggers.py) ----------------------------------

    def place_gtt(self, ctx: DriverContext, request: GttRequest) -> Call[str]:
        """Build ``createRule``; parses to the rule id."""
        def parse(payload: Any) -> str:
            gtt_id = text(object_of(payload, "GTT create").get("id"))
            if not gtt_id:
                raise BrokerUnavailableError("AngelOne's createRule reply carries no id", broker=BROKER)
            return gtt_id

        body = rule_body(ctx.resolve(request.instrument), request)
        return Call(self._post(f"{_SECURE}/gtt/v1/createRule", "gtt.create", GTT_CREATE, body, is_write=True), parse)

    def modify_gtt(self, ctx: DriverContext, gtt_id: str, request: GttRequest) -> Call[str]:
        """Build ``modifyRule``: trigger, price and quantity; side and product stay as created."""
        body = rule_body(ctx.resolve(request.instrument), request, gtt_id)
        return Call(self._post(f"{_SECURE}/gtt/v1/modifyRule", "gtt.modify", GTT_MODIFY, body, is_write=True),
                    lambda payload: text(object_of(payload, "GTT modify").get("id")) or gtt_id)

    def cancel_gtt(self, ctx: DriverContext, gtt_id: str) -> Call[str]:
        """Build ``cancelRule``, which names the rule's exchange and token besides its id."""
        rule = ctx.known_gtt(gtt_id)
        if rule is None:
            raise GttNotFoundError(f"AngelOne has no GTT rule {gtt_id!r}", broker=BROKER)
        symbol = ctx.resolve(rule.instrument)
        body = {"id": gtt_id, "symboltoken": symbol.token, "exchange": symbol.exchange}
        return Call(self._post(f"{_SECURE}/gtt/v1/cancelRule", "gtt.cancel", GTT_CANCEL, body, is_write=True),
                    lambda payload: text(object_of(payload, "GTT cancel").get("id")) or gtt_id)

    def gtts(self, ctx: DriverContext) -> PagedCall[Gtt]:
        """Build ``ruleList`` for rules in every state, a page of ``GTT_PAGE`` at a time.

        ``data: null`` is an empty page. A page that came back full may have a next one; the
        decision counts the rules on the wire, not the parsed ones (a rule on a contract the
        master no longer lists is skipped, and must not end the paging early).
        """
        def request(page: int) -> HttpRequest:
            body = {"status": list(GTT_LIST_STATUSES), "page": page, "count": GTT_PAGE}
            return self._post(f"{_SECURE}/gtt/v1/ruleList", "gtt.list", GTT_LIST, body)

        def parse(payload: Any) -> list[Gtt]:
            rows = rows_of(payload, "GTT rule list")
            return GttPage(parse_rows(rows, lambda r: angel_rule_to_gtt(ctx, r), broker=BROKER, what="GTT rules"),
                           on_wire=len(rows))

        def following(read: int, page: list[Gtt]) -> HttpRequest | None:
            full = page.on_wire >= GTT_PAGE if isinstance(page, GttPage) else len(page) >= GTT_PAGE
            return request(read + 1) if full else None

        return PagedCall(request(1), parse, next_request=following)

    def gtt(self, ctx: DriverContext, gtt_id: str) -> Call[Gtt]:
        return Call(self._post(f"{_SECURE}/gtt/v1/ruleDetails", "gtt.details", GTT_DETAILS, {"id": gtt_id}),
                    lambda payload: angel_rule_to_gtt(ctx, object_of(payload, "GTT rule")))

    def order_margins(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[list[MarginRequirement]]:
        """One ``margin/v1/batch`` for one order (``margin_batch_size`` is 1: SmartAPI totals a batch)."""
        instrument = requests[0].instrument if len(requests) == 1 else None
        return Call(self._post(f"{_SECURE}/margin/v1/batch", "margin.batch", MARGINS, margin_body(ctx, requests)),
                    lambda payload: [angel_margin_to_requirement(payload, instrument)])

    def basket_margin(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[BasketMargin]:
        """One ``margin/v1/batch`` with every order: the hedged total, and the benefit SmartAPI reports."""
        return Call(self._post(f"{_SECURE}/margin/v1/batch", "margin.batch", MARGINS, margin_body(ctx, requests)),
                    angel_margin_to_basket)

    def convert_position(self, ctx: DriverContext, request: ConvertRequest) -> Call[bool]:
        """Build ``convertPosition``; success is the envelope's ``status: true`` (its ``data`` is null)."""
        body = convert_body(ctx.resolve(request.instrument), request)
        return Call(self._post(f"{_SECURE}/order/v1/convertPosition", "order.convert", CONVERT, body,
                               is_write=True), lambda payload: True)

