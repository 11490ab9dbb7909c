"""Static response cases: hand-built SmartAPI payloads (see fixtures/README.md) -> canonical models."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import msgspec
import pytest
from angelone_fakes import FakeContext, angel_listing, fixture_bytes, nifty_call, sbin
from tt_connect.driver_api import HttpResponse
from tt_connect.enums import (
    CandleInterval,
    Exchange,
    OrderStatus,
    OrderType,
    ProductType,
    Side,
    StreamMode,
    Validity,
    Variety,
)
from tt_connect.errors import BrokerUnavailableError, OrderNotFoundError
from tt_connect.instruments import Equity, Index
from tt_connect.models import CancelRequest, DepthLevel, HistoryRequest
from tt_connect.timeutil import IST
from tt_connect_angelone.api import AngelOneApi

pytestmark = pytest.mark.usefixtures("static_instruments")


@pytest.fixture
def api() -> AngelOneApi:
    return AngelOneApi()


def _payload(api: AngelOneApi, name: str) -> Any:
    return api.unwrap(HttpResponse(status=200, body=fixture_bytes(name)))


def test_profile_names_the_client(api: AngelOneApi, ctx: FakeContext) -> None:
    profile = api.profile(ctx).parse(_payload(api, "profile.json"))
    assert (profile.broker, profile.user_id, profile.name) == ("angelone", "A123456", "ASHA RAO")
    assert profile.exchanges == ("NSE", "BSE", "NFO", "MCX") and "DELIVERY" in profile.products


def test_rms_strings_become_equity_funds(api: AngelOneApi, ctx: FakeContext) -> None:
    funds = api.funds(ctx).parse(_payload(api, "rms.json"))
    assert funds.equity.available_margin == 98250.5 and funds.equity.available_cash == 100000.0
    assert funds.equity.used_margin == 1749.5 and funds.commodity is None and funds.raw["net"] == "98250.5000"


def test_holdings_attach_instruments_by_token(api: AngelOneApi, ctx: FakeContext) -> None:
    first, second = api.holdings(ctx).parse(_payload(api, "holdings.json"))
    assert first.instrument == sbin() and (first.quantity, first.average_price, first.last_price) == (10, 590.25, 612.4)
    assert first.isin == "INE062A01020" and first.pnl == 221 and first.day_change == pytest.approx(43.0)
    assert second.t1_quantity == 2 and second.instrument == Equity(exchange=Exchange.NSE, symbol="RELIANCE")


def test_positions_are_signed_and_keep_carried_forward_quantity(api: AngelOneApi, ctx: FakeContext) -> None:
    option, short = api.positions(ctx).parse(_payload(api, "positions.json"))
    assert option.instrument == nifty_call() and option.product is ProductType.NRML
    assert (option.quantity, option.buy_quantity, option.sell_quantity, option.overnight_quantity) == (75, 150, 75, 75)
    assert option.pnl == 1912.5 and option.realised_pnl == 750 and option.last_price == 125.5
    # SmartAPI's "multiplier": "-1" means "none": read as 1 so P&L arithmetic keeps its sign.
    assert short.quantity == -5 and short.product is ProductType.MIS and short.multiplier == 1


def test_a_contract_missing_from_todays_master_is_skipped_not_fatal(api: AngelOneApi) -> None:
    ctx = FakeContext([row for row in angel_listing() if row[0] != nifty_call()])
    (short,) = api.positions(ctx).parse(_payload(api, "positions.json"))
    assert short.instrument == sbin()
    assert all(o.instrument != nifty_call() for o in api.orders(ctx).parse(_payload(api, "order_book.json")))


def test_day_positions_take_the_carried_part_out(api: AngelOneApi, ctx: FakeContext) -> None:
    call = api.day_positions(ctx)
    assert call.request.url.endswith("/order/v1/getPosition")
    option, short = call.parse(_payload(api, "positions.json"))
    # 150 bought of which 75 carried in (netqty = buyqty - sellqty: the totals include the carried part).
    assert (option.quantity, option.buy_quantity, option.sell_quantity, option.overnight_quantity) == (0, 75, 75, 0)
    assert (option.buy_price, option.sell_price, option.pnl) == (130, 130, 0)
    assert (short.quantity, short.average_price, short.sell_price) == (-5, 612.4, 612.4)
    assert (short.realised_pnl, short.unrealised_pnl) == (0, 7.0)


def test_day_positions_read_day_only_totals_and_skip_untraded_rows(api: AngelOneApi, ctx: FakeContext) -> None:
    def row(**fields: str) -> dict[str, str]:
        base = {"exchange": "NSE", "symboltoken": "3045", "tradingsymbol": "SBIN-EQ", "producttype": "DELIVERY",
                "ltp": "600", "cfbuyqty": "0", "cfsellqty": "0", "buyqty": "0", "sellqty": "0"}
        return {**base, **fields}

    carried_only = row(cfbuyqty="10", cfbuyamount="5800", netqty="10")
    # netqty = cf + today's buys: these totals are today's alone.
    added_today = row(cfbuyqty="10", buyqty="4", buyamount="2360", buyavgprice="590", netqty="14")
    round_trip = row(buyqty="3", buyamount="1770", sellqty="3", sellamount="1800", netqty="0")
    body = msgspec.json.encode({"status": True, "message": "SUCCESS", "errorcode": "",
                                "data": [carried_only, added_today, round_trip]})
    added, trip = api.day_positions(ctx).parse(api.unwrap(HttpResponse(status=200, body=body)))
    assert (added.quantity, added.buy_price, added.unrealised_pnl, added.overnight_quantity) == (4, 590, 40, 0)
    assert (trip.quantity, trip.realised_pnl, trip.pnl) == (0, 30, 30)


def test_order_book_maps_statuses_types_and_times(api: AngelOneApi, ctx: FakeContext) -> None:
    complete, stop, partial, rejected = api.orders(ctx).parse(_payload(api, "order_book.json"))
    assert complete.status is OrderStatus.COMPLETE and complete.tag == "ttc0a1b2c3d4e5"
    assert complete.placed_at == _dt.datetime(2025, 1, 6, 9, 20, 10, tzinfo=IST)
    assert complete.exchange_order_id == "1100000012345678" and complete.average_price == 590.25
    assert (stop.status, stop.order_type, stop.side, stop.price, stop.trigger_price) == (
        OrderStatus.TRIGGER_PENDING, OrderType.SL, Side.SELL, 605.0, 604.0)
    assert stop.variety is Variety.REGULAR and stop.validity is Validity.DAY
    assert partial.status is OrderStatus.PARTIALLY_FILLED and (partial.filled_qty, partial.pending_qty) == (75, 75)
    assert partial.instrument == nifty_call() and partial.product is ProductType.NRML
    assert rejected.status is OrderStatus.REJECTED and rejected.status_message == "Adapter is Logged Off"
    assert rejected.placed_at == _dt.datetime(2025, 1, 6, 10, 5, tzinfo=IST)


def test_an_empty_order_book_arrives_as_null_and_parses_to_nothing(api: AngelOneApi, ctx: FakeContext) -> None:
    assert api.orders(ctx).parse(_payload(api, "order_book_empty.json")) == []


def test_one_order_is_found_in_the_book_until_its_unique_id_is_known(api: AngelOneApi, ctx: FakeContext) -> None:
    by_book = api.order(ctx, "250106000000102")
    assert by_book.request.url.endswith("/order/v1/getOrderBook") and by_book.request.rate_class == "order_book"
    assert by_book.parse(_payload(api, "order_book.json")).status is OrderStatus.TRIGGER_PENDING
    with pytest.raises(OrderNotFoundError, match="250106000000999"):
        api.order(ctx, "250106000000999").parse(_payload(api, "order_book.json"))
    ctx.know_fixture_orders()
    by_id = api.order(ctx, "250106000000101")
    assert by_id.request.url.endswith("/order/v1/details/8d1e0f6c-4b1a-4a9b-9c1e-0a3b2c1d4e5f")
    assert by_id.request.rate_class == "order_status"
    single = by_id.parse(_payload(api, "order_details.json"))
    assert single.status is OrderStatus.OPEN and single.order_id == "250106000000101"


def test_trades_take_todays_date_for_their_fill_time(api: AngelOneApi, ctx: FakeContext) -> None:
    equity_fill, option_fill = api.trades(ctx).parse(_payload(api, "trade_book.json"))
    assert (equity_fill.trade_id, equity_fill.order_id, equity_fill.qty, equity_fill.price) == (
        "51012345", "250106000000101", 10, 590.25)
    assert equity_fill.traded_at == _dt.datetime(2025, 1, 6, 9, 20, 11, tzinfo=IST)
    assert option_fill.instrument == nifty_call() and option_fill.product is ProductType.NRML


def test_order_writes_parse_to_the_order_id(api: AngelOneApi, ctx: FakeContext) -> None:
    cancel = api.cancel_order(ctx.know_fixture_orders(), CancelRequest(order_id="250106000000102"))
    assert cancel.parse(_payload(api, "cancel_order.json")) == "250106000000102"


def test_full_quote_keys_by_our_instruments_with_depth(api: AngelOneApi, ctx: FakeContext) -> None:
    quotes = api.quote(ctx, [sbin(), nifty_call()], StreamMode.FULL).parse(_payload(api, "quote_full.json"))
    assert set(quotes) == {sbin(), nifty_call()}
    quote = quotes[sbin()]
    assert (quote.last_price, quote.volume, quote.close, quote.net_change) == (612.4, 3556150, 608.1, 4.3)
    assert quote.depth is not None and quote.depth.bids[0] == DepthLevel(612.35, 511, 2)
    assert quote.timestamp == _dt.datetime(2025, 1, 6, 10, 0, 1, tzinfo=IST)
    assert quotes[nifty_call()].oi == 4567800
    assert api.quote(ctx, [sbin()], StreamMode.QUOTE).parse(_payload(api, "quote_full.json"))[sbin()].depth is None


def test_an_ltp_mode_quote_maps_each_fetched_token_back(api: AngelOneApi, ctx: FakeContext) -> None:
    nifty = Index(exchange=Exchange.NSE, symbol="NIFTY 50")
    call = api.quote(ctx, [sbin(), nifty], StreamMode.LTP)
    assert call.request.json == {"mode": "LTP", "exchangeTokens": {"NSE": ["3045", "99926000"]}}
    quotes = call.parse(_payload(api, "quote_ltp.json"))
    assert {i: q.last_price for i, q in quotes.items()} == {sbin(): 612.4, nifty: 23616.05}


def test_candles_are_ist_aware(api: AngelOneApi, ctx: FakeContext) -> None:
    start = _dt.datetime(2025, 1, 6, 9, 15, tzinfo=IST)
    request = HistoryRequest(instrument=sbin(), interval=CandleInterval.MINUTE_1, start=start,
                             end=start + _dt.timedelta(minutes=3))
    candles = api.history(ctx, request).parse(_payload(api, "candles.json"))
    assert [c.timestamp.minute for c in candles] == [15, 16, 17] and candles[0].timestamp.utcoffset() == \
        _dt.timedelta(hours=5, minutes=30)
    assert (candles[2].close, candles[2].volume) == (612.0, 120004)


def test_a_malformed_payload_is_a_broker_error_not_a_key_error(api: AngelOneApi, ctx: FakeContext) -> None:
    with pytest.raises(BrokerUnavailableError):
        api.orders(ctx).parse({"unexpected": "object"})
    with pytest.raises(BrokerUnavailableError):
        api.funds(ctx).parse([1, 2])
    with pytest.raises(BrokerUnavailableError):
        api.orders(ctx).parse([{"orderid": "1", "exchange": "NSE", "symboltoken": "3045", "transactiontype": "HOLD",
                                "ordertype": "LIMIT", "producttype": "DELIVERY"}])
    for junk in ("NaN", "1e999", "inf"):
        with pytest.raises(BrokerUnavailableError, match="finite"):
            api.funds(ctx).parse({"net": junk})
