"""The conformance suite for the AngelOne driver: static tiers over the hand-built fixtures; behaviour,
faults and the cross-broker table on the SmartAPI emulator (the suite's ``emulator`` fixture starts it)."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
from angelone_fakes import (
    SAMPLE_ASKS,
    SAMPLE_BIDS,
    SAMPLE_QUOTE,
    FakeContext,
    fixture_bytes,
    fixture_json,
    ltp_frame,
    nifty_call,
    quote_frame,
    sbin,
    snap_quote_frame,
)
from tt_connect.enums import CandleInterval, GttStatus, OrderStatus, OrderType, ProductType, Side, StreamMode
from tt_connect.models import (
    BasketMargin,
    CancelRequest,
    ConvertRequest,
    Funds,
    Gtt,
    GttLeg,
    GttRequest,
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
from tt_connect.testing import DriverConformance, FrameCase, RequestCase, ResponseCase
from tt_connect.timeutil import IST

pytestmark = pytest.mark.conformance

SECURE = "/rest/secure/angelbroking"


def _limit_order() -> OrderRequest:
    return OrderRequest(instrument=sbin(), qty=10, side=Side.BUY, product=ProductType.CNC,
                        order_type=OrderType.LIMIT, price=590.5, tag="conformancetag1")


def _stop_order() -> OrderRequest:
    return OrderRequest(instrument=nifty_call(), qty=75, side=Side.SELL, product=ProductType.NRML,
                        order_type=OrderType.SL_M, trigger_price=101.5, tag="conformancetag1")


def _gtt_request() -> GttRequest:
    leg = GttLeg(trigger_price=560, side=Side.BUY, qty=10, product=ProductType.CNC, price=560.05)
    return GttRequest(instrument=sbin(), legs=(leg,), last_price=612.4)


def _conversion() -> ConvertRequest:
    return ConvertRequest(instrument=sbin(), side=Side.BUY, qty=3, from_product=ProductType.MIS,
                          to_product=ProductType.CNC)


def _check_gtts(gtts: list[Gtt]) -> None:
    assert [g.status for g in gtts] == [GttStatus.ACTIVE, GttStatus.TRIGGERED, GttStatus.CANCELLED]
    assert gtts[0].instrument == sbin() and gtts[1].instrument == nifty_call()


def _check(kind: type, count: int | None = None) -> Any:
    def check(result: Any) -> None:
        items = result if isinstance(result, list) else [result]
        assert all(isinstance(item, kind) for item in items), result
        if count is not None:
            assert len(items) == count
    return check


def _check_orders(orders: list[Order]) -> None:
    assert [o.status for o in orders] == [OrderStatus.COMPLETE, OrderStatus.TRIGGER_PENDING,
                                          OrderStatus.PARTIALLY_FILLED, OrderStatus.REJECTED]
    assert orders[0].tag == "ttc0a1b2c3d4e5"


@pytest.fixture(scope="class")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("angelone-sessions")


class TestAngelOneConformance(DriverConformance):
    """Every tier on the SmartAPI emulator, the cross-broker table included; no expected failures."""

    broker = "angelone"
    emulator_options: ClassVar[dict[str, Any]] = {"tick_interval": 0.05}

    @pytest.fixture
    def client_options(self, emulator_config: dict[str, Any], session_dir: Path) -> dict[str, Any]:
        """The suite's options, but sessions in a 0600 file store shared by the class's clients.

        SmartAPI meters logins at one a second per user, and so does the emulator: a client per test
        logging in afresh would wait for the window every time. A stored session is what a restarted
        bot reuses; the tests that kill the session still log in again.
        """
        return {"config": dict(emulator_config), "instruments_db": ":memory:", "session_store": "file",
                "session_path": str(session_dir), "retry_base_delay": 0.05, "retry_max_delay": 1.0}

    @pytest.fixture
    def static_context(self, ctx: FakeContext) -> FakeContext:
        return ctx.know_fixture_orders().know_fixture_gtts()

    @pytest.fixture
    def stream_frames(self) -> list[FrameCase]:
        """SmartWebSocketV2's three packets, a pong and an error reply; an order update on the order socket."""
        order = {"user-id": "A123456", "status-code": "200", "order-status": "complete", "error-message": "",
                 "orderData": fixture_json("order_book.json")["data"][0]}
        return [
            FrameCase(name="ltp", frames=[ltp_frame(1, "3045", sequence=7, exchange_ms=1736137800123,
                                                    ltp_paise=61240)]),
            FrameCase(name="quote", frames=[quote_frame(2, "43650", SAMPLE_QUOTE)]),
            FrameCase(name="snap quote", frames=[snap_quote_frame(1, "3045", SAMPLE_QUOTE, SAMPLE_BIDS,
                                                                  SAMPLE_ASKS)]),
            FrameCase(name="pong and error", frames=[
                "pong", '{"correlationID": "ttcsub1", "errorCode": "E1002", "errorMessage": "Invalid Request"}']),
            FrameCase(name="order update", frames=[json.dumps(order)], order_socket=True),
        ]

    @pytest.fixture
    def instrument_files(self) -> list[bytes]:
        """The hand-built scrip master (one JSON array)."""
        return [fixture_bytes("scrip_master.json")]

    @pytest.fixture
    def static_config(self) -> dict[str, Any]:
        return {"api_key": "smartkey", "client_code": "A123456", "pin": "1234", "totp_secret": "JBSWY3DPEHPK3PXP",
                "api_url": "https://apiconnect.angelone.in"}

    @pytest.fixture
    def request_cases(self, static_instruments: None) -> list[RequestCase]:
        start, end = _dt.datetime(2025, 1, 1, 9, 15, tzinfo=IST), _dt.datetime(2025, 1, 3, 15, 30, tzinfo=IST)
        return [
            RequestCase(name="place_order limit", build=lambda api, ctx: api.place_order(ctx, _limit_order()),
                        method="POST", path=f"{SECURE}/order/v1/placeOrder", encoding="json",
                        params={"variety": "NORMAL", "tradingsymbol": "SBIN-EQ", "symboltoken": "3045",
                                "exchange": "NSE", "transactiontype": "BUY", "ordertype": "LIMIT",
                                "producttype": "DELIVERY", "duration": "DAY", "price": "590.5", "quantity": "10",
                                "ordertag": "conformancetag1"}),
            RequestCase(name="place_order stop-market option", build=lambda api, ctx: api.place_order(
                            ctx, _stop_order()),
                        method="POST", path=f"{SECURE}/order/v1/placeOrder", encoding="json",
                        params={"variety": "STOPLOSS", "ordertype": "STOPLOSS_MARKET", "triggerprice": "101.5",
                                "producttype": "CARRYFORWARD", "exchange": "NFO", "ordertag": "conformancetag1"}),
            RequestCase(name="cancel a stop order", build=lambda api, ctx: api.cancel_order(
                            ctx, CancelRequest(order_id="250106000000102")),
                        method="POST", path=f"{SECURE}/order/v1/cancelOrder", encoding="json",
                        params={"variety": "STOPLOSS", "orderid": "250106000000102"}),
            RequestCase(name="modify a known order", build=lambda api, ctx: api.modify_order(
                            ctx, ModifyRequest(order_id="250106000000101", qty=5)),
                        method="POST", path=f"{SECURE}/order/v1/modifyOrder", encoding="json",
                        params={"quantity": "5", "price": "590.5", "producttype": "DELIVERY",
                                "tradingsymbol": "SBIN-EQ"}),
            RequestCase(name="one order by its unique id", build=lambda api, ctx: api.order(ctx, "250106000000101"),
                        method="GET", path=f"{SECURE}/order/v1/details/8d1e0f6c-4b1a-4a9b-9c1e-0a3b2c1d4e5f",
                        encoding="none"),
            RequestCase(name="order book", build=lambda api, ctx: api.orders(ctx), method="GET",
                        path=f"{SECURE}/order/v1/getOrderBook", encoding="none"),
            RequestCase(name="quote", build=lambda api, ctx: api.quote(ctx, [sbin()], StreamMode.FULL),
                        method="POST", path=f"{SECURE}/market/v1/quote", encoding="json", params={"mode": "FULL"}),
            RequestCase(name="history", build=lambda api, ctx: api.history(ctx, HistoryRequest(
                            instrument=sbin(), interval=CandleInterval.MINUTE_5, start=start, end=end)),
                        method="POST", path=f"{SECURE}/historical/v1/getCandleData",
                        params={"interval": "FIVE_MINUTE", "fromdate": "2025-01-01 09:15",
                                "todate": "2025-01-03 15:30", "symboltoken": "3045"}),
            RequestCase(name="gtt create", build=lambda api, ctx: api.place_gtt(ctx, _gtt_request()),
                        method="POST", path=f"{SECURE}/gtt/v1/createRule", encoding="json",
                        params={"symboltoken": "3045", "producttype": "DELIVERY", "triggerprice": "560",
                                "price": "560.05", "qty": "10", "timeperiod": "365"}),
            RequestCase(name="gtt list", build=lambda api, ctx: api.gtts(ctx), method="POST",
                        path=f"{SECURE}/gtt/v1/ruleList", encoding="json",
                        params={"status": ["FORALL"], "page": 1, "count": 100}),
            RequestCase(name="gtt cancel", build=lambda api, ctx: api.cancel_gtt(ctx, "1000009"), method="POST",
                        path=f"{SECURE}/gtt/v1/cancelRule", encoding="json",
                        params={"id": "1000009", "symboltoken": "43650", "exchange": "NFO"}),
            RequestCase(name="order margins", build=lambda api, ctx: api.order_margins(ctx, [_limit_order()]),
                        method="POST", path=f"{SECURE}/margin/v1/batch", encoding="json",
                        params={"positions": [{"exchange": "NSE", "qty": 10, "price": 590.5,
                                               "productType": "DELIVERY", "token": "3045", "tradeType": "BUY",
                                               "orderType": "LIMIT"}]}),
            RequestCase(name="basket margin", build=lambda api, ctx: api.basket_margin(ctx, [_limit_order()]),
                        method="POST", path=f"{SECURE}/margin/v1/batch", encoding="json"),
            RequestCase(name="convert position", build=lambda api, ctx: api.convert_position(ctx, _conversion()),
                        method="POST", path=f"{SECURE}/order/v1/convertPosition", encoding="json",
                        params={"oldproducttype": "INTRADAY", "newproducttype": "DELIVERY", "type": "DAY"}),
        ]

    @pytest.fixture
    def response_cases(self, static_instruments: None) -> list[ResponseCase]:
        def case(name: str, build: Any, file: str, expected: Any) -> ResponseCase:
            return ResponseCase(name=name, build=build, body=fixture_bytes(file), expected=expected)

        return [
            case("profile", lambda a, c: a.profile(c), "profile.json", _check(Profile)),
            case("funds", lambda a, c: a.funds(c), "rms.json", _check(Funds)),
            case("holdings", lambda a, c: a.holdings(c), "holdings.json", _check(Holding, 2)),
            case("positions", lambda a, c: a.positions(c), "positions.json", _check(Position, 2)),
            case("orders", lambda a, c: a.orders(c), "order_book.json", _check_orders),
            case("empty orders", lambda a, c: a.orders(c), "order_book_empty.json", []),
            case("trades", lambda a, c: a.trades(c), "trade_book.json", _check(Trade, 2)),
            case("place", lambda a, c: a.place_order(c, _limit_order()), "place_order.json", "250106000000101"),
            case("cancel", lambda a, c: a.cancel_order(c, CancelRequest(order_id="250106000000102")),
                 "cancel_order.json", "250106000000102"),
            case("one order", lambda a, c: a.order(c, "250106000000101"), "order_details.json", _check(Order)),
            case("ltp quote", lambda a, c: a.quote(c, [sbin()], StreamMode.LTP), "quote_ltp.json",
                 lambda quotes: _check(Quote)(quotes[sbin()])),
            case("gtt create", lambda a, c: a.place_gtt(c, _gtt_request()), "gtt_create.json", "1000014"),
            case("gtt details", lambda a, c: a.gtt(c, "1000014"), "gtt_rule.json", _check(Gtt)),
            case("gtt list", lambda a, c: a.gtts(c), "gtt_list.json", _check_gtts),
            case("empty gtt list", lambda a, c: a.gtts(c), "gtt_list_empty.json", []),
            case("basket margin", lambda a, c: a.basket_margin(c, [_limit_order()]), "margin_batch.json",
                 _check(BasketMargin)),
            case("convert", lambda a, c: a.convert_position(c, _conversion()), "convert_position.json", True),
            ResponseCase(name="expired token", build=lambda a, c: a.profile(c),
                         body=fixture_bytes("error_invalid_token.json"), status=401, error_code="AG8001"),
            ResponseCase(name="bad totp", build=lambda a, c: a.profile(c),
                         body=fixture_bytes("error_invalid_totp.json"), error_code="AB1050"),
            ResponseCase(name="invalid parameters", build=lambda a, c: a.orders(c),
                         body=fixture_bytes("error_invalid_parameters.json"), error_code="AB1007"),
        ]

