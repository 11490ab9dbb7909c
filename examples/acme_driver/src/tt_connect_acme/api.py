"""Acme REST v1: request builders around the pure parsers of ``parsing.py``.

The envelope is ``{"status": "ok", "data": ...}`` or ``{"status": "error", "error": {"code", "message"}}``
with the HTTP status. Order bodies are JSON; quotes take up to 50 keys; daily candles span at most a
year a request, intraday ones 30 days (the core splits longer ranges).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from tt_connect.driver_api import BrokerApi, BrokerFailure, Call, DriverContext, HttpRequest, HttpResponse, parse_rows
from tt_connect.enums import CandleInterval, StreamMode
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

from tt_connect_acme.limits import ORDERS, QUOTES
from tt_connect_acme.mapping import CANDLE_INTERVALS, order_type_to_acme, variety_to_acme
from tt_connect_acme.parsing import (
    acme_candles_to_candles,
    acme_funds_to_funds,
    acme_holding_to_holding,
    acme_order_to_order,
    acme_position_to_position,
    acme_profile_to_profile,
    acme_quote_to_quote,
    acme_trade_to_trade,
)

__all__ = ["AcmeApi"]

BROKER = "acme"


class AcmeApi(BrokerApi):
    """Acme's translator: no state, no validation (the core sends only valid requests)."""

    broker = BROKER
    tag_max_length = 24
    quote_batch_size = 50
    history_max_days: ClassVar[Mapping[CandleInterval, int]] = {
        CandleInterval.DAY: 365, CandleInterval.HOUR_1: 30, CandleInterval.MINUTE_15: 30,
        CandleInterval.MINUTE_5: 30, CandleInterval.MINUTE_1: 30}

    def __init__(self, api_url: str) -> None:
        self._api = api_url.rstrip("/")

    def unwrap(self, response: HttpResponse) -> Any:
        body = response.json()
        if isinstance(body, dict) and body.get("status") == "ok" and response.status < 400:
            return body.get("data")
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            raise BrokerFailure(str(error.get("message", "")), code=error.get("code"), http_status=response.status,
                                raw=body)
        raise BrokerFailure(f"Acme replied HTTP {response.status} without an envelope", http_status=response.status,
                            raw=body)

    def _get(self, path: str, endpoint: str, rate_class: str = "default", **params: str) -> HttpRequest:
        return HttpRequest(method="GET", url=f"{self._api}{path}", endpoint=endpoint, rate_class=rate_class,
                           params=params or None)

    def _write(self, method: str, path: str, endpoint: str, body: Mapping[str, Any] | None = None) -> HttpRequest:
        return HttpRequest(method=method, url=f"{self._api}{path}", endpoint=endpoint, rate_class=ORDERS,
                           json=dict(body) if body is not None else None, is_write=True)

    @staticmethod
    def _key(ctx: DriverContext, instrument: Instrument) -> str:
        symbol = ctx.resolve(instrument)
        return f"{symbol.exchange}:{symbol.symbol}"

    # -- account and portfolio -------------------------------------------------------------

    def profile(self, ctx: DriverContext) -> Call[Profile]:
        return Call(self._get("/v1/profile", "profile"), acme_profile_to_profile)

    def funds(self, ctx: DriverContext) -> Call[Funds]:
        return Call(self._get("/v1/funds", "funds"), acme_funds_to_funds)

    def holdings(self, ctx: DriverContext) -> Call[list[Holding]]:
        return Call(self._get("/v1/holdings", "holdings"), lambda rows: parse_rows(
            rows, lambda r: acme_holding_to_holding(ctx, r), broker=BROKER, what="holdings"))

    def positions(self, ctx: DriverContext) -> Call[list[Position]]:
        return Call(self._get("/v1/positions", "positions"), lambda rows: parse_rows(
            rows, lambda r: acme_position_to_position(ctx, r), broker=BROKER, what="positions"))

    def day_positions(self, ctx: DriverContext) -> Call[list[Position]]:
        return Call(self._get("/v1/positions", "positions.day", day="1"), lambda rows: parse_rows(
            rows, lambda r: acme_position_to_position(ctx, r), broker=BROKER, what="day positions"))

    # -- order book ------------------------------------------------------------------------

    def orders(self, ctx: DriverContext) -> Call[list[Order]]:
        return Call(self._get("/v1/orders", "orders"), lambda rows: parse_rows(
            rows, lambda r: acme_order_to_order(ctx, r), broker=BROKER, what="orders"))

    def order(self, ctx: DriverContext, order_id: str) -> Call[Order]:
        return Call(self._get(f"/v1/orders/{order_id}", "orders.one"), lambda row: acme_order_to_order(ctx, row))

    def trades(self, ctx: DriverContext) -> Call[list[Trade]]:
        return Call(self._get("/v1/trades", "trades"), lambda rows: parse_rows(
            rows, lambda r: acme_trade_to_trade(ctx, r), broker=BROKER, what="trades"))

    def order_trades(self, ctx: DriverContext, order_id: str) -> Call[list[Trade]]:
        return Call(self._get(f"/v1/orders/{order_id}/trades", "orders.trades"), lambda rows: parse_rows(
            rows, lambda r: acme_trade_to_trade(ctx, r), broker=BROKER, what="order trades"))

    # -- orders ----------------------------------------------------------------------------

    def place_order(self, ctx: DriverContext, request: OrderRequest) -> Call[str]:
        body = {"key": self._key(ctx, request.instrument), "side": request.side.value, "qty": request.qty,
                "type": order_type_to_acme(request.order_type), "product": request.product.value,
                "validity": request.validity.value, "variety": variety_to_acme(request.variety),
                "price": request.price, "trigger_price": request.trigger_price, "tag": request.tag}
        return Call(self._write("POST", "/v1/orders", "orders.place", body), lambda data: str(data["order_id"]))

    def modify_order(self, ctx: DriverContext, request: ModifyRequest) -> Call[str]:
        changes = {"qty": request.qty, "price": request.price, "trigger_price": request.trigger_price,
                   "type": order_type_to_acme(request.order_type) if request.order_type else None,
                   "validity": request.validity.value if request.validity else None}
        body = {k: v for k, v in changes.items() if v is not None}
        return Call(self._write("PATCH", f"/v1/orders/{request.order_id}", "orders.modify", body),
                    lambda data: str(data["order_id"]))

    def cancel_order(self, ctx: DriverContext, request: CancelRequest) -> Call[str]:
        return Call(self._write("DELETE", f"/v1/orders/{request.order_id}", "orders.cancel"),
                    lambda data: str(data["order_id"]))

    # -- market data -----------------------------------------------------------------------

    def quote(self, ctx: DriverContext, instruments: Sequence[Instrument],
              mode: StreamMode) -> Call[dict[Instrument, Quote]]:
        keys = {self._key(ctx, i): i for i in instruments}

        def parse(rows: list[dict[str, Any]]) -> dict[Instrument, Quote]:
            return {keys[r["key"]]: acme_quote_to_quote(ctx, r) for r in rows if r.get("key") in keys}

        depth = "full" if mode is StreamMode.FULL else "ltp"
        return Call(self._get("/v1/quotes", "quotes", QUOTES, keys=",".join(keys), depth=depth), parse)

    def history(self, ctx: DriverContext, request: HistoryRequest) -> Call[list[Candle]]:
        params = {"key": self._key(ctx, request.instrument), "interval": CANDLE_INTERVALS[request.interval.value],
                  "from": request.start.isoformat(timespec="seconds"), "to": request.end.isoformat(timespec="seconds")}
        return Call(self._get("/v1/candles", "candles", **params), acme_candles_to_candles)
