"""The books' fast path: Kite rows converted to typed msgspec Structs in C, then to canonical models.

A book reply (orders, positions, trades, holdings) is already decoded once (``unwrap``; ``raw``
keeps each row's dict). :func:`typed_book` converts the whole list with one cached
``msgspec.convert`` type per endpoint, which checks every field's type and parses the timestamps
in C, so a row needs neither ``dict.get`` nor ``strptime``. The Structs are as strict as Kite's
documented replies: anything else (a number sent as text, a null where a number belongs, a
timestamp in another shape, a row that is not an object) fails the conversion, and the whole book
goes through the lenient row-by-row parsers of :mod:`~tt_connect_zerodha.parsing` instead, which
read it or map it to the error tree exactly as before. A non-finite number (``1e999`` decodes as
``inf``) is sent there too, row by row: the typed path never returns what the lenient one refuses.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import msgspec
from tt_connect.driver_api import DriverContext, parse_rows
from tt_connect.enums import OrderStatus, OrderType, ProductType, Side, Validity, Variety
from tt_connect.models import Holding, Order, Position, Trade
from tt_connect.timeutil import IST

from tt_connect_zerodha.mapping import (
    BROKER,
    KITE_STATUSES,
    kite_order_type,
    kite_product,
    kite_side,
    kite_validity,
    kite_variety,
)
from tt_connect_zerodha.parsing import (
    kite_holding_to_holding,
    kite_order_to_order,
    kite_position_to_position,
    kite_trade_to_trade,
)

__all__ = ["KiteHoldingRow", "KiteOrderRow", "KitePositionRow", "KiteTradeRow", "typed_book"]

Time = _dt.datetime | None


class KiteOrderRow(msgspec.Struct):
    """The fields of a Kite order the canonical Order reads (``raw`` keeps the rest)."""

    order_id: str
    exchange: str
    tradingsymbol: str
    transaction_type: str
    order_type: str | None = None
    product: str | None = None
    status: str | None = None
    validity: str | None = None
    variety: str | None = None
    quantity: int = 0
    price: float = 0.0
    trigger_price: float = 0.0
    average_price: float = 0.0
    filled_quantity: int = 0
    pending_quantity: int = 0
    cancelled_quantity: int = 0
    disclosed_quantity: int = 0
    tag: str | None = None
    status_message: str | None = None
    exchange_order_id: str | None = None
    order_timestamp: Time = None
    exchange_update_timestamp: Time = None
    exchange_timestamp: Time = None


class KitePositionRow(msgspec.Struct):
    exchange: str
    tradingsymbol: str
    product: str | None = None
    quantity: int = 0
    average_price: float = 0.0
    last_price: float = 0.0
    buy_quantity: int = 0
    buy_price: float = 0.0
    sell_quantity: int = 0
    sell_price: float = 0.0
    overnight_quantity: int = 0
    realised: float = 0.0
    unrealised: float = 0.0
    pnl: float = 0.0
    multiplier: float | None = None


class KiteTradeRow(msgspec.Struct):
    exchange: str
    tradingsymbol: str
    transaction_type: str
    trade_id: str | None = None
    order_id: str | None = None
    product: str | None = None
    quantity: int = 0
    average_price: float = 0.0
    exchange_order_id: str | None = None
    fill_timestamp: Time = None
    exchange_timestamp: Time = None


class KiteHoldingRow(msgspec.Struct):
    exchange: str
    tradingsymbol: str
    quantity: int = 0
    average_price: float = 0.0
    last_price: float = 0.0
    t1_quantity: int = 0
    pnl: float = 0.0
    day_change: float = 0.0
    isin: str | None = None


def _s(value: str | None) -> str:
    return "" if value is None else value


def _ist(value: Time) -> Time:
    """A Kite time in IST: a naive one is IST already (Kite sends no offset).

    Built with the constructor: ``replace(tzinfo=...)`` parses keywords and costs twice as much.
    """
    if value is None:
        return None
    if value.tzinfo is not None:
        return value.astimezone(IST)
    if value.fold:
        return value.replace(tzinfo=IST)
    return _dt.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                        value.microsecond, IST)


_Kinds = tuple[Side, OrderType, ProductType, Validity, Variety]
_KINDS: dict[tuple[str | None, ...], _Kinds] = {}
"""(transaction type, order type, product, validity, variety) as sent -> as mapped: a book has few."""


def _kinds(key: tuple[str | None, str | None, str | None, str | None, str | None]) -> _Kinds:
    found = (kite_side(key[0]), kite_order_type(key[1]), kite_product(key[2]), kite_validity(key[3]),
             kite_variety(key[4]))  # raises for an unknown side, order type or product, before it is kept
    if len(_KINDS) < 1024:
        _KINDS[key] = found
    return found


def _order(ctx: DriverContext, pair: tuple[KiteOrderRow, Mapping[str, Any]]) -> Order:
    row, raw = pair
    total = row.price + row.trigger_price + row.average_price
    if total - total != 0.0:  # NaN or an infinity among them
        return kite_order_to_order(ctx, raw)  # refuses it, naming the field's value
    # the instrument first, as the lenient parser does: a row of an unlisted contract is skipped, not refused
    instrument = ctx.by_symbol(row.exchange, row.tradingsymbol)
    key = (row.transaction_type, row.order_type, row.product, row.validity, row.variety)
    side, order_type, product, validity, variety = _KINDS.get(key) or _kinds(key)
    filled, pending = row.filled_quantity, row.pending_quantity
    # kite_status_to_status, inlined: a live order with fills is PARTIALLY_FILLED
    status = KITE_STATUSES.get(row.status, OrderStatus.PENDING) if row.status is not None else OrderStatus.PENDING
    if status is OrderStatus.OPEN and filled > 0 and pending > 0:
        status = OrderStatus.PARTIALLY_FILLED
    placed = _ist(row.order_timestamp)
    return Order(
        order_id=row.order_id, instrument=instrument, side=side,
        qty=row.quantity, order_type=order_type, product=product,
        status=status, validity=validity, variety=variety,
        price=row.price, trigger_price=row.trigger_price, average_price=row.average_price, filled_qty=filled,
        pending_qty=pending, cancelled_qty=row.cancelled_quantity, disclosed_qty=row.disclosed_quantity,
        tag="" if row.tag is None else row.tag,
        status_message="" if row.status_message is None else row.status_message,
        exchange_order_id="" if row.exchange_order_id is None else row.exchange_order_id, placed_at=placed,
        updated_at=_ist(row.exchange_update_timestamp) or _ist(row.exchange_timestamp) or placed, raw=raw)


def _position(ctx: DriverContext, pair: tuple[KitePositionRow, Mapping[str, Any]]) -> Position:
    row, raw = pair
    multiplier = row.multiplier or 1.0
    total = (row.average_price + row.last_price + row.buy_price + row.sell_price + row.realised + row.unrealised
             + row.pnl + multiplier)
    if total - total != 0.0:
        return kite_position_to_position(ctx, raw)
    return Position(
        instrument=ctx.by_symbol(row.exchange, row.tradingsymbol), product=kite_product(row.product),
        quantity=row.quantity, average_price=row.average_price, last_price=row.last_price,
        buy_quantity=row.buy_quantity, buy_price=row.buy_price, sell_quantity=row.sell_quantity,
        sell_price=row.sell_price, overnight_quantity=row.overnight_quantity, realised_pnl=row.realised,
        unrealised_pnl=row.unrealised, pnl=row.pnl, multiplier=multiplier, raw=raw)


def _trade(ctx: DriverContext, pair: tuple[KiteTradeRow, Mapping[str, Any]]) -> Trade:
    row, raw = pair
    if row.average_price - row.average_price != 0.0:
        return kite_trade_to_trade(ctx, raw)
    return Trade(trade_id=_s(row.trade_id), order_id=_s(row.order_id),
                 instrument=ctx.by_symbol(row.exchange, row.tradingsymbol), side=kite_side(row.transaction_type),
                 qty=row.quantity, price=row.average_price, product=kite_product(row.product),
                 traded_at=_ist(row.fill_timestamp) or _ist(row.exchange_timestamp),
                 exchange_order_id=_s(row.exchange_order_id), raw=raw)


def _holding(ctx: DriverContext, pair: tuple[KiteHoldingRow, Mapping[str, Any]]) -> Holding:
    row, raw = pair
    total = row.average_price + row.last_price + row.pnl + row.day_change
    if total - total != 0.0:
        return kite_holding_to_holding(ctx, raw)
    return Holding(instrument=ctx.by_symbol(row.exchange, row.tradingsymbol), quantity=row.quantity,
                   average_price=row.average_price, last_price=row.last_price, t1_quantity=row.t1_quantity,
                   pnl=row.pnl, day_change=row.day_change, isin=_s(row.isin), raw=raw)


class _Book:
    """One endpoint's typed path: the cached list type, the typed row parser, the lenient one."""

    def __init__(self, rows: Any, fast: Callable[[DriverContext, Any], Any],
                 slow: Callable[[DriverContext, Mapping[str, Any]], Any]) -> None:
        self.rows = rows
        self.fast = fast
        self.slow = slow


BOOKS: dict[str, _Book] = {
    "orders": _Book(list[KiteOrderRow], _order, kite_order_to_order),
    "positions": _Book(list[KitePositionRow], _position, kite_position_to_position),
    "trades": _Book(list[KiteTradeRow], _trade, kite_trade_to_trade),
    "holdings": _Book(list[KiteHoldingRow], _holding, kite_holding_to_holding),
}


def typed_book(ctx: DriverContext, kind: str, rows: Sequence[Mapping[str, Any]], what: str) -> list[Any]:
    """Parse a book's rows (``kind``: orders, positions, trades, holdings) on the typed path when they fit it.

    Rows whose instrument today's master lacks are skipped and logged either way (``parse_rows``).
    """
    book = BOOKS[kind]
    try:
        typed = msgspec.convert(rows, book.rows)
    except msgspec.ValidationError:
        slow = book.slow
        return parse_rows(rows, lambda raw: slow(ctx, raw), broker=BROKER, what=what)
    return parse_rows(list(zip(typed, rows)), partial(book.fast, ctx), broker=BROKER, what=what)
