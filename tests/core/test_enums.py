from __future__ import annotations

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
)


def test_enums_compare_and_print_as_their_nse_names() -> None:
    assert Exchange.NSE == "NSE"
    assert str(Exchange.NFO) == "NFO"
    assert f"{Side.BUY}" == "BUY"
    assert {e.value for e in Exchange} == {"NSE", "BSE", "NFO", "BFO", "CDS", "BCD", "MCX"}
    assert {e.value for e in ProductType} == {"CNC", "MIS", "NRML", "MTF"}
    assert {e.value for e in Validity} == {"DAY", "IOC", "TTL"}
    assert {e.value for e in OptionType} == {"CE", "PE"}
    assert {e.value for e in StreamMode} == {"LTP", "QUOTE", "FULL"}


def test_order_type_knows_which_prices_it_needs() -> None:
    assert OrderType.LIMIT.needs_price and not OrderType.LIMIT.needs_trigger
    assert OrderType.SL.needs_price and OrderType.SL.needs_trigger
    assert not OrderType.SL_M.needs_price and OrderType.SL_M.needs_trigger
    assert not OrderType.MARKET.needs_price and not OrderType.MARKET.needs_trigger


def test_terminal_statuses_are_exactly_complete_cancelled_rejected() -> None:
    terminal = {s for s in OrderStatus if s.is_terminal}
    assert terminal == {OrderStatus.COMPLETE, OrderStatus.CANCELLED, OrderStatus.REJECTED}


def test_side_sign_and_derivative_exchanges_and_interval_seconds() -> None:
    assert Side.BUY.sign == 1 and Side.SELL.sign == -1
    assert Exchange.NFO.is_derivatives and not Exchange.NSE.is_derivatives
    assert CandleInterval.MINUTE_5.seconds == 300 and CandleInterval.DAY.seconds == 86400
