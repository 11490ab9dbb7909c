"""The conformance suite for the Dhan driver: static request/response tiers, behaviour and faults on the emulator."""

from __future__ import annotations

import datetime as _dt
from typing import Any, ClassVar

import msgspec
import pytest
from dhan_fakes import IST_SHIFT, FakeContext, disconnect, full, nifty_call, oi, prev_close, quote, reliance, ticker
from tt_connect.enums import CandleInterval, OrderType, ProductType, Side, StreamMode, Variety
from tt_connect.models import (
    CancelRequest,
    Funds,
    GttLeg,
    GttRequest,
    HistoryRequest,
    Order,
    OrderRequest,
    Position,
    Profile,
)
from tt_connect.testing import DriverConformance, FrameCase, RequestCase, ResponseCase
from tt_connect.timeutil import IST

pytestmark = pytest.mark.conformance


def _limit_order() -> OrderRequest:
    return OrderRequest(instrument=reliance(), qty=10, side=Side.BUY, product=ProductType.CNC,
                        order_type=OrderType.LIMIT, price=2900.5, tag="conformancetag1")


def _stop_order() -> OrderRequest:
    return OrderRequest(instrument=nifty_call(), qty=75, side=Side.SELL, product=ProductType.NRML,
                        order_type=OrderType.SL_M, trigger_price=101.5, tag="conformancetag1")


def _amo_order() -> OrderRequest:
    return OrderRequest(instrument=reliance(), qty=1, side=Side.BUY, product=ProductType.MIS,
                        order_type=OrderType.MARKET, variety=Variety.AMO, tag="conformancetag1")


def _oco() -> GttRequest:
    legs = (GttLeg(trigger_price=2700, side=Side.SELL, qty=5, product=ProductType.CNC, price=2695.0),
            GttLeg(trigger_price=3100, side=Side.SELL, qty=5, product=ProductType.CNC, price=3095.0))
    return GttRequest(instrument=reliance(), legs=legs, last_price=2905.0)


def _body(value: Any) -> bytes:
    return msgspec.json.encode(value)


def _check(kind: type, count: int | None = None) -> Any:
    def check(result: Any) -> None:
        items = result if isinstance(result, list) else [result]
        assert all(isinstance(item, kind) for item in items), result
        if count is not None:
            assert len(items) == count
    return check


_ORDER_ROW = {"orderId": "52201", "orderStatus": "PENDING", "transactionType": "BUY", "exchangeSegment": "NSE_EQ",
              "productType": "CNC", "orderType": "LIMIT", "validity": "DAY", "securityId": "2885", "quantity": 10,
              "price": 2900.5, "triggerPrice": 0.0, "filledQty": 0, "remainingQuantity": 10,
              "correlationId": "conformancetag1", "createTime": "2025-01-06 09:20:01",
              "updateTime": "2025-01-06 09:20:01"}


