"""parse_rows: one unlisted contract must not make a whole book unreadable; replies of the wrong shape are the
broker's malfunction, named."""

from __future__ import annotations

import pytest
import structlog
from tt_connect.driver_api import parse_rows, reply_list, reply_object
from tt_connect.errors import BrokerUnavailableError, InstrumentNotFoundError


def parse(row: dict[str, str]) -> str | None:
    if row["symbol"] == "EXPIRED":
        raise InstrumentNotFoundError("no instrument NFO:EXPIRED")
    if row["symbol"] == "BAD":
        raise BrokerUnavailableError("a number where text belongs")
    return None if row["symbol"] == "SKIP" else row["symbol"]


def test_rows_of_unlisted_contracts_are_skipped_and_logged() -> None:
    rows = [{"symbol": "INFY"}, {"symbol": "EXPIRED"}, {"symbol": "SKIP"}, {"symbol": "TCS"}]
    with structlog.testing.capture_logs() as events:
        assert parse_rows(rows, parse, broker="kite", what="positions") == ["INFY", "TCS"]
    (event,) = [e for e in events if e["event"] == "row_skipped"]
    assert (event["log_level"], event["broker"], event["book"]) == ("warning", "kite", "positions")
    assert "NFO:EXPIRED" in event["reason"]


def test_any_other_parse_error_still_fails_the_book() -> None:
    with pytest.raises(BrokerUnavailableError):
        parse_rows([{"symbol": "INFY"}, {"symbol": "BAD"}], parse, broker="kite", what="positions")


def test_a_book_or_an_object_of_the_wrong_shape_is_broker_unavailable_naming_the_reply() -> None:
    book = [{"symbol": "INFY"}]
    assert reply_list(book, broker="kite", what="orders") is book
    assert reply_object({"net": []}, broker="kite", what="positions") == {"net": []}
    with pytest.raises(BrokerUnavailableError, match="kite orders reply is not a list"):
        reply_list({"symbol": "INFY"}, broker="kite", what="orders")
    for wrong in (None, [], "ok"):
        with pytest.raises(BrokerUnavailableError, match="kite positions reply is not an object"):
            reply_object(wrong, broker="kite", what="positions")
