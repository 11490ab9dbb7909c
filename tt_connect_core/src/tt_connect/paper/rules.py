"""Exchange rules the paper market enforces: price bands, and the core's freeze quantities.

The paper broker and every emulator share them, so each refuses the same order the same way.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from tt_connect.exchange_rules import FREEZE_QUANTITIES

if TYPE_CHECKING:
    from tt_connect.paper.universe import UniverseRow

__all__ = ["FREEZE_QUANTITIES", "PRICE_BAND", "band_on_grid", "price_band"]

PRICE_BAND: dict[str, float] = {"EQ": 0.20, "FUT": 0.10}
"""The day's price band around the previous close, as a fraction: the widest equity circuit (20 %)
and the F&O operating range of futures (10 %). Options have no fixed band on paper."""


def price_band(kind: str, previous_close: float) -> tuple[float, float] | None:
    """Return (lowest, highest) acceptable price of a contract of ``kind``, or None when unbanded."""
    width = PRICE_BAND.get(kind)
    if width is None or previous_close <= 0:
        return None
    return previous_close * (1 - width), previous_close * (1 + width)


def band_on_grid(row: UniverseRow, previous_close: float) -> tuple[float, float] | None:
    """The day's band as the lowest and highest prices on ``row``'s tick grid it accepts (a quote's circuits)."""
    band = price_band(row.kind, previous_close)
    if band is None:
        return None
    tick = row.tick_size
    return round(math.ceil(band[0] / tick - 1e-9) * tick, 4), round(math.floor(band[1] / tick + 1e-9) * tick, 4)
