"""Static request cases: canonical input -> method, path and form/query fields on the wire.

The requests reach the translator checked by the core (prices where the order type needs one, TTL
minutes, iceberg legs, cover stops, tags): the builders translate, and these tests pin the wire.
"""

from __future__ import annotations

import datetime as _dt
from urllib.parse import parse_qsl, urlsplit

import pytest
from kite_mock_files import mock_json
from tt_connect.driver_api import Call, HttpRequest, Operation
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
from tt_connect.instruments import Equity, Index, Option
from tt_connect.models import CancelRequest, HistoryRequest, ModifyRequest, OrderRequest
from tt_connect.timeutil import IST
from tt_connect_zerodha.api import ZerodhaApi
from tt_connect_zerodha.mapping import HISTORY_MAX_DAYS
from tt_connect_zerodha.parsing import kite_order_to_order
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
    iceberg = api.place_order(ctx, order(variety=Variety.ICEBERG, qty=1000, iceberg_legs=3,
                                         validity=Validity.TTL, validity_ttl=2)).request
    assert urlsplit(iceberg.url).path == "/orders/iceberg"
    assert {k: fields(iceberg)[k] for k in ("iceberg_legs", "iceberg_quantity", "validity", "validity_ttl")} == {
        "iceberg_legs": "3", "iceberg_quantity": "334", "validity": "TTL", "validity_ttl": "2"}  # legs cover qty
    protected = fields(api.place_order(ctx, order(order_type=OrderType.MARKET, price=None,
                                                  market_protection=-1)).request)
    assert protected["market_protection"] == "-1" and protected["order_type"] == "MARKET"  # -1: Kite's automatic


def test_an_algo_id_and_kites_autoslice_reach_the_wire(api: ZerodhaApi, ctx: FakeContext) -> None:
    assert api.algo_id_field and api.native_slicing
    placed = fields(api.place_order(ctx, order(algo_id="NSE-ALGO-7")).request)
    assert placed["algo_id"] == "NSE-ALGO-7" and "autoslice" not in placed
    sliced = api.place_sliced(ctx, order(qty=5000, algo_id="NSE-ALGO-7")).request
    assert (sliced.method, urlsplit(sliced.url).path, sliced.is_write) == ("POST", "/orders/regular", True)
    assert fields(sliced) == {**placed, "quantity": "5000", "autoslice": "true"}


def test_cover_order_uses_kite_co_product_and_its_stop(api: ZerodhaApi, ctx: FakeContext) -> None:
    sent = api.place_order(ctx, order(variety=Variety.CO, product=ProductType.MIS, trigger_price=790.0)).request
    assert urlsplit(sent.url).path == "/orders/co"
    assert (fields(sent)["product"], fields(sent)["trigger_price"]) == ("CO", "790")


def test_option_order_uses_the_kite_tradingsymbol(api: ZerodhaApi, ctx: FakeContext) -> None:
    option = Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 8, 7), strike=24400,
                    option_type=OptionType.CE)
    sent = fields(api.place_order(ctx, order(instrument=option, product=ProductType.NRML, qty=75)).request)
    assert (sent["exchange"], sent["tradingsymbol"], sent["product"]) == ("NFO", "NIFTY2580724400CE", "NRML")


def test_modify_and_cancel_need_the_order_known_to_the_core(api: ZerodhaApi) -> None:
    assert api.needs_known_order == frozenset({Operation.MODIFY_ORDER, Operation.CANCEL_ORDER})


def test_modify_sends_only_the_changed_fields(api: ZerodhaApi, ctx: FakeContext) -> None:
    request = api.modify_order(ctx, ModifyRequest(order_id="151220000000000", qty=3, price=300.1,
                                                  order_type=OrderType.SL, trigger_price=299.0)).request
    assert (request.method, urlsplit(request.url).path) == ("PUT", "/orders/regular/151220000000000")
    assert fields(request) == {"quantity": "3", "price": "300.1", "trigger_price": "299", "order_type": "SL"}
    protected = api.modify_order(ctx, ModifyRequest(order_id="151220000000000", market_protection=-1)).request
    assert fields(protected) == {"market_protection": "-1"}


def test_modify_and_cancel_address_the_order_by_the_variety_kite_lists_it_under(
    api: ZerodhaApi, ctx: FakeContext
) -> None:
    """A client that did not place the order is not told its variety: the order the core read says it."""
    row = {**mock_json("orders.json")["data"][0], "order_id": "220524001859672", "variety": "iceberg"}
    ctx.orders[row["order_id"]] = kite_order_to_order(ctx, row)
    cancel = api.cancel_order(ctx, CancelRequest(order_id="220524001859672")).request
    assert (cancel.method, urlsplit(cancel.url).path, cancel.is_write) == (
        "DELETE", "/orders/iceberg/220524001859672", True)
    modify = api.modify_order(ctx, ModifyRequest(order_id="220524001859672", price=71.5)).request
    assert urlsplit(modify.url).path == "/orders/iceberg/220524001859672"


