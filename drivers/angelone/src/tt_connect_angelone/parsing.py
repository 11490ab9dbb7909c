"""Pure ``angel_*_to_*`` parsers: SmartAPI payloads -> canonical models.

SmartAPI mixes JSON strings and numbers for the same field (``"quantity":"1"``,
``"price":161.7``; reference 2.14 gotcha 8), so every number is read leniently.
Each model keeps the broker's payload in ``raw``; instruments are attached through
the ``DriverContext``: by (exch_seg, symboltoken) where the row has a token, else by
(exchange, tradingsymbol).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from tt_connect.driver_api import BrokerFailure, DriverContext, HttpResponse, fields
from tt_connect.errors import BrokerUnavailableError, InstrumentError, OrderNotFoundError
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
    Trade,
)
from tt_connect.timeutil import IST

from tt_connect_angelone.mapping import (
    angel_candle_time,
    angel_order_type,
    angel_product,
    angel_side,
    angel_status_to_status,
    angel_time,
    angel_validity,
    angel_variety,
)

__all__ = [
    "angel_book_to_order",
    "angel_candles_to_candles",
    "angel_day_position",
    "angel_envelope_to_data",
    "angel_holding_to_holding",
    "angel_order_to_order",
    "angel_position_to_position",
    "angel_profile_to_profile",
    "angel_quote_to_quote",
    "angel_rms_to_funds",
    "angel_trade_to_trade",
    "number",
    "rows_of",
    "text",
]

BROKER = "angelone"


number: Callable[[object], float] = fields.number_reader(BROKER)
"""Read a number (JSON or text); null and blank read as 0, NaN and infinities are refused."""
integer: Callable[[object], int] = fields.integer_reader(BROKER)


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def angel_envelope_to_data(response: HttpResponse) -> Any:
    """Return ``data`` of a successful SmartAPI envelope; raise BrokerFailure for either error envelope.

    A reply failed when ``status`` is false, a gateway ``success: false`` is present, or HTTP >= 400
    (reference 2.3); errors often arrive with HTTP 200. Login replies go through here too.
    """
    try:
        body = msgspec.json.decode(response.body)
    except msgspec.DecodeError:
        return _text_reply(response)
    if isinstance(body, Mapping):
        status, success = body.get("status"), body.get("success")
        failed = status in (False, "false") or success in (False, "false") or response.status >= 400
        if not failed and (status in (True, "true") or success in (True, "true")):
            data = body.get("data")
            return None if data == "null" else data
        if not failed:
            raise BrokerUnavailableError(
                f"AngelOne replied with an envelope that has neither status nor success (HTTP {response.status})",
                broker=BROKER, http_status=response.status)
        code = text(body.get("errorcode") or body.get("errorCode")) or None
        message = text(body.get("message")) or f"AngelOne replied HTTP {response.status}"
        raise BrokerFailure(message, code=code, http_status=response.status, raw=dict(body))
    if response.status >= 400:
        raise BrokerFailure(f"AngelOne replied HTTP {response.status}", http_status=response.status, raw=body)
    raise BrokerUnavailableError(f"AngelOne replied with an unexpected envelope (HTTP {response.status})",
                                 broker=BROKER, http_status=response.status)


def _text_reply(response: HttpResponse) -> Any:
    """A body that is not JSON: SmartAPI's rate refusal is one line of text with HTTP 403 ("Access denied
    because of exceeding access rate"), a proxy's error an HTML page. With an error status it is a
    BrokerFailure for the error map; with a success status the reply cannot be read."""
    snippet = response.body[:200].decode("utf-8", "replace").strip()
    if response.status >= 400:
        raise BrokerFailure(snippet or f"AngelOne replied HTTP {response.status}", http_status=response.status,
                            raw=snippet)
    raise BrokerUnavailableError(f"AngelOne replied with a body that is not JSON: {snippet[:80]!r}", broker=BROKER,
                                 http_status=response.status)


def rows_of(payload: Any, what: str) -> list[Mapping[str, Any]]:
    """Return a list payload; SmartAPI sends ``data: null`` for an empty book (reference 2.5.3)."""
    if payload is None or payload == "":
        return []
    if not isinstance(payload, list) or not all(isinstance(row, Mapping) for row in payload):
        raise BrokerUnavailableError(f"AngelOne {what} reply is not a list of objects", broker=BROKER)
    return payload


def object_of(payload: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise BrokerUnavailableError(f"AngelOne {what} reply is not an object", broker=BROKER)
    return payload


def instrument_of(ctx: DriverContext, row: Mapping[str, Any]) -> AnyInstrument:
    """Find a row's instrument: by (exchange, symboltoken) first, by (exchange, tradingsymbol) otherwise."""
    exchange = text(row.get("exchange")).upper()
    token = text(row.get("symboltoken") or row.get("symbolToken"))
    symbol = text(row.get("tradingsymbol") or row.get("tradingSymbol"))
    if token:
        try:
            return ctx.by_token(exchange, token)
        except InstrumentError:
            if not symbol:
                raise
    return ctx.by_symbol(exchange, symbol)


