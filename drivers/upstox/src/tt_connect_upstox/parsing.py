"""Pure ``upstox_*_to_*`` parsers: Upstox payloads (the ``data`` of an envelope) -> canonical models.

Field names are those of the official SDK's models (``OrderBookData``, ``PositionData``,
``HoldingsData``, ``TradeData``, ``MarketQuoteSymbol``, ``GttOrderDetails``...). Every row
names its contract by ``instrument_token`` (an ``instrument_key`` such as
``NSE_EQ|INE002A01018``), which is the master's broker token, so instruments are attached
through ``ctx.by_token(segment, key)``. Each model keeps the broker's row in ``raw``.
Numbers are read leniently (a JSON number or its string); a row that is not an object, or
a field that is not a number, is the broker's fault and raises ``BrokerUnavailableError``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tt_connect.driver_api import DriverContext, fields
from tt_connect.enums import GttStatus, GttType, OrderType, Variety
from tt_connect.errors import BrokerUnavailableError
from tt_connect.instruments import AnyInstrument
from tt_connect.models import (
    Candle,
    Depth,
    DepthLevel,
    Funds,
    Gtt,
    GttLeg,
    Holding,
    MarginRequirement,
    Order,
    Position,
    Profile,
    Quote,
    SegmentFunds,
    Trade,
)
from tt_connect.timeutil import IST

from tt_connect_upstox.mapping import (
    segment_of_key,
    upstox_candle_time,
    upstox_order_type,
    upstox_product,
    upstox_side,
    upstox_status_to_status,
    upstox_time,
    upstox_validity,
)

__all__ = [
    "instrument_of",
    "number",
    "object_of",
    "rows_of",
    "upstox_candles_to_candles",
    "upstox_day_position",
    "upstox_funds_to_funds",
    "upstox_gtt_to_gtt",
    "upstox_holding_to_holding",
    "upstox_margin_to_requirements",
    "upstox_order_to_order",
    "upstox_position_to_position",
    "upstox_profile_to_profile",
    "upstox_quote_to_quote",
    "upstox_trade_to_trade",
]

BROKER = "upstox"


number: Callable[[object], float] = fields.number_reader(BROKER)
"""Read a number (JSON or text); null and blank read as 0, NaN and infinities are refused."""
integer: Callable[[object], int] = fields.integer_reader(BROKER)


text = fields.text


def rows_of(payload: Any, what: str) -> list[Mapping[str, Any]]:
    """Return a list payload; ``data: null`` (an empty book) reads as no rows."""
    if payload is None:
        return []
    if not isinstance(payload, list) or not all(isinstance(row, Mapping) for row in payload):
        raise BrokerUnavailableError(f"Upstox {what} reply is not a list of objects", broker=BROKER)
    return payload


def object_of(payload: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise BrokerUnavailableError(f"Upstox {what} reply is not an object", broker=BROKER)
    return payload


def instrument_of(ctx: DriverContext, row: Mapping[str, Any]) -> AnyInstrument:
    """Find a row's instrument by its ``instrument_token`` (the instrument key)."""
    key = text(row.get("instrument_token") or row.get("instrument_key"))
    return ctx.by_token(segment_of_key(key), key)


def _segment(row: Mapping[str, Any]) -> str:
    key = text(row.get("instrument_token") or row.get("instrument_key"))
    return key.partition("|")[0]


# -- account -----------------------------------------------------------------------------


def upstox_profile_to_profile(data: Mapping[str, Any]) -> Profile:
    """Parse ``/v2/user/profile`` (also the token reply, which carries the same fields)."""
    def names(value: Any) -> tuple[str, ...]:
        return tuple(text(v) for v in value if text(v)) if isinstance(value, list) else ()

    return Profile(broker=BROKER, user_id=text(data.get("user_id")), name=text(data.get("user_name")),
                   email=text(data.get("email")), exchanges=names(data.get("exchanges")),
                   products=names(data.get("products")), raw=data)


def _segment_funds(data: Any) -> SegmentFunds | None:
    if not isinstance(data, Mapping):
        return None
    available, used = number(data.get("available_margin")), number(data.get("used_margin"))
    return SegmentFunds(available_cash=round(available + used, 2), available_margin=available, used_margin=used,
                        payin=number(data.get("payin_amount")), raw=data)


