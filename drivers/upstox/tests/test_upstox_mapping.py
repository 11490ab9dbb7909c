"""Upstox's spellings <-> canonical enums, status strings and timestamps."""

from __future__ import annotations

import datetime as _dt

import pytest
from tt_connect.enums import OrderStatus, OrderType, ProductType, Side, Validity
from tt_connect.errors import BrokerUnavailableError, InvalidOrderError
from tt_connect.timeutil import IST
from tt_connect_upstox import mapping


@pytest.mark.parametrize(("status", "expected"), [
    ("complete", OrderStatus.COMPLETE), ("rejected", OrderStatus.REJECTED), ("cancelled", OrderStatus.CANCELLED),
    ("cancelled after market order", OrderStatus.CANCELLED), ("open", OrderStatus.OPEN),
    ("trigger pending", OrderStatus.TRIGGER_PENDING), ("put order req received", OrderStatus.PENDING),
    ("validation pending", OrderStatus.PENDING), ("open pending", OrderStatus.PENDING),
    ("after market order req received", OrderStatus.PENDING), ("modify pending", OrderStatus.OPEN),
    ("not cancelled", OrderStatus.OPEN), ("not modified", OrderStatus.OPEN), ("Complete", OrderStatus.COMPLETE),
    ("something new", OrderStatus.PENDING), (None, OrderStatus.PENDING),
])
def test_every_documented_status_maps_to_one_canonical_status(status: object, expected: OrderStatus) -> None:
    assert mapping.upstox_status_to_status(status, 0, 0) is expected


def test_an_open_order_with_fills_is_partially_filled() -> None:
    assert mapping.upstox_status_to_status("open", 5, 5) is OrderStatus.PARTIALLY_FILLED
    assert mapping.upstox_status_to_status("complete", 10, 0) is OrderStatus.COMPLETE


def test_product_d_is_delivery_for_cash_and_carry_forward_for_derivatives() -> None:
    assert mapping.upstox_product("D", "NSE_EQ") is ProductType.CNC
    assert mapping.upstox_product("D", "NSE_FO") is ProductType.NRML
    assert mapping.upstox_product("D", "MCX_FO") is ProductType.NRML
    assert mapping.upstox_product("I", "NSE_EQ") is ProductType.MIS
    assert mapping.upstox_product("MTF", "NSE_EQ") is ProductType.MTF
    assert mapping.product_to_upstox(ProductType.NRML) == mapping.product_to_upstox(ProductType.CNC) == "D"
    with pytest.raises(BrokerUnavailableError, match="unknown product"):
        mapping.upstox_product("X", "NSE_EQ")


def test_order_types_travel_with_the_sdk_spellings() -> None:
    assert [mapping.order_type_to_upstox(t) for t in OrderType] == ["MARKET", "LIMIT", "SL", "SL-M"]
    assert mapping.upstox_order_type("SL-M") is OrderType.SL_M
    assert mapping.upstox_side("sell") is Side.SELL
    with pytest.raises(BrokerUnavailableError):
        mapping.upstox_order_type("STOPLOSS")


def test_validity_is_day_or_ioc_and_ttl_has_no_upstox_spelling() -> None:
    assert mapping.validity_to_upstox(Validity.IOC) == "IOC"
    assert mapping.upstox_validity("IOC") is Validity.IOC and mapping.upstox_validity(None) is Validity.DAY
    with pytest.raises(InvalidOrderError):
        mapping.validity_to_upstox(Validity.TTL)


def test_segment_of_an_instrument_key_and_bad_keys() -> None:
    assert mapping.segment_of_key("NSE_INDEX|Nifty 50") == "NSE_INDEX"
    with pytest.raises(BrokerUnavailableError):
        mapping.segment_of_key("RELIANCE")


def test_times_read_in_every_format_the_api_writes() -> None:
    expected = _dt.datetime(2023, 12, 4, 10, 16, 20, tzinfo=IST)
    assert mapping.upstox_time("2023-12-04 10:16:20") == expected
    assert mapping.upstox_time("04-Dec-2023 10:16:20") == expected
    assert mapping.upstox_time("2023-12-04T04:46:20Z") == expected
    assert mapping.upstox_time("") is None and mapping.upstox_time("soon") is None
    assert mapping.upstox_epoch_ms(1_736_137_800_000) == _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)
    assert mapping.upstox_candle_time("2025-01-02T09:15:00+05:30") == _dt.datetime(2025, 1, 2, 9, 15, tzinfo=IST)
    with pytest.raises(BrokerUnavailableError):
        mapping.upstox_candle_time(12)
