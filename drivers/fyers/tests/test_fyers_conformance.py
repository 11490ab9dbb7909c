"""The conformance suite for the Fyers driver: static request/response tiers, fuzz, behaviour, faults and the
cross-broker tier on the emulator, the streaming tiers over the HSM data socket and the order socket."""

from __future__ import annotations

import datetime as _dt
from typing import Any, ClassVar

import msgspec
import pytest
from fyers_fakes import FakeContext, nifty_call, reliance, sbin
from fyers_frames import SubscribedHooks, order_socket_frames, stream_frames
from tt_connect.driver_api import StreamRejected
from tt_connect.enums import CandleInterval, OrderType, ProductType, Side, StreamMode, Variety
from tt_connect.models import (
    CancelRequest,
    ConvertRequest,
    Funds,
    GttLeg,
    GttRequest,
    HistoryRequest,
    Holding,
    ModifyRequest,
    Order,
    OrderRequest,
    OrderUpdate,
    Position,
    Profile,
    Tick,
    Trade,
)
from tt_connect.testing import DriverConformance, FrameCase, RequestCase, ResponseCase
from tt_connect.testing.tiers.fuzz_instruments import InstrumentFuzzTier
from tt_connect.timeutil import IST

pytestmark = pytest.mark.conformance


def _limit_order() -> OrderRequest:
    return OrderRequest(instrument=sbin(), qty=10, side=Side.BUY, product=ProductType.CNC,
                        order_type=OrderType.LIMIT, price=800.5, tag="conformancetag1")


def _stop_order() -> OrderRequest:
    return OrderRequest(instrument=nifty_call(), qty=75, side=Side.SELL, product=ProductType.NRML,
                        order_type=OrderType.SL_M, trigger_price=101.5, tag="conformancetag1")


def _amo_order() -> OrderRequest:
    return OrderRequest(instrument=sbin(), qty=1, side=Side.BUY, product=ProductType.MIS,
                        order_type=OrderType.MARKET, variety=Variety.AMO, tag="conformancetag1")


def _cover_order() -> OrderRequest:
    return OrderRequest(instrument=sbin(), qty=1, side=Side.BUY, product=ProductType.MIS, order_type=OrderType.LIMIT,
                        price=800.0, trigger_price=790.0, variety=Variety.CO)


def _oco() -> GttRequest:
    legs = (GttLeg(trigger_price=2700, side=Side.SELL, qty=5, product=ProductType.CNC, price=2695.0),
            GttLeg(trigger_price=3100, side=Side.SELL, qty=5, product=ProductType.CNC, price=3095.0))
    return GttRequest(instrument=reliance(), legs=legs, last_price=2905.0)


def _body(value: Any) -> bytes:
    return msgspec.json.encode(value)


def _ok(**payload: Any) -> bytes:
    return _body({"s": "ok", "code": 200, "message": "", **payload})


def _check(kind: type, count: int | None = None) -> Any:
    def check(result: Any) -> None:
        items = result if isinstance(result, list) else [result]
        assert all(isinstance(item, kind) for item in items), result
        if count is not None:
            assert len(items) == count
    return check


ORDER_ROW = {"clientId": "X00001", "id": "25010600000001", "exchOrdId": "1100000000000001", "qty": 10,
             "remainingQuantity": 10, "filledQty": 0, "disclosedQty": 0, "limitPrice": 800.5, "stopPrice": 0.0,
             "tradedPrice": 0.0, "type": 1, "fyToken": "10100000003045", "exchange": 10, "segment": 10,
             "symbol": "NSE:SBIN-EQ", "instrument": 0, "message": "", "offlineOrder": False,
             "orderDateTime": "06-Jan-2025 09:20:01", "orderValidity": "DAY", "productType": "CNC", "side": 1,
             "status": 6, "source": "API", "orderTag": "1:conformancetag1"}