def upstox_funds_to_funds(data: Mapping[str, Any]) -> Funds:
    """Parse ``/v2/user/get-funds-and-margin``: an ``equity`` and a ``commodity`` segment.

    Upstox reports no cash balance apart from margins: the cash is what is available plus
    what is blocked.
    """
    equity = _segment_funds(data.get("equity"))
    if equity is None:
        raise BrokerUnavailableError("Upstox funds reply has no equity segment", broker=BROKER)
    return Funds(equity=equity, commodity=_segment_funds(data.get("commodity")), raw=data)


def upstox_holding_to_holding(ctx: DriverContext, row: Mapping[str, Any]) -> Holding:
    """Parse one row of ``/v2/portfolio/long-term-holdings``."""
    quantity = integer(row.get("quantity"))
    return Holding(instrument=instrument_of(ctx, row), quantity=quantity,
                   average_price=number(row.get("average_price")), last_price=number(row.get("last_price")),
                   t1_quantity=integer(row.get("t1_quantity")), pnl=number(row.get("pnl")),
                   day_change=number(row.get("day_change")) * quantity, isin=text(row.get("isin")), raw=row)


def upstox_position_to_position(ctx: DriverContext, row: Mapping[str, Any]) -> Position:
    """Parse one row of ``/v2/portfolio/short-term-positions`` (net: carried plus today)."""
    bought = integer(row.get("day_buy_quantity")) + integer(row.get("overnight_buy_quantity"))
    sold = integer(row.get("day_sell_quantity")) + integer(row.get("overnight_sell_quantity"))
    return Position(
        instrument=instrument_of(ctx, row), product=upstox_product(row.get("product"), _segment(row)),
        quantity=integer(row.get("quantity")), average_price=number(row.get("average_price")),
        last_price=number(row.get("last_price")), buy_quantity=bought, buy_price=number(row.get("buy_price")),
        sell_quantity=sold, sell_price=number(row.get("sell_price")),
        overnight_quantity=integer(row.get("overnight_quantity")), realised_pnl=number(row.get("realised")),
        unrealised_pnl=number(row.get("unrealised")), pnl=number(row.get("pnl")),
        multiplier=number(row.get("multiplier")) or 1.0, raw=row)


def upstox_day_position(ctx: DriverContext, row: Mapping[str, Any]) -> Position | None:
    """Today's part of one position row (its ``day_*`` fields), or None when nothing traded today."""
    bought, sold = integer(row.get("day_buy_quantity")), integer(row.get("day_sell_quantity"))
    if bought <= 0 and sold <= 0:
        return None
    buy_price, sell_price = number(row.get("day_buy_price")), number(row.get("day_sell_price"))
    multiplier = number(row.get("multiplier")) or 1.0
    quantity, last = bought - sold, number(row.get("last_price"))
    average = buy_price if quantity > 0 else sell_price if quantity < 0 else 0.0
    realised = min(bought, sold) * (sell_price - buy_price) * multiplier
    unrealised = quantity * (last - average) * multiplier
    return Position(instrument=instrument_of(ctx, row), product=upstox_product(row.get("product"), _segment(row)),
                    quantity=quantity, average_price=average, last_price=last, buy_quantity=bought,
                    buy_price=buy_price, sell_quantity=sold, sell_price=sell_price, overnight_quantity=0,
                    realised_pnl=round(realised, 2), unrealised_pnl=round(unrealised, 2),
                    pnl=round(realised + unrealised, 2), multiplier=multiplier, raw=row)


# -- orders and trades -------------------------------------------------------------------


