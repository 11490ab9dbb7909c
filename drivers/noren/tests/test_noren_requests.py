"""Static request cases the conformance class does not cover: varieties, modify, history, GTT, conversion."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import msgspec
import pytest
from noren_fakes import FakeContext
from tt_connect.driver_api import Call
from tt_connect.enums import CandleInterval, OrderStatus, OrderType, ProductType, Side, Variety
from tt_connect.models import ConvertRequest, GttLeg, GttRequest, HistoryRequest, ModifyRequest, Order, OrderRequest
from tt_connect.timeutil import IST
from tt_connect_noren.api import NorenApi

START = _dt.datetime(2026, 11, 24, 9, 15, tzinfo=IST)


def _fields(call: Call[Any]) -> dict[str, Any]:
    assert call.request.body is not None and call.request.body.startswith(b"jData=")
    fields: dict[str, Any] = msgspec.json.decode(call.request.body.removeprefix(b"jData="))
    return fields


class KnownOrders(FakeContext):
    def __init__(self, order: Order | None = None) -> None:
        super().__init__()
        self.order = order

    def known_order(self, order_id: str) -> Order | None:
        return self.order if self.order and self.order.order_id == order_id else None

    def known_gtt(self, gtt_id: str) -> None:
        return None


@pytest.fixture
def api() -> NorenApi:
    return NorenApi("http://127.0.0.1:9/NorenWClientTP/", "FA1")


def _order(ctx: FakeContext, **changes: Any) -> OrderRequest:
    fields: dict[str, Any] = {"instrument": ctx.contracts[0][3], "qty": 5, "side": Side.SELL,
                              "product": ProductType.MIS, "order_type": OrderType.SL, "price": 2890.0,
                              "trigger_price": 2895.0, "tag": "t1"}
    return OrderRequest(**{**fields, **changes})


def test_a_stop_loss_order_carries_its_trigger_and_the_route_is_single_slashed(api: NorenApi,
                                                                               ctx: FakeContext) -> None:
    call = api.place_order(ctx, _order(ctx))
    assert call.request.url == "http://127.0.0.1:9/NorenWClientTP/PlaceOrder" and call.request.is_write
    fields = _fields(call)
    assert (fields["prctyp"], fields["prc"], fields["trgprc"], fields["trantype"], fields["prd"]) == (
        "SL-LMT", "2890", "2895", "S", "I")
    assert "amo" not in fields and "blprc" not in fields


def test_an_algo_id_travels_in_its_own_field(api: NorenApi, ctx: FakeContext) -> None:
    assert _fields(api.place_order(ctx, _order(ctx, algo_id="ALGO42")))["algo_id"] == "ALGO42"
    assert "algo_id" not in _fields(api.place_order(ctx, _order(ctx)))


def test_amo_and_cover_orders_use_the_amo_flag_and_product_h(api: NorenApi, ctx: FakeContext) -> None:
    assert _fields(api.place_order(ctx, _order(ctx, variety=Variety.AMO)))["amo"] == "Yes"
    cover = _fields(api.place_order(ctx, _order(ctx, variety=Variety.CO, order_type=OrderType.LIMIT)))
    assert (cover["prd"], cover["blprc"]) == ("H", "2895")


def test_a_symbol_with_an_ampersand_travels_url_encoded(api: NorenApi, ctx: FakeContext) -> None:
    from tt_connect.driver_api import BrokerSymbol

    ctx.resolve = lambda instrument: BrokerSymbol(token="2031", symbol="M&M-EQ", exchange="NSE",  # type: ignore
                                                  segment="NSE", lot_size=1, tick_size=0.05)
    assert _fields(api.place_order(ctx, _order(ctx)))["tsym"] == "M%26M-EQ"


def test_modify_repeats_what_the_order_has_and_sends_the_new_total(api: NorenApi, static_instruments: None) -> None:
    base = FakeContext()
    order = Order(order_id="77", instrument=base.contracts[0][3], side=Side.BUY, qty=10, order_type=OrderType.LIMIT,
                  product=ProductType.CNC, status=OrderStatus.OPEN, price=2800.0)
    ctx = KnownOrders(order)
    fields = _fields(api.modify_order(ctx, ModifyRequest(order_id="77", price=2810.0)))  # type: ignore[arg-type]
    assert (fields["norenordno"], fields["qty"], fields["prc"], fields["prctyp"], fields["tsym"]) == (
        "77", "10", "2810", "LMT", "RELIANCE-EQ")
    stop = _fields(api.modify_order(ctx, ModifyRequest(order_id="77", order_type=OrderType.SL_M,  # type: ignore
                                                       trigger_price=2750.0)))
    assert (stop["prctyp"], stop["prc"], stop["trgprc"]) == ("SL-MKT", "0", "2750")


def test_minute_history_goes_to_tpseries_and_daily_to_eodchartdata(api: NorenApi, ctx: FakeContext) -> None:
    minute = api.history(ctx, HistoryRequest(instrument=ctx.contracts[0][3], interval=CandleInterval.MINUTE_5,
                                             start=START, end=START + _dt.timedelta(hours=1)))
    fields = _fields(minute)
    assert minute.request.url.endswith("/TPSeries")
    assert (fields["exch"], fields["token"], fields["intrv"], fields["st"]) == ("NSE", "2885", "5",
                                                                                 str(int(START.timestamp())))
    daily = api.history(ctx, HistoryRequest(instrument=ctx.contracts[0][3], interval=CandleInterval.DAY,
                                            start=START, end=START + _dt.timedelta(days=5)))
    assert daily.request.url.endswith("/EODChartData") and _fields(daily)["sym"] == "NSE:RELIANCE-EQ"


def test_candles_outside_the_chunk_and_unasked_oi_are_dropped(api: NorenApi, ctx: FakeContext) -> None:
    request = HistoryRequest(instrument=ctx.contracts[0][3], interval=CandleInterval.MINUTE_1, start=START,
                             end=START + _dt.timedelta(minutes=1))
    rows = [{"time": "24-11-2026 09:14:00", "into": "1", "inth": "1", "intl": "1", "intc": "1", "intoi": "9"},
            {"time": "24-11-2026 09:15:00", "into": "1", "inth": "1", "intl": "1", "intc": "1", "intoi": "9"}]
    (candle,) = api.history(ctx, request).parse(rows)
    assert candle.timestamp == START and candle.oi == 0


def test_a_single_gtt_picks_above_or_below_and_an_oco_names_both_triggers(api: NorenApi, ctx: FakeContext) -> None:
    leg = GttLeg(trigger_price=3000.0, side=Side.SELL, qty=1, product=ProductType.CNC, price=3000.0)
    single = api.place_gtt(ctx, GttRequest(instrument=ctx.contracts[0][3], legs=(leg,), last_price=2900.0))
    fields = _fields(single)
    assert single.request.url.endswith("/PlaceGTTOrder")
    assert (fields["ai_t"], fields["d"], fields["prctyp"], fields["validity"]) == ("LTP_A_O", "3000", "LMT", "GTT")
    stop = GttLeg(trigger_price=2800.0, side=Side.SELL, qty=1, product=ProductType.CNC, price=2800.0)
    oco = api.modify_gtt(ctx, "55", GttRequest(instrument=ctx.contracts[0][3], legs=(stop, leg), last_price=2900.0))
    fields = _fields(oco)
    assert oco.request.url.endswith("/ModifyOCOOrder") and fields["al_id"] == "55"
    assert fields["oivariable"] == [{"var_name": "x", "d": "2800"}, {"var_name": "y", "d": "3000"}]
    assert fields["place_order_params_leg2"]["prc"] == "3000"
    assert single.parse({"stat": "OI created", "al_id": "9"}) == "9"


def test_conversion_names_the_position_type(api: NorenApi, ctx: FakeContext) -> None:
    request = ConvertRequest(instrument=ctx.contracts[0][3], side=Side.BUY, qty=3, from_product=ProductType.MIS,
                             to_product=ProductType.CNC, overnight=True)
    fields = _fields(api.convert_position(ctx, request))
    assert (fields["prd"], fields["prevprd"], fields["postype"], fields["qty"]) == ("C", "I", "CF", "3")
