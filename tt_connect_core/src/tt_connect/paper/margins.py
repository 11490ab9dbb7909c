"""The paper broker's margin calculator: what orders would block, and their charges.

Margins use the engine's own rules (so a calculated margin is exactly what a
placed order blocks). ``final`` of a basket nets the orders against each other
and against open positions per contract, the way the engine's accounting does;
the engine has no cross-contract hedge benefit, so neither does ``final``.

Charges follow the usual Indian schedule, rounded: brokerage 0.03% capped at
Rs 20 (zero for delivery), STT, exchange transaction charges, SEBI fees,
stamp duty on buys and 18% GST on brokerage and fees.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from tt_connect.paper.engine import PaperEngine, PaperOrder

__all__ = ["MarginOrder", "basket_margin", "charges", "order_margin"]


class MarginOrder(msgspec.Struct, frozen=True, kw_only=True):
    """An order to price, in the engine's terms."""

    token: int
    side: str
    qty: int
    order_type: str
    product: str
    price: float = 0.0
    trigger_price: float = 0.0


def charges(kind: str, product: str, side: str, qty: int, price: float) -> float:
    """Brokerage, taxes and fees of one execution, in rupees."""
    value = qty * price
    delivery = kind == "EQ" and product == "CNC"
    brokerage = 0.0 if delivery else min(20.0, value * 0.0003)
    if kind == "EQ":
        stt = value * 0.001 if delivery else (value * 0.00025 if side == "SELL" else 0.0)
        exchange = value * 0.0000297
        stamp = value * (0.00015 if delivery else 0.00003) if side == "BUY" else 0.0
    elif kind == "FUT":
        stt = value * 0.0002 if side == "SELL" else 0.0
        exchange = value * 0.0000173
        stamp = value * 0.00002 if side == "BUY" else 0.0
    else:
        stt = value * 0.001 if side == "SELL" else 0.0
        exchange = value * 0.0003503
        stamp = value * 0.00003 if side == "BUY" else 0.0
    sebi = value * 0.000001
    gst = (brokerage + exchange + sebi) * 0.18
    return round(brokerage + stt + exchange + stamp + sebi + gst, 2)


def _paper_order(engine: PaperEngine, order: MarginOrder) -> PaperOrder:
    from tt_connect.paper.engine import PaperOrder

    now = engine.clock.now()
    return PaperOrder(order_id="margin", token=order.token, side=order.side, qty=order.qty,
                      order_type=order.order_type, product=order.product, validity="DAY",
                      price=order.price if order.order_type in ("LIMIT", "SL") else 0.0,
                      trigger_price=order.trigger_price, status="OPEN", tag="", placed_at=now, updated_at=now)


def _breakdown(engine: PaperEngine, token: int, total: float, side: str, product: str,
               charge: float) -> dict[str, Any]:
    row = engine.rows[token]
    split = {"span": 0.0, "exposure": 0.0, "option_premium": 0.0, "var": 0.0}
    if row.kind == "FUT" or (row.kind == "OPT" and side == "SELL"):
        split["span"], split["exposure"] = round(total * 0.7, 2), round(total * 0.3, 2)
    elif row.kind == "OPT":
        split["option_premium"] = round(total, 2)
    else:
        split["var"] = round(total, 2)
    return {"token": token, "total": round(total, 2), "charges": charge, "product": product, **split}


def order_margin(engine: PaperEngine, order: MarginOrder) -> dict[str, Any]:
    """Margin and charges of one order on its own, given the account's open positions."""
    row = engine.row(order.token)
    total = engine._required_margin(row, _paper_order(engine, order))
    bid, ask = engine.touch(order.token)
    price = order.price or (ask if order.side == "BUY" else bid)
    return _breakdown(engine, order.token, total, order.side, order.product,
                      charges(row.kind, order.product, order.side, order.qty, price))


def basket_margin(engine: PaperEngine, orders: Sequence[MarginOrder]) -> dict[str, Any]:
    """``initial``: the orders' margins added up; ``final``: with orders netted per contract and product."""
    singles = [order_margin(engine, o) for o in orders]
    initial = sum(m["total"] for m in singles)
    net: dict[tuple[int, str], int] = {}
    for order in orders:
        key = (order.token, order.product)
        net[key] = net.get(key, 0) + (order.qty if order.side == "BUY" else -order.qty)
    final = 0.0
    for (token, product), quantity in net.items():
        held = engine.positions.get((token, product))
        before = held.quantity if held else 0
        price = engine.ltp(token)
        final += max(engine._position_margin(engine.rows[token], before + quantity, price, product)
                     - engine._position_margin(engine.rows[token], before, price, product), 0.0)
        row = engine.rows[token]
        pays_premium = row.kind == "OPT" or (row.kind == "EQ" and product == "CNC")
        if pays_premium and quantity > 0:  # bought outright: the value itself is blocked
            final += quantity * engine.touch(token)[1]
    total_charges = round(sum(m["charges"] for m in singles), 2)
    return {"initial": {"total": round(initial, 2), "charges": total_charges},
            "final": {"total": round(min(final, initial), 2), "charges": total_charges}, "orders": singles}
