"""Kite Connect v3 payloads -> canonical models: pure ``kite_<x>_to_<y>`` functions.

Each parser reads one Kite object (the ``data`` of an envelope, or one row of it), keeps it in
``raw`` and attaches instruments through the :class:`~tt_connect.driver_api.DriverContext`
(``by_symbol(exchange, tradingsymbol)``). None writes anywhere: what the core needs to remember
of an order it reads back from the parsed ``Order``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tt_connect.driver_api import DriverContext, fields, reply_list, reply_object
from tt_connect.enums import GttStatus, GttType
from tt_connect.errors import BrokerUnavailableError
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
    Trade,
)

from tt_connect_zerodha.mapping import (
    BROKER,
    kite_candle_time,
    kite_order_type,
    kite_product,
    kite_side,
    kite_status_to_status,
    kite_time,
    kite_validity,
    kite_variety,
)

__all__ = [
    "kite_autoslice_to_order_ids",
    "kite_basket_to_basket",
    "kite_candles_to_candles",
    "kite_funds_to_funds",
    "kite_gtt_to_gtt",
    "kite_holding_to_holding",
    "kite_margin_to_margin",
    "kite_order_to_order",
    "kite_position_to_position",
    "kite_profile_to_profile",
    "kite_quote_to_quote",
    "kite_reply_to_list",
    "kite_reply_to_object",
    "kite_segment_to_segment_funds",
    "kite_trade_to_trade",
]

_GTT_STATUSES = {"active": GttStatus.ACTIVE, "triggered": GttStatus.TRIGGERED, "disabled": GttStatus.DISABLED,
                 "expired": GttStatus.EXPIRED, "cancelled": GttStatus.CANCELLED, "rejected": GttStatus.REJECTED,
                 "deleted": GttStatus.DELETED}


_f: Callable[[object], float] = fields.number_reader(BROKER)
_i: Callable[[object], int] = fields.integer_reader(BROKER)


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _instrument(ctx: DriverContext, row: Mapping[str, Any]) -> AnyInstrument:
    return ctx.by_symbol(_s(row.get("exchange")), _s(row.get("tradingsymbol")))


def kite_reply_to_list(payload: Any, what: str) -> list[Mapping[str, Any]]:
    """Return a reply's ``data`` that must be a list (a book), or say Kite sent something else."""
    return reply_list(payload, broker=BROKER, what=what)


def kite_reply_to_object(payload: Any, what: str) -> Mapping[str, Any]:
    """Return a reply's ``data`` that must be an object."""
    return reply_object(payload, broker=BROKER, what=what)


# -- account and portfolio -----------------------------------------------------------------


def kite_profile_to_profile(data: Mapping[str, Any]) -> Profile:
    """Parse ``GET /user/profile`` (or ``/user/profile/full``, which adds fields)."""
    return Profile(broker=BROKER, user_id=_s(data.get("user_id")), name=_s(data.get("user_name")),
                   email=_s(data.get("email")), exchanges=tuple(data.get("exchanges") or ()),
                   products=tuple(data.get("products") or ()), raw=data)


def kite_segment_to_segment_funds(data: Mapping[str, Any]) -> SegmentFunds:
    """Parse one segment of ``GET /user/margins``: ``net`` is what new orders can use."""
    available = data.get("available") or {}
    utilised = data.get("utilised") or {}
    return SegmentFunds(
        available_cash=_f(available.get("cash")),
        available_margin=_f(data.get("net")),
        used_margin=_f(utilised.get("debits")),
        opening_balance=_f(available.get("opening_balance")),
        collateral=_f(available.get("collateral")),
        payin=_f(available.get("intraday_payin")),
        payout=_f(utilised.get("payout")),
        raw=data,
    )


def kite_funds_to_funds(data: Mapping[str, Any]) -> Funds:
    """Parse ``GET /user/margins`` (equity and commodity segments)."""
    equity = data.get("equity")
    if not isinstance(equity, Mapping):
        raise BrokerUnavailableError("Kite margins reply has no equity segment", broker=BROKER)
    commodity = data.get("commodity")
    return Funds(equity=kite_segment_to_segment_funds(equity),
                 commodity=kite_segment_to_segment_funds(commodity) if isinstance(commodity, Mapping) else None,
                 raw=data)


