"""Noren request builders: every canonical call as ``POST <base>/<Route>`` with a ``jData=`` body.

Requests arrive valid and canonical (the core checked them); each builder only translates and
pairs the request with its pure parser from :mod:`.parsing`. ``tsym`` travels URL-encoded, as
the SDKs send it (``M&M`` -> ``M%26M``). GTT, margins and conversion live in :mod:`.triggers`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import quote_plus

from tt_connect.driver_api import Call, DriverContext, HttpRequest, HttpResponse, Operation, parse_rows
from tt_connect.enums import CandleInterval, StreamMode
from tt_connect.errors import BrokerUnavailableError
from tt_connect.instruments import Instrument
from tt_connect.models import (
    CancelRequest,
    Candle,
    Funds,
    HistoryRequest,
    Holding,
    ModifyRequest,
    Order,
    OrderRequest,
    Position,
    Profile,
    Quote,
    Trade,
)

from tt_connect_noren.mapping import (
    HISTORY_MAX_DAYS,
    NOREN_INTERVALS,
    order_type_to_noren,
    product_to_noren,
    side_to_noren,
    validity_to_noren,
)
from tt_connect_noren.parsing import (
    noren_candles_to_candles,
    noren_day_position,
    noren_eod_to_candles,
    noren_holding_to_holding,
    noren_limits_to_funds,
    noren_order_to_order,
    noren_position_to_position,
    noren_quote_to_quote,
    noren_trade_to_trade,
    noren_user_to_profile,
)
from tt_connect_noren.triggers import TriggerCalls
from tt_connect_noren.wire import jdata, read_reply

__all__ = ["NorenApi", "price_text"]

_ORDER_WRITES = frozenset({"PlaceOrder", "ModifyOrder", "CancelOrder"})


def price_text(value: float | None) -> str:
    """A price as Noren takes it: plain decimal text, ``"0"`` when unset."""
    if value is None:
        return "0"
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def _rows(payload: Any, what: str) -> list[Any]:
    if not isinstance(payload, list):
        raise BrokerUnavailableError(f"Noren answered {what} with {type(payload).__name__}, not a list",
                                     broker="noren")
    return payload


def _object(payload: Any, what: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise BrokerUnavailableError(f"Noren answered {what} with no data", broker="noren")
    return payload


class NorenApi(TriggerCalls):
    """The Noren OMS translator; a profile's driver subclasses it to set ``broker`` (shoonya, flattrade...)."""

    tag_max_length: ClassVar[int] = 20
    """``remarks`` is free text; 20 characters keeps it clear of every Noren deployment's limit ([UNVERIFIED])."""
    quote_batch_size: ClassVar[int] = 1
    """``GetQuotes`` takes one instrument per call (reference 3.5)."""
    margin_batch_size: ClassVar[int] = 1
    """``GetOrderMargin`` prices one order per call."""
    history_max_days: ClassVar[Mapping[CandleInterval, int]] = HISTORY_MAX_DAYS
    algo_id_field: ClassVar[bool] = True
    """``PlaceOrder`` takes the exchange algo id in ``algo_id`` (NorenRestApiOAuth ``place_order``, SEBI tagging)."""
    needs_known_order: ClassVar[frozenset[Operation]] = frozenset({Operation.MODIFY_ORDER})
    """``ModifyOrder`` must repeat the order's exchange, symbol, quantity and price type."""

    broker: ClassVar[str] = "noren"

    def __init__(self, api_url: str, user_id: str) -> None:
        self._base = api_url.rstrip("/")
        self._uid = user_id

    def unwrap(self, response: HttpResponse) -> Any:
        return read_reply(response)

    def _request(self, route: str, fields: Mapping[str, Any], *, rate_class: str | None = None) -> HttpRequest:
        body = {"uid": self._uid, **fields}
        return HttpRequest(method="POST", url=f"{self._base}/{route}", endpoint=route,
                           rate_class=rate_class or ("orders" if route in _ORDER_WRITES else "default"),
                           body=jdata(body), is_write=route in _ORDER_WRITES or route.endswith(("GTTOrder",
                                                                                                   "OCOOrder")) or
                           route == "ProductConversion")

    def _account(self, route: str, **fields: Any) -> HttpRequest:
        return self._request(route, {"actid": self._uid, **fields})

    # -- account and portfolio -------------------------------------------------------------

    def profile(self, ctx: DriverContext) -> Call[Profile]:
        return Call(self._request("UserDetails", {}),
                    lambda data: noren_user_to_profile(_object(data, "UserDetails"), self.broker))

    def funds(self, ctx: DriverContext) -> Call[Funds]:
        return Call(self._account("Limits"), lambda data: noren_limits_to_funds(_object(data, "Limits")))

    def holdings(self, ctx: DriverContext) -> Call[list[Holding]]:
        return Call(self._account("Holdings", prd="C"), lambda data: parse_rows(
            _rows(data, "Holdings"), lambda row: noren_holding_to_holding(ctx, row), broker=self.broker,
            what="holdings"))

    def positions(self, ctx: DriverContext) -> Call[list[Position]]:
        return Call(self._account("PositionBook"), lambda data: parse_rows(
            _rows(data, "PositionBook"), lambda row: noren_position_to_position(ctx, row), broker=self.broker,
            what="positions"))

    def day_positions(self, ctx: DriverContext) -> Call[list[Position]]:
        return Call(self._account("PositionBook"), lambda data: parse_rows(
            _rows(data, "PositionBook"), lambda row: noren_day_position(ctx, row), broker=self.broker,
            what="day positions"))

    # -- order book ------------------------------------------------------------------------

    def orders(self, ctx: DriverContext) -> Call[list[Order]]:
        return Call(self._request("OrderBook", {}), lambda data: parse_rows(
            _rows(data, "OrderBook"), lambda row: noren_order_to_order(ctx, row), broker=self.broker,
            what="orders"))

    def order_history(self, ctx: DriverContext, order_id: str) -> Call[list[Order]]:
        """``SingleOrdHist`` comes newest first; the canonical history is oldest first."""
        return Call(self._request("SingleOrdHist", {"norenordno": order_id}), lambda data: parse_rows(
            _rows(data, "SingleOrdHist")[::-1], lambda row: noren_order_to_order(ctx, row), broker=self.broker,
            what="order history"))

    def trades(self, ctx: DriverContext) -> Call[list[Trade]]:
        return Call(self._account("TradeBook"), lambda data: parse_rows(
            _rows(data, "TradeBook"), lambda row: noren_trade_to_trade(ctx, row), broker=self.broker,
            what="trades"))

    # -- orders ----------------------------------------------------------------------------

    def place_order(self, ctx: DriverContext, request: OrderRequest) -> Call[str]:
        symbol = ctx.resolve(request.instrument)
        fields: dict[str, Any] = {
            "ordersource": "API", "actid": self._uid, "trantype": side_to_noren(request.side),
            "prd": product_to_noren(request.product, request.variety), "exch": symbol.exchange,
            "tsym": quote_plus(symbol.symbol), "qty": str(request.qty), "dscqty": str(request.disclosed_qty),
            "prctyp": order_type_to_noren(request.order_type), "prc": price_text(request.price),
            "ret": validity_to_noren(request.validity), "remarks": request.tag,
        }
        if request.order_type.needs_trigger:
            fields["trgprc"] = price_text(request.trigger_price)
        if request.algo_id:
            fields["algo_id"] = request.algo_id
        if request.variety.value == "AMO":
            fields["amo"] = "Yes"
        if request.variety.value == "CO":
            fields["blprc"] = price_text(request.trigger_price)
        return Call(self._request("PlaceOrder", fields), lambda data: str(_object(data, "PlaceOrder")["norenordno"]))

    def modify_order(self, ctx: DriverContext, request: ModifyRequest) -> Call[str]:
        """``qty`` is the order's new total; unchanged fields repeat the order's current ones (the core
        guarantees ``ctx.known_order``)."""
        order = ctx.known_order(request.order_id)
        if order is None:  # the core reads it first (needs_known_order); kept for a direct caller
            raise BrokerUnavailableError(f"order {request.order_id} is not known", broker=self.broker)
        symbol = ctx.resolve(order.instrument)
        order_type = request.order_type or order.order_type
        price = request.price if request.price is not None else order.price
        fields: dict[str, Any] = {
            "ordersource": "API", "actid": self._uid, "norenordno": request.order_id, "exch": symbol.exchange,
            "tsym": quote_plus(symbol.symbol), "qty": str(request.qty if request.qty is not None else order.qty),
            "prctyp": order_type_to_noren(order_type), "prc": price_text(price if order_type.needs_price else 0.0),
            "ret": validity_to_noren(request.validity or order.validity),
        }
        if order_type.needs_trigger:
            trigger = request.trigger_price if request.trigger_price is not None else order.trigger_price
            fields["trgprc"] = price_text(trigger)
        if request.disclosed_qty is not None:
            fields["dscqty"] = str(request.disclosed_qty)
        return Call(self._request("ModifyOrder", fields), lambda data: str(_object(data, "ModifyOrder")["result"]))

    def cancel_order(self, ctx: DriverContext, request: CancelRequest) -> Call[str]:
        return Call(self._request("CancelOrder", {"ordersource": "API", "norenordno": request.order_id}),
                    lambda data: str(_object(data, "CancelOrder")["result"]))

    # -- market data -----------------------------------------------------------------------

    def quote(self, ctx: DriverContext, instruments: Sequence[Instrument],
              mode: StreamMode) -> Call[dict[Instrument, Quote]]:
        """One instrument per ``GetQuotes`` (``quote_batch_size`` is 1)."""
        (instrument,) = instruments
        symbol = ctx.resolve(instrument)

        def parse(data: Any) -> dict[Instrument, Quote]:
            return {instrument: noren_quote_to_quote(ctx, _object(data, "GetQuotes"))}

        return Call(self._request("GetQuotes", {"exch": symbol.exchange, "token": symbol.token}), parse)

    def history(self, ctx: DriverContext, request: HistoryRequest) -> Call[list[Candle]]:
        """Minute candles from ``TPSeries`` (epoch seconds, ``intrv`` minutes), daily ones from ``EODChartData``."""
        symbol = ctx.resolve(request.instrument)
        start, end = str(int(request.start.timestamp())), str(int(request.end.timestamp()))
        if request.interval is CandleInterval.DAY:
            fields = {"sym": f"{symbol.exchange}:{symbol.symbol}", "from": start, "to": end}
            return Call(self._request("EODChartData", fields),
                        lambda data: _within(noren_eod_to_candles(_rows(data, "EODChartData")), request))
        fields = {"ordersource": "API", "exch": symbol.exchange, "token": symbol.token, "st": start, "et": end,
                  "intrv": NOREN_INTERVALS[request.interval]}
        return Call(self._request("TPSeries", fields),
                    lambda data: _within(noren_candles_to_candles(_rows(data, "TPSeries")), request))


def _within(candles: list[Candle], request: HistoryRequest) -> list[Candle]:
    """Keep the candles of the requested range (a daily series is dated at midnight); OI only when asked."""
    first = _dt.datetime.combine(request.start.date(), _dt.time(0), request.start.tzinfo) \
        if request.interval is CandleInterval.DAY else request.start
    kept = [c for c in candles if first <= c.timestamp <= request.end]
    if request.oi:
        return kept
    return [c if not c.oi else Candle(timestamp=c.timestamp, open=c.open, high=c.high, low=c.low, close=c.close,
                                      volume=c.volume) for c in kept]
