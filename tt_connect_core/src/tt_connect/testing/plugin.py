"""The conformance suite's pytest plugin, registered by the core's ``pytest11`` entry point.

Installing ``tt-connect`` makes it available to every pytest run (nothing to list in a
``conftest.py``). It gives a driver's tests:

- the ``requires`` marker (see :mod:`tt_connect.testing.requirements`);
- ``emulator``: the driver's emulator (``DriverPlugin.emulator``), started on 127.0.0.1 once per
  test class and stopped after it, or None for a driver without one; a class sets
  ``emulator_options`` (e.g. ``{"tick_interval": 0.05}``) to configure it;
- ``emulator_config``: that emulator's announcement, which is a valid config for the driver;
- ``static_instruments``: instruments may be built with no master loaded (for static cases);
- ``loopback_only``: resolving any host but the loopback fails, so no test (nor an official SDK
  it drives) can leave 127.0.0.1;
- pytest-asyncio markers on the suite's coroutine tests, so it runs in strict mode too.
"""

from __future__ import annotations

import inspect
import socket
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from tt_connect.testing.requirements import MARKER

__all__ = ["emulator", "emulator_config", "loopback_only", "static_instruments"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(*needs): a conformance test's capability requirements")
    config.addinivalue_line("markers", "conformance: the driver conformance suite")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every suite test ``conformance`` (so ``-m conformance`` selects a driver's whole class, its
    static and fuzz tiers included, with no ``pytestmark`` in its module) and the coroutine ones for
    pytest-asyncio (strict mode runs only marked ones)."""
    for item in items:
        cls = getattr(item, "cls", None)
        if cls is None or not getattr(cls, "conformance_suite", False):
            continue
        if item.get_closest_marker("conformance") is None:
            item.add_marker(pytest.mark.conformance)
        if inspect.iscoroutinefunction(getattr(item, "function", None)) and item.get_closest_marker("asyncio") is None:
            item.add_marker(pytest.mark.asyncio)


@pytest.fixture(scope="class")
def emulator(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The driver's emulator, running for the test class; None when the driver ships none."""
    from tt_connect.drivers import emulator_class

    broker = getattr(request.cls, "broker", "") if request.cls is not None else ""
    cls = emulator_class(broker) if broker else None
    if cls is None:
        yield None
        return
    options: Mapping[str, Any] = getattr(request.cls, "emulator_options", {})
    with cls(**options) as running:
        yield running


@pytest.fixture
def emulator_config(emulator: Any) -> Mapping[str, Any] | None:
    """The running emulator's announcement: pass it to ``AsyncTTConnect(broker, ...)`` as is."""
    return None if emulator is None else emulator.driver_config()


@pytest.fixture
def static_instruments() -> Iterator[None]:
    """Let tests build instruments with no instrument master loaded (the static tiers' cases)."""
    from tt_connect import instruments

    previous = instruments.set_validator(lambda _instrument: None)
    yield
    instruments.set_validator(previous)


_LOOPBACK = ("127.0.0.1", "localhost", "::1", b"127.0.0.1", None)


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse to resolve any host but the loopback, so no test (nor an SDK it drives) can leave 127.0.0.1."""
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in _LOOPBACK:
            raise OSError(f"test tried to reach {host!r}: only 127.0.0.1 is allowed")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
