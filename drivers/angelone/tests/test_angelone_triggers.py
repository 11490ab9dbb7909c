"""GTT rules, the margin calculator and position conversion: requests on the wire and replies parsed."""

from __future__ import annotations

import datetime as _dt
from typing import Any
from urllib.parse import urlsplit

import pytest
from angelone_fakes import FakeContext, fixture_bytes, nifty_call, sbin
from tt_connect.driver_api import Call, HttpResponse, PagedCall
from tt_connect.enums import GttStatus, GttType, OrderType, ProductType, Side
from tt_connect.errors import GttNotFoundError
from tt_connect.models import ConvertRequest, GttLeg, GttRequest, OrderRequest
from tt_connect.timeutil import IST
from tt_connect_angelone.api import AngelOneApi

pytestmark = pytest.mark.usefixtures("static_instruments")
GTT = "/rest/secure/angelbroking/gtt/v1"


@pytest.fixture
def api() -> AngelOneApi:
    return AngelOneApi("https://apiconnect.angelone.in")


def _leg(**overrides: Any) -> GttLeg:
    fields: dict[str, Any] = {"trigger_price": 560.0, "side": Side.BUY, "qty": 10, "product": ProductType.CNC,
                              "order_type": OrderType.LIMIT, "price": 560.05}
    fields.update(overrides)
    return GttLeg(**fields)


def _rule(*legs: GttLeg) -> GttRequest:
    return GttRequest(instrument=sbin(), legs=legs or (_leg(),), last_price=612.4)


def _parse(api: AngelOneApi, call: Call[Any], fixture: str) -> Any:
    return call.parse(api.unwrap(HttpResponse(status=200, body=fixture_bytes(fixture))))


def _path(url: str) -> str:
    return urlsplit(url).path


# -- GTT rules ---------------------------------------------------------------------------------


def test_create_rule_posts_one_trigger_with_product_and_side(api: AngelOneApi, ctx: FakeContext) -> None:
    request = api.place_gtt(ctx, _rule()).request
    assert (request.method, _path(request.url), request.is_write) == ("POST", f"{GTT}/createRule", True)
    assert request.json == {"tradingsymbol": "SBIN-EQ", "symboltoken": "3045", "exchange": "NSE",
                            "producttype": "DELIVERY", "transactiontype": "BUY", "price": "560.05", "qty": "10",
                            "triggerprice": "560", "disclosedqty": "0", "timeperiod": "365"}
    assert request.rate_class == "gtt_create"


def test_create_reply_parses_to_the_rule_id(api: AngelOneApi, ctx: FakeContext) -> None:
    assert _parse(api, api.place_gtt(ctx, _rule()), "gtt_create.json") == "1000014"


def test_cancel_rule_names_the_token_of_the_rule_the_core_holds(api: AngelOneApi, ctx: FakeContext) -> None:
    with pytest.raises(GttNotFoundError):
        api.cancel_gtt(ctx, "1000009")
    request = api.cancel_gtt(ctx.know_fixture_gtts(), "1000009").request
    assert (_path(request.url), request.rate_class) == (f"{GTT}/cancelRule", "gtt_cancel")
    assert request.json == {"id": "1000009", "symboltoken": "43650", "exchange": "NFO"}


def test_modify_rule_sends_id_token_and_the_new_trigger(api: AngelOneApi, ctx: FakeContext) -> None:
    request = api.modify_gtt(ctx, "1000014", _rule(_leg(trigger_price=555, price=555.5, qty=4))).request
    assert _path(request.url) == f"{GTT}/modifyRule" and request.is_write
    assert request.json == {"id": "1000014", "symboltoken": "3045", "exchange": "NSE", "price": "555.5",
                            "qty": "4", "triggerprice": "555", "disclosedqty": "0", "timeperiod": "365"}


def test_rule_details_parse_to_a_single_leg_gtt(api: AngelOneApi, ctx: FakeContext) -> None:
    call = api.gtt(ctx, "1000014")
    assert (_path(call.request.url), call.request.json) == (f"{GTT}/ruleDetails", {"id": "1000014"})
    gtt = _parse(api, call, "gtt_rule.json")
    assert (gtt.gtt_id, gtt.instrument, gtt.type, gtt.status) == ("1000014", sbin(), GttType.SINGLE,
                                                                   GttStatus.ACTIVE)
    assert gtt.legs == (_leg(),)
    assert gtt.created_at == _dt.datetime(2025, 1, 6, 10, 2, 11, tzinfo=IST)
    assert gtt.expires_at == _dt.datetime(2026, 1, 6, 10, 2, 11, tzinfo=IST)
    assert "clientid" in gtt.raw


def test_rule_list_asks_for_every_state_and_maps_statuses(api: AngelOneApi, ctx: FakeContext) -> None:
    call = api.gtts(ctx)
    assert _path(call.request.url) == f"{GTT}/ruleList"
    assert call.request.json == {"status": ["FORALL"],
                                 "page": 1, "count": 100}
    rules = _parse(api, call, "gtt_list.json")
    assert [(g.gtt_id, g.status) for g in rules] == [("1000014", GttStatus.ACTIVE),
                                                      ("1000009", GttStatus.TRIGGERED),
                                                      ("1000002", GttStatus.CANCELLED)]
    option = rules[1]
    assert option.instrument == nifty_call()
    assert option.legs == (GttLeg(trigger_price=181, side=Side.SELL, qty=75, product=ProductType.NRML,
                                  order_type=OrderType.LIMIT, price=180.5),)
    assert _parse(api, api.gtts(ctx), "gtt_list_empty.json") == []


