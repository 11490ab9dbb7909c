"""Reconnect delays: capped exponential with full jitter."""

from __future__ import annotations

import random

from tt_connect.streaming.backoff import full_jitter


def test_delays_grow_exponentially_up_to_the_cap_and_are_jittered_from_zero() -> None:
    rng = random.Random(7)
    for failures, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (6, 16.0), (7, 30.0), (500, 30.0)]:
        delays = [full_jitter(failures, base=0.5, cap=30.0, rng=rng) for _ in range(2000)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > 0.9 * ceiling, "the whole range is used"
        assert min(delays) < 0.1 * ceiling, "jitter reaches down to zero"


def test_the_first_retry_is_never_longer_than_the_base() -> None:
    assert all(full_jitter(0, base=0.2, cap=5.0) <= 0.2 for _ in range(500))
    assert all(full_jitter(1, base=0.2, cap=5.0) <= 0.2 for _ in range(500))