def test_a_cover_orders_second_leg_is_modified_and_cancelled_with_its_parent(
    api: ZerodhaApi, ctx: FakeContext
) -> None:
    row = {**mock_json("orders.json")["data"][0], "order_id": "3000", "variety": "co", "product": "CO",
           "parent_order_id": "2999"}
    ctx.orders["3000"] = kite_order_to_order(ctx, row)
    cancel = api.cancel_order(ctx, CancelRequest(order_id="3000", variety=Variety.CO)).request
    assert urlsplit(cancel.url).path == "/orders/co/3000" and fields(cancel) == {"parent_order_id": "2999"}
    modify = api.modify_order(ctx, ModifyRequest(order_id="3000", variety=Variety.CO, trigger_price=71.0)).request
    assert fields(modify) == {"parent_order_id": "2999", "trigger_price": "71"}


def test_an_order_id_stays_one_path_segment(api: ZerodhaApi, ctx: FakeContext) -> None:
    request = api.cancel_order(ctx, CancelRequest(order_id="../session/token", variety=Variety.AMO)).request
    assert urlsplit(request.url).path == "/orders/amo/..%2Fsession%2Ftoken"


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


def test_one_quote_call_carries_its_batch_as_repeated_i_keys(api: ZerodhaApi, ctx: FakeContext) -> None:
    assert api.quote_batch_size == 500  # /quote's limit; the core batches
    call = api.quote(ctx, many_equities(ctx, 500), StreamMode.FULL)
    sent = parse_qsl(urlsplit(call.request.url).query)
    assert len(sent) == 500 and sent[0] == ("i", "NSE:STOCK0")
    assert urlsplit(call.request.url).path == "/quote" and call.request.rate_class == "quote"
    assert urlsplit(api.quote(ctx, [sbin()], StreamMode.LTP).request.url).path == "/quote/ltp"


def test_ltp_names_an_index_by_its_encoded_tradingsymbol(api: ZerodhaApi, ctx: FakeContext) -> None:
    call = api.ltp(ctx, [sbin(), Index(exchange=Exchange.NSE, symbol="NIFTY 50")])
    assert urlsplit(call.request.url).path == "/quote/ltp" and "i=NSE%3ANIFTY%2050" in call.request.url
    assert parse_qsl(urlsplit(call.request.url).query) == [("i", "NSE:SBIN"), ("i", "NSE:NIFTY 50")]


def ist(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> _dt.datetime:
    return _dt.datetime(year, month, day, hour, minute, second, tzinfo=IST)


def test_one_history_chunk_is_one_get_with_ist_bounds_and_oi(api: ZerodhaApi, ctx: FakeContext) -> None:
    chunk = HistoryRequest(instrument=sbin(), interval=CandleInterval.MINUTE_1, start=ist(2024, 1, 1, 9, 15),
                           end=_dt.datetime(2024, 1, 2, 4, 0, tzinfo=_dt.UTC), oi=True)
    call = api.history(ctx, chunk)
    assert urlsplit(call.request.url).path == "/instruments/historical/779521/minute"
    assert dict(call.request.params or {}) == {"from": "2024-01-01 09:15:00", "to": "2024-01-02 09:30:00",
                                               "continuous": "0", "oi": "1"}
    assert call.request.rate_class == "historical"


@pytest.mark.parametrize(("interval", "kite", "days"), [
    (CandleInterval.MINUTE_1, "minute", 60), (CandleInterval.MINUTE_3, "3minute", 100),
    (CandleInterval.MINUTE_10, "10minute", 100), (CandleInterval.MINUTE_30, "30minute", 200),
    (CandleInterval.HOUR_1, "60minute", 400), (CandleInterval.DAY, "day", 2000),
])
def test_every_interval_has_its_kite_name_and_declares_kites_range(
    api: ZerodhaApi, ctx: FakeContext, interval: CandleInterval, kite: str, days: int
) -> None:
    """The core splits a longer range at these many days (reference 1.8): the driver only declares them."""
    assert api.history_max_days[interval] == days == HISTORY_MAX_DAYS[interval]
    call = api.history(ctx, HistoryRequest(instrument=sbin(), interval=interval, start=ist(2015, 1, 1),
                                           end=ist(2015, 1, 2)))
    assert urlsplit(call.request.url).path.endswith(f"/{kite}")
    assert dict(call.request.params or {})["oi"] == "0"
