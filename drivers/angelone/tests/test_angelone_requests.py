"""Static request cases: canonical input -> method, path, JSON body and headers on the wire."""

from __future__ import annotations

import datetime as _dt
import itertools
from urllib.parse import urlsplit

import pytest
from angelone_fakes import FakeContext, fixture_bytes, nifty_call, sbin
from tt_connect.driver_api import HttpResponse
from tt_connect.enums import CandleInterval, Exchange, OrderType, ProductType, Side, StreamMode, Validity, Variety
from tt_connect.errors import InputError, InvalidOrderError, UnsupportedOperationError
from tt_connect.instruments import Equity, Instrument
from tt_connect.models import ModifyRequest, OrderRequest
from tt_connect.timeutil import IST
from tt_connect_angelone.api import AngelOneApi

pytestmark = pytest.mark.usefixtures("permissive_validator")
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


@pytest.mark.parametrize(("overrides", "error"), [
    ({"order_type": OrderType.LIMIT, "price": None}, InvalidOrderError),
    ({"order_type": OrderType.SL, "price": 600.0, "trigger_price": None}, InvalidOrderError),
    ({"validity": Validity.TTL, "validity_ttl": 5}, UnsupportedOperationError),
    ({"variety": Variety.ICEBERG, "iceberg_legs": 2}, UnsupportedOperationError),
    ({"product": ProductType.MTF}, InvalidOrderError),
    ({"tag": "x" * 21}, InvalidOrderError),
])
def test_orders_smartapi_cannot_take_are_refused_before_sending(
        api: AngelOneApi, ctx: FakeContext, overrides: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        api.place_order(ctx, _order(**overrides))


def test_modify_repeats_the_placed_orders_wire_fields_with_the_changes(api: AngelOneApi, ctx: FakeContext) -> None:
    place = api.place_order(ctx, _order(order_type=OrderType.SL, price=605.0, trigger_price=604.0))
    order_id = place.parse(api.unwrap(HttpResponse(status=200, body=fixture_bytes("place_order.json"))))
    assert order_id == "250106000000101"
    request = api.modify_order(ctx, ModifyRequest(order_id=order_id, qty=20, price=606.0)).request
    assert (request.method, _path(request.url)) == ("POST", f"{SECURE}/order/v1/modifyOrder")
    assert request.json == {"variety": "STOPLOSS", "orderid": "250106000000101", "ordertype": "STOPLOSS_LIMIT",
                            "producttype": "DELIVERY", "duration": "DAY", "price": "606", "quantity": "20",
                            "tradingsymbol": "SBIN-EQ", "symboltoken": "3045", "exchange": "NSE",
                            "triggerprice": "604"}


def test_modify_after_reading_the_order_book_knows_the_order(api: AngelOneApi, ctx: FakeContext) -> None:
    api.orders(ctx).parse(api.unwrap(HttpResponse(status=200, body=fixture_bytes("order_book.json"))))
    body = api.modify_order(ctx, ModifyRequest(order_id="250106000000103", order_type=OrderType.LIMIT,
                                               price=119.5)).request.json
    assert (body["variety"], body["ordertype"], body["price"], body["quantity"], body["producttype"]) == (
        "NORMAL", "LIMIT", "119.5", "150", "CARRYFORWARD")


def test_modify_of_an_order_never_seen_explains_what_to_do(api: AngelOneApi, ctx: FakeContext) -> None:
    with pytest.raises(InputError, match="read it first"):
        api.modify_order(ctx, ModifyRequest(order_id="250106000000999", qty=5))


def test_cancel_uses_the_remembered_variety_of_a_stop_order(api: AngelOneApi, ctx: FakeContext) -> None:
    fresh = api.cancel_order(ctx, "250106000000102", Variety.REGULAR).request
    assert (_path(fresh.url), fresh.json) == (f"{SECURE}/order/v1/cancelOrder",
                                              {"variety": "NORMAL", "orderid": "250106000000102"})
    api.orders(ctx).parse(api.unwrap(HttpResponse(status=200, body=fixture_bytes("order_book.json"))))
    known = api.cancel_order(ctx, "250106000000102", Variety.REGULAR).request
    assert known.json == {"variety": "STOPLOSS", "orderid": "250106000000102"}
    with pytest.raises(InputError):
        api.cancel_order(ctx, "../etc", Variety.REGULAR)


def test_reads_are_gets_on_their_documented_paths(api: AngelOneApi, ctx: FakeContext) -> None:
    expected = {
        "profile": f"{SECURE}/user/v1/getProfile", "funds": f"{SECURE}/user/v1/getRMS",
        "holdings": f"{SECURE}/portfolio/v1/getHolding", "positions": f"{SECURE}/order/v1/getPosition",
        "orders": f"{SECURE}/order/v1/getOrderBook", "trades": f"{SECURE}/order/v1/getTradeBook",
    }
    for name, path in expected.items():
        request = getattr(api, name)(ctx).request
        assert (request.method, _path(request.url), request.encoding) == ("GET", path, "none"), name


def test_order_history_uses_the_single_order_endpoint_for_a_unique_order_id(api: AngelOneApi,
                                                                             ctx: FakeContext) -> None:
    unique = "8d1e0f6c-4b1a-4a9b-9c1e-0a3b2c1d4e5f"
    request = api.order_history(ctx, unique).request
    assert (request.method, _path(request.url), request.rate_class) == (
        "GET", f"{SECURE}/order/v1/details/{unique}", "order_status")
    by_book = api.order_history(ctx, "250106000000101").request
    assert _path(by_book.url) == f"{SECURE}/order/v1/getOrderBook"


def test_quotes_are_batched_by_fifty_tokens_and_grouped_by_exchange(ctx: FakeContext, api: AngelOneApi) -> None:
    instruments: list[Instrument] = []
    for number in range(120):
        equity = Equity(exchange=Exchange.NSE, symbol=f"STOCK{number}")
        ctx.add(equity, str(10_000 + number), f"STOCK{number}-EQ", "NSE")
        instruments.append(equity)
    instruments.append(nifty_call())
    calls = api.quote(ctx, instruments, StreamMode.FULL)
    assert len(calls) == 3
    bodies = [call.request.json for call in calls]
    assert [sum(len(tokens) for tokens in body["exchangeTokens"].values()) for body in bodies] == [50, 50, 21]
    assert bodies[2]["exchangeTokens"]["NFO"] == ["43650"] and bodies[0]["mode"] == "FULL"
    assert all(_path(call.request.url) == f"{SECURE}/market/v1/quote" for call in calls)
    assert all(call.request.rate_class == "quote" and not call.request.is_write for call in calls)
    assert api.ltp(ctx, [sbin()])[0].request.json == {"mode": "LTP", "exchangeTokens": {"NSE": ["3045"]}}


def test_history_is_split_across_the_intervals_range_limit(api: AngelOneApi, ctx: FakeContext) -> None:
    start = _dt.datetime(2024, 10, 1, 9, 15, tzinfo=IST)
    end = _dt.datetime(2024, 12, 15, 15, 30, tzinfo=IST)
    calls = api.history(ctx, sbin(), CandleInterval.MINUTE_1, start, end, oi=False)
    assert len(calls) == 3  # 30-day chunks for one-minute candles
    first = calls[0].request
    assert (first.method, _path(first.url)) == ("POST", f"{SECURE}/historical/v1/getCandleData")
    assert first.json == {"exchange": "NSE", "symboltoken": "3045", "interval": "ONE_MINUTE",
                          "fromdate": "2024-10-01 09:15", "todate": "2024-10-31 09:15"}
    assert calls[1].request.json["fromdate"] == "2024-10-31 09:16"
    assert calls[-1].request.json["todate"] == "2024-12-15 15:30"
    daily = api.history(ctx, sbin(), CandleInterval.DAY, start, end, oi=False)
    assert len(daily) == 1 and daily[0].request.json["interval"] == "ONE_DAY"


@pytest.mark.parametrize("interval", list(CandleInterval))
def test_every_interval_is_split_at_its_own_range_and_covers_the_span(api: AngelOneApi, ctx: FakeContext,
                                                                      interval: CandleInterval) -> None:
    from tt_connect_angelone.mapping import ANGEL_INTERVALS, HISTORY_MAX_DAYS

    start = _dt.datetime(2020, 1, 1, 9, 15, tzinfo=IST)
    end = _dt.datetime(2024, 12, 31, 15, 30, tzinfo=IST)
    calls = api.history(ctx, sbin(), interval, start, end, oi=False)
    bodies = [c.request.json for c in calls]
    assert all(b is not None and b["interval"] == ANGEL_INTERVALS[interval] for b in bodies)
    spans = [(_dt.datetime.strptime(b["fromdate"], "%Y-%m-%d %H:%M"), _dt.datetime.strptime(b["todate"],
              "%Y-%m-%d %H:%M")) for b in bodies if b is not None]
    limit = _dt.timedelta(days=HISTORY_MAX_DAYS[interval])
    assert all(chunk_end - chunk_start <= limit for chunk_start, chunk_end in spans)
    assert spans[0][0] == start.replace(tzinfo=None) and spans[-1][1] == end.replace(tzinfo=None)
    # consecutive chunks neither overlap nor leave a gap (the next starts a minute later)
    assert all(b[0] - a[1] == _dt.timedelta(minutes=1) for a, b in itertools.pairwise(spans))
    assert len(calls) >= -(-(end - start) // limit)  # no fewer requests than the range limit allows


def test_history_refuses_open_interest_and_reversed_ranges(api: AngelOneApi, ctx: FakeContext) -> None:
    start = _dt.datetime(2024, 10, 1, 9, 15, tzinfo=IST)
    with pytest.raises(UnsupportedOperationError):
        api.history(ctx, sbin(), CandleInterval.DAY, start, start + _dt.timedelta(days=1), oi=True)
    with pytest.raises(InputError):
        api.history(ctx, sbin(), CandleInterval.DAY, start, start - _dt.timedelta(days=1), oi=False)
