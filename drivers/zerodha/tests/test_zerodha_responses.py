"""Static response cases: every official Kite mock the unified API covers -> canonical models."""

from __future__ import annotations

import datetime as _dt

import pytest
from kite_mock_files import kite_listing, mock_bytes, mock_json
from tt_connect.driver_api import HttpResponse
from tt_connect.enums import (
    CandleInterval,
    Exchange,
    OptionType,
    OrderStatus,
    OrderType,
    ProductType,
    Side,
    StreamMode,
    Validity,
    Variety,
)
from tt_connect.instruments import Equity, Future, Option
from tt_connect.models import CancelRequest, Candle, DepthLevel, HistoryRequest, OrderRequest
from tt_connect.timeutil import IST
from tt_connect_zerodha.api import ZerodhaApi
from tt_connect_zerodha.parsing import kite_order_to_order
from zerodha_fakes import FakeContext


def nse(symbol: str) -> Equity:
    return Equity(exchange=Exchange.NSE, symbol=symbol)


def ist(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> _dt.datetime:
    return _dt.datetime(year, month, day, hour, minute, second, tzinfo=IST)


@pytest.fixture
def api() -> ZerodhaApi:
    return ZerodhaApi("https://api.kite.trade")


def reply(name: str) -> HttpResponse:
    return HttpResponse(status=200, body=mock_bytes(name))


def test_profile_mock_names_the_user(api: ZerodhaApi, ctx: FakeContext) -> None:
    call = api.profile(ctx)
    profile = call.parse(api.unwrap(reply("profile.json")))
    assert profile.broker == "zerodha"
    assert profile.user_id == "AB1234"
    assert profile.name == "AxAx Bxx"
    assert profile.email == "xxxyyy@gmail.com"
    assert "NFO" in profile.exchanges and "CNC" in profile.products
    assert profile.raw["user_shortname"] == "AxAx"


def test_full_profile_mock_reads_as_the_same_profile(api: ZerodhaApi, ctx: FakeContext) -> None:
    """``/user/profile/full`` adds bank, DP and 2FA fields; the parser takes either shape."""
    brief = api.profile(ctx).parse(api.unwrap(reply("profile.json")))
    full = api.profile(ctx).parse(api.unwrap(reply("full_profile.json")))
    assert (full.user_id, full.name, full.email) == (brief.user_id, brief.name, brief.email)
    assert set(full.exchanges) >= {"NSE", "NFO"} and full.raw["twofa_type"] == "totp"


@pytest.mark.parametrize(("mock", "cash", "used"), [("margins_equity.json", 245431.6, 145706.55),
                                                    ("margin_commodity.json", None, None)])
def test_single_segment_margin_mocks_parse_as_segment_funds(mock: str, cash: float | None,
                                                            used: float | None) -> None:
    from tt_connect_zerodha.parsing import kite_segment_to_segment_funds

    payload = mock_json(mock)["data"]
    segment = kite_segment_to_segment_funds(payload)
    assert segment.available_cash == (cash if cash is not None else payload["available"]["cash"])
    assert segment.used_margin == (used if used is not None else payload["utilised"]["debits"])
    assert segment.available_margin == pytest.approx(payload["net"])


def test_logout_mock_is_a_plain_success(api: ZerodhaApi) -> None:
    assert api.unwrap(reply("session_logout.json")) is True


def test_margins_mock_parses_equity_and_commodity_funds(api: ZerodhaApi, ctx: FakeContext) -> None:
    funds = api.funds(ctx).parse(api.unwrap(reply("margins.json")))
    assert funds.equity.available_cash == 245431.6
    assert funds.equity.available_margin == pytest.approx(99725.05)
    assert funds.equity.used_margin == 145706.55
    assert funds.equity.opening_balance == 245431.6
    assert funds.available_margin == pytest.approx(99725.05)
    assert funds.commodity is not None
    assert funds.commodity.available_cash == 100661.7
    assert funds.commodity.used_margin == 0


def test_holdings_mock_attaches_instruments_per_exchange(api: ZerodhaApi, ctx: FakeContext) -> None:
    holdings = api.holdings(ctx).parse(api.unwrap(reply("holdings.json")))
    assert [h.instrument for h in holdings] == [Equity(exchange=Exchange.NSE, symbol="AARON"),
                                                Equity(exchange=Exchange.BSE, symbol="SBIN")]
    aaron, sbin = holdings
    assert (aaron.quantity, aaron.average_price, aaron.last_price, aaron.pnl) == (1, 161, 352.95, 191.95)
    assert aaron.isin == "INE721Z01010"
    assert sbin.quantity == 16 and sbin.average_price == 801.78125
    assert sbin.raw["close_price"] == 766.4


def test_positions_mock_reads_net_positions_with_signed_quantity_and_multiplier(
    api: ZerodhaApi, ctx: FakeContext
) -> None:
    positions = api.positions(ctx).parse(api.unwrap(reply("positions.json")))
    assert len(positions) == 3
    lead, guinea, sbin = positions
    assert lead.instrument == Future(exchange=Exchange.MCX, symbol="LEADMINI", expiry=_dt.date(2017, 12, 29))
    assert (lead.quantity, lead.multiplier, lead.average_price, lead.product) == (1, 1000, 161.05, ProductType.NRML)
    assert guinea.overnight_quantity == 3 and guinea.pnl == 801 and guinea.unrealised_pnl == 801
    assert guinea.buy_quantity == 4 and guinea.sell_price == 23340
    assert sbin.product is ProductType.MIS  # Kite's cover-order product "CO" is intraday
    assert sbin.raw["product"] == "CO"


def test_a_contract_missing_from_todays_master_is_skipped_not_fatal(api: ZerodhaApi) -> None:
    """An expired future still in the positions, a suspended stock in the holdings: the rest still read."""
    unlisted = {Equity(exchange=Exchange.BSE, symbol="SBIN"), Future(exchange=Exchange.MCX, symbol="LEADMINI",
                                                                     expiry=_dt.date(2017, 12, 29))}
    ctx = FakeContext([row for row in kite_listing() if row[0] not in unlisted])
    holdings = api.holdings(ctx).parse(api.unwrap(reply("holdings.json")))
    assert [h.instrument for h in holdings] == [Equity(exchange=Exchange.NSE, symbol="AARON")]
    positions = api.positions(ctx).parse(api.unwrap(reply("positions.json")))
    assert len(positions) == 2 and all(p.instrument.symbol != "LEADMINI" for p in positions)


def test_positions_mock_day_book_is_todays_activity(api: ZerodhaApi, ctx: FakeContext) -> None:
    call = api.day_positions(ctx)
    assert call.request.url.endswith("/portfolio/positions")
    guinea, lead, sbin = call.parse(api.unwrap(reply("positions.json")))
    # Net GOLDGUINEA is flat (3 carried in, sold today); the day book shows today's short of 3.
    assert (guinea.quantity, guinea.overnight_quantity, guinea.sell_quantity, guinea.pnl) == (-3, 0, 4, -93)
    assert lead.quantity == 1 and (sbin.quantity, sbin.buy_quantity, sbin.sell_quantity) == (0, 1, 1)


def test_orders_mock_parses_every_order_with_status_variety_and_tag(api: ZerodhaApi, ctx: FakeContext) -> None:
    orders = api.orders(ctx).parse(api.unwrap(reply("orders.json")))
    assert len(orders) == 10
    by_id = {o.order_id: o for o in orders}
    cancelled = by_id["100000000000000"]
    assert cancelled.instrument == Future(exchange=Exchange.CDS, symbol="USDINR", expiry=_dt.date(2021, 6, 28))
    assert cancelled.status is OrderStatus.CANCELLED and cancelled.cancelled_qty == 1
    assert cancelled.price == 72 and cancelled.order_type is OrderType.LIMIT
    assert cancelled.placed_at == ist(2021, 5, 31, 9, 18, 57)
    assert cancelled.updated_at == ist(2021, 5, 31, 9, 18, 58)
    sold = by_id["500000000000000"]
    assert (sold.side, sold.order_type, sold.average_price, sold.status) == (
        Side.SELL, OrderType.MARKET, 109.35, OrderStatus.COMPLETE)
    iceberg = by_id["220524001859672"]
    assert iceberg.variety is Variety.ICEBERG and iceberg.validity is Validity.TTL
    assert iceberg.status is OrderStatus.REJECTED and iceberg.tag == "icebergord"
    assert iceberg.status_message.startswith("Insufficient funds")
    assert iceberg.exchange_order_id == "" and iceberg.updated_at == ist(2022, 5, 24, 12, 26, 52)
    assert by_id["700000000000000"].tag == "connect test order1"
    assert by_id["98000000000000000"].variety is Variety.REGULAR  # auction: no canonical variety
    assert by_id["98000000000000000"].raw["variety"] == "auction"
    assert by_id["250117800776785"].product is ProductType.MTF
    option = by_id["1953367517686685697"]
    assert option.instrument == Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 8, 7), strike=24400,
                                       option_type=OptionType.CE)
    assert option.filled_qty == 150 and option.tag == ""


