"""Pure ``dhan_*_to_*`` parsers: DhanHQ v2 payloads -> canonical models.

DhanHQ answers with bare JSON (no envelope) except the market-quote and option-chain
calls, whose body is ``{"data": ..., "status": "success"}``. Numbers are JSON numbers on
the wire, but the docs' samples quote some as strings, so every number is read leniently.
Instruments are attached through the ``DriverContext`` by (``exchangeSegment``,
``securityId``); each model keeps the broker's row in ``raw``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from typing import Any

from tt_connect.driver_api import DriverContext, fields
from tt_connect.enums import GttStatus, GttType, OrderStatus, Variety
from tt_connect.errors import BrokerUnavailableError, InstrumentError
from tt_connect.instruments import AnyInstrument
from tt_connect.models import (
    BasketMargin,
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
    StaticIp,
    Trade,
)
from tt_connect.timeutil import IST

from tt_connect_dhan.mapping import (
    BROKER,
    UPDATE_SEGMENTS,
    dhan_order_type,
    dhan_product,
    dhan_side,
    dhan_status_to_status,
    dhan_time,
    dhan_validity,
    update_order_type,
    update_product,
)

__all__ = [
    "dhan_basket_margin_to_basket",
    "dhan_candles_to_candles",
    "dhan_day_position",
    "dhan_forever_to_gtts",
    "dhan_funds_to_funds",
    "dhan_holding_to_holding",
    "dhan_margin_to_requirement",
    "dhan_order_to_order",
    "dhan_position_to_position",
    "dhan_profile_to_profile",
    "dhan_quote_to_quote",
    "dhan_static_ip",
    "dhan_trade_to_trade",
    "dhan_update_to_order",
    "integer",
    "number",
    "object_of",
    "quote_data",
    "rows_of",
    "text",
]


number: Callable[[object], float] = fields.number_reader(BROKER, blanks=("NA",))
"""Read a number (JSON or text); null and blank read as 0, NaN and infinities are refused."""
integer: Callable[[object], int] = fields.integer_reader(BROKER, blanks=("NA",))


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def rows_of(payload: Any, what: str) -> list[Mapping[str, Any]]:
    """Return a list reply; an object is one row (``/trades/{id}`` is documented both ways)."""
    if payload is None or payload == "":
        return []
    if isinstance(payload, Mapping):
        return [payload]
    if not isinstance(payload, list) or not all(isinstance(row, Mapping) for row in payload):
        raise BrokerUnavailableError(f"Dhan {what} reply is not a list of objects", broker=BROKER)
    return payload


def object_of(payload: Any, what: str) -> Mapping[str, Any]:
    if isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], Mapping):
        return payload[0]  # ``GET /orders/{id}`` answers a one-element list in practice (SDK tests)
    if not isinstance(payload, Mapping):
        raise BrokerUnavailableError(f"Dhan {what} reply is not an object", broker=BROKER)
    return payload


def quote_data(payload: Any) -> Mapping[str, Any]:
    """Unwrap a market-quote reply: ``{"data": {segment: {security id: {...}}}, "status": "success"}``."""
    data = object_of(payload, "market quote").get("data")
    if not isinstance(data, Mapping):
        raise BrokerUnavailableError("Dhan market-quote reply has no data object", broker=BROKER)
    return data


def instrument_of(ctx: DriverContext, row: Mapping[str, Any]) -> AnyInstrument:
    """Find a row's instrument by (exchangeSegment, securityId); holdings say ``ALL`` for both exchanges."""
    segment = text(row.get("exchangeSegment") or row.get("exchange")).upper()
    security_id = text(row.get("securityId"))
    if segment in ("ALL", "NSE", "BSE", ""):
        for candidate in ("NSE_EQ", "BSE_EQ") if segment != "BSE" else ("BSE_EQ",):
            try:
                return ctx.by_token(candidate, security_id)
            except InstrumentError:
                continue
        raise InstrumentError(f"no equity with security id {security_id} on NSE or BSE", broker=BROKER)
    return ctx.by_token(segment, security_id)


# -- account -----------------------------------------------------------------------------


