"""Testing toolkit for driver authors: the conformance suite, a static context, polling.

``from tt_connect.testing import DriverConformance`` is all a driver's test module needs to run
the whole contract against its driver (install ``tt-connect[testing]`` for pytest and
pytest-asyncio). Names are imported on first use, so the suite's pytest plugin (loaded in every
pytest run once the core is installed) costs nothing until a driver's tests use it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tt_connect.testing.cases import FrameCase, RequestCase, ResponseCase
    from tt_connect.testing.controls import FaultInjector, MarketControls, ServerErrorInjector, WhitelistControls
    from tt_connect.testing.outcomes import OUTCOMES, Outcome
    from tt_connect.testing.polling import eventually, eventually_sync
    from tt_connect.testing.requirements import requires
    from tt_connect.testing.static_context import StaticContext
    from tt_connect.testing.suite import DriverConformance

__all__ = [
    "OUTCOMES",
    "DriverConformance",
    "FaultInjector",
    "FrameCase",
    "MarketControls",
    "Outcome",
    "RequestCase",
    "ResponseCase",
    "ServerErrorInjector",
    "StaticContext",
    "WhitelistControls",
    "eventually",
    "eventually_sync",
    "requires",
]

_HOMES = {
    "FrameCase": "cases", "RequestCase": "cases", "ResponseCase": "cases", "FaultInjector": "controls",
    "MarketControls": "controls",
    "ServerErrorInjector": "controls", "WhitelistControls": "controls", "eventually": "polling",
    "eventually_sync": "polling",
    "OUTCOMES": "outcomes", "Outcome": "outcomes", "requires": "requirements", "StaticContext": "static_context",
    "DriverConformance": "suite",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tt_connect.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tt_connect.testing.{home}"), name)
