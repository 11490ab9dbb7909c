"""Pure parsers and the error map: DhanHQ v2 payloads (shapes from the docs and the SDK) -> canonical models."""

from __future__ import annotations

import datetime as _dt

import pytest
from dhan_fakes import FakeContext, nifty_call, reliance
from tt_connect.driver_api import BrokerFailure
from tt_connect.enums import GttType, OrderStatus, OrderType, ProductType, RejectionReason, Side, Validity, Variety
from tt_connect.errors import (
    AuthenticationError,
    BrokerInputError,
    BrokerUnavailableError,
    GttNotFoundError,
    InsufficientFundsError,
    OrderNotFoundError,
    OrderNotOpenError,
    PermissionDeniedError,
    RateLimitError,
    SessionExpiredError,
)
from tt_connect.timeutil import IST
from tt_connect_dhan.errors import dhan_error_map
from tt_connect_dhan.mapping import dhan_status_to_status
from tt_connect_dhan.parsing import (
    dhan_basket_margin_to_basket,
    dhan_candles_to_candles,
    dhan_day_position,
    dhan_forever_to_gtts,
    dhan_funds_to_funds,
    dhan_holding_to_holding,
    dhan_order_to_order,
    dhan_position_to_position,
    dhan_quote_to_quote,
    dhan_trade_to_trade,
    number,
    quote_data,
)

ORDER = {
    "dhanClientId": "1000000003", "orderId": "112111182198", "correlationId": "ttc1", "orderStatus": "PART_TRADED",
    "transactionType": "BUY", "exchangeSegment": "NSE_EQ", "productType": "INTRADAY", "orderType": "LIMIT",
    "validity": "DAY", "tradingSymbol": "RELIANCE", "securityId": "2885", "quantity": 10, "disclosedQuantity": 0,
    "price": 2900.0, "triggerPrice": 0.0, "afterMarketOrder": False, "boProfitValue": None, "boStopLossValue": None,
    "legName": "NA", "createTime": "2025-01-06 09:20:01", "updateTime": "2025-01-06 09:20:05",
    "exchangeTime": "2025-01-06 09:20:01", "drvExpiryDate": "0001-01-01", "drvOptionType": "NA",
    "drvStrikePrice": 0.0, "omsErrorCode": "", "omsErrorDescription": "", "algoId": "", "remainingQuantity": 6,
    "averageTradedPrice": 2899.5, "filledQty": 4, "exchangeOrderId": "1100000012345",
}


def test_order_row_parses_with_partial_fill(ctx: FakeContext) -> None:
    order = dhan_order_to_order(ctx, ORDER)
    assert (order.order_id, order.instrument, order.side, order.qty) == ("112111182198", reliance(), Side.BUY, 10)
    assert (order.order_type, order.product, order.validity) == (OrderType.LIMIT, ProductType.MIS, Validity.DAY)
    assert (order.status, order.filled_qty, order.pending_qty) == (OrderStatus.PARTIALLY_FILLED, 4, 6)
    assert (order.tag, order.average_price, order.exchange_order_id) == ("ttc1", 2899.5, "1100000012345")
    assert order.placed_at == _dt.datetime(2025, 1, 6, 9, 20, 1, tzinfo=IST)
    assert order.raw is ORDER


def test_rejected_order_carries_the_oms_reason(ctx: FakeContext) -> None:
    row = {**ORDER, "orderStatus": "REJECTED", "filledQty": 0, "omsErrorCode": "RMS",
           "omsErrorDescription": "RMS:Margin Exceeds,Required:29000.00, Available:100.00"}
    order = dhan_order_to_order(ctx, row)
    assert order.status is OrderStatus.REJECTED and order.pending_qty == 0
    assert order.status_message.startswith("RMS:Margin Exceeds")


def test_amo_and_cover_orders_keep_their_variety(ctx: FakeContext) -> None:
    assert dhan_order_to_order(ctx, {**ORDER, "afterMarketOrder": True}).variety is Variety.AMO
    assert dhan_order_to_order(ctx, {**ORDER, "productType": "CO"}).variety is Variety.CO


@pytest.mark.parametrize(("status", "order_type", "filled", "expected"), [
    ("TRANSIT", OrderType.LIMIT, 0, OrderStatus.PENDING),
    ("PENDING", OrderType.LIMIT, 0, OrderStatus.OPEN),
    ("PENDING", OrderType.SL, 0, OrderStatus.TRIGGER_PENDING),
    ("Pending", OrderType.LIMIT, 3, OrderStatus.PARTIALLY_FILLED),
    ("Traded", OrderType.MARKET, 5, OrderStatus.COMPLETE),
    ("EXPIRED", OrderType.LIMIT, 0, OrderStatus.CANCELLED),
    ("Part Traded", OrderType.LIMIT, 2, OrderStatus.PARTIALLY_FILLED),
    ("SOMETHING_NEW", OrderType.LIMIT, 0, OrderStatus.PENDING),
])
def test_statuses_map_in_any_case(status: str, order_type: OrderType, filled: int, expected: OrderStatus) -> None:
    assert dhan_status_to_status(status, order_type, filled) is expected


