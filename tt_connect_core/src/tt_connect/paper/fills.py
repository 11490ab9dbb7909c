"""How an order fills against a live book: the depth walk, the resting rule and slippage.

The rules (docs/paper.md, "How fills work"):

* an order that **arrives** (placed, modified, or a stop just triggered) takes the opposite side
  of the book level by level, best price first, each level at most its displayed quantity;
  a limit order stops at its limit and the rest of it rests; a market order that runs past the
  displayed levels fills its remainder at the worst displayed price;
* with **no depth** at all (an index, a broker whose quote carries none) the touch is the last
  price: a market order fills in full there, a limit one when the last price is at or through it;
* a **resting** limit order fills in full at its own price once the live price crosses it (the
  best opposite quote or the last trade at or through the limit): the paper order is assumed to be
  first in the queue at its price, so it gets no price improvement and no queue wait;
* **slippage** (basis points) moves every book price against the order, rounded outward to the tick;
  a limit order never fills worse than its limit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from tt_connect.paper.market import Execution

__all__ = ["Level", "crossed", "walk"]

Level = tuple[float, int, int]
"""(price, quantity, orders) of one book level."""


def _adverse(price: float, side: str, slippage_bps: float, tick: float) -> float:
    """The price moved against the order by ``slippage_bps``, on the tick grid away from the order's favour."""
    if slippage_bps <= 0:
        return price
    moved = price * (1 + slippage_bps / 10_000) if side == "BUY" else price * (1 - slippage_bps / 10_000)
    steps = moved / tick
    snapped = (math.ceil(steps - 1e-9) if side == "BUY" else math.floor(steps + 1e-9)) * tick
    return round(max(snapped, tick), 4)


def _within(price: float, side: str, limit: float | None) -> bool:
    return limit is None or (price <= limit + 1e-9 if side == "BUY" else price >= limit - 1e-9)


def _capped(price: float, side: str, limit: float | None) -> float:
    if limit is None:
        return price
    return min(price, limit) if side == "BUY" else max(price, limit)


def walk(book: Sequence[Level], side: str, qty: int, limit: float | None, *, last_price: float,
         tick: float, slippage_bps: float = 0.0) -> list[Execution]:
    """Return the fills of an arriving order of ``qty`` against the opposite side ``book`` (best first)."""
    levels = [(price, size) for price, size, _orders in book if size > 0 and price > 0]
    if not levels:
        if not _within(last_price, side, limit):
            return []
        return [(qty, _capped(_adverse(last_price, side, slippage_bps, tick), side, limit))]
    out: list[Execution] = []
    remaining = qty
    for price, size in levels:
        if remaining <= 0 or not _within(price, side, limit):
            break
        take = min(size, remaining)
        out.append((take, _capped(_adverse(price, side, slippage_bps, tick), side, limit)))
        remaining -= take
    if remaining > 0 and limit is None:  # a market order past the displayed book: the worst displayed price
        worst = _adverse(levels[-1][0], side, slippage_bps, tick)
        if out and out[-1][1] == worst:
            out[-1] = (out[-1][0] + remaining, worst)
        else:
            out.append((remaining, worst))
    return out


def crossed(side: str, limit: float, *, best_opposite: float | None, last_price: float) -> bool:
    """Whether the live price crossed a resting limit: the opposite quote or the last trade at or through it."""
    if side == "BUY":
        return (best_opposite is not None and best_opposite <= limit + 1e-9) or last_price <= limit + 1e-9
    return (best_opposite is not None and best_opposite >= limit - 1e-9) or last_price >= limit - 1e-9
