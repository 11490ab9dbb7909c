"""Static response cases: Noren payloads (every value a string) -> canonical models."""

from __future__ import annotations

import datetime as _dt

import msgspec
import pytest
from noren_fakes import EXPIRY, FakeContext
from tt_connect.enums import OrderStatus, OrderType, ProductType, Side, Variety
from tt_connect.errors import BrokerUnavailableError
from tt_connect.timeutil import IST
from tt_connect_noren.parsing import (
    noren_candles_to_candles,
    noren_day_position,
    noren_eod_to_candles,
    noren_holding_to_holding,
    noren_limits_to_funds,
    noren_order_to_order,
    noren_position_to_position,
    noren_quote_to_quote,
    noren_trade_to_trade,
    noren_user_to_profile,
    number,
)

ORDER = {"stat": "Ok", "norenordno": "24112500000123", "exch": "NSE", "tsym": "RELIANCE-EQ", "qty": "10",
         "prc": "2900.00", "trgprc": "0.00", "prd": "I", "status": "OPEN", "trantype": "B", "prctyp": "LMT",
         "ret": "DAY", "fillshares": "4", "avgprc": "2899.50", "cancelqty": "0", "remarks": "ttc123",
         "dscqty": "0", "exchordid": "1100000012345", "amo": "No", "norentm": "10:15:02 25-11-2026",
         "exch_tm": "25-11-2026 10:15:02", "token": "2885"}


def test_a_partly_filled_order_row_becomes_a_partially_filled_order(ctx: FakeContext) -> None:
    order = noren_order_to_order(ctx, ORDER)
    assert (order.order_id, order.side, order.order_type, order.product) == ("24112500000123", Side.BUY,
                                                                             OrderType.LIMIT, ProductType.MIS)
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert (order.qty, order.filled_qty, order.pending_qty, order.price) == (10, 4, 6, 2900.0)
    assert order.tag == "ttc123"
    assert order.updated_at == _dt.datetime(2026, 11, 25, 10, 15, 2, tzinfo=IST)
    assert order.raw["norenordno"] == "24112500000123"


def test_a_rejected_order_keeps_the_rms_text_and_has_nothing_pending(ctx: FakeContext) -> None:
    row = {**ORDER, "status": "REJECTED", "fillshares": "0",
           "rejreason": "RED:Margin Shortfall:INR 100.00 Available:INR 0.00 for C-FA12345 [SHOONYA_STD]"}
    order = noren_order_to_order(ctx, row)
    assert order.status is OrderStatus.REJECTED
    assert order.pending_qty == 0
    assert order.status_message.startswith("RED:Margin Shortfall")


def test_cover_and_after_market_orders_read_back_as_their_varieties(ctx: FakeContext) -> None:
    assert noren_order_to_order(ctx, {**ORDER, "prd": "H"}).variety is Variety.CO
    assert noren_order_to_order(ctx, {**ORDER, "amo": "Yes"}).variety is Variety.AMO


def test_an_url_encoded_trading_symbol_still_finds_its_instrument(ctx: FakeContext) -> None:
    ctx.contracts.append(("NSE", "2031", "M&M-EQ", ctx.contracts[0][3]))
    assert noren_order_to_order(ctx, {**ORDER, "tsym": "M%26M-EQ"}).instrument == ctx.contracts[0][3]


def test_trigger_price_sent_as_the_text_none_reads_as_zero(ctx: FakeContext) -> None:
    assert noren_order_to_order(ctx, {**ORDER, "trgprc": "None"}).trigger_price == 0.0
    assert number("") == 0.0
    with pytest.raises(BrokerUnavailableError):
        number("abc")


def test_a_trade_book_row_becomes_a_trade(ctx: FakeContext) -> None:
    row = {"norenordno": "1", "exch": "NFO", "tsym": "NIFTY26NOV26F", "trantype": "S", "prd": "M", "flid": "77",
           "fltm": "25-11-2026 10:16:00", "flqty": "75", "flprc": "24010.50", "exchordid": "9"}
    trade = noren_trade_to_trade(ctx, row)
    assert (trade.trade_id, trade.side, trade.qty, trade.price, trade.product) == ("77", Side.SELL, 75, 24010.5,
                                                                                   ProductType.NRML)
    assert trade.instrument.expiry == EXPIRY  # type: ignore[union-attr]


POSITION = {"exch": "NSE", "tsym": "RELIANCE-EQ", "prd": "I", "netqty": "5", "netavgprc": "2900.00",
            "daybuyqty": "10", "daysellqty": "5", "daybuyavgprc": "2899.00", "daysellavgprc": "2905.00",
            "daybuyamt": "28990.00", "daysellamt": "14525.00", "cfbuyqty": "2", "cfsellqty": "0",
            "cfbuyamt": "5700.00", "cfsellamt": "0", "lp": "2910.00", "rpnl": "30.00", "urmtom": "50.00", "mult": "1"}