def test_trade_row_parses(ctx: FakeContext) -> None:
    trade = dhan_trade_to_trade(ctx, {"orderId": "1", "exchangeOrderId": "11", "exchangeTradeId": "T9",
                                      "transactionType": "SELL", "exchangeSegment": "NSE_FNO", "productType": "MARGIN",
                                      "securityId": "43650", "tradedQuantity": 75, "tradedPrice": 120.5,
                                      "createTime": "2025-01-06 10:01:02", "exchangeTime": "2025-01-06 10:01:03"})
    assert (trade.instrument, trade.side, trade.qty, trade.price) == (nifty_call(), Side.SELL, 75, 120.5)
    assert trade.product is ProductType.NRML
    assert trade.traded_at == _dt.datetime(2025, 1, 6, 10, 1, 3, tzinfo=IST)


POSITION = {"exchangeSegment": "NSE_EQ", "securityId": "2885", "productType": "CNC", "positionType": "LONG",
            "buyAvg": 2900.0, "costPrice": 2900.0, "buyQty": 10, "sellAvg": 2910.0, "sellQty": 4, "netQty": 6,
            "realizedProfit": 40.0, "unrealizedProfit": 30.0, "multiplier": 1, "carryForwardBuyQty": 2,
            "carryForwardSellQty": 0, "dayBuyQty": 8, "daySellQty": 4, "dayBuyValue": 23200.0,
            "daySellValue": 11640.0}


def test_position_row_derives_its_last_price_from_the_unrealised_profit(ctx: FakeContext) -> None:
    position = dhan_position_to_position(ctx, POSITION)
    assert (position.quantity, position.average_price, position.last_price) == (6, 2900.0, 2905.0)
    assert (position.overnight_quantity, position.pnl) == (2, 70.0)


def test_day_position_counts_todays_trades_only(ctx: FakeContext) -> None:
    day = dhan_day_position(ctx, POSITION)
    assert day is not None
    assert (day.quantity, day.buy_quantity, day.sell_quantity, day.buy_price) == (4, 8, 4, 2900.0)
    assert dhan_day_position(ctx, {**POSITION, "dayBuyQty": 0, "daySellQty": 0}) is None


def test_holdings_on_both_exchanges_resolve_to_nse_first(ctx: FakeContext) -> None:
    holding = dhan_holding_to_holding(ctx, {"exchange": "ALL", "tradingSymbol": "RELIANCE", "securityId": "2885",
                                            "isin": "INE002A01018", "totalQty": 5, "t1Qty": 1,
                                            "avgCostPrice": 2500.0, "lastTradedPrice": 2600.0})
    assert (holding.instrument, holding.quantity, holding.t1_quantity, holding.pnl) == (reliance(), 5, 1, 500.0)


def test_funds_read_the_wires_misspelt_keys() -> None:
    funds = dhan_funds_to_funds({"availabelBalance": 98_440.0, "sodLimit": 113_642.0, "utilizedAmount": 15_202.0,
                                 "receiveableAmount": 1.5, "collateralAmount": 0.0, "blockedPayoutAmount": 0.0})
    assert (funds.available_margin, funds.equity.available_cash, funds.equity.used_margin) == (98_440.0, 113_642.0,
                                                                                              15_202.0)
    assert funds.equity.payin == 1.5


def test_quote_reply_unwraps_data_and_parses_depth(ctx: FakeContext) -> None:
    payload = {"data": {"NSE_EQ": {"2885": {
        "average_price": 2901.2, "buy_quantity": 1200, "sell_quantity": 900, "last_price": 2905.0,
        "last_quantity": 5, "last_trade_time": "06/01/2025 10:00:01", "lower_circuit_limit": 2600.0,
        "upper_circuit_limit": 3200.0, "net_change": 15.0, "volume": 100_000, "oi": 0,
        "ohlc": {"open": 2890.0, "close": 2890.0, "high": 2910.0, "low": 2885.0},
        "depth": {"buy": [{"quantity": 10, "orders": 2, "price": 2904.95}],
                  "sell": [{"quantity": 7, "orders": 1, "price": 2905.05}]}}}}, "status": "success"}
    quote = dhan_quote_to_quote(reliance(), quote_data(payload)["NSE_EQ"]["2885"])
    assert (quote.last_price, quote.close, quote.net_change, quote.volume) == (2905.0, 2890.0, 15.0, 100_000)
    assert quote.last_trade_time == _dt.datetime(2025, 1, 6, 10, 0, 1, tzinfo=IST)
    assert quote.depth is not None and quote.depth.asks[0].price == 2905.05


