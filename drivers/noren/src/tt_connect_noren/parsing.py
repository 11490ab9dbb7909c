"""Pure ``noren_*_to_*`` parsers: Noren payloads -> canonical models.

Every Noren value is a string (``"qty":"50"``, ``"prc":"200.50"``; reference 3.6), so
numbers are read leniently: blank or missing reads as 0. Instruments are attached
through the :class:`~tt_connect.driver_api.DriverContext`: by (``exch``, ``tsym``) for
books, by (``exch``, ``token``) where a row carries a token. Each model keeps the
broker's row in ``raw``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec
from tt_connect.driver_api import DriverContext, fields
from tt_connect.errors import BrokerUnavailableError
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

from tt_connect_noren.mapping import (
    noren_order_type,
    noren_product,
    noren_side,
    noren_status_to_status,
    noren_time,
    noren_validity,
    noren_variety,
)

__all__ = [
    "integer",
    "noren_candles_to_candles",
    "noren_day_position",
    "noren_eod_to_candles",
    "noren_holding_to_holding",
    "noren_limits_to_funds",
    "noren_order_to_order",
    "noren_position_to_position",
    "noren_quote_to_quote",
    "noren_trade_to_trade",
    "noren_user_to_profile",
    "number",
]

BROKER = "noren"


number: Callable[[object], float] = fields.number_reader(BROKER, blanks=("None",))
"""Read a number (JSON or text); null and blank read as 0, NaN and infinities are refused."""
integer: Callable[[object], int] = fields.integer_reader(BROKER, blanks=("None",))


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value)


def _by_symbol(ctx: DriverContext, row: Mapping[str, Any]) -> AnyInstrument:
    # Books echo tsym as the exchange writes it; an order placed with a URL-encoded tsym (M%26M) may come
    # back encoded on some deployments, so both spellings are accepted.
    from urllib.parse import unquote_plus

    exchange, symbol = _text(row, "exch"), _text(row, "tsym")
    return ctx.by_symbol(exchange, unquote_plus(symbol) if "%" in symbol else symbol)


def noren_user_to_profile(row: Mapping[str, Any], broker: str) -> Profile:
    """``UserDetails`` -> Profile: ``actid``/``uid``, ``uname``, ``email``, ``exarr``, ``prarr[].prd``."""
    products = tuple(str(p.get("prd", "")) for p in row.get("prarr") or () if isinstance(p, Mapping))
    return Profile(broker=broker, user_id=_text(row, "actid") or _text(row, "uid"), name=_text(row, "uname"),
                   email=_text(row, "email"), exchanges=tuple(str(e) for e in row.get("exarr") or ()),
                   products=products, raw=dict(row))


def noren_limits_to_funds(row: Mapping[str, Any]) -> Funds:
    """``Limits`` -> Funds. Noren has no "available" field: available = cash + payin + collateral - used."""
    cash, payin, payout = number(row.get("cash")), number(row.get("payin")), number(row.get("payout"))
    collateral = number(row.get("brkcollamt")) + number(row.get("collateral"))
    used = number(row.get("marginused"))
    available_cash = cash + payin - payout
    equity = SegmentFunds(available_cash=round(available_cash, 2),
                          available_margin=round(available_cash + collateral - used, 2), used_margin=used,
                          opening_balance=cash, collateral=collateral, payin=payin, payout=payout)
    return Funds(equity=equity, raw=dict(row))


def noren_holding_to_holding(ctx: DriverContext, row: Mapping[str, Any]) -> Holding | None:
    """``Holdings`` row -> Holding, on its first listing in ``exch_tsym`` (NSE first when listed twice).

    Quantity is what can be sold: btst + hold + unpledged + beneficiary + dp - used (reference 3.6.4).
    Noren's holdings carry no last price, so ``last_price`` and ``pnl`` are 0.
    """
    listings = [entry for entry in row.get("exch_tsym") or () if isinstance(entry, Mapping)]
    if not listings:
        return None
    listings.sort(key=lambda entry: entry.get("exch") != "NSE")
    instrument = ctx.by_symbol(_text(listings[0], "exch"), _text(listings[0], "tsym"))
    quantity = (integer(row.get("btstqty")) + integer(row.get("holdqty")) + integer(row.get("unplgdqty"))
                + integer(row.get("benqty")) + integer(row.get("dpqty")) - integer(row.get("usedqty")))
    return Holding(instrument=instrument, quantity=quantity, average_price=number(row.get("upldprc")),
                   last_price=0.0, t1_quantity=integer(row.get("btstqty")), isin="", raw=dict(row))


def noren_position_to_position(ctx: DriverContext, row: Mapping[str, Any]) -> Position:
    """``PositionBook`` row -> the net position (carried-forward plus today)."""
    buy_qty = integer(row.get("daybuyqty")) + integer(row.get("cfbuyqty"))
    sell_qty = integer(row.get("daysellqty")) + integer(row.get("cfsellqty"))
    buy_value = number(row.get("daybuyamt")) + number(row.get("cfbuyamt"))
    sell_value = number(row.get("daysellamt")) + number(row.get("cfsellamt"))
    realised, unrealised = number(row.get("rpnl")), number(row.get("urmtom"))
    return Position(instrument=_by_symbol(ctx, row), product=noren_product(row.get("prd")),
                    quantity=integer(row.get("netqty")), average_price=number(row.get("netavgprc")),
                    last_price=number(row.get("lp")), buy_quantity=buy_qty,
                    buy_price=round(buy_value / buy_qty, 4) if buy_qty else 0.0, sell_quantity=sell_qty,
                    sell_price=round(sell_value / sell_qty, 4) if sell_qty else 0.0,
                    overnight_quantity=integer(row.get("cfbuyqty")) - integer(row.get("cfsellqty")),
                    realised_pnl=realised, unrealised_pnl=unrealised, pnl=round(realised + unrealised, 2),
                    multiplier=number(row.get("mult")) or 1.0, raw=dict(row))


def noren_day_position(ctx: DriverContext, row: Mapping[str, Any]) -> Position | None:
    """Today's part of a ``PositionBook`` row; None when nothing was traded today."""
    buy_qty, sell_qty = integer(row.get("daybuyqty")), integer(row.get("daysellqty"))
    if not buy_qty and not sell_qty:
        return None
    buy_price, sell_price = number(row.get("daybuyavgprc")), number(row.get("daysellavgprc"))
    net = buy_qty - sell_qty
    average = buy_price if net > 0 else sell_price if net < 0 else 0.0
    realised = number(row.get("rpnl"))
    return Position(instrument=_by_symbol(ctx, row), product=noren_product(row.get("prd")), quantity=net,
                    average_price=average, last_price=number(row.get("lp")), buy_quantity=buy_qty,
                    buy_price=buy_price, sell_quantity=sell_qty, sell_price=sell_price, realised_pnl=realised,
                    pnl=realised, multiplier=number(row.get("mult")) or 1.0, raw=dict(row))


