"""Request builders: hosts, headers and bodies as the official SDK puts them on the wire."""

from __future__ import annotations

import datetime as _dt
import json

import pytest
from tt_connect.driver_api import Operation
from tt_connect.enums import CandleInterval, OrderStatus, OrderType, ProductType, Side, StreamMode, Validity, Variety
from tt_connect.errors import UnsupportedOperationError
from tt_connect.models import (
    CancelRequest,
    GttLeg,
    GttRequest,
    HistoryRequest,
    ModifyRequest,
    Order,
    OrderRequest,
)
from tt_connect.timeutil import IST
from tt_connect_upstox.api import UpstoxApi
from tt_connect_upstox.config import UpstoxConfig
from tt_connect_upstox.plugin import UpstoxDriver
from tt_connect_upstox.stream import UpstoxStream
from upstox_fakes import NIFTY_CE, RELIANCE, FakeContext

CONFIG = UpstoxConfig(api_key="k", access_token="t", api_url="https://api.example", algo_name="trail-v1",
                      order_api_url="https://hft.example", ws_url="wss://api.example/v3/feed/market-data-feed",
                      order_ws_url="wss://api.example/v2/feed/portfolio-stream-feed")


class KnownContext(FakeContext):
    def __init__(self, ctx: FakeContext, order: Order | None) -> None:
        super().__init__(ctx.keys)
        self.order = order

    def known_order(self, order_id: str) -> Order | None:
        return self.order

    def known_gtt(self, gtt_id: str) -> None:
        return None


def test_a_single_order_goes_to_the_order_host_with_the_algo_tag(ctx: FakeContext) -> None:
    request = OrderRequest(instrument=ctx.keys[NIFTY_CE], qty=75, side=Side.SELL, product=ProductType.NRML,
                           order_type=OrderType.SL, price=101.5, trigger_price=102.0, variety=Variety.AMO,
                           validity=Validity.TTL, validity_ttl=5, market_protection=2.0, tag="ttc1")
    call = UpstoxApi(CONFIG).place_order(ctx, request)
    wire = call.request
    assert (wire.method, wire.url, wire.is_write) == ("POST", "https://hft.example/v3/order/place", True)
    assert wire.headers == {"X-Algo-Name": "trail-v1"}
    assert wire.json == {"quantity": 75, "product": "D", "validity": "DAY", "price": 101.5, "tag": "ttc1",
                         "instrument_token": NIFTY_CE, "order_type": "SL", "transaction_type": "SELL",
                         "disclosed_quantity": 0, "trigger_price": 102.0, "is_amo": True, "slice": False,
                         "market_protection": 2.0}
    assert call.parse({"order_ids": ["2501"]}) == "2501"


def test_a_modify_fills_every_required_field_from_the_known_order(ctx: FakeContext) -> None:
    known = Order(order_id="9", instrument=ctx.keys[RELIANCE], side=Side.BUY, qty=10, order_type=OrderType.LIMIT,
                  product=ProductType.CNC, status=OrderStatus.OPEN, price=2900.0,
                  validity=Validity.IOC)
    api = UpstoxApi(CONFIG)
    assert Operation.MODIFY_ORDER in api.needs_known_order
    call = api.modify_order(KnownContext(ctx, known), ModifyRequest(order_id="9", price=2901.0))
    assert (call.request.method, call.request.url) == ("PUT", "https://hft.example/v3/order/modify")
    assert call.request.json == {"order_id": "9", "quantity": 10, "validity": "IOC", "order_type": "LIMIT",
                                 "price": 2901.0, "trigger_price": 0, "disclosed_quantity": 0}
    cancel = api.cancel_order(ctx, CancelRequest(order_id="9")).request
    assert (cancel.method, cancel.url, dict(cancel.params or {})) == ("DELETE", "https://hft.example/v3/order/cancel",
                                                                     {"order_id": "9"})


def test_reads_send_api_version_exactly_where_the_sdk_does(ctx: FakeContext) -> None:
    api = UpstoxApi(CONFIG)
    with_version = [api.profile(ctx), api.funds(ctx), api.holdings(ctx), api.positions(ctx), api.orders(ctx),
                    api.order_history(ctx, "1"), api.trades(ctx), api.order_trades(ctx, "1")]
    without = [api.order(ctx, "1"), api.quote(ctx, [ctx.keys[RELIANCE]], StreamMode.FULL),
               api.ltp(ctx, [ctx.keys[RELIANCE]]), api.gtts(ctx)]
    assert all(c.request.headers == {"Api-Version": "2.0"} for c in with_version)
    assert all(not c.request.headers for c in without)
    assert all(c.request.url.startswith("https://api.example/") for c in with_version + without)


