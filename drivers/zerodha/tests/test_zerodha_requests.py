"""Static request cases: canonical input -> method, path and form/query fields on the wire."""

from __future__ import annotations

import datetime as _dt
from urllib.parse import parse_qsl, urlsplit

import pytest
from tt_connect.driver_api import Call, HttpRequest
from tt_connect.enums import (
    CandleInterval,
    Exchange,
    OptionType,
    OrderType,
    ProductType,
    Side,
    StreamMode,
    Validity,
    Variety,
)
from tt_connect.errors import InputError, InvalidOrderError
from tt_connect.instruments import Equity, Index, Option
from tt_connect.models import ModifyRequest, OrderRequest
from tt_connect.timeutil import IST
from tt_connect_zerodha.api import ZerodhaApi
from zerodha_fakes import FakeContext


@pytest.fixture
def api() -> ZerodhaApi:
    return ZerodhaApi("http://127.0.0.1:8999/")


def sbin() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="SBIN")


def fields(request: HttpRequest) -> dict[str, str]:
    return dict(request.form or ()) | dict(request.params or {}) | dict(parse_qsl(urlsplit(request.url).query))


def order(**changes: object) -> OrderRequest:
    base: dict[str, object] = {"instrument": sbin(), "qty": 10, "side": Side.BUY, "product": ProductType.CNC,
                               "order_type": OrderType.LIMIT, "price": 801.5, "tag": "ttc1a2b3c"}
    base.update(changes)
    return OrderRequest(**base)  # type: ignore[arg-type]


def test_place_limit_order_is_a_form_post_carrying_our_tag(api: ZerodhaApi, ctx: FakeContext) -> None:
    call = api.place_order(ctx, order())
    request = call.request
    assert (request.method, request.url) == ("POST", "http://127.0.0.1:8999/orders/regular")
    assert request.encoding == "form" and request.is_write and request.rate_class == "orders"
    assert fields(request) == {"exchange": "NSE", "tradingsymbol": "SBIN", "transaction_type": "BUY",
                               "quantity": "10", "product": "CNC", "order_type": "LIMIT", "validity": "DAY",
                               "price": "801.5", "tag": "ttc1a2b3c"}


def test_stop_loss_market_order_sends_the_trigger_as_sl_m(api: ZerodhaApi, ctx: FakeContext) -> None:
    sent = fields(api.place_order(ctx, order(order_type=OrderType.SL_M, price=None, trigger_price=790.0,
                                             side=Side.SELL, product=ProductType.MIS)).request)
    assert sent["order_type"] == "SL-M" and sent["trigger_price"] == "790"
    assert "price" not in sent and sent["transaction_type"] == "SELL" and sent["product"] == "MIS"


def test_amo_iceberg_ttl_and_market_protection_reach_the_wire(api: ZerodhaApi, ctx: FakeContext) -> None:
    amo = api.place_order(ctx, order(variety=Variety.AMO)).request
    assert urlsplit(amo.url).path == "/orders/amo"
    iceberg = api.place_order(ctx, order(variety=Variety.ICEBERG, qty=1000, iceberg_legs=5,
                                         validity=Validity.TTL, validity_ttl=2)).request
    assert urlsplit(iceberg.url).path == "/orders/iceberg"
    assert {k: fields(iceberg)[k] for k in ("iceberg_legs", "iceberg_quantity", "validity", "validity_ttl")} == {
        "iceberg_legs": "5", "iceberg_quantity": "200", "validity": "TTL", "validity_ttl": "2"}
    protected = fields(api.place_order(ctx, order(order_type=OrderType.MARKET, price=None,
                                                  market_protection=-1)).request)
    assert protected["market_protection"] == "-1" and protected["order_type"] == "MARKET"  # -1: Kite's default