def noren_order_to_order(ctx: DriverContext, row: Mapping[str, Any]) -> Order:
    """An ``OrderBook``/``SingleOrdHist`` row or an ``om`` update -> Order.

    ``qty`` is the order's total quantity and ``fillshares`` what has filled; a cancelled order's
    unfilled part is ``cancelqty``. ``rejreason`` is the broker's text for a rejection.
    """
    qty, filled = integer(row.get("qty")), integer(row.get("fillshares"))
    status = noren_status_to_status(row.get("status"), filled, qty)
    cancelled = integer(row.get("cancelqty"))
    pending = max(qty - filled - cancelled, 0) if not status.is_terminal else 0
    updated = noren_time(row.get("norentm")) or noren_time(row.get("exch_tm"))
    product = row.get("prd") or row.get("pcode")
    return Order(order_id=_text(row, "norenordno"), instrument=_by_symbol(ctx, row),
                 side=noren_side(row.get("trantype")), qty=qty, order_type=noren_order_type(row.get("prctyp")),
                 product=noren_product(product), status=status, validity=noren_validity(row.get("ret")),
                 variety=noren_variety(product, row.get("amo")), price=number(row.get("prc")),
                 trigger_price=number(row.get("trgprc")), average_price=number(row.get("avgprc")),
                 filled_qty=filled, pending_qty=pending, cancelled_qty=cancelled,
                 disclosed_qty=integer(row.get("dscqty")), tag=_text(row, "remarks"),
                 status_message=_text(row, "rejreason"), exchange_order_id=_text(row, "exchordid"),
                 placed_at=updated, updated_at=updated, raw=dict(row))


def noren_trade_to_trade(ctx: DriverContext, row: Mapping[str, Any]) -> Trade:
    """A ``TradeBook`` row -> Trade: fill id ``flid``, quantity ``flqty``, price ``flprc``, time ``fltm``."""
    return Trade(trade_id=_text(row, "flid"), order_id=_text(row, "norenordno"), instrument=_by_symbol(ctx, row),
                 side=noren_side(row.get("trantype")), qty=integer(row.get("flqty")), price=number(row.get("flprc")),
                 product=noren_product(row.get("prd")), traded_at=noren_time(row.get("fltm")),
                 exchange_order_id=_text(row, "exchordid"), raw=dict(row))