# -- account -----------------------------------------------------------------------------


def _names(value: Any) -> tuple[str, ...]:
    """``exchanges``/``products`` arrive as a list, or as a list's text (``"['NSE','BSE']"``)."""
    if isinstance(value, list):
        return tuple(text(v) for v in value if text(v))
    if isinstance(value, str):
        return tuple(part.strip(" '\"") for part in value.strip("[] ").split(",") if part.strip(" '\""))
    return ()


def angel_profile_to_profile(data: Mapping[str, Any]) -> Profile:
    """Parse ``getProfile``."""
    return Profile(broker=BROKER, user_id=text(data.get("clientcode")), name=text(data.get("name")),
                   email=text(data.get("email")), exchanges=_names(data.get("exchanges")),
                   products=_names(data.get("products")), raw=data)


def angel_rms_to_funds(data: Mapping[str, Any]) -> Funds:
    """Parse ``getRMS``: ``net`` is what new orders can use; SmartAPI keeps one segment."""
    equity = SegmentFunds(
        available_cash=number(data.get("availablecash")),
        available_margin=number(data.get("net")),
        used_margin=number(data.get("utiliseddebits")),
        collateral=number(data.get("collateral")),
        payin=number(data.get("availableintradaypayin")),
        payout=number(data.get("utilisedpayout")),
        raw=data,
    )
    return Funds(equity=equity, raw=data)


def angel_holding_to_holding(ctx: DriverContext, row: Mapping[str, Any]) -> Holding:
    """Parse one row of ``getHolding``."""
    quantity = integer(row.get("quantity"))
    last = number(row.get("ltp"))
    close = number(row.get("close"))
    return Holding(instrument=instrument_of(ctx, row), quantity=quantity, average_price=number(row.get("averageprice")),
                   last_price=last, t1_quantity=integer(row.get("t1quantity")),
                   pnl=number(row.get("profitandloss")),
                   day_change=(last - close) * quantity if close else 0.0, isin=text(row.get("isin")), raw=row)


def angel_position_to_position(ctx: DriverContext, row: Mapping[str, Any]) -> Position:
    """Parse one row of ``getPosition`` (one flat list; ``cf*`` fields are carried forward)."""
    carried = integer(row.get("cfbuyqty")) - integer(row.get("cfsellqty"))
    return Position(
        instrument=instrument_of(ctx, row), product=angel_product(row.get("producttype")),
        quantity=integer(row.get("netqty")), average_price=number(row.get("avgnetprice") or row.get("netprice")),
        last_price=number(row.get("ltp")),
        buy_quantity=integer(row.get("buyqty") if row.get("buyqty") is not None else row.get("buyquantity")),
        buy_price=number(row.get("buyavgprice")),
        sell_quantity=integer(row.get("sellqty") if row.get("sellqty") is not None else row.get("sellquantity")),
        sell_price=number(row.get("sellavgprice")), overnight_quantity=carried,
        realised_pnl=number(row.get("realised")), unrealised_pnl=number(row.get("unrealised")),
        pnl=number(row.get("pnl")), multiplier=_multiplier(row), raw=row)