def test_cover_order_uses_kite_co_product_and_needs_a_trigger(api: ZerodhaApi, ctx: FakeContext) -> None:
    sent = api.place_order(ctx, order(variety=Variety.CO, product=ProductType.MIS, trigger_price=790.0)).request
    assert urlsplit(sent.url).path == "/orders/co" and fields(sent)["product"] == "CO"
    with pytest.raises(InvalidOrderError, match="trigger_price"):
        api.place_order(ctx, order(variety=Variety.CO, product=ProductType.MIS))


@pytest.mark.parametrize(("changes", "message"), [
    ({"price": None}, "needs a price"),
    ({"validity": Validity.TTL}, "validity_ttl"),
    ({"variety": Variety.ICEBERG}, "iceberg_legs"),
])
def test_incomplete_orders_are_refused_before_sending(
    api: ZerodhaApi, ctx: FakeContext, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidOrderError, match=message):
        api.place_order(ctx, order(**changes))


def test_option_order_uses_the_kite_tradingsymbol(api: ZerodhaApi, ctx: FakeContext) -> None:
    option = Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 8, 7), strike=24400,
                    option_type=OptionType.CE)
    sent = fields(api.place_order(ctx, order(instrument=option, product=ProductType.NRML, qty=75)).request)
    assert (sent["exchange"], sent["tradingsymbol"], sent["product"]) == ("NFO", "NIFTY2580724400CE", "NRML")


def test_modify_sends_only_the_changed_fields(api: ZerodhaApi, ctx: FakeContext) -> None:
    request = api.modify_order(ctx, ModifyRequest(order_id="151220000000000", qty=3, price=300.1,
                                                  order_type=OrderType.SL, trigger_price=299.0)).request
    assert (request.method, urlsplit(request.url).path) == ("PUT", "/orders/regular/151220000000000")
    assert fields(request) == {"quantity": "3", "price": "300.1", "trigger_price": "299", "order_type": "SL"}
    with pytest.raises(InputError, match="nothing to modify"):
        api.modify_order(ctx, ModifyRequest(order_id="151220000000000"))
    protected = api.modify_order(ctx, ModifyRequest(order_id="151220000000000", market_protection=-1)).request
    assert fields(protected) == {"market_protection": "-1"}


def test_cancel_is_a_delete_on_the_variety_path(api: ZerodhaApi, ctx: FakeContext) -> None:
    request = api.cancel_order(ctx, "151220000000000", Variety.AMO).request
    assert (request.method, urlsplit(request.url).path, request.is_write) == (
        "DELETE", "/orders/amo/151220000000000", True)
    with pytest.raises(InputError, match="order id"):
        api.cancel_order(ctx, "../session/token", Variety.REGULAR)


@pytest.mark.parametrize(("build", "path"), [
    (lambda api, ctx: api.profile(ctx), "/user/profile"),
    (lambda api, ctx: api.funds(ctx), "/user/margins"),
    (lambda api, ctx: api.holdings(ctx), "/portfolio/holdings"),
    (lambda api, ctx: api.positions(ctx), "/portfolio/positions"),
    (lambda api, ctx: api.orders(ctx), "/orders"),
    (lambda api, ctx: api.order_history(ctx, "171229000724687"), "/orders/171229000724687"),
    (lambda api, ctx: api.trades(ctx), "/trades"),
    (lambda api, ctx: api.order_trades(ctx, "171229000724687"), "/orders/171229000724687/trades"),
])
def test_reads_are_gets_on_kite_paths(api: ZerodhaApi, ctx: FakeContext, build: object, path: str) -> None:
    call: Call[object] = build(api, ctx)  # type: ignore[operator]
    assert (call.request.method, urlsplit(call.request.url).path, call.request.is_write) == ("GET", path, False)


def many_equities(ctx: FakeContext, count: int) -> list[Equity]:
    out = []
    for n in range(count):
        equity = Equity(exchange=Exchange.NSE, symbol=f"STOCK{n}")
        ctx.add(equity, str((n << 8) | 1), f"STOCK{n}", "NSE", "NSE")
        out.append(equity)
    return out