def _levels(row: Mapping[str, Any], price: str, quantity: str, orders: str) -> tuple[DepthLevel, ...]:
    out = []
    for i in range(1, 6):
        level_price = number(row.get(f"{price}{i}"))
        if level_price:
            out.append(DepthLevel(level_price, integer(row.get(f"{quantity}{i}")), integer(row.get(f"{orders}{i}"))))
    return tuple(out)


def _clock_time(value: object, today: _dt.date) -> _dt.datetime | None:
    if isinstance(value, str) and value.count(":") == 2 and len(value.strip()) == 8:
        try:
            return _dt.datetime.combine(today, _dt.time.fromisoformat(value.strip()), IST)
        except ValueError:
            return None
    return noren_time(value)


def noren_quote_to_quote(ctx: DriverContext, row: Mapping[str, Any]) -> Quote:
    """A ``GetQuotes`` reply -> Quote with five levels of depth (``bp1..5``, ``bq``, ``bo``; ``sp``, ``sq``, ``so``).

    A docs sample spells one key ``So5`` (reference 3.6.5), so keys are read case-insensitively.
    """
    data = {str(k).lower(): v for k, v in row.items()}
    instrument = ctx.by_token(_text(data, "exch"), _text(data, "token"))
    last, close = number(data.get("lp")), number(data.get("c"))
    now = ctx.now()
    return Quote(instrument=instrument, last_price=last, last_quantity=integer(data.get("ltq")),
                 average_price=number(data.get("ap")), volume=integer(data.get("v")),
                 buy_quantity=integer(data.get("tbq")), sell_quantity=integer(data.get("tsq")),
                 open=number(data.get("o")), high=number(data.get("h")), low=number(data.get("l")), close=close,
                 net_change=round(last - close, 4) if close else 0.0, oi=integer(data.get("oi")),
                 lower_circuit=number(data.get("lc")), upper_circuit=number(data.get("uc")),
                 last_trade_time=_clock_time(data.get("ltt"), now.date()), timestamp=now,
                 depth=Depth(_levels(data, "bp", "bq", "bo"), _levels(data, "sp", "sq", "so")), raw=dict(row))


def noren_candles_to_candles(rows: Sequence[Mapping[str, Any]]) -> list[Candle]:
    """``TPSeries`` rows (newest first) -> candles, oldest first; ``intoi`` is the open interest."""
    out = []
    for row in rows:
        stamp = noren_time(row.get("time"))
        if stamp is None:
            raise BrokerUnavailableError(f"Noren sent a candle without a readable time: {row.get('time')!r}",
                                         broker=BROKER)
        out.append(Candle(timestamp=stamp, open=number(row.get("into")), high=number(row.get("inth")),
                          low=number(row.get("intl")), close=number(row.get("intc")), volume=integer(row.get("intv")),
                          oi=integer(row.get("intoi") or row.get("oi"))))
    out.sort(key=lambda candle: candle.timestamp)
    return out


def noren_eod_to_candles(rows: Sequence[Any]) -> list[Candle]:
    """``EODChartData``: an array of JSON *strings*, each one candle (reference gotcha 4) -> candles, oldest first."""
    decoded: list[Mapping[str, Any]] = []
    for item in rows:
        if isinstance(item, (str, bytes)):
            try:
                item = msgspec.json.decode(item)
            except msgspec.DecodeError:
                raise BrokerUnavailableError(f"Noren sent an unreadable daily candle {item!r}", broker=BROKER) from None
        if isinstance(item, Mapping):
            decoded.append(item)
    out = []
    for row in decoded:
        epoch = integer(row.get("ssboe"))
        stamp = noren_time(row.get("time"))
        if stamp is None and epoch:
            stamp = _dt.datetime.fromtimestamp(epoch, IST)
        if stamp is None:
            raise BrokerUnavailableError(f"Noren sent a daily candle without a time: {row!r}", broker=BROKER)
        day = _dt.datetime.combine(stamp.date(), _dt.time(0, 0), IST)
        out.append(Candle(timestamp=day, open=number(row.get("into")), high=number(row.get("inth")),
                          low=number(row.get("intl")), close=number(row.get("intc")), volume=integer(row.get("intv"))))
    out.sort(key=lambda candle: candle.timestamp)
    return out
