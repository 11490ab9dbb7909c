"""The driver conformance suite: the driver contract, executable.

A driver's test module pulls it in with one import and a subclass::

    from tt_connect.testing import DriverConformance

    class TestAcmeConformance(DriverConformance):
        broker = "acme"

The suite's pytest plugin (registered by the core's ``pytest11`` entry point) starts the driver's
emulator (named by its ``DriverPlugin.emulator``) for the class and points the client at it, so
that is all a driver with an emulator needs; the static tiers come alive when it also overrides
``request_cases``/``response_cases`` (with a ``static_context``). Four tiers, cheapest first:

1. *static* requests and responses: canonical input -> the wire; a recorded reply -> the model;
2. *behaviour* against the emulator: orders of every listed type, portfolio, market data, streams;
3. *faults*: dropped replies, dead sessions, server errors, killed sockets;
4. *cross-broker*: every row of :data:`tt_connect.testing.outcomes.OUTCOMES`.

Tests declare what they need with ``@requires(...)``; the capability matrix switches them on and
off, and a test of an operation the matrix marks unsupported checks that it raises
``UnsupportedOperationError``. ``expected_failures`` names tests known to fail; they are strict,
so the suite goes red when one starts passing. The suite runs under pytest-asyncio's strict mode
as well as its auto mode: it marks its own coroutine tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar

import pytest
import pytest_asyncio

from tt_connect.client import AsyncTTConnect
from tt_connect.driver_api import BrokerApi, DriverContext, ErrorMap
from tt_connect.enums import Exchange
from tt_connect.instruments import Equity, Future, Index, Instrument
from tt_connect.testing.cases import FrameCase, RequestCase, ResponseCase
from tt_connect.testing.requirements import FAULT_NEEDS, MARKER, missing
from tt_connect.testing.tiers.behaviour import BehaviourTier
from tt_connect.testing.tiers.cross_broker import CrossBrokerTier
from tt_connect.testing.tiers.faults import FaultTier
from tt_connect.testing.tiers.fuzz import FuzzTier
from tt_connect.testing.tiers.fuzz_frames import FrameFuzzTier
from tt_connect.testing.tiers.fuzz_instruments import InstrumentFuzzTier
from tt_connect.testing.tiers.static import StaticTier

__all__ = ["DriverConformance"]

_FAST_RETRIES = {"retry_base_delay": 0.05, "retry_max_delay": 1.0}
"""The suite's clients retry quickly, and honour a broker's Retry-After up to a second: each test has a
client (and a rate limiter) of its own, so consecutive tests may meet the emulator's window."""