class TestDhanConformance(DriverConformance):
    broker = "dhan"
    emulator_options: ClassVar[dict[str, Any]] = {"tick_interval": 0.05}

    @pytest.fixture
    def static_context(self, ctx: FakeContext) -> FakeContext:
        return ctx

    @pytest.fixture
    def stream_frames(self) -> list[FrameCase]:
        """Every binary packet of the market feed (state packets first, several in one message, a disconnect),
        and an order alert on the order socket."""
        ltt = int(_dt.datetime(2025, 1, 6, 9, 59, 58, tzinfo=IST).timestamp()) + IST_SHIFT
        levels = [(100 * (i + 1), 90 * (i + 1), i + 1, i + 2, 2905.05 - 0.05 * i, 2905.10 + 0.05 * i)
                  for i in range(5)]
        alert = {"Type": "order_alert", "Data": {
            "Exchange": "NSE", "Segment": "E", "SecurityId": "2885", "OrderNo": "112", "TxnType": "S",
            "OrderType": "SLM", "Product": "I", "Validity": "DAY", "Quantity": 10, "TradedQty": 0,
            "RemainingQuantity": 10, "Price": 0, "TriggerPrice": 2890.5, "Status": "Pending", "CorrelationId": "ttc1",
            "OffMktFlag": "0", "OrderDateTime": "2025-01-06 10:00:00", "LastUpdatedTime": "2025-01-06 10:00:01",
            "ExchOrderNo": "1100"}}
        return [
            FrameCase(name="previous close, OI, then a quote", frames=[
                prev_close(2, 43650, 118.0, 4_800_000), oi(2, 43650, 5_000_000),
                quote(2, 43650, ltp=120.5, ltq=75, ltt=ltt, atp=119.9, volume=900, sell=300, buy=450, o=117.0,
                      c=0.0, h=121.0, low=116.5)]),
            FrameCase(name="full", frames=[full(1, 2885, ltp=2905.05, ltt=ltt, oi_values=(0, 0, 0), levels=levels)]),
            FrameCase(name="several packets", frames=[
                ticker(1, 2885, 2905.0, ltt) + oi(2, 43650, 10) + ticker(0, 13, 24000.0, ltt)]),
            FrameCase(name="disconnect", frames=[disconnect(807)]),
            FrameCase(name="order alert", frames=[msgspec.json.encode(alert).decode()], order_socket=True),
        ]

    @pytest.fixture
    def instrument_files(self, static_instruments: None) -> list[bytes]:
        """The emulator's compact scrip master (the source's default file)."""
        from tt_connect.paper.engine import PaperEngine
        from tt_connect.paper.universe import build_universe
        from tt_connect_dhan.emulator.wire import DhanListing

        return [DhanListing(PaperEngine(build_universe(_dt.date(2025, 1, 6)))).compact_csv()]

    @pytest.fixture
    def static_config(self) -> dict[str, Any]:
        return {"client_id": "1000000003", "access_token": "token", "api_url": "https://api.dhan.co/v2"}

    @pytest.fixture
    def request_cases(self, static_instruments: None) -> list[RequestCase]:
        start, end = _dt.datetime(2025, 1, 1, 9, 15, tzinfo=IST), _dt.datetime(2025, 1, 3, 15, 30, tzinfo=IST)
        return [
            RequestCase(name="place_order limit", build=lambda api, ctx: api.place_order(ctx, _limit_order()),
                        method="POST", path="/v2/orders", encoding="json",
                        params={"dhanClientId": "1000000003", "transactionType": "BUY", "exchangeSegment": "NSE_EQ",
                                "productType": "CNC", "orderType": "LIMIT", "validity": "DAY", "securityId": "2885",
                                "quantity": 10, "price": 2900.5, "afterMarketOrder": False, "boProfitValue": None,
                                "correlationId": "conformancetag1"}),
            RequestCase(name="place_order stop-market option", build=lambda api, ctx: api.place_order(
                            ctx, _stop_order()),
                        method="POST", path="/v2/orders", encoding="json",
                        params={"exchangeSegment": "NSE_FNO", "productType": "MARGIN",
                                "orderType": "STOP_LOSS_MARKET", "triggerPrice": 101.5, "securityId": "43650"}),
            RequestCase(name="place_order amo", build=lambda api, ctx: api.place_order(ctx, _amo_order()),
                        method="POST", path="/v2/orders", encoding="json",
                        params={"afterMarketOrder": True, "amoTime": "OPEN", "productType": "INTRADAY"}),
            RequestCase(name="cancel", build=lambda api, ctx: api.cancel_order(ctx, CancelRequest(order_id="52201")),
                        method="DELETE", path="/v2/orders/52201", encoding="none"),
            RequestCase(name="order book", build=lambda api, ctx: api.orders(ctx), method="GET", path="/v2/orders",
                        encoding="none"),
            RequestCase(name="quote", build=lambda api, ctx: api.quote(ctx, [reliance(), nifty_call()],
                                                                       StreamMode.FULL),
                        method="POST", path="/v2/marketfeed/quote", encoding="json",
                        params={"NSE_EQ": [2885], "NSE_FNO": [43650]}),
            RequestCase(name="history", build=lambda api, ctx: api.history(ctx, HistoryRequest(
                            instrument=reliance(), interval=CandleInterval.MINUTE_5, start=start, end=end)),
                        method="POST", path="/v2/charts/intraday", encoding="json",
                        params={"securityId": "2885", "exchangeSegment": "NSE_EQ", "instrument": "EQUITY",
                                "interval": 5, "fromDate": "2025-01-01 09:15:00", "toDate": "2025-01-03 15:30:00"}),
            RequestCase(name="daily history", build=lambda api, ctx: api.history(ctx, HistoryRequest(
                            instrument=reliance(), interval=CandleInterval.DAY, start=start, end=end, oi=True)),
                        method="POST", path="/v2/charts/historical", encoding="json",
                        params={"fromDate": "2025-01-01", "toDate": "2025-01-04", "oi": True, "expiryCode": 0}),
            RequestCase(name="gtt oco", build=lambda api, ctx: api.place_gtt(ctx, _oco()), method="POST",
                        path="/v2/forever/orders", encoding="json",
                        params={"orderFlag": "OCO", "triggerPrice": 3100.0, "triggerPrice1": 2700.0,
                                "productType": "CNC"}),
            RequestCase(name="basket margin", build=lambda api, ctx: api.basket_margin(ctx, [_limit_order()]),
                        method="POST", path="/v2/margincalculator/multi", encoding="json"),
        ]

    @pytest.fixture
    def response_cases(self, static_instruments: None) -> list[ResponseCase]:
        return [
            ResponseCase(name="profile", build=lambda a, c: a.profile(c),
                         body=_body({"dhanClientId": "1000000003", "tokenValidity": "07/01/2025 10:00",
                                     "activeSegment": "Equity, Derivative"}), expected=_check(Profile)),
            ResponseCase(name="funds", build=lambda a, c: a.funds(c),
                         body=_body({"availabelBalance": 10.0, "sodLimit": 12.0, "utilizedAmount": 2.0}),
                         expected=_check(Funds)),
            ResponseCase(name="orders", build=lambda a, c: a.orders(c), body=_body([_ORDER_ROW]),
                         expected=_check(Order, 1)),
            ResponseCase(name="empty orders", build=lambda a, c: a.orders(c), body=b"[]", expected=[]),
            ResponseCase(name="positions", build=lambda a, c: a.positions(c),
                         body=_body([{"exchangeSegment": "NSE_EQ", "securityId": "2885", "productType": "CNC",
                                      "netQty": 1, "costPrice": 10.0, "unrealizedProfit": 1.0}]),
                         expected=_check(Position, 1)),
            ResponseCase(name="place", build=lambda a, c: a.place_order(c, _limit_order()),
                         body=_body({"orderId": "52201", "orderStatus": "TRANSIT"}), expected="52201"),
            ResponseCase(name="cancel", build=lambda a, c: a.cancel_order(c, CancelRequest(order_id="52201")),
                         status=202,
                         body=_body({"orderId": "52201", "orderStatus": "CANCELLED"}), expected="52201"),
            ResponseCase(name="ltp", build=lambda a, c: a.ltp(c, [reliance()]),
                         body=_body({"data": {"NSE_EQ": {"2885": {"last_price": 2905.5}}}, "status": "success"}),
                         expected={reliance(): 2905.5}),
            ResponseCase(name="expired token", build=lambda a, c: a.profile(c), status=401,
                         body=_body({"errorType": "Invalid_Authentication", "errorCode": "DH-901",
                                     "errorMessage": "Client ID or user generated access token is invalid."}),
                         error_code="DH-901"),
            ResponseCase(name="bad input", build=lambda a, c: a.orders(c), status=400,
                         body=_body({"errorType": "Input_Exception", "errorCode": "DH-905",
                                     "errorMessage": "Missing required fields."}), error_code="DH-905"),
        ]