def dhan_profile_to_profile(data: Mapping[str, Any]) -> Profile:
    """Parse ``GET /profile``: ``activeSegment`` is a comma-separated text (``Equity, Derivative``)."""
    segments = tuple(part.strip() for part in text(data.get("activeSegment")).split(",") if part.strip())
    return Profile(broker=BROKER, user_id=text(data.get("dhanClientId")), name=text(data.get("dhanClientName")),
                   exchanges=segments, raw=data)


def dhan_static_ip(data: Mapping[str, Any]) -> StaticIp:
    """Parse ``GET /ip/getIP``; the last-changed dates stay in ``raw`` (how long Dhan makes one wait
    before the next change is not published, so ``modifiable_after`` is left unknown)."""
    return StaticIp(primary=text(data.get("primaryIP")), secondary=text(data.get("secondaryIP")), raw=data)


def dhan_funds_to_funds(data: Mapping[str, Any]) -> Funds:
    """Parse ``GET /fundlimit`` (``availabelBalance`` and ``receiveableAmount`` are the wire's spellings)."""
    equity = SegmentFunds(
        available_cash=number(data.get("sodLimit")),
        available_margin=number(data.get("availabelBalance", data.get("availableBalance"))),
        used_margin=number(data.get("utilizedAmount")),
        opening_balance=number(data.get("sodLimit")),
        collateral=number(data.get("collateralAmount")),
        payin=number(data.get("receiveableAmount", data.get("receivableAmount"))),
        payout=number(data.get("blockedPayoutAmount")),
        raw=data,
    )
    return Funds(equity=equity, raw=data)


def dhan_holding_to_holding(ctx: DriverContext, row: Mapping[str, Any]) -> Holding:
    """Parse one row of ``GET /holdings``."""
    quantity = integer(row.get("totalQty"))
    average = number(row.get("avgCostPrice"))
    last = number(row.get("lastTradedPrice"))
    return Holding(instrument=instrument_of(ctx, row), quantity=quantity, average_price=average, last_price=last,
                   t1_quantity=integer(row.get("t1Qty")), pnl=round((last - average) * quantity, 2) if last else 0.0,
                   isin=text(row.get("isin")), raw=row)


def _multiplier(row: Mapping[str, Any]) -> float:
    value = number(row.get("multiplier"))
    return value if value > 0 else 1.0


def _last_price(row: Mapping[str, Any], quantity: int, multiplier: float) -> float:
    """Positions carry no last price: it follows from ``unrealizedProfit`` over the open quantity."""
    if not quantity:
        return 0.0
    return round(number(row.get("costPrice")) + number(row.get("unrealizedProfit")) / (quantity * multiplier), 4)


def dhan_position_to_position(ctx: DriverContext, row: Mapping[str, Any]) -> Position:
    """Parse one row of ``GET /positions`` (one list: carried-forward and today's quantities apart)."""
    quantity = integer(row.get("netQty"))
    multiplier = _multiplier(row)
    realised, unrealised = number(row.get("realizedProfit")), number(row.get("unrealizedProfit"))
    return Position(
        instrument=instrument_of(ctx, row), product=dhan_product(row.get("productType")), quantity=quantity,
        average_price=number(row.get("costPrice")), last_price=_last_price(row, quantity, multiplier),
        buy_quantity=integer(row.get("buyQty")), buy_price=number(row.get("buyAvg")),
        sell_quantity=integer(row.get("sellQty")), sell_price=number(row.get("sellAvg")),
        overnight_quantity=integer(row.get("carryForwardBuyQty")) - integer(row.get("carryForwardSellQty")),
        realised_pnl=realised, unrealised_pnl=unrealised, pnl=round(realised + unrealised, 2), multiplier=multiplier,
        raw=row)


