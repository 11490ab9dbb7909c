"""Testing toolkit for driver authors: the conformance suite, a static context, polling.

``from tt_connect.testing import DriverConformance`` is all a driver's test
module needs to run the whole contract against its driver.
"""

from __future__ import annotations

from tt_connect.testing.eventually import eventually, eventually_sync
from tt_connect.testing.static_context import StaticContext
from tt_connect.testing.suite import DriverConformance, FaultInjector, RequestCase, ResponseCase, ServerErrorInjector

__all__ = [
    "DriverConformance",
    "FaultInjector",
    "RequestCase",
    "ResponseCase",
    "ServerErrorInjector",
    "StaticContext",
    "eventually",
    "eventually_sync",
]
