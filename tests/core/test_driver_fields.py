"""The lenient payload readers every driver's parsers share."""

from __future__ import annotations

import datetime as _dt

import pytest
from tt_connect.driver_api import fields
from tt_connect.errors import BrokerUnavailableError
from tt_connect.timeutil import IST


def test_numbers_arrive_as_json_numbers_strings_or_blanks() -> None:
    assert [fields.number(v, broker="acme") for v in (12, 1.5, "2,500.25", " 7 ", "", None, True)] == [
        12.0, 1.5, 2500.25, 7.0, 0.0, 0.0, 0.0]
    assert fields.integer("42.0", broker="acme") == 42
    with pytest.raises(BrokerUnavailableError, match="acme sent 'lots' where a number belongs"):
        fields.number("lots", broker="acme")


def test_text_is_stripped_and_null_is_empty() -> None:
    assert (fields.text("  ok "), fields.text(None), fields.text(5)) == ("ok", "", "5")


def test_timestamps_read_in_the_brokers_formats_as_ist_then_iso() -> None:
    expected = _dt.datetime(2023, 12, 4, 10, 16, 20, tzinfo=IST)
    formats = ("%Y-%m-%d %H:%M:%S", "%d-%b-%Y %H:%M:%S")
    assert fields.timestamp("2023-12-04 10:16:20", formats) == expected
    assert fields.timestamp("04-Dec-2023 10:16:20", formats) == expected
    assert fields.timestamp("2023-12-04T04:46:20+00:00", formats) == expected
    assert fields.timestamp("", formats) is None and fields.timestamp("soon", formats) is None
    assert fields.timestamp(None, formats) is None