def _multiplier(row: Mapping[str, Any]) -> float:
    """SmartAPI often sends ``multiplier: "-1"`` (no multiplier); anything not positive reads as 1."""
    value = number(row.get("multiplier"))
    return value if value > 0 else 1.0


def _average(amount: float, quantity: int, stated: Any) -> float:
    """Average price of today's side: amount over quantity, else the row's stated average."""
    if not quantity:
        return 0.0
    return amount / quantity if amount > 0 else number(stated)


def angel_day_position(ctx: DriverContext, row: Mapping[str, Any]) -> Position | None:
    """Today's part of one ``getPosition`` row, or None when nothing was traded today.

    SmartAPI sends one flat list in which ``cf*`` is what was carried in (reference
    2.7). Whether ``buyqty``/``sellqty`` include the carried quantity is not
    documented, so the row decides: when ``netqty`` equals ``buyqty - sellqty`` they
    do, and the carried part is taken out; otherwise they are today's alone. The day
    P&L follows Kite's day book: realised on the matched quantity, unrealised on
    today's net at the last price.
    """
    bought = integer(row.get("buyqty") if row.get("buyqty") is not None else row.get("buyquantity"))
    sold = integer(row.get("sellqty") if row.get("sellqty") is not None else row.get("sellquantity"))
    buy_amount, sell_amount = number(row.get("buyamount")), number(row.get("sellamount"))
    carried_buy, carried_sell = integer(row.get("cfbuyqty")), integer(row.get("cfsellqty"))
    if (carried_buy or carried_sell) and integer(row.get("netqty")) == bought - sold:
        bought, sold = bought - carried_buy, sold - carried_sell
        buy_amount -= number(row.get("cfbuyamount"))
        sell_amount -= number(row.get("cfsellamount"))
    if bought <= 0 and sold <= 0:
        return None
    bought, sold = max(bought, 0), max(sold, 0)
    buy_price = _average(buy_amount, bought, row.get("buyavgprice"))
    sell_price = _average(sell_amount, sold, row.get("sellavgprice"))
    multiplier = _multiplier(row)
    quantity, last = bought - sold, number(row.get("ltp"))
    average = buy_price if quantity > 0 else sell_price if quantity < 0 else 0.0
    realised = min(bought, sold) * (sell_price - buy_price) * multiplier
    unrealised = quantity * (last - average) * multiplier
    return Position(instrument=instrument_of(ctx, row), product=angel_product(row.get("producttype")),
                    quantity=quantity, average_price=round(average, 4), last_price=last, buy_quantity=bought,
                    buy_price=round(buy_price, 4), sell_quantity=sold, sell_price=round(sell_price, 4),
                    overnight_quantity=0, realised_pnl=round(realised, 2), unrealised_pnl=round(unrealised, 2),
                    pnl=round(realised + unrealised, 2), multiplier=multiplier, raw=row)


# -- orders and trades -------------------------------------------------------------------


def angel_order_to_order(ctx: DriverContext, row: Mapping[str, Any]) -> Order:
    """Parse a SmartAPI order (order book or single order status)."""
    filled = integer(row.get("filledshares"))
    pending = integer(row.get("unfilledshares"))
    updated = angel_time(row.get("exchorderupdatetime")) or angel_time(row.get("updatetime"))
    return Order(
        order_id=text(row.get("orderid")), instrument=instrument_of(ctx, row),
        side=angel_side(row.get("transactiontype")), qty=integer(row.get("quantity")),
        order_type=angel_order_type(row.get("ordertype")), product=angel_product(row.get("producttype")),
        status=angel_status_to_status(row.get("status") or row.get("orderstatus"), filled, pending),
        validity=angel_validity(row.get("duration")), variety=angel_variety(row.get("variety")),
        price=number(row.get("price")), trigger_price=number(row.get("triggerprice")),
        average_price=number(row.get("averageprice")), filled_qty=filled, pending_qty=pending,
        cancelled_qty=integer(row.get("cancelsize")), disclosed_qty=integer(row.get("disclosedquantity")),
        tag=text(row.get("ordertag")), status_message=text(row.get("text")),
        exchange_order_id=text(row.get("exchangeorderid") or row.get("exchorderid")),
        placed_at=angel_time(row.get("exchtime")) or updated, updated_at=updated, raw=row)


