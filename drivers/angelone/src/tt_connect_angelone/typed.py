"""The books' fast path: SmartAPI rows converted to typed msgspec Structs in C, then to canonical models.

As for Kite (``tt_connect_zerodha.typed``): a decoded book (``raw`` keeps each row's dict) is
converted with one cached ``msgspec.convert`` type per endpoint, so a row needs no ``dict.get``
and no number reader call per field. SmartAPI sends numbers as JSON numbers or as text, so the
conversion is lax (``"10"`` reads as 10), as the lenient readers are; what lax conversion cannot
read exactly as they would (blank text, ``null``, thousands commas, text where text does not
belong) fails it, and the whole book goes through the row parsers of
:mod:`~tt_connect_angelone.parsing` unchanged. A non-finite number (``"NaN"``, ``"inf"``) sends
its row there too, to be refused. SmartAPI's ``06-Jan-2025 09:20:11`` is read by slicing; any
other shape goes to ``angel_time``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import msgspec
from tt_connect.driver_api import DriverContext, parse_rows
from tt_connect.enums import OrderType, ProductType, Side, Validity, Variety
from tt_connect.errors import InstrumentError
from tt_connect.instruments import AnyInstrument
from tt_connect.models import Order, Position
from tt_connect.timeutil import IST

from tt_connect_angelone.mapping import (
    angel_order_type,
    angel_product,
    angel_side,
    angel_status_to_status,
    angel_time,
    angel_validity,
    angel_variety,
)
from tt_connect_angelone.parsing import BROKER, angel_order_to_order, angel_position_to_position, number

__all__ = ["AngelOrderRow", "AngelPositionRow", "fast_time", "typed_book"]

Text = str | None


class AngelOrderRow(msgspec.Struct):
    """The fields of a SmartAPI order the canonical Order reads (``raw`` keeps the rest)."""

    exchange: Text = None
    symboltoken: Text = None
    symbolToken: Text = None  # SmartAPI's own spelling in some replies
    tradingsymbol: Text = None
    tradingSymbol: Text = None
    orderid: Text = None
    transactiontype: Text = None
    ordertype: Text = None
    producttype: Text = None
    status: Text = None
    orderstatus: Text = None
    duration: Text = None
    variety: Text = None
    quantity: int = 0
    price: float = 0.0
    triggerprice: float = 0.0
    averageprice: float = 0.0
    filledshares: int = 0
    unfilledshares: int = 0
    cancelsize: int = 0
    disclosedquantity: int = 0
    ordertag: Text = None
    text: Text = None
    exchangeorderid: Text = None
    exchorderid: Text = None
    exchtime: Text = None
    updatetime: Text = None
    exchorderupdatetime: Text = None


class AngelPositionRow(msgspec.Struct):
    exchange: Text = None
    symboltoken: Text = None
    symbolToken: Text = None
    tradingsymbol: Text = None
    tradingSymbol: Text = None
    producttype: Text = None
    netqty: int = 0
    cfbuyqty: int = 0
    cfsellqty: int = 0
    buyqty: int | None = None
    buyquantity: int | None = None
    sellqty: int | None = None
    sellquantity: int | None = None
    ltp: float = 0.0
    buyavgprice: float = 0.0
    sellavgprice: float = 0.0
    realised: float = 0.0
    unrealised: float = 0.0
    pnl: float = 0.0
    multiplier: float = 0.0


_DATES: dict[str, _dt.date | None] = {}
"""``DD-Mon-YYYY`` -> its date (read by ``strptime`` itself, once a day): few distinct dates ever come."""


def _date(text: str) -> _dt.date | None:
    found = _DATES.get(text, _MISSING)
    if found is _MISSING:
        try:
            found = _dt.datetime.strptime(text, "%d-%b-%Y").date()
        except ValueError:
            found = None
        if len(_DATES) < 4096:
            _DATES[text] = found
    return found  # type: ignore[no-any-return]


def fast_time(value: Text, seen: dict[str, _dt.datetime | None]) -> _dt.datetime | None:
    """``angel_time`` for SmartAPI's usual ``DD-Mon-YYYY HH:MM:SS``, without ``strptime``.

    ``seen`` holds the times one book has already read (a row's update times often repeat).
    """
    if value is None:
        return None
    found = seen.get(value, _MISSING)
    if found is _MISSING:
        found = seen[value] = _read_time(value)
    return found  # type: ignore[no-any-return]


_MISSING: Any = object()


def _read_time(value: str) -> _dt.datetime | None:
    """``DD-Mon-YYYY HH:MM:SS``: the date as ``strptime`` reads it (cached), the time by ``fromisoformat``.

    Anything else, or a part either refuses, goes to ``angel_time``, which decides as it always has.
    """
    if len(value) == 20 and value[11] == " " and value[14] == ":" and value[17] == ":":
        day = _date(value[:11])
        if day is not None:
            try:
                return _dt.datetime.combine(day, _dt.time.fromisoformat(value[12:]), IST)
            except ValueError:
                pass
    return angel_time(value)


def _t(value: Text) -> str:
    return "" if value is None else value.strip()


def _instrument(ctx: DriverContext, exchange: Text, token: Text, symbol: Text) -> AnyInstrument:
    """``parsing.instrument_of`` on typed fields: by (exchange, token) first, by symbol otherwise."""
    exchange_code, token_text, symbol_text = _t(exchange).upper(), _t(token), _t(symbol)
    if token_text:
        try:
            return ctx.by_token(exchange_code, token_text)
        except InstrumentError:
            if not symbol_text:
                raise
    return ctx.by_symbol(exchange_code, symbol_text)


_Kinds = tuple[Side, OrderType, ProductType, Validity, Variety]
_KINDS: dict[tuple[str | None, ...], _Kinds] = {}
"""(transaction type, order type, product, duration, variety) as sent -> as mapped: a book has few."""


def _kinds(key: tuple[str | None, str | None, str | None, str | None, str | None]) -> _Kinds:
    found = (angel_side(key[0]), angel_order_type(key[1]), angel_product(key[2]), angel_validity(key[3]),
             angel_variety(key[4]))  # raises for an unknown side, order type or product, before it is kept
    if len(_KINDS) < 1024:
        _KINDS[key] = found
    return found


def _order(ctx: DriverContext, seen: dict[str, _dt.datetime | None],
           pair: tuple[AngelOrderRow, Mapping[str, Any]]) -> Order:
    row, raw = pair
    total = row.price + row.triggerprice + row.averageprice
    if total - total != 0.0:  # NaN or an infinity among them
        return angel_order_to_order(ctx, raw)  # refuses it, naming the field's value
    # the instrument first, as the lenient parser does: a row of an unlisted contract is skipped, not refused
    instrument = _instrument(ctx, row.exchange, row.symboltoken or row.symbolToken,
                             row.tradingsymbol or row.tradingSymbol)
    key = (row.transactiontype, row.ordertype, row.producttype, row.duration, row.variety)
    side, order_type, product, validity, variety = _KINDS.get(key) or _kinds(key)
    filled, pending = row.filledshares, row.unfilledshares
    updated = fast_time(row.exchorderupdatetime, seen) or fast_time(row.updatetime, seen)
    return Order(
        order_id=_t(row.orderid), instrument=instrument, side=side, qty=row.quantity, order_type=order_type,
        product=product,
        status=angel_status_to_status(row.status or row.orderstatus, filled, pending), validity=validity,
        variety=variety, price=row.price, trigger_price=row.triggerprice, average_price=row.averageprice,
        filled_qty=filled, pending_qty=pending, cancelled_qty=row.cancelsize, disclosed_qty=row.disclosedquantity,
        tag=_t(row.ordertag), status_message=_t(row.text), exchange_order_id=_t(row.exchangeorderid or row.exchorderid),
        placed_at=fast_time(row.exchtime, seen) or updated, updated_at=updated, raw=raw)


def _position(ctx: DriverContext, seen: dict[str, _dt.datetime | None],
              pair: tuple[AngelPositionRow, Mapping[str, Any]]) -> Position:
    row, raw = pair
    multiplier = row.multiplier if row.multiplier > 0 else 1.0
    total = row.ltp + row.buyavgprice + row.sellavgprice + row.realised + row.unrealised + row.pnl + row.multiplier
    if total - total != 0.0:
        return angel_position_to_position(ctx, raw)
    bought = row.buyqty if row.buyqty is not None else row.buyquantity
    sold = row.sellqty if row.sellqty is not None else row.sellquantity
    return Position(
        instrument=_instrument(ctx, row.exchange, row.symboltoken or row.symbolToken,
                               row.tradingsymbol or row.tradingSymbol),
        product=angel_product(row.producttype), quantity=row.netqty,
        # ``avgnetprice or netprice`` decides on the wire value ("0.00" is set), so it is read from raw
        average_price=number(raw.get("avgnetprice") or raw.get("netprice")), last_price=row.ltp,
        buy_quantity=0 if bought is None else bought, buy_price=row.buyavgprice,
        sell_quantity=0 if sold is None else sold, sell_price=row.sellavgprice,
        overnight_quantity=row.cfbuyqty - row.cfsellqty, realised_pnl=row.realised, unrealised_pnl=row.unrealised,
        pnl=row.pnl, multiplier=multiplier, raw=raw)


class _Book:
    """One endpoint's typed path: the cached list type, the typed row parser, the lenient one."""

    def __init__(self, rows: Any, fast: Callable[[DriverContext, dict[str, _dt.datetime | None], Any], Any],
                 slow: Callable[[DriverContext, Mapping[str, Any]], Any]) -> None:
        self.rows = rows
        self.fast = fast
        self.slow = slow


BOOKS: dict[str, _Book] = {
    "orders": _Book(list[AngelOrderRow], _order, angel_order_to_order),
    "positions": _Book(list[AngelPositionRow], _position, angel_position_to_position),
}


def typed_book(ctx: DriverContext, kind: str, rows: Sequence[Mapping[str, Any]], what: str) -> list[Any]:
    """Parse a book's rows (``kind``: orders, positions) on the typed path when they fit it."""
    book = BOOKS[kind]
    try:
        typed = msgspec.convert(rows, book.rows, strict=False)
    except msgspec.ValidationError:
        slow = book.slow
        return parse_rows(rows, lambda raw: slow(ctx, raw), broker=BROKER, what=what)
    return parse_rows(list(zip(typed, rows)), partial(book.fast, ctx, {}), broker=BROKER, what=what)
