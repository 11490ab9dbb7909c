"""Finding a driver by name and building a client's plugin manager.

Lookup order (the SQLAlchemy-dialect way): drivers registered in-process with
:func:`register_driver` (tests, unpublished drivers), then the built-in
``paper`` driver, then the ``tt_connect.drivers`` entry-point group. Only the
named driver is imported. Each client gets its own ``PluginManager`` holding
that driver plus any extension plugins: there is no global plugin state.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from tt_connect import hookspecs
from tt_connect.driver_api import DRIVER_API_VERSION, DriverConfig, DriverDescription, DriverPlugin
from tt_connect.errors import DriverError, UnknownBrokerError

__all__ = [
    "ENTRY_POINT_GROUP",
    "LoadedDriver",
    "available_drivers",
    "emulator_class",
    "load_driver",
    "make_plugin_manager",
    "register_driver",
    "unregister_driver",
]

ENTRY_POINT_GROUP = "tt_connect.drivers"

_BUILTINS: dict[str, str] = {"paper": "tt_connect.paper.driver:PaperDriver"}
_registry: dict[str, Callable[[], object] | object] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class LoadedDriver:
    """A driver plugin object and its description."""

    plugin: DriverPlugin[Any]
    description: DriverDescription


def register_driver(name: str, plugin: object) -> None:
    """Register a driver plugin (module or object with hookimpls) under ``name`` in-process.

    In-process registrations win over built-ins and entry points, so a test can
    replace any driver.
    """
    with _lock:
        _registry[name.lower()] = plugin


def unregister_driver(name: str) -> None:
    """Remove an in-process registration; unknown names are ignored."""
    with _lock:
        _registry.pop(name.lower(), None)


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name.lower(): ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def available_drivers() -> list[str]:
    """Return the names of every driver that can be loaded, sorted."""
    with _lock:
        names = set(_registry)
    names.update(_BUILTINS)
    names.update(_entry_points())
    return sorted(names)


def _resolve_plugin(name: str) -> object:
    key = name.lower()
    with _lock:
        if key in _registry:
            return _registry[key]
    if key in _BUILTINS:
        module, _, attr = _BUILTINS[key].partition(":")
        return getattr(importlib.import_module(module), attr)
    eps = _entry_points()
    if key in eps:
        try:
            return eps[key].load()
        except Exception as exc:  # a broken third-party package must not crash with its own error
            owner = eps[key].dist
            distribution = owner.name if owner is not None else f"tt-connect-{key}"
            raise DriverError(
                f"the driver {name!r} is installed but failed to import ({type(exc).__name__}: {exc}); "
                f"reinstall its distribution {distribution} the way you installed it ({_install_routes(distribution)})"
            ) from None
    raise _unknown_broker(name)


_SHIPPED_DRIVERS: dict[str, str] = {
    "angelone": "tt-connect-angelone",
    "dhan": "tt-connect-dhan",
    "flattrade": "tt-connect-noren",
    "fyers": "tt-connect-fyers",
    "noren": "tt-connect-noren",
    "shoonya": "tt-connect-noren",
    "upstox": "tt-connect-upstox",
    "zerodha": "tt-connect-zerodha",
}
"""Driver name -> distribution, for every driver this repository ships in ``drivers/`` (each is also an
extra of the core); ``tests/packaging`` keeps the table equal to the drivers' entry points."""


def _first_party_drivers() -> dict[str, str]:
    """Driver name -> distribution for the drivers this project ships, installed or not."""
    return dict(_SHIPPED_DRIVERS)


def _unknown_broker(name: str) -> UnknownBrokerError:
    """Say what is installed, the closest name for a typo, and how to install the missing driver.

    Never an install by name from the public index: until this project publishes, the name
    tt-connect there belongs to an earlier, unrelated project.
    """
    key = name.lower()
    installed = available_drivers()
    first_party = _first_party_drivers()
    known = sorted((set(installed) | set(first_party)) - {key})
    close = tuple(difflib.get_close_matches(key, known, n=3, cutoff=0.6))
    message = f"no tt-connect driver named {name!r} is installed (installed: {', '.join(installed)})"
    if key not in first_party and close:
        message += f"; did you mean {' or '.join(repr(c) for c in close)}?"
        if close[0] in installed:
            return UnknownBrokerError(message, suggestions=close)
    else:
        message += "."
    wanted = key if key in first_party or not close else close[0]
    distribution = first_party.get(wanted)
    if distribution is None:
        return UnknownBrokerError(
            f"{message} tt-connect ships no driver of that name: a third-party driver is its own "
            f"distribution (by convention tt-connect-{key}); install it as its author documents",
            distribution=f"tt-connect-{key}", suggestions=close,
        )
    return UnknownBrokerError(
        f"{message} The {wanted} driver is the distribution {distribution}: {_install_routes(distribution)}. "
        "It is not on the public package index yet (the name tt-connect there belongs to an earlier, "
        "unrelated project)",
        distribution=distribution, suggestions=close,
    )