def dhan_day_position(ctx: DriverContext, row: Mapping[str, Any]) -> Position | None:
    """Today's part of one ``GET /positions`` row (``day*`` fields), or None when nothing traded today."""
    bought, sold = integer(row.get("dayBuyQty")), integer(row.get("daySellQty"))
    if bought <= 0 and sold <= 0:
        return None
    buy_price = number(row.get("dayBuyValue")) / bought if bought else 0.0
    sell_price = number(row.get("daySellValue")) / sold if sold else 0.0
    multiplier = _multiplier(row)
    net = integer(row.get("netQty"))
    last = _last_price(row, net, multiplier) if net else 0.0
    quantity = bought - sold
    average = buy_price if quantity > 0 else sell_price if quantity < 0 else 0.0
    realised = min(bought, sold) * (sell_price - buy_price) * multiplier
    unrealised = quantity * (last - average) * multiplier if last else 0.0
    return Position(instrument=instrument_of(ctx, row), product=dhan_product(row.get("productType")),
                    quantity=quantity, average_price=round(average, 4), last_price=last, buy_quantity=bought,
                    buy_price=round(buy_price, 4), sell_quantity=sold, sell_price=round(sell_price, 4),
                    realised_pnl=round(realised, 2), unrealised_pnl=round(unrealised, 2),
                    pnl=round(realised + unrealised, 2), multiplier=multiplier, raw=row)


# -- orders and trades -------------------------------------------------------------------


def _variety(row: Mapping[str, Any]) -> Variety:
    if row.get("afterMarketOrder") in (True, "true", "TRUE", "Yes"):
        return Variety.AMO
    if text(row.get("productType")).upper() == "CO":
        return Variety.CO
    return Variety.REGULAR


def dhan_order_to_order(ctx: DriverContext, row: Mapping[str, Any]) -> Order:
    """Parse an order of the order book, ``GET /orders/{id}`` or ``/orders/external/{tag}``."""
    order_type = dhan_order_type(row.get("orderType"))
    filled = integer(row.get("filledQty", row.get("filled_qty")))
    qty = integer(row.get("quantity"))
    status = dhan_status_to_status(row.get("orderStatus"), order_type, filled)
    remaining = integer(row.get("remainingQuantity")) if not status.is_terminal else 0
    return Order(
        order_id=text(row.get("orderId")), instrument=instrument_of(ctx, row),
        side=dhan_side(row.get("transactionType")), qty=qty, order_type=order_type,
        product=dhan_product(row.get("productType")), status=status, validity=dhan_validity(row.get("validity")),
        variety=_variety(row), price=number(row.get("price")), trigger_price=number(row.get("triggerPrice")),
        average_price=number(row.get("averageTradedPrice")), filled_qty=filled, pending_qty=remaining,
        cancelled_qty=qty - filled if status is OrderStatus.CANCELLED else 0,
        disclosed_qty=integer(row.get("disclosedQuantity")), tag=text(row.get("correlationId")),
        status_message=text(row.get("omsErrorDescription")), exchange_order_id=text(row.get("exchangeOrderId")),
        placed_at=dhan_time(row.get("createTime")), updated_at=dhan_time(row.get("updateTime")), raw=row)


def dhan_trade_to_trade(ctx: DriverContext, row: Mapping[str, Any]) -> Trade:
    """Parse one fill of ``GET /trades`` or ``GET /trades/{order-id}``."""
    return Trade(trade_id=text(row.get("exchangeTradeId")), order_id=text(row.get("orderId")),
                 instrument=instrument_of(ctx, row), side=dhan_side(row.get("transactionType")),
                 qty=integer(row.get("tradedQuantity")), price=number(row.get("tradedPrice")),
                 product=dhan_product(row.get("productType")),
                 traded_at=dhan_time(row.get("exchangeTime")) or dhan_time(row.get("createTime")),
                 exchange_order_id=text(row.get("exchangeOrderId")), raw=row)


def _field(data: Mapping[str, Any], name: str) -> Any:
    """An order-update key in the docs' spelling (``OrderNo``) or its lower-camel twin (``orderNo``)."""
    value = data.get(name)
    return data.get(name[0].lower() + name[1:]) if value is None else value