TRADE_ROW = {"clientId": "X00001", "orderDateTime": "06-Jan-2025 09:20:02", "orderNumber": "25010600000001",
             "exchangeOrderNo": "1100000000000001", "exchange": 10, "side": 1, "segment": 10, "orderType": 2,
             "fyToken": "10100000003045", "productType": "CNC", "tradedQty": 10, "tradePrice": 800.5,
             "tradeValue": 8005.0, "tradeNumber": "T1", "row": 1, "symbol": "NSE:SBIN-EQ", "orderTag": "2:Untagged"}
POSITION_ROW = {"symbol": "NSE:SBIN-EQ", "id": "NSE:SBIN-EQ-INTRADAY", "netQty": 5, "qty": 5, "avgPrice": 800.0,
                "netAvg": 800.0, "side": 1, "productType": "INTRADAY", "realized_profit": 0.0,
                "unrealized_profit": 10.0, "pl": 10.0, "ltp": 802.0, "buyQty": 5, "buyAvg": 800.0, "buyVal": 4000.0,
                "sellQty": 0, "sellAvg": 0.0, "sellVal": 0.0, "fyToken": "10100000003045", "qtyMulti_com": 1.0,
                "cfBuyQty": 0, "cfSellQty": 0, "dayBuyQty": 5, "daySellQty": 0}
FUNDS = [{"id": 1, "title": "Total Balance", "equityAmount": 1000.0, "commodityAmount": 0.0},
         {"id": 2, "title": "Utilized Amount", "equityAmount": 100.0, "commodityAmount": 0.0},
         {"id": 10, "title": "Available Balance", "equityAmount": 900.0, "commodityAmount": 0.0}]