def test_order_history_mock_walks_the_status_ladder(api: ZerodhaApi, ctx: FakeContext) -> None:
    history = api.order_history(ctx, "171229000724687").parse(api.unwrap(reply("order_info.json")))
    statuses = [o.status for o in history]
    assert statuses[:4] == [OrderStatus.PENDING, OrderStatus.PENDING, OrderStatus.PENDING, OrderStatus.OPEN]
    assert statuses[4] is OrderStatus.OPEN  # MODIFY VALIDATION PENDING: still live at the exchange
    assert [o.raw["status"] for o in history[-2:]] == ["MODIFIED", "OPEN"]
    assert statuses[-2:] == [OrderStatus.OPEN, OrderStatus.OPEN]
    assert (history[-2].price, history[-1].price) == (300, 300.1)
    assert all(o.instrument == nse("SBIN") for o in history)
    assert history[3].exchange_order_id == "1300000001887410"


def test_trades_mocks_use_the_fill_timestamp(api: ZerodhaApi, ctx: FakeContext) -> None:
    trades = api.trades(ctx).parse(api.unwrap(reply("trades.json")))
    assert [t.trade_id for t in trades] == ["10000000", "40000000", "70000000", "90000000"]
    first, currency = trades[0], trades[1]
    assert (first.instrument, first.qty, first.price, first.side) == (nse("SBIN"), 1, 420.65, Side.BUY)
    assert first.traded_at == ist(2021, 5, 31, 9, 16, 39)
    assert currency.price == 72.755 and currency.product is ProductType.MIS
    order_trades = api.order_trades(ctx, "200000000000000").parse(api.unwrap(reply("order_trades.json")))
    assert order_trades[0].instrument == Future(exchange=Exchange.MCX, symbol="GOLDPETAL", expiry=_dt.date(2021, 6, 4))
    assert order_trades[0].exchange_order_id == "300000000000000"


