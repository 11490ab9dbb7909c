"""The paper broker's margins: what an order blocks, the account's used margin, the calculator, charges.

One model serves the engine's accounting and the margin calculator, so a calculated margin is
exactly what a placed order blocks:

* futures and options: SPAN-like margin plus exposure per underlying (:mod:`tt_connect.paper.span`),
  netted across every contract of the underlying and both products, so spreads and covered
  positions get their hedge benefit once they are positions. A resting order blocks what it would
  add to the positions' margin on its own (no benefit from other resting orders, as brokers do);
* long options: the premium (paid in cash at the fill; their value then offsets SPAN as NOV);
* equity delivery (CNC): the full value, paid in cash at the fill; intraday equity (MIS): 20 %;
* basket ``initial``: the orders' own margins added up; ``final``: the basket netted with itself
  and the open positions (open orders left out), never above ``initial``.

Charges follow the usual Indian schedule, rounded: brokerage 0.03% capped at
Rs 20 (zero for delivery), STT, exchange transaction charges, SEBI fees,
stamp duty on buys and 18% GST on brokerage and fees.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from tt_connect.exchange_rules import FREEZE_QUANTITIES
from tt_connect.paper.prices import years_to_expiry
from tt_connect.paper.span import NSE, SpanLeg, SpanParameters, SpanResult, span_margin
from tt_connect.timeutil import IST

if TYPE_CHECKING:
    from tt_connect.paper.engine import PaperEngine, PaperOrder

__all__ = ["MARGIN_MIS", "MarginOrder", "basket_margin", "charges", "order_margin", "order_requirement",
           "underlying_margin", "used_margin"]

MARGIN_MIS = 0.20
"""Intraday equity: the 5x leverage brokers give, i.e. the VAR + ELM floor of 20 % under SEBI's peak-margin rules."""
INDEX_UNDERLYINGS = frozenset(FREEZE_QUANTITIES)
"""Underlyings margined at the index rates: the exchange's index derivatives."""
_KEYS = ("span", "exposure", "option_premium", "var")


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


# -- futures and options ---------------------------------------------------------------------


def _leg(engine: PaperEngine, token: int, quantity: int) -> SpanLeg:
    row = engine.rows[token]
    assert row.expiry is not None
    years = years_to_expiry(row.expiry, engine.clock.now())
    price = engine.ltp(token)
    if row.kind == "FUT":
        return SpanLeg(quantity=quantity, price=price, forward=price, years=years)
    spot = engine.market.underlying_level(row)
    return SpanLeg(quantity=quantity, price=price, forward=spot * math.exp(NSE.rate * years), years=years,
                   strike=row.strike, call=row.option_type == "CE",
                   fallback_vol=engine.market.underlying_volatility(row),
                   expires_today=row.expiry == engine.clock.now().astimezone(IST).date())


def underlying_margin(engine: PaperEngine, underlying: str, book: dict[int, int],
                      params: SpanParameters = NSE) -> SpanResult:
    """SPAN and exposure of one underlying's net quantities ``book`` (token -> signed units)."""
    legs = [_leg(engine, t, q) for t, q in book.items() if q]
    if not legs:
        return span_margin([], spot=0.0, annual_vol=0.0, index=underlying in INDEX_UNDERLYINGS, params=params)
    row = engine.rows[next(t for t, q in book.items() if q)]  # any contract of the underlying names its level
    market = engine.market
    return span_margin(legs, spot=market.underlying_level(row), annual_vol=market.underlying_volatility(row),
                       index=underlying in INDEX_UNDERLYINGS, params=params)


def _books(engine: PaperEngine) -> dict[str, dict[int, int]]:
    """The open futures and options positions: underlying -> token -> net units over both products."""
    books: dict[str, dict[int, int]] = {}
    for (token, _product), pos in engine.positions.items():
        row = engine.rows[token]
        if row.kind in ("FUT", "OPT") and pos.quantity:
            book = books.setdefault(row.underlying, {})
            book[token] = book.get(token, 0) + pos.quantity
    return books


def _with(book: dict[int, int], moves: Iterable[tuple[int, int]]) -> dict[int, int]:
    after = dict(book)
    for token, signed in moves:
        after[token] = after.get(token, 0) + signed
    return after


def _fno_increase(engine: PaperEngine, books: dict[str, dict[int, int]], moves: Sequence[tuple[int, int]],
                  base: dict[str, SpanResult] | None = None) -> tuple[float, float]:
    """(span, exposure) that ``moves`` (token, signed units) add to the positions' margin; never below zero.

    ``base`` caches the positions' own margin per underlying across calls (the used-margin sum).
    """
    span = exposure = 0.0
    for underlying in {engine.rows[t].underlying for t, _ in moves}:
        book = books.get(underlying, {})
        mine = [(t, q) for t, q in moves if engine.rows[t].underlying == underlying]
        before = base.get(underlying) if base is not None else None
        if before is None:
            before = underlying_margin(engine, underlying, book)
            if base is not None:
                base[underlying] = before
        after = underlying_margin(engine, underlying, _with(book, mine))
        span += after.span - before.span
        exposure += after.exposure - before.exposure
    return _split(span, exposure)


def _split(span: float, exposure: float) -> tuple[float, float]:
    """Clip a change of (span, exposure) to what it blocks: a net release blocks nothing."""
    if span + exposure <= 0:
        return 0.0, 0.0
    if span < 0:
        return 0.0, span + exposure
    if exposure < 0:
        return span + exposure, 0.0
    return span, exposure