class TestFyersConformance(DriverConformance):
    broker = "fyers"
    emulator_options: ClassVar[dict[str, Any]] = {"tick_interval": 0.05}
    expected_failures: ClassVar[dict[str, str]] = {
        "test_an_expired_session_is_renewed_transparently":
            "Fyers' documented login needs the browser (the auth-code flow) and refresh tokens were discontinued on "
            "1 April 2026: a given access token that dies raises SessionExpiredError, as the cross-broker table's "
            "session_dead row says (the opt-in unofficial web login renews silently: test_fyers_auth)",
    }

    @pytest.fixture
    def static_context(self, ctx: FakeContext) -> FakeContext:
        return ctx

    @pytest.fixture
    def static_config(self) -> dict[str, Any]:
        return {"app_id": "XC4XXXXXXM-100", "access_token": "token"}

    @pytest.fixture
    def driver_hooks(self, static_config: dict[str, Any]) -> tuple[Any, Any]:
        """The suite's hooks, whose stream has the frame cases' instruments subscribed: the HSM decoder drops
        the records of topics nobody asked for, which would leave the frame fuzz tier no tick to check."""
        hook, config = _driver_hooks(static_config)
        return SubscribedHooks(hook), config

    @pytest.fixture
    def stream_frames(self) -> list[FrameCase]:
        """Every HSM reply kind, full and lite snapshots then updates, an index, depth (fyers_frames), and the
        order socket's JSON messages."""
        return [*stream_frames(), order_socket_frames()]

    @pytest.fixture
    def instrument_files(self, driver_hooks: tuple[Any, Any], static_instruments: None) -> list[bytes]:
        """The emulator's seven symbol masters (NSE_CM and NSE_FO list the paper universe, the rest are empty as
        the emulator serves them), in the order of the source's files."""
        return _listing_blobs(*driver_hooks)

    @pytest.fixture
    def request_cases(self, static_instruments: None) -> list[RequestCase]:
        start, end = _dt.datetime(2025, 1, 1, 9, 15, tzinfo=IST), _dt.datetime(2025, 1, 3, 15, 30, tzinfo=IST)
        return [
            RequestCase(name="place_order limit", build=lambda api, ctx: api.place_order(ctx, _limit_order()),
                        method="POST", path="/api/v3/orders/sync", encoding="json",
                        params={"symbol": "NSE:SBIN-EQ", "qty": 10, "type": 1, "side": 1, "productType": "CNC",
                                "limitPrice": 800.5, "stopPrice": 0.0, "validity": "DAY", "disclosedQty": 0,
                                "offlineOrder": False, "orderTag": "conformancetag1"}),
            RequestCase(name="place_order stop-market option", build=lambda api, ctx: api.place_order(
                            ctx, _stop_order()),
                        method="POST", path="/api/v3/orders/sync", encoding="json",
                        params={"symbol": "NSE:NIFTY25JAN24000CE", "type": 3, "side": -1, "productType": "MARGIN",
                                "stopPrice": 101.5, "limitPrice": 0.0}),
            RequestCase(name="place_order amo", build=lambda api, ctx: api.place_order(ctx, _amo_order()),
                        method="POST", path="/api/v3/orders/sync", encoding="json",
                        params={"offlineOrder": True, "type": 2, "productType": "INTRADAY"}),
            RequestCase(name="cover order", build=lambda api, ctx: api.place_order(ctx, _cover_order()),
                        method="POST", path="/api/v3/orders/sync", encoding="json",
                        params={"productType": "CO", "stopLoss": 10.0, "limitPrice": 800.0, "stopPrice": 0.0}),
            RequestCase(name="modify", build=lambda api, ctx: api.modify_order(ctx, ModifyRequest(
                            order_id="25010600000001", qty=3, price=799.0)),
                        method="PATCH", path="/api/v3/orders/sync", encoding="json",
                        params={"id": "25010600000001", "qty": 3, "limitPrice": 799.0}),
            RequestCase(name="cancel", build=lambda api, ctx: api.cancel_order(
                            ctx, CancelRequest(order_id="25010600000001")),
                        method="DELETE", path="/api/v3/orders/sync", encoding="json",
                        params={"id": "25010600000001"}),
            RequestCase(name="one order", build=lambda api, ctx: api.order(ctx, "25010600000001"), method="GET",
                        path="/api/v3/orders", encoding="query", params={"id": "25010600000001"}),
            RequestCase(name="order book", build=lambda api, ctx: api.orders(ctx), method="GET",
                        path="/api/v3/orders", encoding="none"),
            RequestCase(name="quote", build=lambda api, ctx: api.quote(ctx, [sbin(), nifty_call()], StreamMode.FULL),
                        method="GET", path="/data/quotes", encoding="query",
                        params={"symbols": "NSE:SBIN-EQ,NSE:NIFTY25JAN24000CE"}),
            RequestCase(name="history", build=lambda api, ctx: api.history(ctx, HistoryRequest(
                            instrument=sbin(), interval=CandleInterval.MINUTE_5, start=start, end=end, oi=True)),
                        method="GET", path="/data/history", encoding="query",
                        params={"symbol": "NSE:SBIN-EQ", "resolution": "5", "date_format": "0",
                                "range_from": str(int(start.timestamp())), "range_to": str(int(end.timestamp())),
                                "cont_flag": "1", "oi_flag": "1"}),
            RequestCase(name="daily history", build=lambda api, ctx: api.history(ctx, HistoryRequest(
                            instrument=sbin(), interval=CandleInterval.DAY, start=start, end=end)),
                        method="GET", path="/data/history", encoding="query", params={"resolution": "1D"}),
            RequestCase(name="gtt oco", build=lambda api, ctx: api.place_gtt(ctx, _oco()), method="POST",
                        path="/api/v3/gtt/orders/sync", encoding="json",
                        params={"side": -1, "symbol": "NSE:RELIANCE-EQ", "productType": "CNC",
                                "orderInfo": {"leg1": {"price": 3095.0, "triggerPrice": 3100.0, "qty": 5},
                                              "leg2": {"price": 2695.0, "triggerPrice": 2700.0, "qty": 5}}}),
            RequestCase(name="gtt cancel", build=lambda api, ctx: api.cancel_gtt(ctx, "25010600000009"),
                        method="DELETE", path="/api/v3/gtt/orders/sync", encoding="json",
                        params={"id": "25010600000009"}),
            RequestCase(name="basket margin", build=lambda api, ctx: api.basket_margin(ctx, [_limit_order()]),
                        method="POST", path="/api/v3/multiorder/margin", encoding="json"),
            RequestCase(name="convert", build=lambda api, ctx: api.convert_position(ctx, ConvertRequest(
                            instrument=sbin(), side=Side.BUY, qty=5, from_product=ProductType.MIS,
                            to_product=ProductType.CNC)),
                        method="POST", path="/api/v3/positions", encoding="json",
                        params={"symbol": "NSE:SBIN-EQ", "positionSide": 1, "convertQty": 5,
                                "convertFrom": "INTRADAY", "convertTo": "CNC", "overnight": 0}),
        ]

    @pytest.fixture
    def response_cases(self, static_instruments: None) -> list[ResponseCase]:
        candle = [int(_dt.datetime(2025, 1, 6, 9, 15, tzinfo=IST).timestamp()), 800.0, 801.0, 799.0, 800.5, 1000]
        return [
            ResponseCase(name="profile", build=lambda a, c: a.profile(c),
                         body=_ok(data={"name": "A TRADER", "fy_id": "X00001", "email_id": "a@example.com"}),
                         expected=_check(Profile)),
            ResponseCase(name="funds", build=lambda a, c: a.funds(c), body=_ok(fund_limit=FUNDS),
                         expected=_check(Funds)),
            ResponseCase(name="orders", build=lambda a, c: a.orders(c), body=_ok(orderBook=[ORDER_ROW]),
                         expected=_check(Order, 1)),
            ResponseCase(name="empty orders", build=lambda a, c: a.orders(c), body=_ok(orderBook=[]), expected=[]),
            ResponseCase(name="trades", build=lambda a, c: a.trades(c), body=_ok(tradeBook=[TRADE_ROW]),
                         expected=_check(Trade, 1)),
            ResponseCase(name="positions", build=lambda a, c: a.positions(c),
                         body=_ok(netPositions=[POSITION_ROW], overall={}), expected=_check(Position, 1)),
            ResponseCase(name="holdings", build=lambda a, c: a.holdings(c),
                         body=_ok(holdings=[{"holdingType": "HLD", "quantity": 2, "costPrice": 780.0, "ltp": 800.0,
                                             "pl": 40.0, "fyToken": "10100000003045", "symbol": "NSE:SBIN-EQ",
                                             "isin": "INE062A01020", "qty_t1": 0}]),
                         expected=_check(Holding, 1)),
            ResponseCase(name="place", build=lambda a, c: a.place_order(c, _limit_order()),
                         body=_body({"s": "ok", "code": 1101, "message": "Successfully placed order",
                                     "id": "25010600000001"}), expected="25010600000001"),
            ResponseCase(name="cancel", build=lambda a, c: a.cancel_order(c, CancelRequest(order_id="25010600000001")),
                         body=_body({"s": "ok", "code": 1103, "message": "Successfully cancelled order",
                                     "id": "25010600000001"}), expected="25010600000001"),
            ResponseCase(name="quote", build=lambda a, c: a.quote(c, [sbin()], StreamMode.QUOTE),
                         body=_ok(d=[{"n": "NSE:SBIN-EQ", "s": "ok", "v": {"lp": 800.5, "ch": 1.5, "open_price": 799.0,
                                                                          "high_price": 801.0, "low_price": 798.0,
                                                                          "prev_close_price": 799.0, "volume": 100,
                                                                          "atp": 800.0, "tt": "1736135100"}}]),
                         expected=lambda result: result[sbin()].last_price == 800.5),
            ResponseCase(name="history", build=lambda a, c: a.history(c, HistoryRequest(
                             instrument=sbin(), interval=CandleInterval.MINUTE_1,
                             start=_dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST),
                             end=_dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST))),
                         body=_ok(candles=[candle]), expected=lambda result: len(result) == 1),
            ResponseCase(name="expired token", build=lambda a, c: a.profile(c), status=401,
                         body=_body({"s": "error", "code": -8, "message": "Your token has expired."}),
                         error_code="-8"),
            ResponseCase(name="bad input", build=lambda a, c: a.orders(c), status=400,
                         body=_body({"s": "error", "code": -50, "message": "Invalid input"}), error_code="-50"),
            ResponseCase(name="rejected", build=lambda a, c: a.place_order(c, _limit_order()), status=400,
                         body=_body({"s": "error", "code": -99, "message": "RMS:Margin Shortfall",
                                     "id": "25010600000002"}), error_code="-99"),
        ]


