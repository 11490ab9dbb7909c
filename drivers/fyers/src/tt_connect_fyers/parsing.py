"""Pure ``fyers_*_to_*`` parsers: Fyers v3 payloads -> canonical models.

Every reply is an object ``{"s": "ok", "code", "message", <payload key>}``; the payload key differs per
endpoint (``data``, ``orderBook``, ``tradeBook``, ``netPositions``, ``holdings``, ``fund_limit``, ``d``,
``candles``). Instruments are attached through the ``DriverContext`` by fyToken (its first four
digits name the segment) or, failing that, by ticker. Every number goes through the core's finite
reader; each model keeps the broker's row in ``raw``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from tt_connect.driver_api import DriverContext, fields, reply_list, reply_object
from tt_connect.enums import GttStatus, GttType, OrderStatus, OrderType, Variety
from tt_connect.errors import BrokerUnavailableError
from tt_connect.instruments import AnyInstrument
from tt_connect.models import (
    BasketMargin,
    Candle,
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

from tt_connect_fyers.mapping import (
    BROKER,
    fy_token_segment,
    fyers_order_type,
    fyers_product,
    fyers_side,
    fyers_status_to_status,
    fyers_time,
    fyers_validity,
    integer,
    number,
    ticker_exchange,
)

__all__ = [
    "fyers_candles_to_candles",
    "fyers_day_position",
    "fyers_funds_to_funds",
    "fyers_gtts_to_gtts",
    "fyers_holding_to_holding",
    "fyers_margin_to_basket",
    "fyers_margin_to_requirement",
    "fyers_order_to_order",
    "fyers_position_to_position",
    "fyers_profile_to_profile",
    "fyers_quote_to_quote",
    "fyers_tag",
    "fyers_trade_to_trade",
    "instrument_of",
    "payload_list",
    "payload_object",
]


def payload_list(payload: Any, key: str, what: str) -> list[Any]:
    """The list under ``key`` of an unwrapped reply (absent or null: an empty book)."""
    found = reply_object(payload, broker=BROKER, what=what).get(key)
    return [] if found is None else reply_list(found, broker=BROKER, what=what)


def payload_object(payload: Any, key: str, what: str) -> Mapping[str, Any]:
    return reply_object(reply_object(payload, broker=BROKER, what=what).get(key), broker=BROKER, what=what)


def instrument_of(ctx: DriverContext, row: Mapping[str, Any]) -> AnyInstrument:
    """The instrument a row names: by ``fyToken`` (``fy_token`` on GTT rows), else by its ticker."""
    token = fields.text(row.get("fyToken", row.get("fy_token")))
    segment = fy_token_segment(token) if token else None
    if segment is not None:
        return ctx.by_token(segment, token)
    ticker = fields.text(row.get("symbol"))
    if not ticker or ":" not in ticker:
        raise BrokerUnavailableError("Fyers sent a row naming no instrument (no fyToken, no ticker)", broker=BROKER)
    return ctx.by_symbol(ticker_exchange(ticker), ticker)


def fyers_tag(value: object) -> str:
    """An order tag as we sent it: Fyers returns ``1:<tag>`` (user) or ``2:Untagged`` (its own)."""
    tag = fields.text(value)
    if len(tag) > 2 and tag[1] == ":" and tag[0] in "12":
        tag = tag[2:]
    return "" if tag == "Untagged" else tag


# -- account and portfolio ---------------------------------------------------------------


def fyers_profile_to_profile(data: Mapping[str, Any]) -> Profile:
    """Parse ``GET /profile``'s ``data``."""
    return Profile(broker=BROKER, user_id=fields.text(data.get("fy_id")),
                   name=fields.text(data.get("name") or data.get("display_name")),
                   email=fields.text(data.get("email_id")), raw=data)


_FUND_IDS = {1: "total", 2: "utilized", 3: "clear", 5: "collateral", 6: "transfer", 7: "receivables",
             9: "start", 10: "available"}