def test_quotes_are_batched_at_500_with_repeated_i_keys(api: ZerodhaApi, ctx: FakeContext) -> None:
    calls = api.quote(ctx, many_equities(ctx, 1001), StreamMode.FULL)
    assert len(calls) == 3
    first = parse_qsl(urlsplit(calls[0].request.url).query)
    assert len(first) == 500 and first[0] == ("i", "NSE:STOCK0")
    assert urlsplit(calls[0].request.url).path == "/quote" and calls[0].request.rate_class == "quote"
    assert len(parse_qsl(urlsplit(calls[2].request.url).query)) == 1


def test_ltp_is_batched_at_1000_and_index_names_are_encoded(api: ZerodhaApi, ctx: FakeContext) -> None:
    calls = api.ltp(ctx, [*many_equities(ctx, 1000), Index(exchange=Exchange.NSE, symbol="NIFTY 50")])
    assert [len(parse_qsl(urlsplit(c.request.url).query)) for c in calls] == [1000, 1]
    assert "i=NSE%3ANIFTY%2050" in calls[1].request.url
    assert parse_qsl(urlsplit(calls[1].request.url).query) == [("i", "NSE:NIFTY 50")]


def ist(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> _dt.datetime:
    return _dt.datetime(year, month, day, hour, minute, second, tzinfo=IST)


def test_minute_history_is_split_at_60_days_with_oi(api: ZerodhaApi, ctx: FakeContext) -> None:
    calls = api.history(ctx, sbin(), CandleInterval.MINUTE_1, ist(2024, 1, 1, 9, 15), ist(2024, 5, 30, 15, 30), True)
    assert len(calls) == 3
    assert urlsplit(calls[0].request.url).path == "/instruments/historical/779521/minute"
    params = [dict(c.request.params or {}) for c in calls]
    assert params[0] == {"from": "2024-01-01 09:15:00", "to": "2024-03-01 09:15:00", "continuous": "0", "oi": "1"}
    assert params[1]["from"] == "2024-03-01 09:15:01"
    assert params[2]["to"] == "2024-05-30 15:30:00"
    assert all(c.request.rate_class == "historical" for c in calls)


@pytest.mark.parametrize(("interval", "kite", "days"), [
    (CandleInterval.MINUTE_3, "3minute", 100), (CandleInterval.MINUTE_10, "10minute", 100),
    (CandleInterval.MINUTE_30, "30minute", 200), (CandleInterval.HOUR_1, "60minute", 400),
    (CandleInterval.DAY, "day", 2000),
])
def test_every_interval_uses_its_kite_name_and_range(
    api: ZerodhaApi, ctx: FakeContext, interval: CandleInterval, kite: str, days: int
) -> None:
    start = ist(2015, 1, 1)
    within = api.history(ctx, sbin(), interval, start, start + _dt.timedelta(days=days), False)
    beyond = api.history(ctx, sbin(), interval, start, start + _dt.timedelta(days=days, hours=1), False)
    assert len(within) == 1 and len(beyond) == 2
    assert urlsplit(within[0].request.url).path.endswith(f"/{kite}")
    assert dict(within[0].request.params or {})["oi"] == "0"


def test_history_with_end_before_start_is_an_input_error(api: ZerodhaApi, ctx: FakeContext) -> None:
    with pytest.raises(InputError, match="before start"):
        api.history(ctx, sbin(), CandleInterval.DAY, ist(2024, 2, 1), ist(2024, 1, 1), False)


def test_naive_history_bounds_are_read_as_ist(api: ZerodhaApi, ctx: FakeContext) -> None:
    (call,) = api.history(ctx, sbin(), CandleInterval.DAY, _dt.datetime(2024, 1, 1, 9, 15),
                          _dt.datetime(2024, 1, 5), False)
    assert dict(call.request.params or {})["from"] == "2024-01-01 09:15:00"
