"""Where the paper engine's prices come from: the ``MarketSource`` seam.

The engine owns the account (orders, fills, positions, funds) and asks a market
source for everything about prices: the last price, the touch, a full snapshot,
the executions an order would get, candles. Two sources exist:
:class:`~tt_connect.paper.synthetic.SyntheticMarket` (the seeded in-process market
the built-in paper broker and every emulator use) and
:class:`~tt_connect.paper.live.LiveMarket` (a real driver's quotes, depth and ticks).
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from tt_connect.paper.engine import PaperQuote
    from tt_connect.paper.universe import UniverseRow

__all__ = ["Execution", "MarketSource"]

Execution = tuple[int, float]
"""(quantity, price) of one fill an order would get now."""


class MarketSource(Protocol):
    """The engine's view of a market, by engine token (synchronous: the engine has no event loop)."""

    def ltp(self, token: int) -> float:
        """Return the last traded price."""
        ...

    def touch(self, token: int) -> tuple[float, float]:
        """Return (best bid, best ask)."""
        ...

    def quote(self, token: int) -> PaperQuote:
        """Return a full snapshot with depth."""
        ...

    def previous_close(self, token: int) -> float:
        """Return the previous session's close (what price bands are measured from), 0.0 when unknown."""
        ...

    def underlying_level(self, row: UniverseRow) -> float:
        """Return the level of a derivative's underlying (short-option margin is a share of it)."""
        ...

    def underlying_volatility(self, row: UniverseRow) -> float:
        """Return the underlying's annual volatility (SPAN's scan ranges and the fallback option volatility)."""
        ...

    def executions(self, token: int, side: str, qty: int, limit: float | None, arriving: bool) -> list[Execution]:
        """Return the fills ``qty`` would get now: ``limit`` None for a market order; ``arriving`` when
        the order reaches the book now (placed, modified or just triggered) rather than resting there."""
        ...

    def step(self, seconds: float) -> None:
        """Advance the market by ``seconds`` (a live market moves by itself: nothing to do)."""
        ...

    def traded(self, token: int, qty: int) -> None:
        """Hear that the account traded ``qty`` (a synthetic market counts it into volume)."""
        ...

    def candles(self, token: int, interval: int, start: _dt.datetime, end: _dt.datetime) -> list[tuple[Any, ...]]:
        """Return candles (timestamp, o, h, l, c, volume, oi)."""
        ...
