"""Reconnect delays: capped exponential backoff with full jitter.

Full jitter (a uniform draw between zero and the capped exponential) spreads
the reconnects of many clients after a broker-side outage instead of letting
them retry in lock-step.
"""

from __future__ import annotations

import random

__all__ = ["full_jitter"]


def full_jitter(failures: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Return the delay before attempt number ``failures + 1``.

    Parameters
    ----------
    failures
        Consecutive failed attempts so far (1 for the first retry).
    base
        Upper bound of the first delay, in seconds.
    cap
        Upper bound of every delay, in seconds.
    rng
        Random source; tests pass a seeded one.
    """
    exponent = min(max(failures - 1, 0), 30)  # 2**30 x any sane base already exceeds any cap
    ceiling = min(cap, base * 2.0**exponent)
    return (rng or random).uniform(0.0, ceiling)