class DriverConformance(StaticTier, FuzzTier, FrameFuzzTier, InstrumentFuzzTier, BehaviourTier, FaultTier,
                        CrossBrokerTier):
    """Subclass in a driver's tests; override the fixtures marked "override"."""

    broker: ClassVar[str] = ""
    """The driver's name, as given to ``AsyncTTConnect``."""
    expected_failures: ClassVar[Mapping[str, str]] = {}
    """Test name -> reason. Strict: a listed test that passes fails the suite."""
    conformance_suite: ClassVar[bool] = True
    """Tells the suite's pytest plugin to mark this class's coroutine tests for pytest-asyncio."""

    # -- fixtures a driver overrides -------------------------------------------------------

    @pytest.fixture
    def client_options(self, emulator_config: Mapping[str, Any] | None) -> dict[str, Any]:
        """Override: keyword arguments for ``AsyncTTConnect(broker, **options)``.

        The default points the client at the driver's emulator (the plugin's ``emulator_config``
        fixture), in memory, with quick retries.
        """
        options: dict[str, Any] = {"instruments_db": ":memory:", "session_store": "memory", **_FAST_RETRIES}
        if emulator_config is not None:
            options["config"] = dict(emulator_config)
        return options

    @pytest.fixture
    def static_context(self) -> DriverContext | None:
        """Override: a DriverContext for the static tiers (see ``StaticContext``)."""
        return None

    @pytest.fixture
    def request_cases(self) -> Sequence[RequestCase]:
        """Override: the static request cases."""
        return ()

    @pytest.fixture
    def response_cases(self) -> Sequence[ResponseCase]:
        """Override: the static response cases."""
        return ()

    @pytest.fixture
    def stream_frames(self) -> Sequence[FrameCase]:
        """Override: feed frames as the broker sends them, for the frame fuzz tier (needs ``static_context``)."""
        return ()

    @pytest.fixture
    def instrument_files(self) -> Sequence[bytes] | None:
        """Override: the instrument master as downloaded (compressed as the driver's source says), one blob per
        file of the source ``static_config`` makes, for the instrument fuzz tier."""
        return None

    @pytest.fixture
    def static_config(self) -> Mapping[str, Any]:
        """Override: driver settings used to build the translator for the static tiers."""
        return {}

    @pytest.fixture
    def faults(self, emulator: Any) -> Any:
        """Override: the emulator's fault injector (default: the running emulator's ``faults``), or None."""
        return None if emulator is None else emulator.faults

    @pytest.fixture
    def liquid_equity(self, client: AsyncTTConnect) -> Instrument:
        """Override if needed: a liquid cash instrument to trade in behaviour tests."""
        return Equity(exchange=Exchange.NSE, symbol="RELIANCE")

    @pytest.fixture
    def liquid_future(self, client: AsyncTTConnect) -> Instrument:
        """Override if needed: a liquid index future (the freeze-quantity row trades it)."""
        found: Future = client.futures("NIFTY")[0]
        return found

    @pytest.fixture
    def tradable_index(self, client: AsyncTTConnect) -> Index:
        """Override if needed: an index the master lists (orders on it must be refused)."""
        return Index(exchange=Exchange.NSE, symbol="NIFTY 50")

    # -- fixtures of the suite -------------------------------------------------------------

    @pytest.fixture(autouse=True)
    def _conformance_gates(self, request: pytest.FixtureRequest) -> None:
        """Strict expected failures, then the ``@requires`` markers against the driver's matrix."""
        name = request.node.originalname or request.node.name
        reason = self.expected_failures.get(name)
        if reason is not None:
            request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
        needs = [need for marker in request.node.iter_markers(MARKER) for need in marker.args]
        if not needs:
            return
        from tt_connect.drivers import load_driver

        capabilities = load_driver(self.broker).plugin.capabilities()
        faults = request.getfixturevalue("faults") if any(isinstance(n, str) and n in FAULT_NEEDS
                                                          for n in needs) else None
        absent = missing(capabilities, needs, faults)
        if absent:
            pytest.skip(f"{self.broker} lacks {', '.join(absent)}")

    @pytest_asyncio.fixture
    async def client(self, client_options: dict[str, Any]) -> AsyncIterator[AsyncTTConnect]:
        options = dict(client_options)
        config = options.pop("config", None)
        async with AsyncTTConnect(self.broker, config, **options) as broker:
            yield broker

    @pytest.fixture
    def driver_hooks(self, static_config: Mapping[str, Any]) -> tuple[Any, Any]:
        """The driver's plugin hooks and its parsed static config, as the runtime builds them."""
        from tt_connect.config import parse_driver_config
        from tt_connect.drivers import load_driver, make_plugin_manager

        loaded = load_driver(self.broker)
        config = parse_driver_config(loaded.description.config_type, static_config, broker=self.broker)
        return make_plugin_manager(loaded).hook, config

    @pytest.fixture
    def client_api(self, driver_hooks: tuple[Any, Any]) -> BrokerApi:
        hook, config = driver_hooks
        api: BrokerApi = hook.ttc_api(config=config)
        return api

    @pytest.fixture
    def client_error_map(self, driver_hooks: tuple[Any, Any]) -> ErrorMap:
        """The driver's error map, for reading replies the way the executor does (the fuzz tier)."""
        hook, config = driver_hooks
        errors: ErrorMap = hook.ttc_error_map(config=config)
        return errors