def _driver_hooks(settings: dict[str, Any]) -> tuple[Any, Any]:
    """The Fyers plugin's hooks and its parsed config, as the suite's ``driver_hooks`` builds them."""
    from tt_connect.config import parse_driver_config
    from tt_connect.drivers import load_driver, make_plugin_manager

    loaded = load_driver("fyers")
    config = parse_driver_config(loaded.description.config_type, settings, broker="fyers")
    return make_plugin_manager(loaded).hook, config


def _listing_blobs(hook: Any, config: Any) -> list[bytes]:
    from tt_connect.paper.engine import PaperEngine
    from tt_connect.paper.universe import build_universe
    from tt_connect_fyers.emulator.wire import FyersListing

    listing = FyersListing(PaperEngine(build_universe(_dt.date(2025, 1, 6))))
    return [listing.master_csv(file.name) for file in hook.ttc_instrument_source(config=config).files]


class TestFyersDerivativesMasterFuzz(InstrumentFuzzTier):
    """The instrument fuzz tier on the F&O master alone: the tier damages the columns of the source's first file
    only (NSE_CM, which has no strike, expiry or underlying), so the option columns get a run of their own."""

    broker = "fyers"

    @pytest.fixture
    def driver_hooks(self) -> tuple[Any, Any]:
        """A config whose only symbol master is NSE_FO."""
        from tt_connect_fyers.config import MASTER_FIELDS

        urls = {name: "" for name in MASTER_FIELDS.values()} | {"instruments_nse_fo_url": "http://127.0.0.1:9/NSE_FO.csv"}
        return _driver_hooks({"app_id": "XC4XXXXXXM-100", "access_token": "token", **urls})

    @pytest.fixture
    def instrument_files(self, driver_hooks: tuple[Any, Any], static_instruments: None) -> list[bytes]:
        blobs = _listing_blobs(*driver_hooks)
        assert len(blobs) == 1 and blobs[0].count(b"\n") > 1000, "the F&O master should list the paper options"
        return blobs


