"""The Zerodha driver's hook implementations (entry point ``zerodha`` in ``tt_connect.drivers``).

Every hook is a synchronous factory over the validated :class:`ZerodhaConfig`;
pluggy calls them with the keyword ``config``.
"""

from __future__ import annotations

from tt_connect.driver_api import (
    DRIVER_API_VERSION,
    Capabilities,
    DriverConfig,
    DriverDescription,
    ErrorMap,
    InstrumentSource,
    RateLimits,
)
from tt_connect.errors import DriverError
from tt_connect.hookspecs import hookimpl

from tt_connect_zerodha.api import ZerodhaApi
from tt_connect_zerodha.auth import KiteAuth
from tt_connect_zerodha.capabilities import kite_capabilities
from tt_connect_zerodha.config import ZerodhaConfig
from tt_connect_zerodha.errors import kite_error_map
from tt_connect_zerodha.instruments import kite_instrument_source
from tt_connect_zerodha.limits import kite_rate_limits
from tt_connect_zerodha.ticker import KiteStreamSpec

__all__ = [
    "ttc_api",
    "ttc_auth",
    "ttc_capabilities",
    "ttc_describe",
    "ttc_error_map",
    "ttc_instrument_source",
    "ttc_rate_limits",
    "ttc_stream",
]


def _config(config: DriverConfig) -> ZerodhaConfig:
    if not isinstance(config, ZerodhaConfig):
        raise DriverError(f"the zerodha driver needs a ZerodhaConfig, got {type(config).__name__}",
                          broker="zerodha")
    return config


@hookimpl
def ttc_describe() -> DriverDescription:
    return DriverDescription(name="zerodha", api_version=DRIVER_API_VERSION, config_type=ZerodhaConfig,
                             title="Zerodha Kite Connect v3", package="tt-connect-zerodha")


@hookimpl
def ttc_capabilities(config: DriverConfig) -> Capabilities:
    return kite_capabilities()


@hookimpl
def ttc_auth(config: DriverConfig) -> KiteAuth:
    return KiteAuth(_config(config))


@hookimpl
def ttc_instrument_source(config: DriverConfig) -> InstrumentSource:
    return kite_instrument_source(_config(config).instruments_url)


@hookimpl
def ttc_api(config: DriverConfig) -> ZerodhaApi:
    return ZerodhaApi(_config(config).api_url)


@hookimpl
def ttc_error_map(config: DriverConfig) -> ErrorMap:
    return kite_error_map()


@hookimpl
def ttc_rate_limits(config: DriverConfig) -> RateLimits:
    return kite_rate_limits()


@hookimpl
def ttc_stream(config: DriverConfig) -> KiteStreamSpec:
    return KiteStreamSpec(_config(config))
