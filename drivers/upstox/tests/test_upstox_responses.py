"""Upstox payloads (the shapes of the official SDK's models) -> canonical models."""

from __future__ import annotations

import datetime as _dt

import pytest
from tt_connect.enums import (
    GttStatus,
    GttType,
    OrderStatus,
    OrderType,
    ProductType,
    Side,
    Validity,
    Variety,
)
from tt_connect.errors import BrokerUnavailableError, InstrumentNotFoundError
from tt_connect.timeutil import IST
from tt_connect_upstox import parsing
from upstox_fakes import INFY, NIFTY_CE, RELIANCE, FakeContext

ORDER = {"exchange": "NSE", "product": "D", "price": 2900.5, "quantity": 10, "status": "open", "tag": "ttc1",
         "instrument_token": RELIANCE, "placed_by": "EMU123", "tradingsymbol": "RELIANCE",
         "trading_symbol": "RELIANCE", "order_type": "LIMIT", "validity": "DAY", "trigger_price": 0.0,
         "disclosed_quantity": 0, "transaction_type": "BUY", "average_price": 2900.0, "filled_quantity": 4,
         "pending_quantity": 6, "status_message": None, "exchange_order_id": "1300000025660919",
         "parent_order_id": None, "order_id": "231019025562880", "variety": "SIMPLE",
         "order_timestamp": "2023-10-19 13:25:56", "exchange_timestamp": "2023-10-19 13:25:57", "is_amo": False,
         "order_request_id": "1"}


def test_an_open_order_with_fills_parses_as_partially_filled(ctx: FakeContext) -> None:
    order = parsing.upstox_order_to_order(ctx, ORDER)
    assert order.instrument == ctx.keys[RELIANCE] and order.order_id == "231019025562880"
    assert (order.side, order.order_type, order.product, order.validity, order.variety) == (
        Side.BUY, OrderType.LIMIT, ProductType.CNC, Validity.DAY, Variety.REGULAR)
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert (order.qty, order.filled_qty, order.pending_qty, order.price, order.tag) == (10, 4, 6, 2900.5, "ttc1")
    assert order.placed_at == _dt.datetime(2023, 10, 19, 13, 25, 56, tzinfo=IST)
    assert order.raw is ORDER


def test_a_rejected_amo_order_keeps_its_reason_and_variety(ctx: FakeContext) -> None:
    row = {**ORDER, "status": "rejected", "filled_quantity": 0, "pending_quantity": 0, "is_amo": True,
           "status_message": "RMS:Margin Exceeds,Required:29005.00, Available:100.00", "product": "I"}
    order = parsing.upstox_order_to_order(ctx, row)
    assert order.status is OrderStatus.REJECTED and order.variety is Variety.AMO
    assert order.status_message.startswith("RMS:Margin Exceeds") and order.product is ProductType.MIS


def test_an_order_on_an_unknown_instrument_raises_instrument_not_found(ctx: FakeContext) -> None:
    with pytest.raises(InstrumentNotFoundError):
        parsing.upstox_order_to_order(ctx, {**ORDER, "instrument_token": "NSE_EQ|INE000X00000"})


def test_positions_parse_net_and_day_books(ctx: FakeContext) -> None:
    row = {"exchange": "NFO", "multiplier": 1.0, "value": -300.0, "pnl": 150.0, "product": "D",
           "instrument_token": NIFTY_CE, "average_price": 110.0, "buy_value": 16500.0, "overnight_quantity": 75,
           "day_buy_value": 8250.0, "day_buy_price": 110.0, "overnight_buy_amount": 8250.0,
           "overnight_buy_quantity": 75, "day_buy_quantity": 75, "day_sell_value": 0.0, "day_sell_price": 0.0,
           "overnight_sell_amount": 0.0, "overnight_sell_quantity": 0, "day_sell_quantity": 0, "quantity": 150,
           "last_price": 112.0, "unrealised": 300.0, "realised": 0.0, "sell_value": 0.0,
           "trading_symbol": "NIFTY 24000 CE 30 JAN 25", "close_price": 100.0, "buy_price": 110.0, "sell_price": 0.0}
    net = parsing.upstox_position_to_position(ctx, row)
    assert (net.quantity, net.product, net.overnight_quantity, net.buy_quantity) == (150, ProductType.NRML, 75, 150)
    day = parsing.upstox_day_position(ctx, row)
    assert day is not None and (day.quantity, day.buy_price, day.unrealised_pnl) == (75, 110.0, 150.0)
    assert parsing.upstox_day_position(ctx, {**row, "day_buy_quantity": 0}) is None


def test_holdings_funds_and_profile(ctx: FakeContext) -> None:
    holding = parsing.upstox_holding_to_holding(ctx, {
        "isin": "INE009A01021", "quantity": 20, "average_price": 1500.0, "last_price": 1810.0, "close_price": 1800.0,
        "pnl": 6200.0, "day_change": 10.0, "t1_quantity": 2, "instrument_token": INFY, "trading_symbol": "INFY"})
    assert (holding.quantity, holding.t1_quantity, holding.day_change, holding.isin) == (20, 2, 200.0, "INE009A01021")
    funds = parsing.upstox_funds_to_funds({
        "equity": {"used_margin": 100.0, "payin_amount": 0.0, "span_margin": 0.0, "adhoc_margin": 0.0,
                   "notional_cash": 0.0, "available_margin": 900.0, "exposure_margin": 0.0},
        "commodity": {"used_margin": 0.0, "available_margin": 50.0}})
    assert (funds.equity.available_margin, funds.equity.available_cash) == (900.0, 1000.0)
    assert funds.commodity is not None and funds.commodity.available_margin == 50.0
    with pytest.raises(BrokerUnavailableError):
        parsing.upstox_funds_to_funds({})
    profile = parsing.upstox_profile_to_profile({"user_id": "AB1234", "user_name": "A B", "email": "a@b",
                                                 "exchanges": ["NSE", "NFO"], "products": ["D", "I"]})
    assert (profile.broker, profile.user_id, profile.exchanges) == ("upstox", "AB1234", ("NSE", "NFO"))