@pytest.mark.parametrize("name", ["order_response.json", "order_modify.json", "order_cancel.json"])
def test_order_write_mocks_parse_to_the_order_id(api: ZerodhaApi, ctx: FakeContext, name: str) -> None:
    call = api.cancel_order(ctx, CancelRequest(order_id="151220000000000", variety=Variety.REGULAR))
    assert call.parse(api.unwrap(reply(name))) == "151220000000000"


def test_autoslice_mock_parses_to_the_children_placed(api: ZerodhaApi, ctx: FakeContext) -> None:
    """The third child was refused (MarginException): only the placed ones have an id."""
    call = api.place_sliced(ctx, OrderRequest(instrument=nse("INFY"), qty=5000, side=Side.BUY,
                                              product=ProductType.MIS, order_type=OrderType.MARKET))
    assert call.parse(api.unwrap(reply("autoslice_response.json"))) == [
        "1914227164534824960", "1914227164580962304", "1914227164681625600"]


def test_quote_mock_parses_ohlc_circuits_and_depth(api: ZerodhaApi, ctx: FakeContext) -> None:
    call = api.quote(ctx, [nse("INFY")], StreamMode.FULL)
    quote = call.parse(api.unwrap(reply("quote.json")))[nse("INFY")]
    assert quote.last_price == 1412.95 and quote.volume == 7360198 and quote.sell_quantity == 5191
    assert (quote.open, quote.high, quote.low, quote.close) == (1396, 1421.75, 1395.55, 1389.65)
    assert (quote.lower_circuit, quote.upper_circuit) == (1250.7, 1528.6)
    assert quote.timestamp == ist(2021, 6, 8, 15, 45, 56)
    assert quote.last_trade_time == ist(2021, 6, 8, 15, 45, 52)
    assert quote.depth is not None and len(quote.depth.bids) == 5
    assert quote.depth.asks[0] == DepthLevel(price=1412.95, quantity=5191, orders=13)