def test_a_position_row_nets_carried_forward_and_todays_quantities(ctx: FakeContext) -> None:
    position = noren_position_to_position(ctx, POSITION)
    assert (position.quantity, position.buy_quantity, position.sell_quantity) == (5, 12, 5)
    assert position.overnight_quantity == 2
    assert position.pnl == 80.0
    day = noren_day_position(ctx, POSITION)
    assert day is not None and (day.quantity, day.average_price) == (5, 2899.0)


def test_a_position_untouched_today_has_no_day_position(ctx: FakeContext) -> None:
    assert noren_day_position(ctx, {**POSITION, "daybuyqty": "0", "daysellqty": "0"}) is None


def test_a_holding_counts_what_can_be_sold_on_its_nse_listing(ctx: FakeContext) -> None:
    row = {"exch_tsym": [{"exch": "BSE", "tsym": "RELIANCE", "token": "500325"},
                         {"exch": "NSE", "tsym": "RELIANCE-EQ", "token": "2885"}],
           "holdqty": "10", "btstqty": "2", "dpqty": "0", "benqty": "0", "unplgdqty": "0", "usedqty": "3",
           "upldprc": "2500.00"}
    holding = noren_holding_to_holding(ctx, row)
    assert holding is not None
    assert (holding.quantity, holding.t1_quantity, holding.average_price) == (9, 2, 2500.0)
    assert noren_holding_to_holding(ctx, {"holdqty": "1"}) is None


def test_limits_have_no_available_field_so_it_is_derived() -> None:
    funds = noren_limits_to_funds({"cash": "100000.00", "payin": "5000.00", "payout": "0", "marginused": "20000.00",
                                   "brkcollamt": "10000.00"})
    assert funds.equity.available_cash == 105000.0
    assert funds.equity.available_margin == 95000.0
    assert funds.equity.used_margin == 20000.0


def test_user_details_become_the_profile() -> None:
    profile = noren_user_to_profile({"actid": "FA12345", "uname": "A USER", "email": "a@b.c",
                                     "exarr": ["NSE", "NFO"], "prarr": [{"prd": "C"}, {"prd": "I"}]}, "shoonya")
    assert (profile.user_id, profile.exchanges, profile.products) == ("FA12345", ("NSE", "NFO"), ("C", "I"))


def test_a_quote_reads_five_levels_and_keys_in_any_case(ctx: FakeContext) -> None:
    row = {"exch": "NSE", "token": "2885", "lp": "2905.10", "c": "2890.00", "v": "1000", "ltq": "3",
           "ltt": "10:14:59", "o": "2895", "h": "2910", "l": "2880", "uc": "3179", "lc": "2601",
           **{f"bp{i}": f"{2905 - i}" for i in range(1, 6)}, **{f"bq{i}": "10" for i in range(1, 6)},
           **{f"sp{i}": f"{2906 + i}" for i in range(1, 5)}, "So5": "4", "Sp5": "2911"}
    quote = noren_quote_to_quote(ctx, row)
    assert quote.last_price == 2905.1 and quote.net_change == pytest.approx(15.1)
    assert quote.depth is not None and len(quote.depth.bids) == 5 and len(quote.depth.asks) == 5
    assert quote.depth.asks[4].orders == 4
    assert quote.last_trade_time == _dt.datetime(2026, 11, 25, 10, 14, 59, tzinfo=IST)


def test_intraday_candles_come_newest_first_and_leave_oldest_first() -> None:
    rows = [{"time": "25-11-2026 09:16:00", "into": "2", "inth": "3", "intl": "1", "intc": "2.5", "intv": "10",
             "intoi": "7"},
            {"time": "25-11-2026 09:15:00", "into": "1", "inth": "2", "intl": "1", "intc": "2", "intv": "5"}]
    candles = noren_candles_to_candles(rows)
    assert [c.timestamp.minute for c in candles] == [15, 16]
    assert candles[1].oi == 7


def test_daily_candles_are_json_strings_inside_the_array() -> None:
    rows = [msgspec.json.encode({"time": "21-SEP-2022", "into": "1", "inth": "2", "intl": "0.5", "intc": "1.5",
                                 "ssboe": "1663718400", "intv": "100"}).decode()]
    (candle,) = noren_eod_to_candles(rows)
    assert candle.timestamp == _dt.datetime(2022, 9, 21, tzinfo=IST)
    assert (candle.close, candle.volume) == (1.5, 100)