def test_trades_quotes_and_candles(ctx: FakeContext) -> None:
    trade = parsing.upstox_trade_to_trade(ctx, {
        "exchange": "NSE", "product": "I", "trading_symbol": "RELIANCE", "instrument_token": RELIANCE,
        "order_type": "MARKET", "transaction_type": "SELL", "quantity": 5, "exchange_order_id": "13",
        "order_id": "231019", "exchange_timestamp": "19-Oct-2023 13:25:57", "average_price": 2901.0,
        "trade_id": "T1", "order_timestamp": "2023-10-19 13:25:56"})
    assert (trade.side, trade.qty, trade.price, trade.product) == (Side.SELL, 5, 2901.0, ProductType.MIS)
    assert trade.traded_at == _dt.datetime(2023, 10, 19, 13, 25, 57, tzinfo=IST)
    quote = parsing.upstox_quote_to_quote(ctx.keys[RELIANCE], {
        "ohlc": {"open": 2880.0, "high": 2910.0, "low": 2875.0, "close": 2905.0},
        "depth": {"buy": [{"quantity": 10, "price": 2904.9, "orders": 2}, {"quantity": 0, "price": 0, "orders": 0}],
                  "sell": [{"quantity": 7, "price": 2905.1, "orders": 1}]},
        "timestamp": "2025-01-06T10:00:00.000+05:30", "instrument_token": RELIANCE, "last_price": 2905.0,
        "volume": 1000, "average_price": 2899.0, "oi": 0.0, "net_change": 15.0, "total_buy_quantity": 5000.0,
        "total_sell_quantity": 6000.0, "lower_circuit_limit": 2600.0, "upper_circuit_limit": 3200.0,
        "last_trade_time": "1736137800000"})
    assert (quote.close, quote.open, quote.buy_quantity, quote.upper_circuit) == (2890.0, 2880.0, 5000, 3200.0)
    assert quote.depth is not None and len(quote.depth.bids) == 1 and quote.depth.asks[0].orders == 1
    assert quote.last_trade_time == _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)
    candles = parsing.upstox_candles_to_candles({"candles": [
        ["2025-01-02T09:16:00+05:30", 10, 11, 9, 10.5, 100, 7], ["2025-01-02T09:15:00+05:30", 9, 10, 8, 9.5, 50, 0]]})
    assert [c.timestamp.minute for c in candles] == [15, 16] and candles[1].oi == 7
    with pytest.raises(BrokerUnavailableError):
        parsing.upstox_candles_to_candles({"candles": [["x", 1]]})


def test_a_single_gtt_parses_with_its_entry_rule(ctx: FakeContext) -> None:
    gtt = parsing.upstox_gtt_to_gtt(ctx, {
        "type": "SINGLE", "exchange": "NSE_EQ", "quantity": 1, "product": "D",
        "rules": [{"strategy": "ENTRY", "status": "SCHEDULED", "message": None, "trigger_type": "BELOW",
                   "trigger_price": 2800.0, "transaction_type": "BUY", "order_id": None}],
        "trading_symbol": "RELIANCE", "instrument_token": RELIANCE, "gtt_order_id": "GTT-C25000001",
        "expires_at": 1767205799000000, "created_at": 1736137800000000})
    assert (gtt.gtt_id, gtt.type, gtt.status) == ("GTT-C25000001", GttType.SINGLE, GttStatus.ACTIVE)
    assert gtt.legs[0].trigger_price == 2800.0 and gtt.legs[0].side is Side.BUY
    assert gtt.created_at == _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)


def test_margins_pair_with_the_requested_instruments_in_order(ctx: FakeContext) -> None:
    data = {"margins": [{"span_margin": 0.0, "exposure_margin": 0.0, "equity_margin": 580.0, "net_buy_premium": 0.0,
                         "additional_margin": 0.0, "total_margin": 580.0, "tender_margin": 0.0}],
            "required_margin": 580.0, "final_margin": 580.0}
    (margin,) = parsing.upstox_margin_to_requirements([ctx.keys[RELIANCE]], data)
    assert (margin.total, margin.var, margin.instrument) == (580.0, 580.0, ctx.keys[RELIANCE])
    with pytest.raises(BrokerUnavailableError):
        parsing.upstox_margin_to_requirements([ctx.keys[RELIANCE], ctx.keys[INFY]], data)


def test_non_list_books_are_the_brokers_fault() -> None:
    assert parsing.rows_of(None, "orders") == []
    with pytest.raises(BrokerUnavailableError):
        parsing.rows_of({"a": 1}, "orders")
    with pytest.raises(BrokerUnavailableError, match="where a number belongs"):
        parsing.number("lots")