def _segment_funds(lines: Mapping[str, float], raw: Any) -> SegmentFunds:
    return SegmentFunds(available_cash=lines.get("total", 0.0), available_margin=lines.get("available", 0.0),
                        used_margin=lines.get("utilized", 0.0), opening_balance=lines.get("start", 0.0),
                        collateral=lines.get("collateral", 0.0), payin=lines.get("receivables", 0.0), raw=raw)


def fyers_funds_to_funds(payload: Any) -> Funds:
    """Parse ``GET /funds``: ``fund_limit[]`` rows (id, title) with an equity and a commodity amount each."""
    rows = payload_list(payload, "fund_limit", "funds")
    equity: dict[str, float] = {}
    commodity: dict[str, float] = {}
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        name = _FUND_IDS.get(integer(row.get("id")))
        if name is not None:
            equity[name] = number(row.get("equityAmount"))
            commodity[name] = number(row.get("commodityAmount"))
    return Funds(equity=_segment_funds(equity, rows), commodity=_segment_funds(commodity, rows), raw=rows)


def fyers_holding_to_holding(ctx: DriverContext, row: Mapping[str, Any]) -> Holding:
    """Parse one row of ``GET /holdings``."""
    quantity = integer(row.get("quantity"))
    average, last = number(row.get("costPrice")), number(row.get("ltp"))
    return Holding(instrument=instrument_of(ctx, row), quantity=quantity, average_price=average, last_price=last,
                   t1_quantity=integer(row.get("qty_t1")),
                   pnl=number(row.get("pl")) if "pl" in row else round((last - average) * quantity, 2),
                   isin=fields.text(row.get("isin")), raw=row)


def _multiplier(row: Mapping[str, Any]) -> float:
    value = number(row.get("qtyMulti_com"))
    return value if value > 0 else 1.0


def fyers_position_to_position(ctx: DriverContext, row: Mapping[str, Any]) -> Position:
    """Parse one row of ``GET /positions`` (``netPositions[]``: carried-forward and today's quantities apart)."""
    realised, unrealised = number(row.get("realized_profit")), number(row.get("unrealized_profit"))
    return Position(
        instrument=instrument_of(ctx, row), product=fyers_product(row.get("productType")),
        quantity=integer(row.get("netQty")), average_price=number(row.get("netAvg", row.get("avgPrice"))),
        last_price=number(row.get("ltp")), buy_quantity=integer(row.get("buyQty")),
        buy_price=number(row.get("buyAvg")), sell_quantity=integer(row.get("sellQty")),
        sell_price=number(row.get("sellAvg")),
        overnight_quantity=integer(row.get("cfBuyQty")) - integer(row.get("cfSellQty")),
        realised_pnl=realised, unrealised_pnl=unrealised,
        pnl=number(row.get("pl")) if "pl" in row else round(realised + unrealised, 2),
        multiplier=_multiplier(row), raw=row)


def fyers_day_position(ctx: DriverContext, row: Mapping[str, Any]) -> Position | None:
    """Today's part of one position (``dayBuyQty``/``daySellQty``), or None when nothing traded today.

    Fyers gives one average per side for the whole position; with a carried-forward quantity on a side,
    that average includes yesterday's price (PROTOCOL.md, unverified: no day-only average is published).
    """
    bought, sold = integer(row.get("dayBuyQty")), integer(row.get("daySellQty"))
    if bought <= 0 and sold <= 0:
        return None
    buy_price = number(row.get("buyAvg")) if bought else 0.0
    sell_price = number(row.get("sellAvg")) if sold else 0.0
    multiplier = _multiplier(row)
    quantity = bought - sold
    last = number(row.get("ltp"))
    average = buy_price if quantity > 0 else sell_price if quantity < 0 else 0.0
    realised = min(bought, sold) * (sell_price - buy_price) * multiplier
    unrealised = quantity * (last - average) * multiplier if last else 0.0
    return Position(instrument=instrument_of(ctx, row), product=fyers_product(row.get("productType")),
                    quantity=quantity, average_price=round(average, 4), last_price=last, buy_quantity=bought,
                    buy_price=round(buy_price, 4), sell_quantity=sold, sell_price=round(sell_price, 4),
                    realised_pnl=round(realised, 2), unrealised_pnl=round(unrealised, 2),
                    pnl=round(realised + unrealised, 2), multiplier=multiplier, raw=row)