def test_quote_mode_quote_leaves_out_depth(api: ZerodhaApi, ctx: FakeContext) -> None:
    call = api.quote(ctx, [nse("INFY")], StreamMode.QUOTE)
    assert call.parse(api.unwrap(reply("quote.json")))[nse("INFY")].depth is None


def test_ltp_mock_maps_back_to_the_instrument(api: ZerodhaApi, ctx: FakeContext) -> None:
    call = api.ltp(ctx, [nse("INFY"), nse("SBIN")])
    assert call.parse(api.unwrap(reply("ltp.json"))) == {nse("INFY"): 1074.35}  # nse("SBIN") absent from the reply
    ltp_quote = api.quote(ctx, [nse("INFY")], StreamMode.LTP)
    assert ltp_quote.parse(api.unwrap(reply("ltp.json")))[nse("INFY")].last_price == 1074.35


def test_historical_oi_mock_parses_candles_with_open_interest(api: ZerodhaApi, ctx: FakeContext) -> None:
    call = api.history(ctx, HistoryRequest(instrument=nse("INFY"), interval=CandleInterval.MINUTE_1,
                                           start=ist(2019, 12, 4, 9, 15), end=ist(2019, 12, 4, 9, 20), oi=True))
    candles = call.parse(api.unwrap(reply("historical_oi.json")))
    assert len(candles) == 6
    assert candles[0] == Candle(timestamp=ist(2019, 12, 4, 9, 15), open=12009.9, high=12019.35, low=12001.25,
                                close=12001.5, volume=163275, oi=13667775)
    assert candles[0].timestamp.utcoffset() == _dt.timedelta(hours=5, minutes=30)


def test_historical_minute_mock_without_oi_has_zero_oi(api: ZerodhaApi, ctx: FakeContext) -> None:
    call = api.history(ctx, HistoryRequest(instrument=nse("INFY"), interval=CandleInterval.MINUTE_1,
                                           start=ist(2017, 12, 15, 9, 15), end=ist(2017, 12, 15, 9, 20)))
    candles = call.parse(api.unwrap(reply("historical_minute.json")))
    assert [c.volume for c in candles] == [2499, 1271, 831, 771, 543, 802]
    assert all(c.oi == 0 for c in candles)


def test_postback_mock_parses_as_an_order(ctx: FakeContext) -> None:
    order = kite_order_to_order(ctx, mock_json("postback.json"))
    assert order.order_id == "220303000308932" and order.status is OrderStatus.COMPLETE
    assert order.average_price == 470 and order.instrument == nse("SBIN") and order.filled_qty == 1


def test_orders_compare_equal_whatever_their_raw_payload(api: ZerodhaApi, ctx: FakeContext) -> None:
    row = dict(mock_json("postback.json"))
    plain = kite_order_to_order(ctx, row)
    row["checksum"] = "different"
    assert kite_order_to_order(ctx, row) == plain


@pytest.mark.parametrize(("status", "filled", "pending", "expected"), [
    ("AMO REQ RECEIVED", 0, 10, OrderStatus.PENDING),
    ("CANCEL PENDING", 0, 10, OrderStatus.OPEN),
    ("LAPSED", 0, 10, OrderStatus.CANCELLED),
    ("CANCELLED AMO", 0, 10, OrderStatus.CANCELLED),
    ("UPDATE", 0, 10, OrderStatus.OPEN),
    ("OPEN", 4, 6, OrderStatus.PARTIALLY_FILLED),
    ("MODIFIED", 4, 6, OrderStatus.PARTIALLY_FILLED),
    ("OPEN", 0, 10, OrderStatus.OPEN),
    ("COMPLETE", 10, 0, OrderStatus.COMPLETE),
    ("SOMETHING NEW", 0, 10, OrderStatus.PENDING),  # unknown: not final, so it is read again
    (None, 0, 0, OrderStatus.PENDING),
])
def test_kite_statuses_map_to_canonical_ones(status: object, filled: int, pending: int,
                                             expected: OrderStatus) -> None:
    from tt_connect_zerodha.mapping import kite_status_to_status

    assert kite_status_to_status(status, filled, pending) is expected
