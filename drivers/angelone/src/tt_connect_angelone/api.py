"""SmartAPI REST: request builders (JSON bodies) around the pure parsers of ``parsing.py``.

Every builder returns a :class:`~tt_connect.driver_api.Call` and does no I/O.

One piece of state: SmartAPI's ``modifyOrder`` needs the order's exchange, trading
symbol, token, product, type and duration, and ``cancelOrder`` its exact variety
(``STOPLOSS`` for stop orders), none of which a canonical ``ModifyRequest`` carries.
So the translator remembers those wire fields for every order it placed or parsed
(bounded, per client). The core reads the order before a price or quantity change,
so in practice the entry is always there; when it is not, the call explains what
to do instead of sending a request SmartAPI would refuse.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tt_connect.driver_api import (
    BrokerApi,
    BrokerFailure,
    Call,
    DriverContext,
    HttpRequest,
    HttpResponse,
    PagedCall,
    parse_rows,
)
from tt_connect.enums import CandleInterval, OrderType, StreamMode, Validity, Variety
from tt_connect.errors import (
    BrokerUnavailableError,
    InputError,
    InvalidOrderError,
    UnsupportedOperationError,
)
from tt_connect.instruments import Instrument, format_strike
from tt_connect.models import (
    BasketMargin,
    Candle,
    ConvertRequest,
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
    Trade,
)
from tt_connect.timeutil import IST

from tt_connect_angelone.auth import PROFILE_PATH
from tt_connect_angelone.limits import (
    BOOKS,
    CONVERT,
    FUNDS,
    GTT,
    HISTORICAL,
    MARGINS,
    ORDER_STATUS,
    ORDERS,
    PROFILE,
    QUOTE,
)
from tt_connect_angelone.mapping import (
    ANGEL_INTERVALS,
    HISTORY_MAX_DAYS,
    order_type_to_angel,
    product_to_angel,
    variety_to_angel,
)
from tt_connect_angelone.parsing import (
    angel_candles_to_candles,
    angel_day_position,
    angel_holding_to_holding,
    angel_order_to_order,
    angel_position_to_position,
    angel_profile_to_profile,
    angel_quote_to_quote,
    angel_rms_to_funds,
    angel_trade_to_trade,
    number,
    object_of,
    rows_of,
    text,
)
from tt_connect_angelone.triggers import (
    GTT_LIST_STATUSES,
    angel_margin_to_basket,
    angel_margin_to_requirement,
    angel_rule_to_gtt,
    convert_body,
    margin_body,
    rule_body,
)

__all__ = ["QUOTE_BATCH", "AngelOneApi", "OrderWire"]

BROKER = "angelone"
QUOTE_BATCH = 50
"""Tokens per ``market/v1/quote`` request, across exchanges (reference 2.8, staff 2023-11)."""
_REMEMBERED_ORDERS = 10_000
_GTT_PAGE = 100
"""Rules per ``ruleList`` request; ``gtts()`` reads page after page until one comes back short."""
_SECURE = "/rest/secure/angelbroking"
_Batch = tuple[dict[str, list[str]], dict[tuple[str, str], Instrument]]
"""(exchange -> tokens on the wire, (exchange, token) -> our instrument) of one quote request."""
_QUOTE_MODES = {StreamMode.LTP: "LTP", StreamMode.QUOTE: "FULL", StreamMode.FULL: "FULL"}


@dataclass(frozen=True)
class OrderWire:
    """The wire fields of one order that ``modifyOrder``/``cancelOrder`` must repeat."""

    variety: str
    exchange: str
    tradingsymbol: str
    symboltoken: str
    producttype: str
    ordertype: str
    duration: str
    quantity: str
    price: str
    triggerprice: str


def _price(value: float | None) -> str:
    """Prices travel as strings of rupees (reference 2.5.1); ``0`` where the order type takes none."""
    if value is None:
        return "0"
    return format_strike(value) if value > 0 else "0"


def _ist(moment: _dt.datetime) -> _dt.datetime:
    return moment.replace(tzinfo=IST) if moment.tzinfo is None else moment.astimezone(IST)


def _order_id_in(payload: Any, fallback: str = "") -> str:
    data = payload if isinstance(payload, Mapping) else {}
    order_id = text(data.get("orderid")) or fallback
    if not order_id:
        raise BrokerUnavailableError("AngelOne's order reply carries no orderid", broker=BROKER)
    return order_id


def _checked_id(order_id: str) -> str:
    value = str(order_id).strip()
    if not value or not value.replace("-", "").isalnum():
        raise InputError(f"not an AngelOne order id: {order_id!r}", broker=BROKER)
    return value


def _is_unique_order_id(order_id: str) -> bool:
    """``uniqueorderid`` values are UUIDs; exchange ``orderid`` values are digits."""
    return "-" in order_id and not order_id.replace("-", "").isdigit()


class AngelOneApi(BrokerApi):
    """SmartAPI request builders and parsers."""

    broker = BROKER
    tag_max_length = 20
    """``ordertag`` takes up to 20 characters; SmartAPI refuses a longer one with AB4008 (staff
    announcement on the SmartAPI forum, November 2024; the key is in the official SDKs' order models)."""

    def __init__(self, api_url: str = "https://apiconnect.angelone.in") -> None:
        self._api = api_url.rstrip("/")
        self._orders: dict[str, OrderWire] = {}
        self._rules: dict[str, tuple[str, str]] = {}
        """GTT rule id -> (exchange, symboltoken): ``cancelRule`` needs both besides the id."""

    # -- plumbing --------------------------------------------------------------------------

    def unwrap(self, response: HttpResponse) -> Any:
        """Return ``data`` of a successful envelope; raise BrokerFailure for either error envelope.

        A reply failed when ``status`` is false, a gateway ``success: false`` is present, or
        HTTP >= 400 (reference 2.3); errors often arrive with HTTP 200. A body that is not
        JSON raises BrokerUnavailableError from ``HttpResponse.json``.
        """
        body = response.json()
        if isinstance(body, Mapping):
            status, success = body.get("status"), body.get("success")
            failed = status in (False, "false") or success in (False, "false") or response.status >= 400
            if not failed and (status in (True, "true") or success in (True, "true")):
                data = body.get("data")
                return None if data == "null" else data
            if not failed:
                raise BrokerUnavailableError(
                    f"AngelOne replied with an envelope that has neither status nor success (HTTP {response.status})",
                    broker=BROKER, http_status=response.status)
            code = text(body.get("errorcode") or body.get("errorCode")) or None
            message = text(body.get("message")) or f"AngelOne replied HTTP {response.status}"
            raise BrokerFailure(message, code=code, http_status=response.status, raw=dict(body))
        if response.status >= 400:
            raise BrokerFailure(f"AngelOne replied HTTP {response.status}", http_status=response.status, raw=body)
        raise BrokerUnavailableError(f"AngelOne replied with an unexpected envelope (HTTP {response.status})",
                                     broker=BROKER, http_status=response.status)

    def _get(self, path: str, endpoint: str, rate_class: str) -> HttpRequest:
        return HttpRequest(method="GET", url=f"{self._api}{path}", endpoint=endpoint, rate_class=rate_class)

    def _post(self, path: str, endpoint: str, rate_class: str, body: Mapping[str, Any], *,
              is_write: bool = False) -> HttpRequest:
        return HttpRequest(method="POST", url=f"{self._api}{path}", endpoint=endpoint, rate_class=rate_class,
                           json=dict(body), is_write=is_write)

    def _remember(self, order_id: str, wire: OrderWire) -> None:
        self._orders.pop(order_id, None)
        if len(self._orders) >= _REMEMBERED_ORDERS:
            self._orders.pop(next(iter(self._orders)))
        self._orders[order_id] = wire

    def _remember_rule(self, gtt_id: str, exchange: str, token: str) -> None:
        self._rules.pop(gtt_id, None)
        if len(self._rules) >= _REMEMBERED_ORDERS:
            self._rules.pop(next(iter(self._rules)))
        self._rules[gtt_id] = (exchange, token)

    def _remember_row(self, row: Mapping[str, Any]) -> None:
        order_id = text(row.get("orderid"))
        if not order_id:
            return
        self._remember(order_id, OrderWire(
            variety=text(row.get("variety")).upper() or "NORMAL", exchange=text(row.get("exchange")),
            tradingsymbol=text(row.get("tradingsymbol")), symboltoken=text(row.get("symboltoken")),
            producttype=text(row.get("producttype")), ordertype=text(row.get("ordertype")),
            duration=text(row.get("duration")) or "DAY", quantity=text(row.get("quantity")),
            price=_price(number(row.get("price"))), triggerprice=_price(number(row.get("triggerprice")))))

    def _orders_parser(self, ctx: DriverContext, what: str, keep: Callable[[Mapping[str, Any]], bool] | None = None,
                       *, single: bool = False) -> Callable[[Any], list[Order]]:
        def parse_row(row: Mapping[str, Any]) -> Order | None:
            if keep is not None and not keep(row):
                return None
            self._remember_row(row)
            return angel_order_to_order(ctx, row)

        def parse(payload: Any) -> list[Order]:
            if single:
                order = parse_row(object_of(payload, what))
                return [order] if order is not None else []
            return parse_rows(rows_of(payload, what), parse_row, broker=BROKER, what=what)

        return parse

    # -- account and portfolio -------------------------------------------------------------

    def profile(self, ctx: DriverContext) -> Call[Profile]:
        return Call(self._get(PROFILE_PATH, "user.profile", PROFILE),
                    lambda payload: angel_profile_to_profile(object_of(payload, "profile")))

    def funds(self, ctx: DriverContext) -> Call[Funds]:
        return Call(self._get(f"{_SECURE}/user/v1/getRMS", "user.rms", FUNDS),
                    lambda payload: angel_rms_to_funds(object_of(payload, "RMS")))

    def holdings(self, ctx: DriverContext) -> Call[list[Holding]]:
        return Call(self._get(f"{_SECURE}/portfolio/v1/getHolding", "portfolio.holdings", BOOKS),
                    lambda payload: parse_rows(rows_of(payload, "holdings"), lambda r: angel_holding_to_holding(ctx, r),
                                               broker=BROKER, what="holdings"))

    def positions(self, ctx: DriverContext) -> Call[list[Position]]:
        return Call(self._get(f"{_SECURE}/order/v1/getPosition", "order.positions", BOOKS),
                    lambda payload: parse_rows(rows_of(payload, "positions"),
                                               lambda r: angel_position_to_position(ctx, r), broker=BROKER,
                                               what="positions"))

    def day_positions(self, ctx: DriverContext) -> Call[list[Position]]:
        """Today's buys and sells, read from the same flat list (see ``angel_day_position``)."""
        def parse(payload: Any) -> list[Position]:
            return parse_rows(rows_of(payload, "positions"), lambda r: angel_day_position(ctx, r), broker=BROKER,
                              what="day positions")

        return Call(self._get(f"{_SECURE}/order/v1/getPosition", "order.positions", BOOKS), parse)

    # -- order book ------------------------------------------------------------------------

    def orders(self, ctx: DriverContext) -> Call[list[Order]]:
        return Call(self._get(f"{_SECURE}/order/v1/getOrderBook", "order.book", BOOKS),
                    self._orders_parser(ctx, "order book"))

    def order_history(self, ctx: DriverContext, order_id: str) -> Call[list[Order]]:
        """Return the order's latest state.

        A ``uniqueorderid`` goes to the single-order status endpoint ``details/{id}``. The
        order ids tt-connect hands out are SmartAPI's ``orderid`` (what modify and cancel
        take), which that endpoint does not accept, so those are looked up in the order book.
        SmartAPI keeps no per-order state history: the list has one element.
        """
        wanted = _checked_id(order_id)
        if _is_unique_order_id(wanted):
            return Call(self._get(f"{_SECURE}/order/v1/details/{wanted}", "order.details", ORDER_STATUS),
                        self._orders_parser(ctx, "order status", single=True))
        parse = self._orders_parser(ctx, "order book", lambda row: text(row.get("orderid")) == wanted)
        return Call(self._get(f"{_SECURE}/order/v1/getOrderBook", "order.book", BOOKS), parse)

    def trades(self, ctx: DriverContext) -> Call[list[Trade]]:
        return Call(self._get(f"{_SECURE}/order/v1/getTradeBook", "order.trades", BOOKS),
                    lambda payload: parse_rows(rows_of(payload, "trade book"), lambda r: angel_trade_to_trade(ctx, r),
                                               broker=BROKER, what="trade book"))

    def order_trades(self, ctx: DriverContext, order_id: str) -> Call[list[Trade]]:
        """Return the order's fills, from the trade book (SmartAPI has no per-order trade endpoint)."""
        wanted = _checked_id(order_id)
        return Call(self._get(f"{_SECURE}/order/v1/getTradeBook", "order.trades", BOOKS),
                    lambda payload: [angel_trade_to_trade(ctx, r) for r in rows_of(payload, "trade book")
                                     if text(r.get("orderid")) == wanted])

    # -- orders ----------------------------------------------------------------------------

    def place_order(self, ctx: DriverContext, request: OrderRequest) -> Call[str]:
        """Build ``placeOrder`` (JSON, every value a string) carrying our tag as ``ordertag``."""
        if request.validity is Validity.TTL:
            raise UnsupportedOperationError("AngelOne has no TTL validity; use DAY or IOC", broker=BROKER)
        if request.variety in (Variety.ICEBERG, Variety.CO):
            raise UnsupportedOperationError(f"AngelOne does not support {request.variety} orders", broker=BROKER)
        if request.order_type.needs_price and request.price is None:
            raise InvalidOrderError(f"a {request.order_type} order needs a price", broker=BROKER)
        if request.order_type.needs_trigger and request.trigger_price is None:
            raise InvalidOrderError(f"a {request.order_type} order needs a trigger_price", broker=BROKER)
        if len(request.tag) > self.tag_max_length:
            raise InvalidOrderError(f"AngelOne order tags are at most {self.tag_max_length} characters",
                                    broker=BROKER)
        symbol = ctx.resolve(request.instrument)
        wire = OrderWire(
            variety=variety_to_angel(request.variety, request.order_type), exchange=symbol.exchange,
            tradingsymbol=symbol.symbol, symboltoken=symbol.token, producttype=product_to_angel(request.product),
            ordertype=order_type_to_angel(request.order_type), duration=request.validity.value,
            quantity=str(request.qty),
            price=_price(request.price) if request.order_type.needs_price else "0",
            triggerprice=_price(request.trigger_price) if request.order_type.needs_trigger else "0")
        body: dict[str, str] = {
            "variety": wire.variety, "tradingsymbol": wire.tradingsymbol, "symboltoken": wire.symboltoken,
            "transactiontype": request.side.value, "exchange": wire.exchange, "ordertype": wire.ordertype,
            "producttype": wire.producttype, "duration": wire.duration, "price": wire.price,
            "quantity": wire.quantity,
        }
        if request.order_type.needs_trigger:
            body["triggerprice"] = wire.triggerprice
        if request.disclosed_qty:
            body["disclosedquantity"] = str(request.disclosed_qty)
        if request.tag:
            body["ordertag"] = request.tag

        def parse(payload: Any) -> str:
            order_id = _order_id_in(payload)
            self._remember(order_id, wire)
            return order_id

        return Call(self._post(f"{_SECURE}/order/v1/placeOrder", "order.place", ORDERS, body, is_write=True), parse)

    def _known(self, order_id: str, action: str) -> OrderWire:
        wire = self._orders.get(order_id)
        if wire is None:
            raise InputError(
                f"cannot {action} AngelOne order {order_id}: SmartAPI needs the order's symbol, product and "
                "type, and this client has not seen the order yet; read it first (client.order(order_id) or "
                "client.orders()) and retry", broker=BROKER)
        return wire

    def modify_order(self, ctx: DriverContext, request: ModifyRequest) -> Call[str]:
        """Build ``modifyOrder``: the changed fields over the order's remembered wire fields."""
        order_id = _checked_id(request.order_id)
        wire = self._known(order_id, "modify")
        order_type = order_type_to_angel(request.order_type) if request.order_type else wire.ordertype
        stop = order_type in ("STOPLOSS_LIMIT", "STOPLOSS_MARKET")
        variety = wire.variety if wire.variety == "AMO" else ("STOPLOSS" if stop else "NORMAL")
        if request.validity is Validity.TTL:
            raise UnsupportedOperationError("AngelOne has no TTL validity; use DAY or IOC", broker=BROKER)
        updated = replace(
            wire, variety=variety, ordertype=order_type,
            duration=request.validity.value if request.validity else wire.duration,
            quantity=str(request.qty) if request.qty is not None else wire.quantity,
            price=_price(request.price) if request.price is not None else wire.price,
            triggerprice=_price(request.trigger_price) if request.trigger_price is not None else wire.triggerprice)
        if order_type == "MARKET" or order_type == "STOPLOSS_MARKET":
            updated = replace(updated, price="0")
        body: dict[str, str] = {
            "variety": updated.variety, "orderid": order_id, "ordertype": updated.ordertype,
            "producttype": updated.producttype, "duration": updated.duration, "price": updated.price,
            "quantity": updated.quantity, "tradingsymbol": updated.tradingsymbol,
            "symboltoken": updated.symboltoken, "exchange": updated.exchange,
        }
        if stop:
            body["triggerprice"] = updated.triggerprice
        if request.disclosed_qty is not None:
            body["disclosedquantity"] = str(request.disclosed_qty)

        def parse(payload: Any) -> str:
            self._remember(order_id, updated)
            return _order_id_in(payload, order_id)

        return Call(self._post(f"{_SECURE}/order/v1/modifyOrder", "order.modify", ORDERS, body, is_write=True),
                    parse)

    def cancel_order(self, ctx: DriverContext, order_id: str, variety: Variety) -> Call[str]:
        """Build ``cancelOrder`` ``{"variety", "orderid"}``; a remembered stop order cancels as STOPLOSS."""
        wanted = _checked_id(order_id)
        known = self._orders.get(wanted)
        angel_variety = known.variety if known is not None else variety_to_angel(variety, OrderType.MARKET)
        body = {"variety": angel_variety, "orderid": wanted}
        return Call(self._post(f"{_SECURE}/order/v1/cancelOrder", "order.cancel", ORDERS, body, is_write=True),
                    lambda payload: _order_id_in(payload, wanted))

    # -- market data -----------------------------------------------------------------------

    def _batches(self, ctx: DriverContext, instruments: Sequence[Instrument]) -> list[_Batch]:
        """Group tokens by exchange, at most QUOTE_BATCH tokens per request (across exchanges)."""
        keyed: dict[tuple[str, str], Instrument] = {}
        for instrument in instruments:
            symbol = ctx.resolve(instrument)
            keyed[(symbol.exchange, symbol.token)] = instrument
        keys = list(keyed)
        batches = []
        for start in range(0, len(keys), QUOTE_BATCH):
            grouped: dict[str, list[str]] = {}
            chunk = keys[start:start + QUOTE_BATCH]
            for exchange, token in chunk:
                grouped.setdefault(exchange, []).append(token)
            batches.append((grouped, {key: keyed[key] for key in chunk}))
        return batches

    @staticmethod
    def _fetched(payload: Any) -> list[Mapping[str, Any]]:
        return rows_of(object_of(payload, "quote").get("fetched"), "quote")

    @staticmethod
    def _key(row: Mapping[str, Any]) -> tuple[str, str]:
        return text(row.get("exchange")).upper(), text(row.get("symbolToken") or row.get("symboltoken"))

    def quote(self, ctx: DriverContext, instruments: Sequence[Instrument],
              mode: StreamMode) -> list[Call[dict[Instrument, Quote]]]:
        """Build ``market/v1/quote`` (FULL, or LTP for LTP mode), 50 tokens per request."""
        with_depth = mode is StreamMode.FULL
        calls: list[Call[dict[Instrument, Quote]]] = []
        for grouped, keyed in self._batches(ctx, instruments):
            def parse(payload: Any, keyed: dict[tuple[str, str], Instrument] = keyed) -> dict[Instrument, Quote]:
                out: dict[Instrument, Quote] = {}
                for row in self._fetched(payload):
                    instrument = keyed.get(self._key(row))
                    if instrument is not None:
                        out[instrument] = angel_quote_to_quote(instrument, row, with_depth)  # type: ignore[arg-type]
                return out

            body = {"mode": _QUOTE_MODES[mode], "exchangeTokens": grouped}
            calls.append(Call(self._post(f"{_SECURE}/market/v1/quote", "market.quote", QUOTE, body), parse))
        return calls

    def ltp(self, ctx: DriverContext, instruments: Sequence[Instrument]) -> list[Call[dict[Instrument, float]]]:
        """Build ``market/v1/quote`` in LTP mode, 50 tokens per request."""
        calls: list[Call[dict[Instrument, float]]] = []
        for grouped, keyed in self._batches(ctx, instruments):
            def parse(payload: Any, keyed: dict[tuple[str, str], Instrument] = keyed) -> dict[Instrument, float]:
                return {keyed[key]: number(row.get("ltp")) for row in self._fetched(payload)
                        if (key := self._key(row)) in keyed}

            body = {"mode": "LTP", "exchangeTokens": grouped}
            calls.append(Call(self._post(f"{_SECURE}/market/v1/quote", "market.quote", QUOTE, body), parse))
        return calls

    def history(self, ctx: DriverContext, instrument: Instrument, interval: CandleInterval,
                start: _dt.datetime, end: _dt.datetime, oi: bool) -> list[Call[list[Candle]]]:
        """Build ``getCandleData``, one call per date range SmartAPI serves for the interval.

        Open interest lives behind a separate endpoint (``getOIData``) whose reply format the
        reference could not confirm, so ``oi=True`` is refused rather than answered with zeros.
        """
        if oi:
            raise UnsupportedOperationError("AngelOne candles carry no open interest; call history with oi=False",
                                            broker=BROKER)
        start, end = _ist(start), _ist(end)
        if end <= start:
            raise InputError(f"history: end {end:%Y-%m-%d %H:%M} must be after start {start:%Y-%m-%d %H:%M}",
                             broker=BROKER)
        symbol = ctx.resolve(instrument)
        span = _dt.timedelta(days=HISTORY_MAX_DAYS[interval])
        calls: list[Call[list[Candle]]] = []
        chunk_start = start
        while chunk_start < end:
            chunk_end = min(chunk_start + span, end)
            body = {"exchange": symbol.exchange, "symboltoken": symbol.token, "interval": ANGEL_INTERVALS[interval],
                    "fromdate": f"{chunk_start:%Y-%m-%d %H:%M}", "todate": f"{chunk_end:%Y-%m-%d %H:%M}"}
            calls.append(Call(self._post(f"{_SECURE}/historical/v1/getCandleData", "historical.candles",
                                         HISTORICAL, body), angel_candles_to_candles))
            chunk_start = chunk_end + _dt.timedelta(minutes=1)
        return calls


    # -- GTT rules, margins, conversion (see triggers.py) ----------------------------------

    def _rule_parser(self, ctx: DriverContext) -> Callable[[Any], Gtt]:
        def parse(payload: Any) -> Gtt:
            rule = object_of(payload, "GTT rule")
            self._remember_rule(text(rule.get("id")), text(rule.get("exchange")).upper(),
                                text(rule.get("symboltoken")))
            return angel_rule_to_gtt(ctx, rule)

        return parse

    def place_gtt(self, ctx: DriverContext, request: GttRequest) -> Call[str]:
        """Build ``createRule``; parses to the rule id. Two-leg (OCO) requests are refused before any I/O."""
        symbol = ctx.resolve(request.instrument)
        body = rule_body(symbol, request)

        def parse(payload: Any) -> str:
            gtt_id = text(object_of(payload, "GTT create").get("id"))
            if not gtt_id:
                raise BrokerUnavailableError("AngelOne's createRule reply carries no id", broker=BROKER)
            self._remember_rule(gtt_id, symbol.exchange, symbol.token)
            return gtt_id

        return Call(self._post(f"{_SECURE}/gtt/v1/createRule", "gtt.create", GTT, body, is_write=True), parse)

    def modify_gtt(self, ctx: DriverContext, gtt_id: str, request: GttRequest) -> Call[str]:
        """Build ``modifyRule``: trigger, price and quantity; side and product stay as created."""
        wanted = _checked_id(gtt_id)
        symbol = ctx.resolve(request.instrument)
        body = rule_body(symbol, request, wanted)
        return Call(self._post(f"{_SECURE}/gtt/v1/modifyRule", "gtt.modify", GTT, body, is_write=True),
                    lambda payload: text(object_of(payload, "GTT modify").get("id")) or wanted)

    def cancel_gtt(self, ctx: DriverContext, gtt_id: str) -> Call[str]:
        """Build ``cancelRule``, which needs the rule's exchange and token: known once created or listed here."""
        wanted = _checked_id(gtt_id)
        known = self._rules.get(wanted)
        if known is None:
            raise InputError(f"cannot cancel AngelOne GTT rule {wanted}: SmartAPI needs its symbol token, and this "
                             "client has not seen the rule yet; list the rules first (client.gtts()) and retry",
                             broker=BROKER)
        exchange, token = known
        body = {"id": wanted, "symboltoken": token, "exchange": exchange}
        return Call(self._post(f"{_SECURE}/gtt/v1/cancelRule", "gtt.cancel", GTT, body, is_write=True),
                    lambda payload: text(object_of(payload, "GTT cancel").get("id")) or wanted)

    def gtts(self, ctx: DriverContext) -> PagedCall[Gtt]:
        """Build ``ruleList`` for rules in every state, a page of ``_GTT_PAGE`` at a time.

        ``data: null`` is an empty page. A page that came back full may have a next one; the
        decision counts the rules on the wire, not the parsed ones (a rule on a contract the
        master no longer lists is skipped, and must not end the paging early).
        """
        parse_rule = self._rule_parser(ctx)
        on_wire = [0]

        def request(page: int) -> HttpRequest:
            body = {"status": list(GTT_LIST_STATUSES), "page": page, "count": _GTT_PAGE}
            return self._post(f"{_SECURE}/gtt/v1/ruleList", "gtt.list", GTT, body)

        def parse(payload: Any) -> list[Gtt]:
            rows = rows_of(payload, "GTT rule list")
            on_wire[0] = len(rows)
            return parse_rows(rows, parse_rule, broker=BROKER, what="GTT rules")

        return PagedCall(request(1), parse,
                         next_request=lambda read, _rules: request(read + 1) if on_wire[0] >= _GTT_PAGE else None)

    def gtt(self, ctx: DriverContext, gtt_id: str) -> Call[Gtt]:
        return Call(self._post(f"{_SECURE}/gtt/v1/ruleDetails", "gtt.details", GTT, {"id": _checked_id(gtt_id)}),
                    self._rule_parser(ctx))

    def order_margins(self, ctx: DriverContext,
                      requests: Sequence[OrderRequest]) -> list[Call[list[MarginRequirement]]]:
        """One ``margin/v1/batch`` per order: SmartAPI totals a batch, so per-order figures need one call each."""
        calls: list[Call[list[MarginRequirement]]] = []
        for request in requests:
            def parse(payload: Any, instrument: Any = request.instrument) -> list[MarginRequirement]:
                return [angel_margin_to_requirement(payload, instrument)]

            calls.append(Call(self._post(f"{_SECURE}/margin/v1/batch", "margin.batch", MARGINS,
                                         margin_body(ctx, [request])), parse))
        return calls

    def basket_margin(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[BasketMargin]:
        """One ``margin/v1/batch`` with every order: the hedged total, and the benefit SmartAPI reports."""
        return Call(self._post(f"{_SECURE}/margin/v1/batch", "margin.batch", MARGINS, margin_body(ctx, requests)),
                    angel_margin_to_basket)

    def convert_position(self, ctx: DriverContext, request: ConvertRequest) -> Call[bool]:
        """Build ``convertPosition``; success is the envelope's ``status: true`` (its ``data`` is null)."""
        body = convert_body(ctx.resolve(request.instrument), request)
        return Call(self._post(f"{_SECURE}/order/v1/convertPosition", "order.convert", CONVERT, body,
                               is_write=True), lambda payload: True)