def angel_book_to_order(ctx: DriverContext, payload: Any, order_id: str) -> Order:
    """Find one order in a ``getOrderBook`` reply; a book without it means there is no such order today."""
    for row in rows_of(payload, "order book"):
        if text(row.get("orderid")) == order_id:
            return angel_order_to_order(ctx, row)
    raise OrderNotFoundError(f"AngelOne has no order {order_id!r} in today's order book", broker=BROKER)


def _fill_time(value: Any, today: _dt.date) -> _dt.datetime | None:
    """``filltime`` is a bare ``HH:MM:SS`` of today; a full timestamp is read as such."""
    raw = text(value)
    if not raw:
        return None
    try:
        return _dt.datetime.combine(today, _dt.time.fromisoformat(raw), IST)
    except ValueError:
        return angel_time(raw)


def angel_trade_to_trade(ctx: DriverContext, row: Mapping[str, Any]) -> Trade:
    """Parse one fill of ``getTradeBook`` (its price is ``fillprice``, its size ``fillsize``)."""
    return Trade(trade_id=text(row.get("fillid")), order_id=text(row.get("orderid")),
                 instrument=instrument_of(ctx, row), side=angel_side(row.get("transactiontype")),
                 qty=integer(row.get("fillsize")), price=number(row.get("fillprice")),
                 product=angel_product(row.get("producttype")),
                 traded_at=_fill_time(row.get("filltime"), ctx.now().astimezone(IST).date()),
                 exchange_order_id=text(row.get("exchangeorderid") or row.get("exchorderid")), raw=row)


# -- market data -------------------------------------------------------------------------


def _levels(side: Any) -> tuple[DepthLevel, ...]:
    if not isinstance(side, list):
        return ()
    return tuple(DepthLevel(number(lv.get("price")), integer(lv.get("quantity")), integer(lv.get("orders")))
                 for lv in side if isinstance(lv, Mapping))


def angel_quote_to_quote(instrument: AnyInstrument, row: Mapping[str, Any], with_depth: bool = True) -> Quote:
    """Parse one ``fetched`` entry of ``market/v1/quote`` (FULL; LTP mode only has ``ltp``)."""
    depth = row.get("depth")
    return Quote(
        instrument=instrument, last_price=number(row.get("ltp")), last_quantity=integer(row.get("lastTradeQty")),
        average_price=number(row.get("avgPrice")), volume=integer(row.get("tradeVolume")),
        buy_quantity=integer(row.get("totBuyQuan")), sell_quantity=integer(row.get("totSellQuan")),
        open=number(row.get("open")), high=number(row.get("high")), low=number(row.get("low")),
        close=number(row.get("close")), net_change=number(row.get("netChange")),
        oi=integer(row.get("opnInterest")), lower_circuit=number(row.get("lowerCircuit")),
        upper_circuit=number(row.get("upperCircuit")), last_trade_time=angel_time(row.get("exchTradeTime")),
        timestamp=angel_time(row.get("exchFeedTime")),
        depth=Depth(_levels(depth.get("buy")), _levels(depth.get("sell")))
        if with_depth and isinstance(depth, Mapping) else None,
        raw=row)


def angel_candles_to_candles(payload: Any) -> list[Candle]:
    """Parse ``getCandleData``: ``[[timestamp, open, high, low, close, volume], ...]``."""
    out: list[Candle] = []
    for row in rows_of_lists(payload):
        out.append(Candle(timestamp=angel_candle_time(row[0]), open=number(row[1]), high=number(row[2]),
                          low=number(row[3]), close=number(row[4]), volume=integer(row[5])))
    return out


def rows_of_lists(payload: Any) -> list[list[Any]]:
    if payload is None or payload == "":
        return []
    if not isinstance(payload, list) or not all(isinstance(r, list) and len(r) >= 6 for r in payload):
        raise BrokerUnavailableError("AngelOne candle reply is not a list of [time, o, h, l, c, v] rows",
                                     broker=BROKER)
    return payload
