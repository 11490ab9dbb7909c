"""The conformance suite, every tier, against the emulator of each Noren profile."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any, ClassVar

import msgspec
import pytest
from tt_connect.driver_api import BrokerSymbol
from tt_connect.enums import Exchange, OrderStatus, OrderType, ProductType, Side, StreamMode
from tt_connect.instruments import Equity
from tt_connect.models import CancelRequest, Order, OrderRequest
from tt_connect.testing import DriverConformance, FrameCase, RequestCase, ResponseCase, StaticContext

pytestmark = pytest.mark.conformance

RELIANCE = BrokerSymbol(token="2885", symbol="RELIANCE-EQ", exchange="NSE", segment="NSE", lot_size=1,
                        tick_size=0.05)
ORDER_ROW = {"stat": "Ok", "norenordno": "24112500000123", "exch": "NSE", "tsym": "RELIANCE-EQ", "qty": "10",
             "prc": "2900.00", "trgprc": "0.00", "prd": "C", "status": "OPEN", "trantype": "B", "prctyp": "LMT",
             "ret": "DAY", "fillshares": "4", "avgprc": "2899.50", "cancelqty": "0", "remarks": "conformancetag1",
             "norentm": "10:15:02 25-11-2026"}


def _reliance() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="RELIANCE")


def _check_orders(orders: list[Order]) -> None:
    (order,) = orders
    assert order.instrument == _reliance() and order.status is OrderStatus.PARTIALLY_FILLED
    assert (order.qty, order.filled_qty, order.pending_qty, order.tag) == (10, 4, 6, "conformancetag1")


def _jdata(fields: dict[str, Any]) -> str:
    return msgspec.json.encode(fields).decode()


class NorenConformance(DriverConformance):
    emulator_options: ClassVar[dict[str, Any]] = {"tick_interval": 0.05}
    user_id: ClassVar[str] = "FA12345"

    @pytest.fixture
    def static_context(self, static_instruments: None) -> StaticContext:
        return StaticContext(self.broker, [(_reliance(), RELIANCE)])

    @pytest.fixture
    def stream_frames(self) -> list[FrameCase]:
        """Touchline and depth snapshots then deltas, acks and a refused connect, an order update (one socket)."""
        levels = {}
        for i in range(1, 6):
            levels.update({f"bp{i}": f"{2905 - i * 0.05:.2f}", f"bq{i}": str(10 * i), f"bo{i}": str(i),
                           f"sp{i}": f"{2905 + i * 0.05:.2f}", f"sq{i}": str(11 * i), f"so{i}": str(i + 1)})
        depth = _jdata({"t": "dk", "e": "NSE", "tk": "2885", "ts": "RELIANCE-EQ", "lp": "2905.00", "c": "2890.00",
                        "o": "2895.00", "h": "2910.00", "l": "2880.00", "v": "1000", "ap": "2901.00", "ltq": "5",
                        "ltt": "10:15:01", "tbq": "700", "tsq": "800", "ft": "1795590905", "oi": "10", **levels})
        touch = _jdata({"t": "tk", "e": "NSE", "tk": "2885", "ts": "RELIANCE-EQ", "lp": "2905.10", "pc": "0.5",
                        "c": "2890.00", "o": "2895.00", "h": "2910.00", "l": "2880.00", "v": "1000", "ap": "2901.00",
                        "ft": "1795590905", "bp1": "2905.05", "sp1": "2905.15", "bq1": "7", "sq1": "9"})
        order = _jdata({**ORDER_ROW, "t": "om", "status": "COMPLETE", "reporttype": "Fill", "fillshares": "10",
                        "avgprc": "2905.00"})
        return [
            FrameCase(name="touchline snapshot then a delta", frames=[
                touch, _jdata({"t": "tf", "e": "NSE", "tk": "2885", "lp": "2906.00", "v": "1100"})]),
            FrameCase(name="depth snapshot then a delta", frames=[
                depth, _jdata({"t": "df", "e": "NSE", "tk": "2885", "bp1": "2905.10", "bq1": "3", "lp": "2905.20"})]),
            FrameCase(name="acks, a heartbeat and a refused connect", frames=[
                '{"t":"ck","s":"OK","uid":"FA12345"}', '{"t":"h"}',
                '{"t":"ak","s":"NOT_OK","emsg":"Invalid Session Key"}']),
            FrameCase(name="order update", frames=[order]),
        ]

    @pytest.fixture
    def instrument_files(self, driver_hooks: tuple[Any, Any], static_instruments: None) -> list[bytes]:
        """The emulator's zipped symbol files, one per exchange the source names."""
        from tt_connect.paper.engine import PaperEngine
        from tt_connect.paper.universe import build_universe
        from tt_connect_noren.emulator.wire import NorenListing

        hook, config = driver_hooks
        files = NorenListing(PaperEngine(build_universe(_dt.date(2026, 11, 25)))).symbol_files()
        return [files[file.name] for file in hook.ttc_instrument_source(config=config).files]

    @pytest.fixture
    def static_config(self) -> dict[str, str]:
        return {"user_id": self.user_id, "api_key": "k", "api_secret": "s", "password": "p", "totp_secret": "JBSWY3DP",
                "vendor_code": "v", "api_url": "http://127.0.0.1:9/NorenWClientTP/", "ws_url": "ws://127.0.0.1:9/",
                "instruments_url": "http://127.0.0.1:9/", "oauth_url": "http://127.0.0.1:9/oauth",
                "token_url": "http://127.0.0.1:9/token"}

    @pytest.fixture
    def request_cases(self, static_context: StaticContext) -> list[RequestCase]:
        order = OrderRequest(instrument=_reliance(), qty=10, side=Side.BUY, product=ProductType.CNC,
                             order_type=OrderType.LIMIT, price=2900.5, tag="conformancetag1")
        placed = {"uid": self.user_id, "ordersource": "API", "actid": self.user_id, "trantype": "B", "prd": "C",
                  "exch": "NSE", "tsym": "RELIANCE-EQ", "qty": "10", "dscqty": "0", "prctyp": "LMT", "prc": "2900.5",
                  "ret": "DAY", "remarks": "conformancetag1"}
        return [
            RequestCase(name="place_order limit", build=lambda api, ctx: api.place_order(ctx, order), method="POST",
                        path="/NorenWClientTP/PlaceOrder", encoding="form", params={"jData": _jdata(placed)}),
            RequestCase(name="cancel", build=lambda api, ctx: api.cancel_order(ctx, CancelRequest(order_id="42")),
                        method="POST", path="/NorenWClientTP/CancelOrder",
                        params={"uid": self.user_id, "ordersource": "API", "norenordno": "42"}),
            RequestCase(name="quote", build=lambda api, ctx: api.quote(ctx, [_reliance()], StreamMode.FULL),
                        method="POST", path="/NorenWClientTP/GetQuotes",
                        params={"uid": self.user_id, "exch": "NSE", "token": "2885"}),
        ]

    @pytest.fixture
    def response_cases(self) -> list[ResponseCase]:
        return [
            ResponseCase(name="orders", build=lambda api, ctx: api.orders(ctx), expected=_check_orders,
                         body=json.dumps([ORDER_ROW]).encode()),
            ResponseCase(name="empty book", build=lambda api, ctx: api.orders(ctx), expected=[],
                         body=b'{"stat":"Not_Ok","emsg":"Error Occurred : 5 \\"no data\\""}'),
        ]


_BROWSER_LOGIN = ("a browser login (OAuth code / Flattrade's token service) cannot be renewed without a human: a "
                  "dead session is SessionExpiredError (the cross-broker tier checks that)")
_PENDING_ONLY = "Noren lists pending alerts only (GetPendingGTTOrder): a deleted alert is no longer readable"


class TestShoonyaConformance(NorenConformance):
    broker = "shoonya"
    expected_failures: ClassVar[dict[str, str]] = {
        "test_an_expired_session_is_renewed_transparently": _BROWSER_LOGIN,
        "test_a_gtt_can_be_placed_listed_modified_and_deleted": _PENDING_ONLY}


class TestFlattradeConformance(NorenConformance):
    broker = "flattrade"
    user_id = "FT012345"
    expected_failures: ClassVar[dict[str, str]] = {
        "test_an_expired_session_is_renewed_transparently": _BROWSER_LOGIN,
        "test_a_gtt_can_be_placed_listed_modified_and_deleted": _PENDING_ONLY}


class TestNorenConformance(NorenConformance):
    broker = "noren"
    user_id = "NR12345"
    expected_failures: ClassVar[dict[str, str]] = {
        "test_a_gtt_can_be_placed_listed_modified_and_deleted": _PENDING_ONLY}
