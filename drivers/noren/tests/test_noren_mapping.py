"""Noren's enumeration strings both ways, statuses in any case, and its time formats."""

from __future__ import annotations

import datetime as _dt

import pytest
from tt_connect.enums import OrderStatus, OrderType, ProductType, Side, Validity, Variety
from tt_connect.errors import BrokerUnavailableError
from tt_connect.timeutil import IST
from tt_connect_noren.mapping import (
    noren_order_type,
    noren_product,
    noren_side,
    noren_status_to_status,
    noren_time,
    noren_validity,
    noren_variety,
    order_type_to_noren,
    product_to_noren,
    side_to_noren,
    validity_to_noren,
)


@pytest.mark.parametrize("order_type", list(OrderType))
def test_every_order_type_round_trips_through_its_price_type(order_type: OrderType) -> None:
    assert noren_order_type(order_type_to_noren(order_type)) is order_type


@pytest.mark.parametrize(("product", "code"), [(ProductType.CNC, "C"), (ProductType.MIS, "I"), (ProductType.NRML, "M")])
def test_products_travel_as_single_letters(product: ProductType, code: str) -> None:
    assert product_to_noren(product) == code
    assert noren_product(code) is product


def test_a_cover_order_is_product_h_and_reads_back_as_an_intraday_cover_order() -> None:
    assert product_to_noren(ProductType.MIS, Variety.CO) == "H"
    assert noren_product("H") is ProductType.MIS
    assert noren_variety("H", "No") is Variety.CO


def test_amo_yes_in_any_case_is_an_after_market_order() -> None:
    assert noren_variety("I", "YES") is Variety.AMO
    assert noren_variety("I", "No") is Variety.REGULAR


@pytest.mark.parametrize(("text", "status"), [
    ("COMPLETE", OrderStatus.COMPLETE), ("Complete", OrderStatus.COMPLETE), ("CANCELED", OrderStatus.CANCELLED),
    ("REJECT", OrderStatus.REJECTED), ("Rejected", OrderStatus.REJECTED), ("TRIGGER_PENDING",
                                                                          OrderStatus.TRIGGER_PENDING),
    ("PENDING", OrderStatus.PENDING), ("INVALID_STATUS_TYPE", OrderStatus.PENDING), ("something new",
                                                                                    OrderStatus.PENDING),
])
def test_status_strings_map_case_insensitively_and_unknown_ones_stay_unfinished(text: str,
                                                                                status: OrderStatus) -> None:
    assert noren_status_to_status(text, 0, 10) is status


def test_an_open_order_with_some_fills_is_partially_filled_and_a_full_one_is_not() -> None:
    assert noren_status_to_status("OPEN", 4, 10) is OrderStatus.PARTIALLY_FILLED
    assert noren_status_to_status("OPEN", 0, 10) is OrderStatus.OPEN


def test_sides_and_validities_translate_and_eos_is_a_day_order() -> None:
    assert (side_to_noren(Side.BUY), side_to_noren(Side.SELL)) == ("B", "S")
    assert noren_side("S") is Side.SELL
    assert validity_to_noren(Validity.IOC) == "IOC"
    assert noren_validity("EOS") is Validity.DAY


def test_an_unknown_price_type_or_side_is_a_broker_error_naming_the_value() -> None:
    with pytest.raises(BrokerUnavailableError, match="'ZZ'"):
        noren_order_type("ZZ")
    with pytest.raises(BrokerUnavailableError, match="transaction type"):
        noren_side("X")


@pytest.mark.parametrize(("text", "expected"), [
    ("10:15:02 25-11-2026", _dt.datetime(2026, 11, 25, 10, 15, 2, tzinfo=IST)),
    ("25-11-2026 10:15:02", _dt.datetime(2026, 11, 25, 10, 15, 2, tzinfo=IST)),
    ("25-NOV-2026", _dt.datetime(2026, 11, 25, tzinfo=IST)),
])
def test_every_noren_time_format_reads_as_ist(text: str, expected: _dt.datetime) -> None:
    assert noren_time(text) == expected


def test_blank_or_unreadable_times_are_none() -> None:
    assert noren_time("") is None
    assert noren_time(None) is None
    assert noren_time("yesterday") is None