def dhan_update_to_order(ctx: DriverContext, data: Mapping[str, Any]) -> Order:
    """Parse the ``Data`` of an order-update message (its own spellings: ``B``/``S``, ``LMT``, ``I``...)."""
    segment = UPDATE_SEGMENTS.get((text(_field(data, "Exchange")).upper(), text(_field(data, "Segment")).upper()))
    if segment is None:
        raise BrokerUnavailableError(f"Dhan order update names an unknown segment {data.get('Segment')!r}",
                                     broker=BROKER)
    order_type = update_order_type(_field(data, "OrderType"))
    filled = integer(_field(data, "TradedQty"))
    qty = integer(_field(data, "Quantity"))
    status = dhan_status_to_status(_field(data, "Status"), order_type, filled)
    return Order(
        order_id=text(_field(data, "OrderNo")),
        instrument=ctx.by_token(segment, text(_field(data, "SecurityId"))),
        side=dhan_side(_field(data, "TxnType")), qty=qty, order_type=order_type,
        product=update_product(_field(data, "Product")), status=status,
        validity=dhan_validity(_field(data, "Validity")),
        variety=Variety.AMO if text(_field(data, "OffMktFlag")) == "1" else Variety.REGULAR,
        price=number(_field(data, "Price")), trigger_price=number(_field(data, "TriggerPrice")),
        average_price=number(_field(data, "AvgTradedPrice")), filled_qty=filled,
        pending_qty=0 if status.is_terminal else integer(_field(data, "RemainingQuantity")),
        cancelled_qty=qty - filled if status is OrderStatus.CANCELLED else 0,
        disclosed_qty=integer(_field(data, "DiscQuantity")), tag=text(_field(data, "CorrelationId")),
        status_message=text(_field(data, "ReasonDescription")) if status in (
            OrderStatus.REJECTED, OrderStatus.CANCELLED) else "",
        exchange_order_id=text(_field(data, "ExchOrderNo")), placed_at=dhan_time(_field(data, "OrderDateTime")),
        updated_at=dhan_time(_field(data, "LastUpdatedTime")), raw=data)


# -- market data -------------------------------------------------------------------------


def _levels(side: Any) -> tuple[DepthLevel, ...]:
    if not isinstance(side, list):
        return ()
    return tuple(DepthLevel(number(lv.get("price")), integer(lv.get("quantity")), integer(lv.get("orders")))
                 for lv in side if isinstance(lv, Mapping))


def dhan_quote_to_quote(instrument: AnyInstrument, row: Mapping[str, Any], with_depth: bool = True) -> Quote:
    """Parse one instrument of ``/marketfeed/quote`` (``/ltp`` and ``/ohlc`` carry a subset of it)."""
    found = row.get("ohlc")
    ohlc: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    depth = row.get("depth")
    last = number(row.get("last_price"))
    close = number(ohlc.get("close"))
    return Quote(
        instrument=instrument, last_price=last, last_quantity=integer(row.get("last_quantity")),
        average_price=number(row.get("average_price")), volume=integer(row.get("volume")),
        buy_quantity=integer(row.get("buy_quantity")), sell_quantity=integer(row.get("sell_quantity")),
        open=number(ohlc.get("open")), high=number(ohlc.get("high")), low=number(ohlc.get("low")), close=close,
        net_change=number(row.get("net_change")) if "net_change" in row else (round(last - close, 4) if close else 0.0),
        oi=integer(row.get("oi")), oi_day_high=integer(row.get("oi_day_high")),
        oi_day_low=integer(row.get("oi_day_low")), lower_circuit=number(row.get("lower_circuit_limit")),
        upper_circuit=number(row.get("upper_circuit_limit")), last_trade_time=dhan_time(row.get("last_trade_time")),
        depth=Depth(_levels(depth.get("buy")), _levels(depth.get("sell")))
        if with_depth and isinstance(depth, Mapping) else None,
        raw=row)


def dhan_candles_to_candles(payload: Any) -> list[Candle]:
    """Parse ``/charts/historical`` or ``/charts/intraday``: parallel arrays, epoch-second timestamps."""
    data = object_of(payload, "candles")
    stamps = data.get("timestamp") or []
    columns = [data.get(name) or [] for name in ("open", "high", "low", "close", "volume")]
    oi = data.get("open_interest") or []
    if not isinstance(stamps, list) or any(not isinstance(c, list) or len(c) != len(stamps) for c in columns):
        raise BrokerUnavailableError("Dhan candle reply's arrays are missing or of different lengths", broker=BROKER)
    out: list[Candle] = []
    for i, stamp in enumerate(stamps):
        out.append(Candle(timestamp=_dt.datetime.fromtimestamp(number(stamp), IST), open=number(columns[0][i]),
                          high=number(columns[1][i]), low=number(columns[2][i]), close=number(columns[3][i]),
                          volume=integer(columns[4][i]), oi=integer(oi[i]) if i < len(oi) else 0))
    return out


