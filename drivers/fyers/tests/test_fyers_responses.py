"""Fyers payloads through the parsers: statuses, varieties, tags, GTT books, positions, funds, candles."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import msgspec
import pytest
from fyers_fakes import FakeContext, reliance, sbin
from test_fyers_conformance import FUNDS, ORDER_ROW, POSITION_ROW
from tt_connect.driver_api import HttpResponse
from tt_connect.enums import GttStatus, GttType, OrderStatus, OrderType, ProductType, Side, Validity, Variety
from tt_connect.errors import BrokerUnavailableError, OrderNotFoundError
from tt_connect.timeutil import IST
from tt_connect_fyers.api import FyersApi
from tt_connect_fyers.parsing import fyers_day_position, fyers_order_to_order, fyers_tag

API = FyersApi("https://api-t1.fyers.in/api/v3", "https://api-t1.fyers.in/data")


def _parse(call: Any, payload: dict[str, Any]) -> Any:
    return call.parse(API.unwrap(HttpResponse(status=200, body=msgspec.json.encode({"s": "ok", **payload}))))


@pytest.mark.parametrize(("status", "order_type", "filled", "expected"), [
    (6, 1, 0, OrderStatus.OPEN), (6, 1, 4, OrderStatus.PARTIALLY_FILLED), (6, 3, 0, OrderStatus.TRIGGER_PENDING),
    (2, 1, 10, OrderStatus.COMPLETE), (1, 1, 0, OrderStatus.CANCELLED), (5, 2, 0, OrderStatus.REJECTED),
    (7, 1, 0, OrderStatus.CANCELLED), (4, 2, 0, OrderStatus.PENDING), (20, 2, 0, OrderStatus.PENDING),
    (90, 2, 0, OrderStatus.PENDING),
])
def test_order_statuses(ctx: FakeContext, status: int, order_type: int, filled: int, expected: OrderStatus) -> None:
    order = fyers_order_to_order(ctx, {**ORDER_ROW, "status": status, "type": order_type, "filledQty": filled})
    assert order.status is expected


def test_an_order_row_reads_whole(ctx: FakeContext) -> None:
    order = fyers_order_to_order(ctx, ORDER_ROW)
    assert (order.instrument, order.side, order.order_type, order.product, order.validity, order.tag) == (
        sbin(), Side.BUY, OrderType.LIMIT, ProductType.CNC, Validity.DAY, "conformancetag1")
    assert order.placed_at == _dt.datetime(2025, 1, 6, 9, 20, 1, tzinfo=IST)
    amo = fyers_order_to_order(ctx, {**ORDER_ROW, "offlineOrder": True})
    cover = fyers_order_to_order(ctx, {**ORDER_ROW, "productType": "CO", "orderValidity": "IOC"})
    assert amo.variety is Variety.AMO and cover.variety is Variety.CO and cover.product is ProductType.MIS
    assert cover.validity is Validity.IOC
    by_ticker = fyers_order_to_order(ctx, {k: v for k, v in ORDER_ROW.items() if k != "fyToken"})
    assert by_ticker.instrument == sbin()


def test_tags_lose_their_source_prefix() -> None:
    assert fyers_tag("1:mytag") == "mytag" and fyers_tag("2:Untagged") == "" and fyers_tag("plain") == "plain"


def test_junk_numbers_are_the_brokers_fault(ctx: FakeContext) -> None:
    with pytest.raises(BrokerUnavailableError):
        fyers_order_to_order(ctx, {**ORDER_ROW, "limitPrice": "NaN"})
    with pytest.raises(BrokerUnavailableError):
        fyers_order_to_order(ctx, {**ORDER_ROW, "side": 0})


def test_one_order_is_the_book_filtered(ctx: FakeContext) -> None:
    call = API.order(ctx, "25010600000001")
    assert _parse(call, {"orderBook": [ORDER_ROW]}).order_id == "25010600000001"
    with pytest.raises(OrderNotFoundError):
        _parse(call, {"orderBook": []})


def test_day_positions_keep_todays_trades_only(ctx: FakeContext) -> None:
    today = fyers_day_position(ctx, POSITION_ROW)
    assert today is not None and today.quantity == 5 and today.buy_price == 800.0
    assert fyers_day_position(ctx, {**POSITION_ROW, "dayBuyQty": 0, "daySellQty": 0}) is None
    (net,) = _parse(API.positions(ctx), {"netPositions": [{**POSITION_ROW, "cfBuyQty": 2}]})
    assert net.product is ProductType.MIS and net.overnight_quantity == 2 and net.pnl == 10.0


def test_funds_read_the_titled_lines(ctx: FakeContext) -> None:
    funds = _parse(API.funds(ctx), {"fund_limit": FUNDS})
    assert (funds.equity.available_cash, funds.equity.used_margin, funds.equity.available_margin) == (
        1000.0, 100.0, 900.0)


def test_the_gtt_book_reads_single_and_oco(ctx: FakeContext) -> None:
    row = {"id": "G1", "fy_token": "10100000002885", "symbol": "NSE:RELIANCE-EQ", "tran_side": -1,
           "product_type": "CNC", "ord_status": 6, "gtt_oco_ind": 2, "price_limit": 3095.0, "price_trigger": 3100.0,
           "qty": 5, "price2_limit": 2695.0, "price2_trigger": 2700.0, "qty2": 5,
           "create_time": "06-Jan-2025 09:20:01"}
    (oco,) = _parse(API.gtts(ctx), {"orderBook": [row]})
    assert (oco.instrument, oco.type, oco.status) == (reliance(), GttType.OCO, GttStatus.ACTIVE)
    assert [leg.trigger_price for leg in oco.legs] == [2700.0, 3100.0]
    (single,) = _parse(API.gtts(ctx), {"orderBook": [{**row, "gtt_oco_ind": 1, "ord_status": 1}]})
    assert single.type is GttType.SINGLE and single.status is GttStatus.CANCELLED and len(single.legs) == 1


def test_candles_read_oi_when_present(ctx: FakeContext) -> None:
    from tt_connect.enums import CandleInterval
    from tt_connect.models import HistoryRequest

    start = _dt.datetime(2025, 1, 6, 9, 15, tzinfo=IST)
    call = API.history(ctx, HistoryRequest(instrument=sbin(), interval=CandleInterval.MINUTE_1, start=start,
                                           end=start + _dt.timedelta(minutes=5), oi=True))
    stamp = int(start.timestamp())
    candles = _parse(call, {"candles": [[stamp, 1, 2, 0.5, 1.5, 10, 77], [stamp + 60, 1, 2, 0.5, 1.5, 10]]})
    assert [c.oi for c in candles] == [77, 0] and candles[0].timestamp == start
    with pytest.raises(BrokerUnavailableError):
        _parse(call, {"candles": [[stamp, 1, 2]]})


def test_an_unacknowledged_placement_is_an_unknown_outcome(ctx: FakeContext) -> None:
    from test_fyers_conformance import _limit_order

    call = API.place_order(ctx, _limit_order())
    with pytest.raises(BrokerUnavailableError, match="acknowledgement"):
        _parse(call, {"code": 201, "message": "request sent"})
    assert _parse(call, {"code": 1101, "id": "25010600000001"}) == "25010600000001"


def test_a_daily_candle_stamped_before_the_start_time_is_kept(ctx: FakeContext) -> None:
    from tt_connect.enums import CandleInterval
    from tt_connect.models import HistoryRequest

    start = _dt.datetime(2025, 1, 6, 9, 15, tzinfo=IST)
    call = API.history(ctx, HistoryRequest(instrument=sbin(), interval=CandleInterval.DAY, start=start,
                                           end=start + _dt.timedelta(days=2)))
    midnight = int(_dt.datetime(2025, 1, 6, tzinfo=IST).timestamp())
    candles = _parse(call, {"candles": [[midnight - 86400, 1, 2, 0.5, 1.5, 10], [midnight, 1, 2, 0.5, 1.5, 10]]})
    assert [c.timestamp.date() for c in candles] == [_dt.date(2025, 1, 6)]