def _net(engine: PaperEngine, token: int) -> int:
    return sum(p.quantity for (t, _), p in engine.positions.items() if t == token)


def _order_price(engine: PaperEngine, order: PaperOrder) -> float:
    bid, ask = engine.touch(order.token)
    return order.price or (ask if order.side == "BUY" else bid)


def order_requirement(engine: PaperEngine, order: PaperOrder, books: dict[str, dict[int, int]] | None = None,
                      base: dict[str, SpanResult] | None = None) -> dict[str, float]:
    """What ``order`` blocks on its own against the open positions: span, exposure, premium, var, total."""
    row = engine.rows[order.token]
    out = dict.fromkeys(_KEYS, 0.0)
    signed = order.qty if order.side == "BUY" else -order.qty
    if row.kind in ("FUT", "OPT"):
        held = _net(engine, order.token)
        out["span"], out["exposure"] = _fno_increase(engine, _books(engine) if books is None else books,
                                                     [(order.token, signed)], base)
        if row.kind == "OPT" and order.side == "BUY":
            out["option_premium"] = (max(held + signed, 0) - max(held, 0)) * _order_price(engine, order)
    elif not (order.product == "CNC" and order.side == "SELL"):
        pos = engine.positions.get((order.token, order.product))
        held = pos.quantity if pos else 0
        opening = order.qty if held == 0 or (held > 0) == (signed > 0) else max(order.qty - abs(held), 0)
        rate = 1.0 if order.product == "CNC" else MARGIN_MIS
        out["var"] = opening * _order_price(engine, order) * rate
    out["total"] = sum(out[k] for k in _KEYS)
    return out


def used_margin(engine: PaperEngine) -> float:
    """The account's used margin: positions' SPAN + exposure and intraday equity, plus what open orders block."""
    books = _books(engine)
    base = {u: underlying_margin(engine, u, book) for u, book in books.items()}
    used = sum(result.total for result in base.values())
    for (token, product), pos in engine.positions.items():
        if engine.rows[token].kind == "EQ" and product == "MIS":
            used += abs(pos.quantity) * engine.ltp(token) * MARGIN_MIS
    for order in engine.orders.values():
        if order.status in ("OPEN", "TRIGGER_PENDING"):
            remaining = msgspec.structs.replace(order, qty=order.qty - order.filled_qty)
            used += order_requirement(engine, remaining, books, base)["total"]
    return round(used, 2)


# -- the calculator --------------------------------------------------------------------------


def _line(token: int, product: str, split: dict[str, float], charge: float) -> dict[str, Any]:
    return {"token": token, "total": round(split["total"], 2), "charges": charge, "product": product,
            **{k: round(split[k], 2) for k in _KEYS}}


def order_margin(engine: PaperEngine, order: MarginOrder) -> dict[str, Any]:
    """Margin and charges of one order on its own, given the account's open positions: what placing it blocks."""
    row = engine.row(order.token)
    paper = _paper_order(engine, order)
    price = _order_price(engine, paper)
    return _line(order.token, order.product, order_requirement(engine, paper),
                 charges(row.kind, order.product, order.side, order.qty, price))


def basket_margin(engine: PaperEngine, orders: Sequence[MarginOrder]) -> dict[str, Any]:
    """``initial``: the orders' margins added up; ``final``: the basket netted with itself and the positions."""
    singles = [order_margin(engine, o) for o in orders]
    initial = {k: sum(m[k] for m in singles) for k in (*_KEYS, "total")}
    papers = [_paper_order(engine, o) for o in orders]
    for paper in papers:
        engine.row(paper.token)
    signed = [(p.token, p.qty if p.side == "BUY" else -p.qty) for p in papers]
    final = dict.fromkeys(_KEYS, 0.0)
    derivatives = [(t, q) for t, q in signed if engine.rows[t].kind in ("FUT", "OPT")]
    if derivatives:
        final["span"], final["exposure"] = _fno_increase(engine, _books(engine), derivatives)
    net: dict[tuple[int, str], int] = {}
    bought: dict[tuple[int, str], tuple[int, float]] = {}
    for paper, (token, qty) in zip(papers, signed, strict=True):
        key = (token, paper.product if engine.rows[token].kind == "EQ" else "")
        net[key] = net.get(key, 0) + qty
        if qty > 0:
            units, value = bought.get(key, (0, 0.0))
            bought[key] = (units + qty, value + qty * _order_price(engine, paper))
    for (token, product), quantity in net.items():
        row = engine.rows[token]
        units, value = bought.get((token, product), (0, 0.0))
        average = value / units if units else 0.0
        if row.kind == "OPT":
            held = _net(engine, token)
            final["option_premium"] += (max(held + quantity, 0) - max(held, 0)) * average
        elif row.kind == "EQ":
            pos = engine.positions.get((token, product))
            held = pos.quantity if pos else 0
            if product == "MIS":
                final["var"] += max(abs(held + quantity) - abs(held), 0) * engine.ltp(token) * MARGIN_MIS
            elif quantity > 0:  # delivery bought outright: the value itself is blocked
                final["var"] += quantity * average
    final["total"] = sum(final[k] for k in _KEYS)
    if final["total"] > initial["total"]:  # a safety net: netting never costs more than the orders apart
        final = dict(initial)
    total_charges = round(sum(m["charges"] for m in singles), 2)
    return {"initial": {**{k: round(v, 2) for k, v in initial.items()}, "charges": total_charges},
            "final": {**{k: round(v, 2) for k, v in final.items()}, "charges": total_charges}, "orders": singles}
