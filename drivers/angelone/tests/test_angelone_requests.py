"""Static request cases: canonical input -> method, path, JSON body and headers on the wire."""

from __future__ import annotations

import datetime as _dt
from urllib.parse import urlsplit

import pytest
from angelone_fakes import FakeContext, nifty_call, sbin
from tt_connect.enums import CandleInterval, Exchange, OrderType, ProductType, Side, StreamMode, Validity, Variety
from tt_connect.errors import OrderNotFoundError
from tt_connect.instruments import Equity
from tt_connect.models import CancelRequest, HistoryRequest, ModifyRequest, OrderRequest
from tt_connect.timeutil import IST
from tt_connect_angelone.api import AngelOneApi

pytestmark = pytest.mark.usefixtures("static_instruments")
SECURE = "/rest/secure/angelbroking"


@pytest.fixture
def api() -> AngelOneApi:
    return AngelOneApi("https://apiconnect.angelone.in")


def _order(**overrides: object) -> OrderRequest:
    fields: dict[str, object] = {"instrument": sbin(), "qty": 10, "side": Side.BUY, "product": ProductType.CNC,
                                 "order_type": OrderType.LIMIT, "price": 590.5, "tag": "ttc0a1b2c3d4e5"}
    fields.update(overrides)
    return OrderRequest(**fields)  # type: ignore[arg-type]


def _path(url: str) -> str:
    return urlsplit(url).path


def test_limit_order_posts_json_strings_with_our_tag_as_ordertag(api: AngelOneApi, ctx: FakeContext) -> None:
    request = api.place_order(ctx, _order()).request
    assert (request.method, _path(request.url), request.encoding) == ("POST", f"{SECURE}/order/v1/placeOrder", "json")
    assert request.is_write and request.rate_class == "orders"
    assert request.json == {"variety": "NORMAL", "tradingsymbol": "SBIN-EQ", "symboltoken": "3045",
                            "transactiontype": "BUY", "exchange": "NSE", "ordertype": "LIMIT",
                            "producttype": "DELIVERY", "duration": "DAY", "price": "590.5", "quantity": "10",
                            "ordertag": "ttc0a1b2c3d4e5"}


@pytest.mark.parametrize(("order_type", "price", "trigger", "variety", "wire_type", "wire_price", "wire_trigger"), [
    (OrderType.MARKET, None, None, "NORMAL", "MARKET", "0", None),
    (OrderType.SL, 605.0, 604.0, "STOPLOSS", "STOPLOSS_LIMIT", "605", "604"),
    (OrderType.SL_M, None, 604.25, "STOPLOSS", "STOPLOSS_MARKET", "0", "604.25"),
])
def test_order_types_map_to_smartapi_types_and_stop_orders_use_the_stoploss_variety(
        api: AngelOneApi, ctx: FakeContext, order_type: OrderType, price: float | None, trigger: float | None,
        variety: str, wire_type: str, wire_price: str, wire_trigger: str | None) -> None:
    body = api.place_order(ctx, _order(order_type=order_type, price=price, trigger_price=trigger,
                                       product=ProductType.MIS, tag="")).request.json
    assert (body["variety"], body["ordertype"], body["price"], body["producttype"]) == (
        variety, wire_type, wire_price, "INTRADAY")
    assert body.get("triggerprice") == wire_trigger
    assert "ordertag" not in body


def test_amo_ioc_order_on_nfo_carries_carryforward_and_ioc(api: AngelOneApi, ctx: FakeContext) -> None:
    body = api.place_order(ctx, _order(instrument=nifty_call(), qty=75, side=Side.SELL, product=ProductType.NRML,
                                       variety=Variety.AMO, validity=Validity.IOC, disclosed_qty=15)).request.json
    assert (body["variety"], body["exchange"], body["tradingsymbol"], body["symboltoken"]) == (
        "AMO", "NFO", "NIFTY30JAN2524000CE", "43650")
    assert (body["producttype"], body["duration"], body["transactiontype"], body["disclosedquantity"]) == (
        "CARRYFORWARD", "IOC", "SELL", "15")


def test_modify_repeats_the_known_orders_wire_fields_with_the_changes(api: AngelOneApi, ctx: FakeContext) -> None:
    """A fresh client's modify: the core read the order first, the translator reads it from the context."""
    request = api.modify_order(ctx.know_fixture_orders(),
                               ModifyRequest(order_id="250106000000102", qty=20, price=606.0)).request
    assert (request.method, _path(request.url), request.rate_class) == ("POST", f"{SECURE}/order/v1/modifyOrder",
                                                                         "orders")
    assert request.is_write
    assert request.json == {"variety": "STOPLOSS", "orderid": "250106000000102", "ordertype": "STOPLOSS_LIMIT",
                            "producttype": "INTRADAY", "duration": "DAY", "price": "606", "quantity": "20",
                            "tradingsymbol": "SBIN-EQ", "symboltoken": "3045", "exchange": "NSE",
                            "triggerprice": "604"}


