"""The books' typed path gives what the lenient row parsers give, on every mock and every fuzz mutation.

The typed path (``tt_connect_zerodha.typed``) is only a faster way to the same models: for each
official book mock and each of the fuzz tier's mutations of it, the result (models, raw rows
included) or the error class is the same as the lenient parsers' (``parse_rows`` over
``kite_*_to_*``), and the official mocks themselves take the typed path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec
import pytest
from kite_mock_files import mock_bytes
from tt_connect.driver_api import HttpResponse, parse_rows
from tt_connect.errors import BrokerUnavailableError
from tt_connect.testing.tiers.fuzz import mutations
from tt_connect.transport.executor import read_reply
from tt_connect_zerodha.api import ZerodhaApi
from tt_connect_zerodha.errors import kite_error_map
from tt_connect_zerodha.parsing import (
    kite_holding_to_holding,
    kite_order_to_order,
    kite_position_to_position,
    kite_reply_to_list,
    kite_trade_to_trade,
)
from tt_connect_zerodha.typed import BOOKS, typed_book
from zerodha_fakes import FakeContext

Lenient = Callable[[FakeContext, Mapping[str, Any]], Any]

CASES: list[tuple[str, str, Lenient, Callable[[Any], Any]]] = [
    ("orders.json", "orders", kite_order_to_order, lambda data: data),
    ("order_info.json", "orders", kite_order_to_order, lambda data: data),
    ("positions.json", "positions", kite_position_to_position, lambda data: data["net"]),
    ("holdings.json", "holdings", kite_holding_to_holding, lambda data: data),
    ("trades.json", "trades", kite_trade_to_trade, lambda data: data),
    ("order_trades.json", "trades", kite_trade_to_trade, lambda data: data),
]


def outcome(parse: Callable[[], list[Any]]) -> Any:
    """The models with their raw rows, or the error's class."""
    try:
        return [(model, model.raw) for model in parse()]
    except Exception as exc:  # the comparison is of what escapes
        return type(exc)


@pytest.mark.parametrize(("name", "kind", "lenient", "rows"), CASES, ids=[c[0] for c in CASES])
def test_the_official_mocks_take_the_typed_path(name: str, kind: str, lenient: Lenient,
                                                rows: Callable[[Any], Any]) -> None:
    data = rows(msgspec.json.decode(mock_bytes(name))["data"])
    typed = msgspec.convert(data, BOOKS[kind].rows)
    assert len(typed) == len(data) > 0


@pytest.mark.parametrize(("name", "kind", "lenient", "rows"), CASES, ids=[c[0] for c in CASES])
def test_typed_and_lenient_agree_on_every_mutation(ctx: FakeContext, name: str, kind: str, lenient: Lenient,
                                                   rows: Callable[[Any], Any]) -> None:
    api = ZerodhaApi("https://api.kite.trade")
    compared = 0
    for what, body in [("as sent", mock_bytes(name)), *mutations(mock_bytes(name), seed=7, per_body=300)]:
        try:
            found = rows(api.unwrap(HttpResponse(status=200, body=body)))
            book = kite_reply_to_list(found, kind)
        except Exception:  # an envelope the parsers never see
            continue
        fast = outcome(lambda book=book: typed_book(ctx, kind, book, kind))
        slow = outcome(lambda book=book: parse_rows(book, lambda row: lenient(ctx, row), broker="zerodha", what=kind))
        assert fast == slow, f"{name} / {what}"
        compared += 1
    assert compared > 50


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_a_number_that_is_not_finite_is_refused_on_the_typed_path(ctx: FakeContext, value: float) -> None:
    """The JSON decoder already refuses ``1e999``; a row built otherwise is still checked."""
    rows = msgspec.json.decode(mock_bytes("orders.json"))["data"]
    rows[0]["average_price"] = value
    with pytest.raises(BrokerUnavailableError, match="finite"):
        typed_book(ctx, "orders", rows, "orders")


def test_a_malformed_book_is_still_mapped_to_the_error_tree(ctx: FakeContext) -> None:
    api = ZerodhaApi("https://api.kite.trade")
    body = mock_bytes("orders.json").replace(b'"price": 72', b'"price": "x"', 1)
    assert body != mock_bytes("orders.json")
    with pytest.raises(BrokerUnavailableError, match="'x'"):
        read_reply("zerodha", api, kite_error_map(), api.orders(ctx), HttpResponse(status=200, body=body))


@pytest.mark.parametrize(("status", "filled", "pending"), [("OPEN", 1, 1), ("OPEN", 0, 1), ("COMPLETE", 1, 0),
                                                           ("TRIGGER PENDING", 0, 1), ("SOMETHING NEW", 0, 1),
                                                           (None, 0, 1)])
def test_every_status_reads_as_the_lenient_parser_reads_it(ctx: FakeContext, status: str | None, filled: int,
                                                            pending: int) -> None:
    rows = msgspec.json.decode(mock_bytes("orders.json"))["data"][:1]
    rows[0].update(status=status, filled_quantity=filled, pending_quantity=pending)
    fast = typed_book(ctx, "orders", rows, "orders")
    assert fast == [kite_order_to_order(ctx, rows[0])]