def test_candles_come_as_parallel_arrays_with_epoch_seconds() -> None:
    stamp = int(_dt.datetime(2025, 1, 6, 9, 15, tzinfo=IST).timestamp())
    candles = dhan_candles_to_candles({"open": [1.0, 2.0], "high": [3.0, 4.0], "low": [0.5, 1.5], "close": [2.0, 3.0],
                                       "volume": [10, 20], "timestamp": [stamp, stamp + 60], "open_interest": [7, 8]})
    assert [c.timestamp for c in candles] == [_dt.datetime(2025, 1, 6, 9, 15, tzinfo=IST),
                                              _dt.datetime(2025, 1, 6, 9, 16, tzinfo=IST)]
    assert (candles[1].close, candles[1].volume, candles[1].oi) == (3.0, 20, 8)
    with pytest.raises(BrokerUnavailableError):
        dhan_candles_to_candles({"open": [1.0], "timestamp": [1, 2]})


def test_forever_orders_parse_from_one_row_per_leg_or_one_row_with_price1(ctx: FakeContext) -> None:
    leg = {"orderId": "5132208051112", "orderStatus": "CONFIRM", "transactionType": "SELL",
           "exchangeSegment": "NSE_EQ", "securityId": "2885", "productType": "CNC", "orderType": "OCO",
           "quantity": 5, "price": 3100.0, "triggerPrice": 3095.0, "legName": "TARGET_LEG"}
    per_leg = dhan_forever_to_gtts(ctx, [leg, {**leg, "price": 2700.0, "triggerPrice": 2705.0,
                                               "legName": "STOP_LOSS_LEG"}])
    one_row = dhan_forever_to_gtts(ctx, [{**leg, "orderType": "LIMIT", "orderFlag": "OCO", "price1": 2700.0,
                                          "triggerPrice1": 2705.0, "quantity1": 5}])
    for gtts in (per_leg, one_row):
        (gtt,) = gtts
        assert gtt.type is GttType.OCO and [lg.trigger_price for lg in gtt.legs] == [2705.0, 3095.0]


def test_basket_margin_reads_string_figures() -> None:
    basket = dhan_basket_margin_to_basket({"total_margin": "1500.50", "span_margin": "1000.00",
                                           "exposure_margin": "500.50", "hedge_benefit": "200.00"})
    assert (basket.final.total, basket.initial.total) == (1500.5, 1700.5)


@pytest.mark.parametrize(("text", "reason"), [
    ("RMS:Margin Exceeds - insufficient funds: required 2,000.00", RejectionReason.INSUFFICIENT_FUNDS),
    ("EXCH:Price outside the circuit limits - price 1450.0", RejectionReason.PRICE_OUTSIDE_BAND),
    ("RMS:Quantity above the freeze limit - quantity 1875", RejectionReason.QUANTITY_ABOVE_FREEZE),
    ("EXCH:Market is closed - the market is closed", RejectionReason.MARKET_CLOSED),
])
def test_rejection_texts_carry_the_canonical_reason(text: str, reason: RejectionReason) -> None:
    assert dhan_error_map().reason(text) is reason


def test_a_number_that_is_not_one_is_a_broker_error() -> None:
    assert number("12.5") == 12.5 and number("NA") == 0.0
    with pytest.raises(BrokerUnavailableError):
        number("twelve")


@pytest.mark.parametrize(("code", "message", "status", "expected"), [
    ("DH-901", "Client ID or user generated access token is invalid or expired.", 401, SessionExpiredError),
    ("DH-904", "Too many requests", 429, RateLimitError),
    ("DH-901", "Dhan PIN and TOTP login failed: Invalid TOTP.", 401, AuthenticationError),
    ("DH-905", "Missing required field: price.", 400, BrokerInputError),
    ("DH-906", "Order not found: 123.", 400, OrderNotFoundError),
    ("DH-906", "Forever order not found: 9.", 400, GttNotFoundError),
    ("DH-906", "Order is already cancelled; it cannot be cancelled.", 400, OrderNotOpenError),
    ("DH-906", "Insufficient funds: required 2000, available 10", 400, InsufficientFundsError),
    ("DH-902", "Static IP not whitelisted for order APIs.", 403, PermissionDeniedError),
    ("DH-908", "Internal server error", 500, BrokerUnavailableError),
    ("807", "Access token expired", 400, SessionExpiredError),
])
def test_error_codes_and_messages_map_to_the_error_tree(code: str, message: str, status: int,
                                                        expected: type[Exception]) -> None:
    found = dhan_error_map().classify(BrokerFailure(message, code=code, http_status=status))
    assert found is expected