def upstox_order_to_order(ctx: DriverContext, row: Mapping[str, Any]) -> Order:
    """Parse an order (order book, ``/v2/order/details``, a history entry or an order update)."""
    quantity = integer(row.get("quantity"))
    filled = integer(row.get("filled_quantity"))
    pending = integer(row.get("pending_quantity")) if row.get("pending_quantity") is not None else \
        max(quantity - filled, 0)
    status = upstox_status_to_status(row.get("status"), filled, pending)
    cancelled = pending if status.name == "CANCELLED" else 0
    placed = upstox_time(row.get("order_timestamp"))
    updated = upstox_time(row.get("exchange_timestamp")) or placed
    return Order(
        order_id=text(row.get("order_id")), instrument=instrument_of(ctx, row),
        side=upstox_side(row.get("transaction_type")), qty=quantity,
        order_type=upstox_order_type(row.get("order_type")),
        product=upstox_product(row.get("product"), _segment(row)), status=status,
        validity=upstox_validity(row.get("validity")),
        variety=Variety.AMO if row.get("is_amo") is True else Variety.REGULAR,
        price=number(row.get("price")), trigger_price=number(row.get("trigger_price")),
        average_price=number(row.get("average_price")), filled_qty=filled,
        pending_qty=0 if status.is_terminal else pending, cancelled_qty=cancelled,
        disclosed_qty=integer(row.get("disclosed_quantity")), tag=text(row.get("tag")),
        status_message=text(row.get("status_message")), exchange_order_id=text(row.get("exchange_order_id")),
        placed_at=placed, updated_at=updated, raw=row)


def upstox_trade_to_trade(ctx: DriverContext, row: Mapping[str, Any]) -> Trade:
    """Parse one fill of ``/v2/order/trades/get-trades-for-day`` or ``/v2/order/trades``."""
    return Trade(trade_id=text(row.get("trade_id")), order_id=text(row.get("order_id")),
                 instrument=instrument_of(ctx, row), side=upstox_side(row.get("transaction_type")),
                 qty=integer(row.get("quantity")), price=number(row.get("average_price")),
                 product=upstox_product(row.get("product"), _segment(row)),
                 traded_at=upstox_time(row.get("exchange_timestamp")) or upstox_time(row.get("order_timestamp")),
                 exchange_order_id=text(row.get("exchange_order_id")), raw=row)


# -- market data -------------------------------------------------------------------------


def _levels(side: Any) -> tuple[DepthLevel, ...]:
    if not isinstance(side, list):
        return ()
    return tuple(DepthLevel(number(level.get("price")), integer(level.get("quantity")), integer(level.get("orders")))
                 for level in side if isinstance(level, Mapping) and number(level.get("price")) > 0)


def upstox_quote_to_quote(instrument: AnyInstrument, row: Mapping[str, Any]) -> Quote:
    """Parse one value of ``/v2/market-quote/quotes`` (``ohlc`` is today's; ``close`` there is the last price)."""
    ohlc = row.get("ohlc") if isinstance(row.get("ohlc"), Mapping) else {}
    assert isinstance(ohlc, Mapping)
    last = number(row.get("last_price"))
    net_change = number(row.get("net_change"))
    depth = row.get("depth")
    return Quote(
        instrument=instrument, last_price=last, average_price=number(row.get("average_price")),
        volume=integer(row.get("volume")), buy_quantity=integer(row.get("total_buy_quantity")),
        sell_quantity=integer(row.get("total_sell_quantity")), open=number(ohlc.get("open")),
        high=number(ohlc.get("high")), low=number(ohlc.get("low")),
        close=round(last - net_change, 4) if row.get("net_change") is not None else number(ohlc.get("close")),
        net_change=net_change, oi=integer(row.get("oi")), oi_day_high=integer(row.get("oi_day_high")),
        oi_day_low=integer(row.get("oi_day_low")), lower_circuit=number(row.get("lower_circuit_limit")),
        upper_circuit=number(row.get("upper_circuit_limit")), last_trade_time=_epoch_text(row.get("last_trade_time")),
        timestamp=upstox_time(row.get("timestamp")),
        depth=Depth(_levels(depth.get("buy")), _levels(depth.get("sell"))) if isinstance(depth, Mapping) else None,
        raw=row)


def _epoch_text(value: Any) -> _dt.datetime | None:
    """``last_trade_time`` is epoch milliseconds as a string."""
    raw = text(value)
    if raw.isdigit():
        return _dt.datetime.fromtimestamp(int(raw) / 1000, IST)
    return upstox_time(raw)


