"""parse_rows: one unlisted contract must not make a whole book unreadable."""

from __future__ import annotations

import pytest
import structlog
from tt_connect.driver_api import parse_rows
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
