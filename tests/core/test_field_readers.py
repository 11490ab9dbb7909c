"""The shared field readers refuse what a broker must never hand a trader: NaN, infinities, missing ids."""

from __future__ import annotations

import pytest
from tt_connect.driver_api import fields
from tt_connect.errors import BrokerUnavailableError

number = fields.number_reader("acme", blanks=("NA",))
integer = fields.integer_reader("acme")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "NaN", "inf", "-Infinity", "1e999", 10**400, [], {}])
def test_a_non_finite_or_odd_number_is_refused(value: object) -> None:
    with pytest.raises(BrokerUnavailableError):
        number(value)


@pytest.mark.parametrize(("value", "expected"), [(None, 0.0), ("", 0.0), ("NA", 0.0), (True, 0.0), ("1,234.5", 1234.5),
                                                 (7, 7.0), (2.5, 2.5)])
def test_ordinary_numbers_read_as_before(value: object, expected: float) -> None:
    assert number(value) == expected


def test_integers_refuse_infinity_rather_than_overflowing() -> None:
    assert integer("12") == 12 and integer(3) == 3
    with pytest.raises(BrokerUnavailableError):
        integer("1e999")


@pytest.mark.parametrize("value", [None, "", "None", "  ", 1.5, True, []])
def test_an_id_must_be_present(value: object) -> None:
    with pytest.raises(BrokerUnavailableError, match="order_id"):
        fields.ident(value, broker="acme", field="order_id")


def test_an_id_reads_as_text() -> None:
    assert fields.ident(" 42 ", broker="acme", field="order_id") == "42"
    assert fields.ident(42, broker="acme", field="order_id") == "42"
