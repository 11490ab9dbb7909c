"""Exchange rules the core enforces for every broker, shipped as dated data with their source.

Freeze quantities: the most units of one index derivative an exchange accepts in one order. An order
above it is refused before sending (``place_sliced`` splits it into legal child orders instead).
The exchanges revise these (NSE by circular, usually with the lot-size revisions); the table says
as of when it holds, so a user can see that it is stale.
"""

from __future__ import annotations

import datetime as _dt

__all__ = ["FREEZE_AS_OF", "FREEZE_QUANTITIES", "FREEZE_SOURCE", "freeze_quantity"]

FREEZE_AS_OF = _dt.date(2026, 1, 1)
FREEZE_SOURCE = "NSE and BSE quantity-freeze circulars for index derivatives (F&O segment), as revised in 2025"
FREEZE_QUANTITIES: dict[str, int] = {
    "NIFTY": 1800,
    "BANKNIFTY": 900,
    "FINNIFTY": 1800,
    "MIDCPNIFTY": 2800,
    "NIFTYNXT50": 600,
    "SENSEX": 1000,
    "BANKEX": 900,
    "SENSEX50": 1500,
}
"""Underlying -> the freeze quantity of its futures and options, in units (not lots)."""


def freeze_quantity(underlying: str) -> int | None:
    """Return the freeze quantity of an underlying's derivatives, or None when the exchange sets none."""
    return FREEZE_QUANTITIES.get(underlying.upper())