# -- orders and trades -------------------------------------------------------------------


def _variety(row: Mapping[str, Any]) -> Variety:
    if row.get("offlineOrder") in (True, "true", "True", 1):
        return Variety.AMO
    if fields.text(row.get("productType")).upper() == "CO":
        return Variety.CO
    return Variety.REGULAR


def fyers_order_to_order(ctx: DriverContext, row: Mapping[str, Any]) -> Order:
    """Parse one order of ``GET /orders`` (``orderBook[]``).

    A cover order's stop leg (``parentId`` set) is its own row; its trigger is the stop price.
    """
    order_type = fyers_order_type(row.get("type"))
    filled = integer(row.get("filledQty"))
    qty = integer(row.get("qty"))
    status = fyers_status_to_status(row.get("status"), order_type, filled)
    remaining = 0 if status.is_terminal else integer(row.get("remainingQuantity", qty - filled))
    message = fields.text(row.get("message"))
    return Order(
        order_id=fields.ident(row.get("id"), broker=BROKER, field="order id"), instrument=instrument_of(ctx, row),
        side=fyers_side(row.get("side")), qty=qty, order_type=order_type,
        product=fyers_product(row.get("productType")), status=status,
        validity=fyers_validity(row.get("orderValidity")), variety=_variety(row),
        price=number(row.get("limitPrice")), trigger_price=number(row.get("stopPrice")),
        average_price=number(row.get("tradedPrice")), filled_qty=filled, pending_qty=max(remaining, 0),
        cancelled_qty=qty - filled if status is OrderStatus.CANCELLED else 0,
        disclosed_qty=integer(row.get("disclosedQty", row.get("discloseQty"))), tag=fyers_tag(row.get("orderTag")),
        status_message=message if status in (OrderStatus.REJECTED, OrderStatus.CANCELLED) else "",
        exchange_order_id=fields.text(row.get("exchOrdId")), placed_at=fyers_time(row.get("orderDateTime")),
        updated_at=fyers_time(row.get("orderDateTime")), raw=row)


def fyers_trade_to_trade(ctx: DriverContext, row: Mapping[str, Any]) -> Trade:
    """Parse one fill of ``GET /tradebook`` (``tradeBook[]``)."""
    return Trade(trade_id=fields.ident(row.get("tradeNumber"), broker=BROKER, field="trade number"),
                 order_id=fields.text(row.get("orderNumber")), instrument=instrument_of(ctx, row),
                 side=fyers_side(row.get("side")), qty=integer(row.get("tradedQty")),
                 price=number(row.get("tradePrice")), product=fyers_product(row.get("productType")),
                 traded_at=fyers_time(row.get("orderDateTime")),
                 exchange_order_id=fields.text(row.get("exchangeOrderNo")), raw=row)


# -- market data -------------------------------------------------------------------------


def fyers_quote_to_quote(instrument: AnyInstrument, values: Mapping[str, Any]) -> Quote:
    """Parse the ``v`` of one ``d[]`` entry of ``GET /data/quotes`` (no depth: ``/depth`` is one symbol a call)."""
    stamp = values.get("tt")
    moment = _dt.datetime.fromtimestamp(number(stamp), IST) if number(stamp) > 0 else None
    last, close = number(values.get("lp")), number(values.get("prev_close_price"))
    return Quote(instrument=instrument, last_price=last, average_price=number(values.get("atp")),
                 volume=integer(values.get("volume")), open=number(values.get("open_price")),
                 high=number(values.get("high_price")), low=number(values.get("low_price")), close=close,
                 net_change=number(values.get("ch")) if "ch" in values else round(last - close, 4),
                 last_trade_time=moment, timestamp=moment, raw=values)


