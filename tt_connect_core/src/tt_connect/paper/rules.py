"""Exchange rules the paper market enforces: price bands and freeze quantities.

Figures are the exchanges' published values (NSE circulars, as of 2026): a simplification the
paper broker and every emulator share, so each refuses the same order the same way.
"""

from __future__ import annotations

__all__ = ["FREEZE_QUANTITIES", "PRICE_BAND", "price_band"]

FREEZE_QUANTITIES: dict[str, int] = {
    "NIFTY": 1800,
    "BANKNIFTY": 900,
    "FINNIFTY": 1800,
    "MIDCPNIFTY": 2800,
    "NIFTYNXT50": 600,
    "SENSEX": 1000,
    "BANKEX": 900,
}
"""Most units of one index derivative an order may carry (NSE/BSE quantity freeze limits)."""

PRICE_BAND: dict[str, float] = {"EQ": 0.20, "FUT": 0.10}
"""The day's price band around the previous close, as a fraction: the widest equity circuit (20 %)
and the F&O operating range of futures (10 %). Options have no fixed band on paper."""


def price_band(kind: str, previous_close: float) -> tuple[float, float] | None:
    """Return (lowest, highest) acceptable price of a contract of ``kind``, or None when unbanded."""
    width = PRICE_BAND.get(kind)
    if width is None or previous_close <= 0:
        return None
    return previous_close * (1 - width), previous_close * (1 + width)
