"""A broker with an order book and a trade book but no per-order endpoints, behind a MockTransport.

Its modify and cancel need the order's symbol (as SmartAPI's do), so it declares them in
``needs_known_order`` and reads ``ctx.known_order``. Everything else the core derives: one
order, its history and its trades from the books (EMULATED), TTL validity by cancel-after.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any, ClassVar

from tt_connect.driver_api import (
    BrokerApi,
    BrokerFailure,
    Call,
    Capabilities,
    DriverConfig,
    DriverContext,
    DriverPlugin,
    ErrorMap,
    HttpRequest,
    HttpResponse,
    InstrumentSource,
    Operation,
    SegmentCapabilities,
    Support,
)
from tt_connect.enums import Exchange, OrderStatus, OrderType, ProductType, RejectionReason, Side, Validity
from tt_connect.errors import BrokerInputError, InsufficientFundsError, OrderNotFoundError, OrderNotOpenError
from tt_connect.models import CancelRequest, ModifyRequest, Order, OrderRequest, Trade

BASE = "http://book.invalid"
LISTING = b"""exchange,segment,kind,symbol,underlying,expiry,strike,option_type,lot_size,tick_size,isin,name,broker_token,broker_symbol,broker_exchange,broker_segment
NSE,NSE,EQ,RELIANCE,RELIANCE,,,,1,0.05,INE002A01018,RELIANCE INDUSTRIES,11,RELIANCE-EQ,NSE,NSE
NSE,NSE,IDX,NIFTY 50,NIFTY,,,,1,0.05,,NIFTY 50,26000,NIFTY 50,NSE,NSE_INDEX
NFO,NFO,FUT,NIFTY,NIFTY,2099-12-31,,,75,0.05,,NIFTY,35001,NIFTY99DECFUT,NFO,NFO
"""
SELECT = """
SELECT exchange, segment, kind, symbol, underlying, TRY_CAST(expiry AS DATE) AS expiry,
       TRY_CAST(strike AS DOUBLE) AS strike, NULLIF(option_type, '') AS option_type,
       CAST(lot_size AS INTEGER) AS lot_size, CAST(tick_size AS DOUBLE) AS tick_size, isin, name,
       broker_token, broker_symbol, broker_exchange, broker_segment