def _install_routes(distribution: str) -> str:
    """How to install one of our distributions without the public index: a checkout, or a wheelhouse."""
    folder = distribution.removeprefix("tt-connect-")
    wheel = distribution.replace("-", "_")
    return (f"from a tt-connect checkout, pip install ./drivers/{folder} ; from a wheelhouse (nox -s build "
            f"writes one to dist/), pip install dist/{wheel}-*.whl")


def _reject_async_hooks(plugin: object, name: str) -> None:
    for attr in dir(plugin):
        if not attr.startswith("ttc_"):
            continue
        fn = getattr(plugin, attr, None)
        if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
            raise DriverError(
                f"driver {name!r} implements hook {attr} with 'async def'; hooks must be plain "
                "functions that return pure objects (the core does all I/O)",
                broker=name,
            )


def _version_mismatch(name: str, found: object) -> DriverError:
    return DriverError(
        f"driver {name!r} implements driver API version {found}, but this tt-connect implements version "
        f"{DRIVER_API_VERSION}; install a version of the driver built for driver API {DRIVER_API_VERSION}",
        broker=name,
    )


def _instantiate(plugin: object, name: str) -> DriverPlugin[Any]:
    """Return the DriverPlugin behind a registration: an instance, its class, or a factory."""
    if inspect.isclass(plugin) and issubclass(plugin, DriverPlugin):
        plugin = plugin()
    elif callable(plugin) and not inspect.ismodule(plugin) and not isinstance(plugin, DriverPlugin) and \
            not hasattr(plugin, "ttc_describe"):
        plugin = plugin()  # a factory registered in-process
    if isinstance(plugin, DriverPlugin):
        return plugin
    # A module (or object) of hook functions is what driver API 1 looked like: say so, with both versions.
    if "ttc_describe" in dir(plugin):
        try:
            found = plugin.ttc_describe().api_version  # type: ignore[attr-defined]
        except Exception:
            found = 1
        if found != DRIVER_API_VERSION:
            raise _version_mismatch(name, found)
    raise DriverError(f"driver {name!r} is not a tt_connect.driver_api.DriverPlugin (got "
                      f"{type(plugin).__name__})", broker=name)


def _check_plugin(plugin: DriverPlugin[Any], name: str) -> DriverDescription:
    _reject_async_hooks(plugin, name)
    description = plugin.ttc_describe()
    if description.api_version != DRIVER_API_VERSION:
        raise _version_mismatch(name, description.api_version)
    if not type(plugin).name or type(plugin).config_type is DriverConfig:
        raise DriverError(f"driver {name!r} must set the class attributes name and config_type", broker=name)
    return description


def load_driver(name: str) -> LoadedDriver:
    """Find, import and check the driver called ``name``.

    Raises
    ------
    UnknownBrokerError
        No driver of that name is installed; the message names the package.
    DriverError
        The driver breaks the contract (not a DriverPlugin, async hooks, API version).
    """
    if not isinstance(name, str) or not name.strip():
        raise UnknownBrokerError(f"broker must be a driver name such as 'paper' or 'zerodha', got {name!r}")
    plugin = _instantiate(_resolve_plugin(name.strip()), name)
    description = _check_plugin(plugin, name)
    return LoadedDriver(plugin=plugin, description=description)


def emulator_class(name: str) -> type[Any] | None:
    """Return the emulator class a driver names (``DriverPlugin.emulator``), or None when it ships none.

    Raises
    ------
    UnknownBrokerError, DriverError
        No such driver, or its emulator cannot be imported.
    """
    target = load_driver(name).description.emulator
    if not target:
        return None
    module, _, attr = target.partition(":")
    try:
        found: type[Any] = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise DriverError(f"driver {name!r} names the emulator {target!r}, which cannot be imported "
                          f"({type(exc).__name__}: {exc})", broker=name) from None
    return found


def make_plugin_manager(driver: LoadedDriver, extensions: Iterable[Any] = ()) -> pluggy.PluginManager:
    """Return a new plugin manager holding ``driver`` and the extension plugins."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    try:
        pm.register(driver.plugin, name=f"driver:{driver.description.name}")
        for index, ext in enumerate(extensions):
            _reject_async_hooks(ext, f"extension #{index}")
            pm.register(ext)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise DriverError(f"plugin does not match the hook specifications: {exc}") from None
    return pm