def kite_holding_to_holding(ctx: DriverContext, row: Mapping[str, Any]) -> Holding:
    """Parse one row of ``GET /portfolio/holdings``."""
    return Holding(instrument=_instrument(ctx, row), quantity=_i(row.get("quantity")),
                   average_price=_f(row.get("average_price")), last_price=_f(row.get("last_price")),
                   t1_quantity=_i(row.get("t1_quantity")), pnl=_f(row.get("pnl")),
                   day_change=_f(row.get("day_change")), isin=_s(row.get("isin")), raw=row)


def kite_position_to_position(ctx: DriverContext, row: Mapping[str, Any]) -> Position:
    """Parse one row of ``GET /portfolio/positions`` (``net`` or ``day``)."""
    return Position(
        instrument=_instrument(ctx, row), product=kite_product(row.get("product")),
        quantity=_i(row.get("quantity")), average_price=_f(row.get("average_price")),
        last_price=_f(row.get("last_price")), buy_quantity=_i(row.get("buy_quantity")),
        buy_price=_f(row.get("buy_price")), sell_quantity=_i(row.get("sell_quantity")),
        sell_price=_f(row.get("sell_price")), overnight_quantity=_i(row.get("overnight_quantity")),
        realised_pnl=_f(row.get("realised")), unrealised_pnl=_f(row.get("unrealised")),
        pnl=_f(row.get("pnl")), multiplier=_f(row.get("multiplier") or 1), raw=row)


# -- orders and trades ---------------------------------------------------------------------


def kite_order_to_order(ctx: DriverContext, row: Mapping[str, Any]) -> Order:
    """Parse a Kite order (order book, order history, postback or stream update)."""
    filled = _i(row.get("filled_quantity"))
    pending = _i(row.get("pending_quantity"))
    return Order(
        order_id=_s(row.get("order_id")), instrument=_instrument(ctx, row),
        side=kite_side(row.get("transaction_type")), qty=_i(row.get("quantity")),
        order_type=kite_order_type(row.get("order_type")), product=kite_product(row.get("product")),
        status=kite_status_to_status(row.get("status"), filled, pending),
        validity=kite_validity(row.get("validity")), variety=kite_variety(row.get("variety")),
        price=_f(row.get("price")), trigger_price=_f(row.get("trigger_price")),
        average_price=_f(row.get("average_price")), filled_qty=filled, pending_qty=pending,
        cancelled_qty=_i(row.get("cancelled_quantity")), disclosed_qty=_i(row.get("disclosed_quantity")),
        tag=_s(row.get("tag")), status_message=_s(row.get("status_message")),
        exchange_order_id=_s(row.get("exchange_order_id")), placed_at=kite_time(row.get("order_timestamp")),
        updated_at=kite_time(row.get("exchange_update_timestamp")) or kite_time(row.get("exchange_timestamp"))
        or kite_time(row.get("order_timestamp")),
        raw=row)


def kite_autoslice_to_order_ids(data: Mapping[str, Any]) -> list[str]:
    """Parse an autoslice reply: the ids of the child orders placed (a refused child has an ``error``)."""
    children = data.get("children")
    if not isinstance(children, list):
        raise BrokerUnavailableError("Kite's autoslice reply lists no children", broker=BROKER)
    return [_s(child["order_id"]) for child in children if isinstance(child, Mapping) and child.get("order_id")]


def kite_trade_to_trade(ctx: DriverContext, row: Mapping[str, Any]) -> Trade:
    """Parse one fill (``GET /trades``, ``GET /orders/{id}/trades``); its price is ``average_price``."""
    return Trade(trade_id=_s(row.get("trade_id")), order_id=_s(row.get("order_id")),
                 instrument=_instrument(ctx, row), side=kite_side(row.get("transaction_type")),
                 qty=_i(row.get("quantity")), price=_f(row.get("average_price")),
                 product=kite_product(row.get("product")),
                 traded_at=kite_time(row.get("fill_timestamp")) or kite_time(row.get("exchange_timestamp")),
                 exchange_order_id=_s(row.get("exchange_order_id")), raw=row)


# -- market data ---------------------------------------------------------------------------


def _depth(data: Any) -> Depth | None:
    if not isinstance(data, Mapping):
        return None

    def levels(side: Any) -> tuple[DepthLevel, ...]:
        return tuple(DepthLevel(price=_f(lv.get("price")), quantity=_i(lv.get("quantity")),
                                orders=_i(lv.get("orders"))) for lv in side or ())

    return Depth(bids=levels(data.get("buy")), asks=levels(data.get("sell")))