# -- forever orders and margins ------------------------------------------------------------

_FOREVER_STATUSES: Mapping[str, GttStatus] = {
    "CONFIRM": GttStatus.ACTIVE, "PENDING": GttStatus.ACTIVE, "TRANSIT": GttStatus.ACTIVE,
    "TRIGGERED": GttStatus.TRIGGERED, "TRADED": GttStatus.TRIGGERED, "CANCELLED": GttStatus.CANCELLED,
    "REJECTED": GttStatus.REJECTED, "EXPIRED": GttStatus.EXPIRED, "DELETED": GttStatus.DELETED,
}


def _forever_leg(row: Mapping[str, Any], prefix: str = "") -> GttLeg:
    price = number(row.get(f"price{prefix}"))
    return GttLeg(trigger_price=number(row.get(f"triggerPrice{prefix}")), side=dhan_side(row.get("transactionType")),
                  qty=integer(row.get(f"quantity{prefix}")), product=dhan_product(row.get("productType")),
                  order_type=dhan_order_type(row.get("orderType")) if text(row.get("orderType")) in (
                      "LIMIT", "MARKET") else dhan_order_type("LIMIT"),
                  price=price or None)


def dhan_forever_to_gtts(ctx: DriverContext, payload: Any) -> list[Gtt]:
    """Parse ``GET /forever/orders``: one row per leg (an OCO order lists its two legs under one id).

    The second leg of an OCO row may instead ride on the first row as ``price1``/``triggerPrice1``/
    ``quantity1`` (the create body's names); both shapes are read. Legs are ordered lower trigger first.
    """
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows_of(payload, "forever order list"):
        grouped.setdefault(text(row.get("orderId")), []).append(row)
    out: list[Gtt] = []
    for gtt_id, rows in grouped.items():
        first = rows[0]
        legs = [_forever_leg(row) for row in rows]
        if len(rows) == 1 and number(first.get("triggerPrice1")):
            legs.append(_forever_leg(first, "1"))
        legs.sort(key=lambda leg: leg.trigger_price)
        kind = GttType.OCO if len(legs) == 2 or text(first.get("orderFlag") or first.get("orderType")) == "OCO" \
            else GttType.SINGLE
        status = _FOREVER_STATUSES.get(text(first.get("orderStatus")).upper(), GttStatus.ACTIVE)
        out.append(Gtt(gtt_id=gtt_id, instrument=instrument_of(ctx, first), type=kind, status=status,
                       legs=tuple(legs), created_at=dhan_time(first.get("createTime")),
                       updated_at=dhan_time(first.get("updateTime")), raw=rows if len(rows) > 1 else first))
    return out


def dhan_margin_to_requirement(instrument: AnyInstrument | None, data: Mapping[str, Any]) -> MarginRequirement:
    """Parse ``POST /margincalculator``."""
    return MarginRequirement(instrument=instrument, total=number(data.get("totalMargin")),
                             span=number(data.get("spanMargin")), exposure=number(data.get("exposureMargin")),
                             var=number(data.get("variableMargin")), charges=number(data.get("brokerage")), raw=data)


def dhan_basket_margin_to_basket(data: Mapping[str, Any]) -> BasketMargin:
    """Parse ``POST /margincalculator/multi``: ``total_margin`` includes the hedge benefit (strings on the wire)."""
    total = number(data.get("total_margin"))
    hedge = number(data.get("hedge_benefit"))
    final = MarginRequirement(total=total, span=number(data.get("span_margin")),
                              exposure=number(data.get("exposure_margin")), raw=data)
    initial = MarginRequirement(total=round(total + hedge, 2), span=final.span, exposure=final.exposure, raw=data)
    return BasketMargin(initial=initial, final=final, raw=data)