def test_history_asks_the_v3_day_range_or_the_intraday_endpoint_for_today(ctx: FakeContext) -> None:
    api = UpstoxApi(CONFIG)
    past = HistoryRequest(instrument=ctx.keys[RELIANCE], interval=CandleInterval.MINUTE_15,
                          start=_dt.datetime(2025, 1, 1, 9, 15, tzinfo=IST), end=_dt.datetime(2025, 1, 3, 15, 30,
                                                                                            tzinfo=IST))
    assert api.history(ctx, past).request.url == \
        "https://api.example/v3/historical-candle/NSE_EQ%7CINE002A01018/minutes/15/2025-01-03/2025-01-01"
    today = HistoryRequest(instrument=ctx.keys[RELIANCE], interval=CandleInterval.HOUR_1,
                           start=_dt.datetime(2025, 1, 6, 9, 15, tzinfo=IST), end=_dt.datetime(2025, 1, 6, 15, 30,
                                                                                             tzinfo=IST), oi=True)
    call = api.history(ctx, today)
    assert call.request.url == "https://api.example/v3/historical-candle/intraday/NSE_EQ%7CINE002A01018/hours/1"
    candles = call.parse({"candles": [["2025-01-06T16:15:00+05:30", 1, 1, 1, 1, 1, 9],
                                      ["2025-01-06T10:15:00+05:30", 1, 2, 0.5, 1.5, 10, 7]]})
    assert [(c.timestamp.hour, c.oi) for c in candles] == [(10, 7)], "outside the chunk's range: left out"


def test_a_gtt_is_one_entry_rule_and_an_oco_has_no_upstox_form(ctx: FakeContext) -> None:
    api = UpstoxApi(CONFIG)
    leg = GttLeg(trigger_price=2800.0, side=Side.BUY, qty=2, product=ProductType.CNC, price=2800.0)
    call = api.place_gtt(ctx, GttRequest(instrument=ctx.keys[RELIANCE], legs=(leg,), last_price=2900.0))
    assert call.request.url == "https://api.example/v3/order/gtt/place", "GTTs go to the main host"
    assert call.request.json == {"type": "SINGLE", "quantity": 2, "product": "D", "instrument_token": RELIANCE,
                                 "transaction_type": "BUY",
                                 "rules": [{"strategy": "ENTRY", "trigger_type": "BELOW", "trigger_price": 2800.0}]}
    assert call.parse({"gtt_order_ids": ["GTT-C1"]}) == "GTT-C1"
    stop = GttLeg(trigger_price=2700.0, side=Side.SELL, qty=2, product=ProductType.CNC)
    target = GttLeg(trigger_price=3100.0, side=Side.SELL, qty=2, product=ProductType.CNC)
    with pytest.raises(UnsupportedOperationError, match="OCO"):
        api.place_gtt(ctx, GttRequest(instrument=ctx.keys[RELIANCE], legs=(stop, target), last_price=2900.0))
    cancel = api.cancel_gtt(ctx, "GTT-C1").request
    assert (cancel.method, cancel.json) == ("DELETE", {"gtt_order_id": "GTT-C1"})


def test_an_error_envelope_unwraps_to_the_brokers_failure() -> None:
    from tt_connect.driver_api import BrokerFailure, HttpResponse

    body = {"status": "error", "errors": [{"errorCode": "UDAPI100010", "message": "Order not found"}]}
    with pytest.raises(BrokerFailure) as failure:
        UpstoxApi(CONFIG).unwrap(HttpResponse(status=400, body=json.dumps(body).encode()))
    assert (failure.value.code, failure.value.message, failure.value.http_status) == ("UDAPI100010",
                                                                                      "Order not found", 400)
    ok = HttpResponse(status=200, body=b'{"status": "success", "data": {"order_ids": ["1"]}, "metadata": {}}')
    assert UpstoxApi(CONFIG).unwrap(ok) == {"order_ids": ["1"]}