def fyers_candles_to_candles(payload: Any) -> list[Candle]:
    """Parse ``GET /data/history``: ``candles`` of ``[epoch, open, high, low, close, volume(, oi)]``."""
    out: list[Candle] = []
    for row in payload_list(payload, "candles", "candles"):
        if not isinstance(row, list) or len(row) < 6:
            raise BrokerUnavailableError("Fyers sent a candle that is not [time, o, h, l, c, v]", broker=BROKER)
        out.append(Candle(timestamp=_dt.datetime.fromtimestamp(number(row[0]), IST), open=number(row[1]),
                          high=number(row[2]), low=number(row[3]), close=number(row[4]), volume=integer(row[5]),
                          oi=integer(row[6]) if len(row) > 6 else 0))
    return out


# -- GTT and margins -----------------------------------------------------------------------

_GTT_STATUSES: Mapping[int, GttStatus] = {
    1: GttStatus.CANCELLED, 2: GttStatus.TRIGGERED, 3: GttStatus.ACTIVE, 4: GttStatus.ACTIVE,
    5: GttStatus.REJECTED, 6: GttStatus.ACTIVE, 7: GttStatus.EXPIRED,
}
"""GTT ``ord_status`` read with the order-status codes (PROTOCOL.md, unverified: the GTT book's codes are not
tabled); unknown codes read as ACTIVE."""


def fyers_gtts_to_gtts(ctx: DriverContext, payload: Any) -> list[Gtt]:
    """Parse ``GET /gtt/orders`` (snake_case keys; ``gtt_oco_ind`` 1 single, 2 OCO). Legs lower trigger first."""
    out: list[Gtt] = []
    for row in payload_list(payload, "orderBook", "GTT book"):
        if not isinstance(row, Mapping):
            continue
        oco = integer(row.get("gtt_oco_ind")) == 2
        side = fyers_side(row.get("tran_side"))
        product = fyers_product(row.get("product_type", row.get("productType")))
        legs = [GttLeg(trigger_price=number(row.get("price_trigger")), side=side, qty=integer(row.get("qty")),
                       product=product, order_type=OrderType.LIMIT, price=number(row.get("price_limit")) or None)]
        if oco:
            legs.append(GttLeg(trigger_price=number(row.get("price2_trigger")), side=side,
                               qty=integer(row.get("qty2")), product=product, order_type=OrderType.LIMIT,
                               price=number(row.get("price2_limit")) or None))
        legs.sort(key=lambda leg: leg.trigger_price)
        gtt_id = fields.ident(row.get("id", row.get("id_fyers")), broker=BROKER, field="GTT id")
        out.append(Gtt(gtt_id=gtt_id, instrument=instrument_of(ctx, row), type=GttType.OCO if oco else GttType.SINGLE,
                       status=_GTT_STATUSES.get(integer(row.get("ord_status")), GttStatus.ACTIVE), legs=tuple(legs),
                       created_at=fyers_time(row.get("create_time")), updated_at=fyers_time(row.get("update_time")),
                       raw=row))
    return out


def fyers_margin_to_requirement(instrument: AnyInstrument | None, payload: Any) -> MarginRequirement:
    """Parse ``POST /multiorder/margin`` for one order: ``margin_new_order`` is what it needs."""
    data = payload_object(payload, "data", "margin")
    return MarginRequirement(instrument=instrument, total=number(data.get("margin_new_order")), raw=data)


def fyers_margin_to_basket(payload: Any) -> BasketMargin:
    """Parse ``POST /multiorder/margin`` for a basket: one total with the hedge benefit, no per-order lines."""
    data = payload_object(payload, "data", "basket margin")
    final = MarginRequirement(total=number(data.get("margin_new_order")), raw=data)
    return BasketMargin(initial=final, final=final, raw=data)