def kite_quote_to_quote(instrument: AnyInstrument, row: Mapping[str, Any], with_depth: bool = True) -> Quote:
    """Parse one entry of ``GET /quote`` (or ``/quote/ltp``, which only has ``last_price``)."""
    ohlc = row.get("ohlc") or {}
    return Quote(
        instrument=instrument, last_price=_f(row.get("last_price")), last_quantity=_i(row.get("last_quantity")),
        average_price=_f(row.get("average_price")), volume=_i(row.get("volume")),
        buy_quantity=_i(row.get("buy_quantity")), sell_quantity=_i(row.get("sell_quantity")),
        open=_f(ohlc.get("open")), high=_f(ohlc.get("high")), low=_f(ohlc.get("low")), close=_f(ohlc.get("close")),
        net_change=_f(row.get("net_change")), oi=_i(row.get("oi")), oi_day_high=_i(row.get("oi_day_high")),
        oi_day_low=_i(row.get("oi_day_low")), lower_circuit=_f(row.get("lower_circuit_limit")),
        upper_circuit=_f(row.get("upper_circuit_limit")), last_trade_time=kite_time(row.get("last_trade_time")),
        timestamp=kite_time(row.get("timestamp")), depth=_depth(row.get("depth")) if with_depth else None, raw=row)


def kite_candles_to_candles(data: Mapping[str, Any]) -> list[Candle]:
    """Parse ``{"candles": [[ts, o, h, l, c, v(, oi)], ...]}``."""
    out: list[Candle] = []
    for row in data.get("candles") or ():
        out.append(Candle(timestamp=kite_candle_time(row[0]), open=_f(row[1]), high=_f(row[2]), low=_f(row[3]),
                          close=_f(row[4]), volume=_i(row[5]), oi=_i(row[6]) if len(row) > 6 else 0))
    return out


# -- GTT and margins -----------------------------------------------------------------------


def kite_gtt_to_gtt(ctx: DriverContext, data: Mapping[str, Any]) -> Gtt:
    """Parse one trigger of ``GET /gtt/triggers``; legs pair trigger values with orders in order."""
    condition = data.get("condition") or {}
    instrument = _instrument(ctx, condition)
    triggers = list(condition.get("trigger_values") or ())
    orders = list(data.get("orders") or ())
    if not triggers or len(triggers) != len(orders):
        raise BrokerUnavailableError(f"Kite GTT {data.get('id')} pairs {len(triggers)} triggers with "
                                     f"{len(orders)} orders", broker=BROKER)
    legs = tuple(GttLeg(trigger_price=_f(trigger), side=kite_side(order.get("transaction_type")),
                        qty=_i(order.get("quantity")), product=kite_product(order.get("product")),
                        order_type=kite_order_type(order.get("order_type")),
                        price=_f(order.get("price")) if order.get("price") else None)
                 for trigger, order in zip(triggers, orders))
    return Gtt(gtt_id=_s(data.get("id")), instrument=instrument,
               type=GttType.OCO if data.get("type") == "two-leg" else GttType.SINGLE,
               status=_GTT_STATUSES.get(_s(data.get("status")), GttStatus.DISABLED), legs=legs,
               created_at=kite_time(data.get("created_at")), updated_at=kite_time(data.get("updated_at")),
               expires_at=kite_time(data.get("expires_at")), raw=data)


def kite_margin_to_margin(ctx: DriverContext | None, data: Mapping[str, Any]) -> MarginRequirement:
    """Parse one margin line; a basket total (no tradingsymbol) has no instrument."""
    named = ctx is not None and data.get("tradingsymbol") and data.get("exchange")
    charges = data.get("charges") or {}
    return MarginRequirement(instrument=_instrument(ctx, data) if named and ctx is not None else None,
                             total=_f(data.get("total")), span=_f(data.get("span")), exposure=_f(data.get("exposure")),
                             option_premium=_f(data.get("option_premium")), var=_f(data.get("var")),
                             charges=_f(charges.get("total")) if isinstance(charges, Mapping) else 0.0, raw=data)


def kite_basket_to_basket(ctx: DriverContext, data: Mapping[str, Any]) -> BasketMargin:
    """Parse ``POST /margins/basket``: the basket's initial and final totals, and one line per order."""
    return BasketMargin(initial=kite_margin_to_margin(None, data.get("initial") or {}),
                        final=kite_margin_to_margin(None, data.get("final") or {}),
                        orders=tuple(kite_margin_to_margin(ctx, m) for m in data.get("orders") or ()), raw=data)
