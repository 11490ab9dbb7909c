"""What reached an emulator's order endpoints, and when: the ground truth for rate and tagging checks.

SEBI's retail-algo rules are about what *arrives* at the broker (no more than 10 orders a
second per exchange without a registered algo, each algo order tagged with its exchange
algo ID), so the client's own bookkeeping cannot prove them. An emulator records every
order write as it arrives; tests and benchmarks read the log.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = ["OrderWrite", "OrderWriteLog"]


@dataclass(frozen=True)
class OrderWrite:
    """One order placement, modification or cancellation as the emulator received it."""

    action: str
    """``place``, ``modify`` or ``cancel``."""
    exchange: str
    at: float
    """``time.monotonic()`` on arrival."""
    algo_id: str | None = None


class OrderWriteLog:
    """The most recent order writes (bounded, so a long-running emulator does not grow)."""

    def __init__(self, limit: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._writes: collections.deque[OrderWrite] = collections.deque(maxlen=limit)
        self._clock = clock

    def record(self, action: str, exchange: str, algo_id: str | None = None) -> None:
        self._writes.append(OrderWrite(action=action, exchange=exchange, at=self._clock(), algo_id=algo_id or None))

    def __iter__(self) -> Iterator[OrderWrite]:
        return iter(list(self._writes))

    def __len__(self) -> int:
        return len(self._writes)

    def clear(self) -> None:
        self._writes.clear()

    def busiest_second(self, exchange: str | None = None) -> int:
        """The most writes (to ``exchange``, or to any) that arrived within any one second."""
        stamps = sorted(w.at for w in self._writes if exchange is None or w.exchange == exchange)
        most, first = 0, 0
        for last, stamp in enumerate(stamps):
            while stamp - stamps[first] >= 1.0:
                first += 1
            most = max(most, last - first + 1)
        return most
