"""Requirement markers, SQLAlchemy ``requirements`` style: a test says what it needs, the matrix decides.

``@requires(Operation.PLACE_ORDER, Operation.LTP)`` on a conformance test skips it, with the
missing capabilities named, for a driver whose matrix lacks one of them; an operation the matrix
marks EMULATED counts as present. Beside operations, a few names stand for other needs:

- ``"market_price"``: some way to read a price (LTP or a quote);
- ``"derivatives"``: the driver trades NFO;
- ``"faults"`` / ``"server_errors"`` / ``"market_hours"`` / ``"ip_whitelist"`` / ``"rate_windows"``: the
  emulator's fault injector, its 5xx/429 injection, its market-hours switch, its static-IP whitelist
  switch, its count of the 429s its own rate windows sent (checked against the ``faults`` fixture).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import pytest

from tt_connect.driver_api import Capabilities, Operation
from tt_connect.enums import Exchange

__all__ = ["FAULT_NEEDS", "MARKER", "missing", "requires"]

MARKER = "requires"
Requirement = Operation | str
FAULT_NEEDS = frozenset({"faults", "server_errors", "market_hours", "ip_whitelist", "rate_windows"})
"""The needs checked against the emulator's fault injector: a test with one of them gets the ``faults`` fixture."""
F = TypeVar("F", bound=Callable[..., Any])


def requires(*needs: Requirement) -> Callable[[F], F]:
    """Mark a conformance test with what the driver must offer for it to run."""
    mark = getattr(pytest.mark, MARKER)(*needs)

    def apply(test: F) -> F:
        marked: F = mark(test)
        return marked

    return apply


def missing(capabilities: Capabilities, needs: Iterable[Requirement], faults: object) -> list[str]:
    """Return the needs the driver (and its emulator's fault injector) does not meet."""
    from tt_connect.testing.controls import MarketControls, RateWindowCounter, ServerErrorInjector, WhitelistControls

    absent: list[str] = []
    for need in needs:
        if isinstance(need, Operation):
            ok = capabilities.supports(need)
        elif need == "market_price":
            ok = capabilities.supports(Operation.LTP) or capabilities.supports(Operation.QUOTE)
        elif need == "derivatives":
            ok = capabilities.segment(Exchange.NFO) is not None
        elif need == "faults":
            ok = faults is not None
        elif need == "server_errors":
            ok = isinstance(faults, ServerErrorInjector)
        elif need == "market_hours":
            ok = isinstance(faults, MarketControls)
        elif need == "ip_whitelist":
            ok = isinstance(faults, WhitelistControls)
        elif need == "rate_windows":
            ok = isinstance(faults, RateWindowCounter)
        else:
            raise ValueError(f"unknown conformance requirement {need!r}")
        if not ok:
            absent.append(need.value if isinstance(need, Operation) else need)
    return absent