def test_the_feed_is_authorized_first_and_subscribed_with_binary_json(ctx: FakeContext) -> None:
    stream = UpstoxStream(CONFIG)
    authorize = stream.authorize(None)
    assert authorize.request.url == "https://api.example/v3/feed/market-data-feed/authorize"
    assert authorize.parse({"authorized_redirect_uri": "wss://x/feeds?code=1"}) == "wss://x/feeds?code=1"
    symbol = ctx.resolve(ctx.keys[RELIANCE])
    (message,) = stream.subscribe([symbol], StreamMode.QUOTE)
    assert isinstance(message, bytes)
    decoded = json.loads(message)
    assert (decoded["method"], decoded["data"]) == ("sub", {"instrumentKeys": [RELIANCE], "mode": "full"})
    (unsub,) = stream.unsubscribe([symbol])
    assert json.loads(unsub)["method"] == "unsub"
    orders = stream.order_updates
    assert orders is not None and orders.authorize(None).request.url == \
        "https://api.example/v2/feed/portfolio-stream-feed/authorize?update_types=order"
    (deep,) = UpstoxStream(UpstoxConfig(api_key="k", access_token="t", depth_levels=30)).subscribe(
        [symbol], StreamMode.FULL)
    assert json.loads(deep)["data"]["mode"] == "full_d30"


def test_the_plugin_declares_every_part() -> None:
    driver = UpstoxDriver()
    assert (driver.name, driver.emulator) == ("upstox", "tt_connect_upstox.emulator:UpstoxEmulator")
    capabilities = driver.capabilities()
    assert all(capabilities.supports(op) for op in Operation)
    assert capabilities.history_oi and len(capabilities.stream_modes) == 3
    assert driver.rate_limits(CONFIG).get("multi") is not None


def test_sliced_orders_and_algo_ids_travel_as_upstox_takes_them(ctx: FakeContext) -> None:
    api = UpstoxApi(CONFIG)
    assert api.native_slicing and api.algo_id_field
    request = OrderRequest(instrument=ctx.keys[NIFTY_CE], qty=3600, side=Side.BUY, product=ProductType.NRML,
                           order_type=OrderType.MARKET, tag="ttc2", algo_id="ALGO-77")
    call = api.place_sliced(ctx, request)
    assert call.request.json is not None and call.request.json["slice"] is True
    assert call.request.headers == {"X-Algo-Name": "ALGO-77"}, "the order's algo id beats the configured name"
    assert call.parse({"order_ids": ["1", "2"]}) == ["1", "2"]


async def test_the_static_ip_is_read_and_registered_on_the_emulator() -> None:
    from tt_connect import AsyncTTConnect
    from tt_connect_upstox.emulator import UpstoxEmulator

    with UpstoxEmulator(tick_interval=0.05) as emulator:
        async with AsyncTTConnect("upstox", emulator.driver_config(), instruments_db=":memory:",
                                  session_store="memory") as broker:
            assert (await broker.static_ip()).primary == "127.0.0.1"
            updated = await broker.set_static_ip("203.0.113.7", "203.0.113.8")
            assert (updated.primary, updated.secondary) == ("203.0.113.7", "203.0.113.8")
            assert (await broker.static_ip()).secondary == "203.0.113.8"


async def test_an_order_above_the_freeze_quantity_is_sliced_by_upstox_itself() -> None:
    from tt_connect import AsyncTTConnect
    from tt_connect.paper.rules import FREEZE_QUANTITIES
    from tt_connect_upstox.emulator import UpstoxEmulator

    with UpstoxEmulator(tick_interval=0.05) as emulator:
        async with AsyncTTConnect("upstox", emulator.driver_config(), instruments_db=":memory:",
                                  session_store="memory") as broker:
            future = broker.futures("NIFTY")[0]
            lot = broker.lot_size(future)
            qty = (FREEZE_QUANTITIES["NIFTY"] // lot) * lot * 2 + lot
            sliced = await broker.place_sliced(future, qty, Side.BUY, ProductType.NRML, OrderType.MARKET)
            assert sliced.native and len(sliced.children) == 3
            orders = {o.order_id: o for o in await broker.orders()}
            assert sum(orders[c.order_id].qty for c in sliced.children) == qty
