"""The books' typed path gives what the lenient row parsers give, on every fixture and every fuzz mutation.

``tt_connect_angelone.typed`` is only a faster way to the same models: for each book fixture and
each of the fuzz tier's mutations of it (plus SmartAPI's usual variations: numbers as text or as
numbers, blanks, nulls), the models (raw rows included) or the error class equal the lenient
parsers' (``parse_rows`` over ``angel_*_to_*``), and the fixtures themselves take the typed path.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
import pytest
from angelone_fakes import FakeContext, fixture_bytes
from tt_connect.driver_api import HttpResponse, parse_rows
from tt_connect.errors import BrokerUnavailableError
from tt_connect.testing.tiers.fuzz import mutations
from tt_connect.timeutil import IST
from tt_connect_angelone.api import AngelOneApi
from tt_connect_angelone.mapping import angel_time
from tt_connect_angelone.parsing import angel_order_to_order, angel_position_to_position, rows_of
from tt_connect_angelone.typed import BOOKS, fast_time, typed_book

Lenient = Callable[[FakeContext, Mapping[str, Any]], Any]
CASES: list[tuple[str, str, Lenient]] = [("order_book.json", "orders", angel_order_to_order),
                                         ("order_details.json", "orders", angel_order_to_order),
                                         ("positions.json", "positions", angel_position_to_position)]


def outcome(parse: Callable[[], list[Any]]) -> Any:
    try:
        return [(model, model.raw) for model in parse()]
    except Exception as exc:  # the comparison is of what escapes
        return type(exc)


def book_of(body: bytes) -> list[Mapping[str, Any]]:
    data = AngelOneApi().unwrap(HttpResponse(status=200, body=body))
    return rows_of([data] if isinstance(data, Mapping) else data, "book")


def variations(body: bytes) -> list[tuple[str, bytes]]:
    """The first row's every field as text, as a number (and another) where it is numeric, blank, null."""
    tree = msgspec.json.decode(body)
    data = tree["data"]
    row = data if isinstance(data, dict) else data[0]
    out = []
    for key, value in list(row.items()):
        shifted = ({float(value), float(value) + 3, str(int(float(value)) + 3)} if _numeric(value) else set())
        for other in [str(value), *shifted, "", None, " 7 ", "1,5", "12"]:
            row[key] = other
            out.append((f"{key} -> {other!r}", msgspec.json.encode(tree)))
        row[key] = value
    return out


def _numeric(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


@pytest.mark.parametrize(("name", "kind", "lenient"), CASES, ids=[c[0] for c in CASES])
def test_the_fixtures_take_the_typed_path(name: str, kind: str, lenient: Lenient) -> None:
    rows = book_of(fixture_bytes(name))
    assert len(msgspec.convert(rows, BOOKS[kind].rows, strict=False)) == len(rows) > 0


@pytest.mark.parametrize(("name", "kind", "lenient"), CASES, ids=[c[0] for c in CASES])
def test_typed_and_lenient_agree_on_every_mutation(ctx: FakeContext, name: str, kind: str,
                                                   lenient: Lenient) -> None:
    body = fixture_bytes(name)
    compared = 0
    for what, mutated in [("as sent", body), *variations(body), *mutations(body, seed=11, per_body=300)]:
        try:
            book = book_of(mutated)
        except Exception:  # an envelope the parsers never see
            continue
        fast = outcome(lambda book=book: typed_book(ctx, kind, book, kind))
        slow = outcome(lambda book=book: parse_rows(book, lambda row: lenient(ctx, row), broker="angelone", what=kind))
        assert fast == slow, f"{name} / {what}"
        compared += 1
    assert compared > 50


@pytest.mark.parametrize("value", ["NaN", "inf", "-Infinity"])
def test_a_number_that_is_not_finite_is_refused_on_the_typed_path(ctx: FakeContext, value: str) -> None:
    rows = [dict(row) for row in book_of(fixture_bytes("order_book.json"))]
    rows[0]["price"] = value
    with pytest.raises(BrokerUnavailableError, match="finite"):
        typed_book(ctx, "orders", rows, "order book")


@pytest.mark.parametrize("text", ["06-Jan-2025 09:20:11", "06-JAN-2025 09:20:11", "31-Dec-2024 23:59:59",
                                  "31-Feb-2025 09:00:00", "6-Jan-2025 09:20:11", " 06-Jan-2025 09:20:11",
                                  "06-Jan-2025", "2025-01-06 09:20:11", "06-01-2025 09:20:11", "06-Foo-2025 09:20:11",
                                  "", None])
def test_the_fast_time_reads_what_angel_time_reads(text: str | None) -> None:
    assert fast_time(text, {}) == angel_time(text)


def test_the_usual_time_is_ist() -> None:
    seen: dict[str, _dt.datetime | None] = {}
    assert fast_time("06-Jan-2025 09:20:11", seen) == _dt.datetime(2025, 1, 6, 9, 20, 11, tzinfo=IST)
    assert fast_time("06-Jan-2025 09:20:11", seen) is seen["06-Jan-2025 09:20:11"]