def test_rule_list_pages_on_while_a_page_comes_back_full_counting_rules_on_the_wire(
        api: AngelOneApi, ctx: FakeContext, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from tt_connect_angelone import api as api_module

    monkeypatch.setattr(api_module, "GTT_PAGE", 3)
    call = api.gtts(ctx)
    assert isinstance(call, PagedCall) and call.request.json is not None and call.request.json["count"] == 3
    full = _parse(api, call, "gtt_list.json")  # three rules: a full page
    following = call.next_request(1, full)
    assert following is not None and following.json == {"status": ["FORALL"], "page": 2, "count": 3}
    assert call.parse(api.unwrap(HttpResponse(status=200, body=fixture_bytes("gtt_list_empty.json")))) == []
    assert call.next_request(2, []) is None  # data: null ends the paging
    page = json.loads(fixture_bytes("gtt_list.json"))
    page["data"][2].update(symboltoken="99999999", tradingsymbol="GONE-EQ")  # a contract the master lacks
    parsed = call.parse(api.unwrap(HttpResponse(status=200, body=json.dumps(page).encode())))
    assert len(parsed) == 2
    assert call.next_request(1, parsed) is not None, "three rules came on the wire: there may be a next page"


# -- margins -----------------------------------------------------------------------------------


def _order(**overrides: Any) -> OrderRequest:
    fields: dict[str, Any] = {"instrument": sbin(), "qty": 10, "side": Side.BUY, "product": ProductType.MIS,
                              "order_type": OrderType.LIMIT, "price": 590.5}
    fields.update(overrides)
    return OrderRequest(**fields)


def test_order_margins_price_one_order_per_batch(api: AngelOneApi, ctx: FakeContext) -> None:
    """SmartAPI totals a batch: ``margin_batch_size`` 1 makes the core send one call per order."""
    assert api.margin_batch_size == 1
    orders = [_order(), _order(instrument=nifty_call(), qty=75, side=Side.SELL, product=ProductType.NRML,
                               order_type=OrderType.MARKET, price=None)]
    calls = [api.order_margins(ctx, [order]) for order in orders]
    assert {_path(c.request.url) for c in calls} == {"/rest/secure/angelbroking/margin/v1/batch"}
    assert [c.request.json for c in calls] == [
        {"positions": [{"exchange": "NSE", "qty": 10, "price": 590.5, "productType": "INTRADAY", "token": "3045",
                        "tradeType": "BUY", "orderType": "LIMIT"}]},
        {"positions": [{"exchange": "NFO", "qty": 75, "price": 0, "productType": "CARRYFORWARD", "token": "43650",
                        "tradeType": "SELL", "orderType": "MARKET"}]}]
    (second,) = _parse(api, calls[1], "margin_batch.json")
    assert second.instrument == nifty_call()
    assert (second.total, second.span, second.var, second.option_premium, second.exposure, second.charges) == (
        132450.75, 98000.5, 5900, 0, 0, 0)


def test_basket_margin_is_one_batch_and_adds_back_the_benefit_for_initial(api: AngelOneApi,
                                                                          ctx: FakeContext) -> None:
    call = api.basket_margin(ctx, [_order(), _order(side=Side.SELL)])
    assert call.request.json is not None and len(call.request.json["positions"]) == 2
    basket = _parse(api, call, "margin_batch.json")
    assert basket.final.total == 132450.75 and basket.initial.total == pytest.approx(132450.75 + 41200.25)
    assert basket.orders == () and basket.final.instrument is None


def test_a_margin_reply_without_components_reads_as_a_bare_total(api: AngelOneApi, ctx: FakeContext) -> None:
    body = b'{"status": true, "message": "SUCCESS", "errorcode": "", "data": {"totalMarginRequired": "1200.5"}}'
    (margin,) = api.order_margins(ctx, [_order()]).parse(api.unwrap(HttpResponse(status=200, body=body)))
    assert (margin.total, margin.span, margin.var) == (1200.5, 0, 0)


# -- position conversion -----------------------------------------------------------------------


@pytest.mark.parametrize(("overnight", "kind"), [(False, "DAY"), (True, "CARRYFORWARD")])
def test_convert_position_names_old_and_new_products(api: AngelOneApi, ctx: FakeContext, overnight: bool,
                                                     kind: str) -> None:
    request = ConvertRequest(instrument=sbin(), side=Side.BUY, qty=3, from_product=ProductType.MIS,
                             to_product=ProductType.CNC, overnight=overnight)
    call = api.convert_position(ctx, request)
    assert (_path(call.request.url), call.request.is_write) == ("/rest/secure/angelbroking/order/v1/convertPosition",
                                                                True)
    assert call.request.json == {"exchange": "NSE", "symboltoken": "3045", "tradingsymbol": "SBIN-EQ",
                                 "oldproducttype": "INTRADAY", "newproducttype": "DELIVERY",
                                 "transactiontype": "BUY", "quantity": "3", "type": kind}
    assert _parse(api, call, "convert_position.json") is True
