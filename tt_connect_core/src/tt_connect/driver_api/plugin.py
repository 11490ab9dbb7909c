"""``DriverPlugin``: the one class a driver subclasses to declare its parts.

It implements the pluggy hooks of :mod:`tt_connect.hookspecs` once for every driver, so a driver
writes no hook boilerplate: it sets its identity as class attributes and overrides the factory
methods of the parts it has. Each factory is called with the validated config Struct.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from tt_connect.driver_api.auth import BrokerAuth
from tt_connect.driver_api.capabilities import Capabilities
from tt_connect.driver_api.config import DriverConfig
from tt_connect.driver_api.errors import ErrorMap
from tt_connect.driver_api.instruments import InstrumentSource
from tt_connect.driver_api.limits import RateLimits
from tt_connect.driver_api.streaming import BrokerStream
from tt_connect.driver_api.wire import Transport
from tt_connect.errors import DriverError
from tt_connect.hookspecs import hookimpl

if TYPE_CHECKING:
    from tt_connect.driver_api.api import BrokerApi

__all__ = ["DRIVER_API_VERSION", "DriverDescription", "DriverPlugin", "MarketLink"]

DRIVER_API_VERSION = 2
"""Version of this contract. A driver declares the version it implements; a mismatch is refused."""

C = TypeVar("C", bound=DriverConfig)


@dataclass(frozen=True)
class DriverDescription:
    """Who a driver is: returned by the ``ttc_describe`` hook."""

    name: str
    api_version: int
    config_type: type[DriverConfig]
    title: str = ""
    package: str = ""
    emulator: str = ""
    """``"module:Class"`` of the driver's emulator (an :class:`~tt_connect.emulation.EmulatorHost`), or ""."""


@dataclass(frozen=True)
class MarketLink:
    """Another driver whose market this one trades on (the paper broker on live data).

    The runtime builds a client of ``broker`` with ``settings`` (its own login, session and
    master); instruments, quotes, history and ticks come from it, and ``capabilities`` combines
    its capability matrix with this driver's.
    """

    broker: str
    settings: Mapping[str, Any]
    capabilities: Callable[[Capabilities], Capabilities]


class DriverPlugin(abc.ABC, Generic[C]):
    """Base of every driver. Set the identity, override the parts.

    Required: :meth:`capabilities`, :meth:`api`, :meth:`instrument_source`. Optional, each
    with a default: :meth:`auth` (None: no session), :meth:`error_map` (by HTTP status only),
    :meth:`rate_limits` (None: no client-side limits), :meth:`stream` (None: no streaming),
    :meth:`transport` (None: the core's aiohttp transport).

    Examples
    --------
    >>> class AcmeDriver(DriverPlugin[AcmeConfig]):             # doctest: +SKIP
    ...     name, title, package = "acme", "Acme Securities", "tt-connect-acme"
    ...     config_type = AcmeConfig
    ...     def capabilities(self): return ACME_CAPABILITIES
    ...     def api(self, config): return AcmeApi(config.api_url)
    ...     def instrument_source(self, config): return acme_instruments(config.instruments_url)
    """

    name: ClassVar[str] = ""
    """The driver's name, as given to ``TTConnect(name, ...)`` (its entry-point name)."""
    title: ClassVar[str] = ""
    package: ClassVar[str] = ""
    """The distribution that provides the driver (``tt-connect-zerodha``)."""
    config_type: ClassVar[type[DriverConfig]] = DriverConfig
    """The driver's settings Struct (a subclass of DriverConfig)."""
    emulator: ClassVar[str] = ""
    """``"module:Class"`` of the driver's emulator, for ``tt-connect emulate`` and the conformance suite."""
    api_version: ClassVar[int] = DRIVER_API_VERSION

    # -- the parts a driver declares -------------------------------------------------------

    @abc.abstractmethod
    def capabilities(self) -> Capabilities:
        """Return the capability matrix; it needs no config, so ``tt-connect drivers`` can show it."""

    @abc.abstractmethod
    def api(self, config: C) -> BrokerApi:
        """Return the REST translator."""

    @abc.abstractmethod
    def instrument_source(self, config: C) -> InstrumentSource:
        """Return where the instrument master comes from and its canonical SELECT."""

    def auth(self, config: C) -> BrokerAuth | None:
        """Return the login description, or None for a broker without sessions."""
        return None

    def error_map(self, config: C) -> ErrorMap:
        """Return how error replies map to the error tree."""
        return ErrorMap()

    def rate_limits(self, config: C) -> RateLimits | None:
        """Return the broker's rate classes, or None for no client-side limiting."""
        return None

    def stream(self, config: C) -> BrokerStream | None:
        """Return the streaming description, or None when the broker has no stream."""
        return None

    def transport(self, config: C) -> Transport | None:
        """Return an in-process transport instead of the network (the paper broker), or None.

        A transport with a ``bind_market(runtime)`` method is handed the client's runtime when the
        driver trades on another driver's market (:meth:`market_link`).
        """
        return None

    def market_link(self, config: C) -> MarketLink | None:
        """Return the driver whose market data this one trades on, or None for its own (every broker)."""
        return None

    # -- the pluggy hooks, written once ----------------------------------------------------

    def _checked(self, config: DriverConfig) -> C:
        if not isinstance(config, self.config_type):
            raise DriverError(f"the {self.name} driver needs a {self.config_type.__name__}, got "
                              f"{type(config).__name__}", broker=self.name)
        return config  # type: ignore[return-value]

    @hookimpl
    def ttc_describe(self) -> DriverDescription:
        return DriverDescription(name=self.name, api_version=self.api_version, config_type=self.config_type,
                                 title=self.title, package=self.package, emulator=self.emulator)

    @hookimpl
    def ttc_capabilities(self) -> Capabilities:
        return self.capabilities()

    @hookimpl
    def ttc_api(self, config: DriverConfig) -> BrokerApi:
        return self.api(self._checked(config))

    @hookimpl
    def ttc_instrument_source(self, config: DriverConfig) -> InstrumentSource:
        return self.instrument_source(self._checked(config))

    @hookimpl
    def ttc_auth(self, config: DriverConfig) -> BrokerAuth | None:
        return self.auth(self._checked(config))

    @hookimpl
    def ttc_error_map(self, config: DriverConfig) -> ErrorMap:
        return self.error_map(self._checked(config))

    @hookimpl
    def ttc_rate_limits(self, config: DriverConfig) -> RateLimits | None:
        return self.rate_limits(self._checked(config))

    @hookimpl
    def ttc_stream(self, config: DriverConfig) -> BrokerStream | None:
        return self.stream(self._checked(config))

    @hookimpl
    def ttc_transport(self, config: DriverConfig) -> Transport | None:
        return self.transport(self._checked(config))