def test_modify_to_another_order_type_keeps_the_rest_of_the_order(api: AngelOneApi, ctx: FakeContext) -> None:
    body = api.modify_order(ctx.know_fixture_orders(), ModifyRequest(
        order_id="250106000000103", order_type=OrderType.LIMIT, price=119.5, validity=Validity.IOC)).request.json
    assert body == {"variety": "NORMAL", "orderid": "250106000000103", "ordertype": "LIMIT",
                    "producttype": "CARRYFORWARD", "duration": "IOC", "price": "119.5", "quantity": "150",
                    "tradingsymbol": "NIFTY30JAN2524000CE", "symboltoken": "43650", "exchange": "NFO"}
    to_market = api.modify_order(ctx, ModifyRequest(order_id="250106000000102", order_type=OrderType.MARKET))
    assert to_market.request.json is not None
    assert (to_market.request.json["variety"], to_market.request.json["price"]) == ("NORMAL", "0")
    assert "triggerprice" not in to_market.request.json


def test_a_write_on_an_order_the_core_does_not_hold_is_order_not_found(api: AngelOneApi, ctx: FakeContext) -> None:
    with pytest.raises(OrderNotFoundError):
        api.modify_order(ctx, ModifyRequest(order_id="250106000000999", qty=5))
    with pytest.raises(OrderNotFoundError):
        api.cancel_order(ctx, CancelRequest(order_id="250106000000999"))


def test_cancel_sends_the_orders_own_variety(api: AngelOneApi, ctx: FakeContext) -> None:
    ctx.know_fixture_orders()
    stop = api.cancel_order(ctx, CancelRequest(order_id="250106000000102")).request
    assert (_path(stop.url), stop.json) == (f"{SECURE}/order/v1/cancelOrder",
                                            {"variety": "STOPLOSS", "orderid": "250106000000102"})
    plain = api.cancel_order(ctx, CancelRequest(order_id="250106000000103", variety=Variety.AMO)).request
    assert plain.json == {"variety": "NORMAL", "orderid": "250106000000103"}, "the order's variety, not a guess"


def test_reads_are_gets_on_their_documented_paths_each_with_its_own_rate_class(api: AngelOneApi,
                                                                               ctx: FakeContext) -> None:
    expected = {
        "profile": (f"{SECURE}/user/v1/getProfile", "profile"), "funds": (f"{SECURE}/user/v1/getRMS", "funds"),
        "holdings": (f"{SECURE}/portfolio/v1/getHolding", "holdings"),
        "positions": (f"{SECURE}/order/v1/getPosition", "positions"),
        "orders": (f"{SECURE}/order/v1/getOrderBook", "order_book"),
        "trades": (f"{SECURE}/order/v1/getTradeBook", "trade_book"),
    }
    for name, (path, rate_class) in expected.items():
        request = getattr(api, name)(ctx).request
        assert (request.method, _path(request.url), request.encoding, request.rate_class) == (
            "GET", path, "none", rate_class), name


def test_one_quote_call_groups_its_batch_by_exchange(ctx: FakeContext, api: AngelOneApi) -> None:
    assert api.quote_batch_size == 50, "the core cuts quote and LTP batches at 50 tokens"
    call = api.quote(ctx, [sbin(), nifty_call(), Equity(exchange=Exchange.NSE, symbol="RELIANCE"), sbin()],
                     StreamMode.FULL)
    assert (call.request.method, _path(call.request.url)) == ("POST", f"{SECURE}/market/v1/quote")
    assert call.request.json == {"mode": "FULL", "exchangeTokens": {"NSE": ["3045", "2885"], "NFO": ["43650"]}}
    assert call.request.rate_class == "quote" and not call.request.is_write


def test_one_history_chunk_is_one_candle_request(api: AngelOneApi, ctx: FakeContext) -> None:
    from tt_connect_angelone.mapping import HISTORY_MAX_DAYS

    assert dict(api.history_max_days) == HISTORY_MAX_DAYS and set(HISTORY_MAX_DAYS) == set(CandleInterval)
    start = _dt.datetime(2024, 10, 1, 9, 15, 30, tzinfo=IST)
    call = api.history(ctx, HistoryRequest(instrument=sbin(), interval=CandleInterval.MINUTE_1, start=start,
                                           end=start + _dt.timedelta(days=30)))
    assert (call.request.method, _path(call.request.url)) == ("POST", f"{SECURE}/historical/v1/getCandleData")
    assert call.request.json == {"exchange": "NSE", "symboltoken": "3045", "interval": "ONE_MINUTE",
                                 "fromdate": "2024-10-01 09:15", "todate": "2024-10-31 09:15"}


def test_a_chunk_within_one_minute_asks_for_that_minute(api: AngelOneApi, ctx: FakeContext) -> None:
    """SmartAPI reads dates to the minute and refuses ``fromdate == todate`` (AB1004)."""
    start = _dt.datetime(2024, 10, 31, 9, 15, 1, tzinfo=IST)
    call = api.history(ctx, HistoryRequest(instrument=sbin(), interval=CandleInterval.MINUTE_1, start=start,
                                           end=start + _dt.timedelta(seconds=40)))
    assert call.request.json is not None
    assert (call.request.json["fromdate"], call.request.json["todate"]) == ("2024-10-31 09:15", "2024-10-31 09:16")
