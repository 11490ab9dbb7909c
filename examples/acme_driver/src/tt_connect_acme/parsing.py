"""Pure ``acme_<x>_to_<y>`` parsers: Acme's JSON rows -> canonical models.

Instruments are attached through the context by Acme's ``EXCHANGE:TRADINGSYMBOL`` key; every model
keeps the broker's row in ``raw``. A malformed row raises, and the core turns that into
``BrokerUnavailableError`` naming the endpoint.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from tt_connect.driver_api import DriverContext, fields
from tt_connect.enums import OrderStatus, ProductType, Side, StreamMode, Variety
from tt_connect.instruments import AnyInstrument
from tt_connect.models import (
    Candle,
    Depth,
    DepthLevel,
    Funds,
    Holding,
    Order,
    Position,
    Profile,
    Quote,
    SegmentFunds,
    Tick,
    Trade,
)
from tt_connect.timeutil import IST

from tt_connect_acme.mapping import ACME_ORDER_TYPES, ACME_PRODUCTS, ACME_STATUS, ACME_VALIDITIES

number = fields.number_reader("acme")
"""Every number from the wire: NaN, infinities and 1e999 are refused, as the fuzz tier checks."""

__all__ = [
    "acme_candles_to_candles", "acme_funds_to_funds", "acme_holding_to_holding", "acme_order_to_order",
    "acme_position_to_position", "acme_profile_to_profile", "acme_quote_to_quote", "acme_tick_to_tick",
    "acme_trade_to_trade", "instrument_of",
]


def instrument_of(ctx: DriverContext, key: str) -> AnyInstrument:
    exchange, _, symbol = key.partition(":")
    return ctx.by_symbol(exchange, symbol)


def _time(value: Any) -> _dt.datetime | None:
    if not value:
        return None
    moment = _dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=IST) if moment.tzinfo is None else moment.astimezone(IST)


def _levels(rows: Sequence[Sequence[Any]]) -> tuple[DepthLevel, ...]:
    return tuple(DepthLevel(price=number(p), quantity=int(q), orders=int(n)) for p, q, n in rows)


def acme_profile_to_profile(data: Mapping[str, Any]) -> Profile:
    return Profile(broker="acme", user_id=str(data["user_id"]), name=str(data.get("name", "")),
                   email=str(data.get("email", "")), exchanges=tuple(data.get("exchanges", ())), raw=data)


def acme_funds_to_funds(data: Mapping[str, Any]) -> Funds:
    return Funds(equity=SegmentFunds(available_cash=number(data["cash"]), available_margin=number(data["available"]),
                                     used_margin=number(data["used"]), collateral=number(data.get("collateral", 0.0)),
                                     raw=data), raw=data)


def acme_holding_to_holding(ctx: DriverContext, row: Mapping[str, Any]) -> Holding:
    qty, average, last = int(row["qty"]), number(row["avg_price"]), number(row["ltp"])
    return Holding(instrument=instrument_of(ctx, row["key"]), quantity=qty, average_price=average,
                   last_price=last, pnl=round((last - average) * qty, 2), isin=str(row.get("isin", "")), raw=row)


def acme_position_to_position(ctx: DriverContext, row: Mapping[str, Any]) -> Position:
    realised, unrealised = number(row["realised"]), number(row["unrealised"])
    return Position(instrument=instrument_of(ctx, row["key"]), product=ACME_PRODUCTS[row["product"]],
                    quantity=int(row["qty"]), average_price=number(row["avg_price"]), last_price=number(row["ltp"]),
                    buy_quantity=int(row["buy_qty"]), buy_price=number(row["buy_avg"]),
                    sell_quantity=int(row["sell_qty"]), sell_price=number(row["sell_avg"]),
                    overnight_quantity=int(row.get("overnight_qty", 0)), realised_pnl=realised,
                    unrealised_pnl=unrealised, pnl=round(realised + unrealised, 2), raw=row)


def acme_order_to_order(ctx: DriverContext, row: Mapping[str, Any]) -> Order:
    qty, filled = int(row["qty"]), int(row["filled_qty"])
    status = ACME_STATUS[row["status"]]
    if status is OrderStatus.OPEN and 0 < filled < qty:
        status = OrderStatus.PARTIALLY_FILLED
    cancelled = qty - filled if status is OrderStatus.CANCELLED else 0
    return Order(order_id=str(row["order_id"]), instrument=instrument_of(ctx, row["key"]),
                 side=Side(row["side"]), qty=qty, order_type=ACME_ORDER_TYPES[row["type"]],
                 product=ACME_PRODUCTS[row["product"]], status=status, validity=ACME_VALIDITIES[row["validity"]],
                 variety=Variety.AMO if row.get("variety") == "amo" else Variety.REGULAR,
                 price=number(row.get("price") or 0.0), trigger_price=number(row.get("trigger_price") or 0.0),
                 average_price=number(row.get("avg_price") or 0.0), filled_qty=filled, cancelled_qty=cancelled,
                 pending_qty=0 if status.is_terminal else qty - filled, tag=str(row.get("tag") or ""),
                 status_message=str(row.get("status_text") or ""),
                 exchange_order_id=str(row.get("exchange_order_id") or ""), placed_at=_time(row.get("placed_at")),
                 updated_at=_time(row.get("updated_at")), raw=row)


def acme_trade_to_trade(ctx: DriverContext, row: Mapping[str, Any]) -> Trade:
    return Trade(trade_id=str(row["trade_id"]), order_id=str(row["order_id"]),
                 instrument=instrument_of(ctx, row["key"]), side=Side(row["side"]), qty=int(row["qty"]),
                 price=number(row["price"]), product=ProductType(row["product"]), traded_at=_time(row.get("time")),
                 raw=row)


def acme_quote_to_quote(ctx: DriverContext, row: Mapping[str, Any]) -> Quote:
    last, close = number(row["ltp"]), number(row.get("close", 0.0))
    depth = Depth(bids=_levels(row.get("bids", ())), asks=_levels(row.get("asks", ()))) if "bids" in row else None
    return Quote(instrument=instrument_of(ctx, row["key"]), last_price=last,
                 last_quantity=int(row.get("ltq", 0)), volume=int(row.get("volume", 0)),
                 open=number(row.get("open", 0.0)), high=number(row.get("high", 0.0)), low=number(row.get("low", 0.0)),
                 close=close, net_change=round(last - close, 4) if close else 0.0, oi=int(row.get("oi", 0)),
                 timestamp=_time(row.get("time")), depth=depth, raw=row)


def _stamp(value: Any) -> _dt.datetime:
    moment = _time(value)
    if moment is None:
        raise ValueError("a candle without a timestamp")
    return moment


def acme_candles_to_candles(rows: Sequence[Sequence[Any]]) -> list[Candle]:
    return [Candle(timestamp=_stamp(r[0]), open=number(r[1]), high=number(r[2]), low=number(r[3]),
                   close=number(r[4]), volume=int(r[5]), oi=int(r[6]) if len(r) > 6 else 0) for r in rows]


def acme_tick_to_tick(instrument: AnyInstrument, data: Mapping[str, Any], received_at: _dt.datetime) -> Tick:
    full = "b" in data
    depth = Depth(bids=_levels(data["b"]), asks=_levels(data["a"])) if full else None
    return Tick(instrument=instrument, mode=StreamMode.FULL if full else StreamMode.LTP, last_price=number(data["lp"]),
                received_at=received_at, volume=int(data.get("v", 0)), open=number(data.get("o", 0.0)),
                high=number(data.get("h", 0.0)), low=number(data.get("l", 0.0)), close=number(data.get("c", 0.0)),
                depth=depth)