FROM {source}
"""


class BookConfig(DriverConfig, frozen=True, kw_only=True):
    api_url: str = BASE
    account_field: ClassVar[str] = "api_url"


class BookBroker:
    """The broker's side: an order book in memory, answering the translator's requests."""

    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.trades: list[dict[str, Any]] = []
        self.requests: list[HttpRequest] = []
        self._ids = itertools.count(1001)

    def place(self, **row: Any) -> str:
        order_id = str(next(self._ids))
        self.orders[order_id] = {"id": order_id, "status": "OPEN", "filled": 0, "message": "", **row}
        return order_id

    def fill(self, order_id: str) -> None:
        row = self.orders[order_id]
        row.update(status="COMPLETE", filled=row["qty"])
        self.trades.append({"trade": f"T{order_id}", "id": order_id, "qty": row["qty"], "price": row["price"] or 100.0})

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        path = request.url.removeprefix(BASE)
        body: Mapping[str, Any] = request.json or {}
        if path == "/orders" and request.method == "GET":
            return _ok(list(self.orders.values()))
        if path == "/trades":
            return _ok(self.trades)
        if path == "/orders" and request.method == "POST":
            if body["qty"] > 1000:
                order_id = self.place(**body)
                self.orders[order_id].update(status="REJECTED", message="RMS: Margin Exceeds, shortfall 1,00,000")
                return _ok({"id": order_id})
            return _ok({"id": self.place(**body)})
        if path in ("/orders/modify", "/orders/cancel"):
            row = self.orders.get(body["id"])
            if row is None:
                return _error("NOORDER", "no such order")
            if row["symbol"] != body["symbol"]:
                return _error("BADSYMBOL", "symbol does not match the order")
            if row["status"] != "OPEN":
                return _error("NOTOPEN", f"order is {row['status']}")
            if path.endswith("cancel"):
                row["status"] = "CANCELLED"
            else:
                row.update({k: v for k, v in body.items() if k in ("qty", "price")})
            return _ok({"id": body["id"]})
        return HttpResponse(status=404, body=b'{"error": {"code": "ROUTE", "message": "no route"}}')


def _ok(data: Any) -> HttpResponse:
    return HttpResponse(status=200, body=json.dumps({"data": data}).encode())


def _error(code: str, message: str) -> HttpResponse:
    return HttpResponse(status=400, body=json.dumps({"error": {"code": code, "message": message}}).encode())


_STATUS = {"OPEN": OrderStatus.OPEN, "COMPLETE": OrderStatus.COMPLETE, "CANCELLED": OrderStatus.CANCELLED,
           "REJECTED": OrderStatus.REJECTED}


def book_row_to_order(ctx: DriverContext, row: Mapping[str, Any]) -> Order:
    return Order(order_id=row["id"], instrument=ctx.by_symbol(row.get("exchange", "NSE"), row["symbol"]),  # type: ignore[arg-type]
                 side=Side(row["side"]), qty=row["qty"], order_type=OrderType(row["type"]),
                 product=ProductType(row.get("product", "CNC")), status=_STATUS[row["status"]], price=row["price"] or 0.0,
                 filled_qty=row["filled"], tag=row["tag"], status_message=row["message"], raw=dict(row))


class BookApi(BrokerApi):
    broker = "book"
    needs_known_order = frozenset({Operation.MODIFY_ORDER, Operation.CANCEL_ORDER})

    def unwrap(self, response: HttpResponse) -> Any:
        payload = response.json()
        if "error" in payload:
            raise BrokerFailure(payload["error"]["message"], code=payload["error"]["code"],
                                http_status=response.status)
        return payload["data"]

    def orders(self, ctx: DriverContext) -> Call[list[Order]]:
        return Call(HttpRequest(method="GET", url=f"{BASE}/orders", endpoint="orders"),
                    lambda rows: [book_row_to_order(ctx, r) for r in rows])

    def trades(self, ctx: DriverContext) -> Call[list[Trade]]:
        def parse(rows: list[dict[str, Any]]) -> list[Trade]:
            return [Trade(trade_id=r["trade"], order_id=r["id"], instrument=ctx.by_symbol("NSE", "RELIANCE-EQ"),  # type: ignore[arg-type]
                          side=Side.BUY, qty=r["qty"], price=r["price"], product=ProductType.CNC) for r in rows]

        return Call(HttpRequest(method="GET", url=f"{BASE}/trades", endpoint="trades"), parse)

    def place_order(self, ctx: DriverContext, request: OrderRequest) -> Call[str]:
        symbol = ctx.resolve(request.instrument)
        body = {"symbol": symbol.symbol, "exchange": symbol.exchange, "side": request.side.value, "qty": request.qty,
                "type": request.order_type.value, "price": request.price, "tag": request.tag,
                "product": request.product.value,
                "validity": request.validity.value}
        return Call(HttpRequest(method="POST", url=f"{BASE}/orders", endpoint="orders.place", json=body,
                                is_write=True), lambda data: str(data["id"]))

    def _known(self, ctx: DriverContext, order_id: str) -> Order:
        order = ctx.known_order(order_id)
        assert order is not None, "the core must have read the order before this builder runs"
        return order

    def modify_order(self, ctx: DriverContext, request: ModifyRequest) -> Call[str]:
        known = self._known(ctx, request.order_id)
        body = {"id": request.order_id, "symbol": known.raw["symbol"], "qty": request.qty or known.qty,
                "price": request.price if request.price is not None else known.price}
        return Call(HttpRequest(method="POST", url=f"{BASE}/orders/modify", endpoint="orders.modify", json=body,
                                is_write=True), lambda data: str(data["id"]))

    def cancel_order(self, ctx: DriverContext, request: CancelRequest) -> Call[str]:
        body = {"id": request.order_id, "symbol": self._known(ctx, request.order_id).raw["symbol"]}
        return Call(HttpRequest(method="POST", url=f"{BASE}/orders/cancel", endpoint="orders.cancel", json=body,
                                is_write=True), lambda data: str(data["id"]))


class BookDriver(DriverPlugin[BookConfig]):
    name = "book"
    config_type = BookConfig

    def capabilities(self) -> Capabilities:
        supported = {op: Support.SUPPORTED for op in (Operation.ORDERS, Operation.TRADES, Operation.PLACE_ORDER,
                                                       Operation.MODIFY_ORDER, Operation.CANCEL_ORDER)}
        emulated = {op: Support.EMULATED for op in (Operation.ORDER, Operation.ORDER_HISTORY, Operation.ORDER_TRADES)}
        segment = SegmentCapabilities(exchange=Exchange.NSE, order_types=frozenset({OrderType.MARKET, OrderType.LIMIT}),
                                      products=frozenset({ProductType.CNC}), validities=frozenset({Validity.DAY}),
                                      emulated_validities=frozenset({Validity.TTL}))
        futures = SegmentCapabilities(exchange=Exchange.NFO, order_types=frozenset({OrderType.MARKET}),
                                      products=frozenset({ProductType.NRML}), validities=frozenset({Validity.DAY}))
        return Capabilities(operations={**supported, **emulated}, segments=(segment, futures))

    def api(self, config: BookConfig) -> BrokerApi:
        return BookApi()

    def instrument_source(self, config: BookConfig) -> InstrumentSource:
        return InstrumentSource.one_file(SELECT, local=lambda: LISTING, read_options="header=true, all_varchar=true")

    def error_map(self, config: BookConfig) -> ErrorMap:
        return ErrorMap(codes={"NOORDER": OrderNotFoundError, "NOTOPEN": OrderNotOpenError,
                               "BADSYMBOL": BrokerInputError, "FUNDS": InsufficientFundsError},
                        reasons=((r"margin exceeds", RejectionReason.INSUFFICIENT_FUNDS),))