def upstox_candles_to_candles(payload: Any) -> list[Candle]:
    """Parse ``data.candles``: ``[[timestamp, open, high, low, close, volume, oi], ...]``, newest first."""
    data = object_of(payload, "candle")
    rows = data.get("candles")
    if rows is None:
        return []
    if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) >= 6 for r in rows):
        raise BrokerUnavailableError("Upstox candle reply is not a list of [time, o, h, l, c, v, oi] rows",
                                     broker=BROKER)
    candles = [Candle(timestamp=upstox_candle_time(r[0]), open=number(r[1]), high=number(r[2]), low=number(r[3]),
                      close=number(r[4]), volume=integer(r[5]), oi=integer(r[6]) if len(r) > 6 else 0) for r in rows]
    candles.sort(key=lambda candle: candle.timestamp)
    return candles


# -- GTT and margins ---------------------------------------------------------------------

_RULE_STATUSES: Mapping[str, GttStatus] = {
    "SCHEDULED": GttStatus.ACTIVE, "PENDING": GttStatus.ACTIVE, "OPEN": GttStatus.TRIGGERED,
    "TRIGGERED": GttStatus.TRIGGERED, "COMPLETED": GttStatus.TRIGGERED, "EXPIRED": GttStatus.EXPIRED,
    "CANCELLED": GttStatus.CANCELLED, "FAILED": GttStatus.REJECTED, "INACTIVE": GttStatus.DISABLED,
}
"""Rule statuses (GTT order-details page): SCHEDULED, PENDING, OPEN, TRIGGERED, COMPLETED, EXPIRED,
CANCELLED, FAILED, INACTIVE."""


def _micros(value: Any) -> _dt.datetime | None:
    """GTT ``created_at``/``expires_at`` are epoch **microseconds**."""
    raw = integer(value)
    return _dt.datetime.fromtimestamp(raw / 1_000_000, IST) if raw > 0 else None


def _gtt_status(rules: Sequence[Mapping[str, Any]]) -> GttStatus:
    """A GTT is as far along as its ENTRY rule (a SINGLE GTT has only that)."""
    entry = next((r for r in rules if text(r.get("strategy")).upper() == "ENTRY"), rules[0] if rules else {})
    return _RULE_STATUSES.get(text(entry.get("status")).upper(), GttStatus.ACTIVE)


def upstox_gtt_to_gtt(ctx: DriverContext, row: Mapping[str, Any]) -> Gtt:
    """Parse one ``/v3/order/gtt`` entry: its rules become legs (lowest trigger first)."""
    rules = rows_of(row.get("rules"), "GTT rules")
    segment = _segment(row)
    quantity = integer(row.get("quantity"))
    product = upstox_product(row.get("product"), segment)
    legs = tuple(sorted((GttLeg(trigger_price=number(r.get("trigger_price")),
                                side=upstox_side(r.get("transaction_type") or "BUY"), qty=quantity, product=product,
                                order_type=OrderType.MARKET) for r in rules), key=lambda leg: leg.trigger_price))
    gtt_type = GttType.SINGLE if text(row.get("type")).upper() == "SINGLE" or len(legs) < 2 else GttType.OCO
    return Gtt(gtt_id=text(row.get("gtt_order_id")), instrument=instrument_of(ctx, row), type=gtt_type,
               status=_gtt_status(rules), legs=legs, created_at=_micros(row.get("created_at")),
               expires_at=_micros(row.get("expires_at")), raw=row)


def upstox_margin_to_requirements(instruments: Sequence[AnyInstrument],
                                  data: Mapping[str, Any]) -> list[MarginRequirement]:
    """Parse ``/v2/charges/margin``: ``margins`` holds one entry per requested instrument, in order."""
    margins = rows_of(data.get("margins"), "margin")
    if len(margins) != len(instruments):
        raise BrokerUnavailableError(f"Upstox priced {len(margins)} orders of {len(instruments)}", broker=BROKER)
    return [MarginRequirement(instrument=instrument, total=number(m.get("total_margin")),
                              span=number(m.get("span_margin")), exposure=number(m.get("exposure_margin")),
                              option_premium=number(m.get("net_buy_premium")), var=number(m.get("equity_margin")),
                              raw=m) for instrument, m in zip(instruments, margins, strict=True)]