def test_the_frame_cases_decode_to_ticks_of_every_mode_and_an_order_update(
        ctx: FakeContext, driver_hooks_for_frames: tuple[Any, Any]) -> None:
    """The fuzz tier only checks what comes out; this proves the intact frames make ticks at all (a stream whose
    topics nobody subscribed drops every record, and the tier would pass on nothing)."""
    hook, config = driver_hooks_for_frames
    stream = hook.ttc_stream(config=config)
    events: list[Tick | OrderUpdate] = []
    refusals = 0
    for case in [*stream_frames(), order_socket_frames()]:
        decoder = (stream.order_updates if case.order_socket else stream).decoder(ctx)
        for frame in case.frames:
            try:
                events += decoder.decode(frame, _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST))
            except StreamRejected:
                refusals += 1
    ticks = [e for e in events if isinstance(e, Tick)]
    assert {t.mode for t in ticks} == {StreamMode.LTP, StreamMode.QUOTE, StreamMode.FULL}
    assert any(t.depth is not None for t in ticks) and any(t.instrument == nifty_call() for t in ticks)
    assert sum(isinstance(e, OrderUpdate) for e in events) == 1
    assert refusals == 3, "a refused login (auth reply and message) and an expired order-socket token"


@pytest.fixture
def driver_hooks_for_frames(static_instruments: None) -> tuple[Any, Any]:
    hook, config = _driver_hooks({"app_id": "XC4XXXXXXM-100", "access_token": "token"})
    return SubscribedHooks(hook), config
