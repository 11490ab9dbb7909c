"""The AngelOne driver's hook implementations (entry point ``angelone`` in ``tt_connect.drivers``).

Every hook is a synchronous factory over the validated :class:`AngelOneConfig`;
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

from tt_connect_angelone.api import AngelOneApi
from tt_connect_angelone.auth import AngelAuth
from tt_connect_angelone.capabilities import angel_capabilities
from tt_connect_angelone.config import AngelOneConfig
from tt_connect_angelone.errors import angel_error_map
from tt_connect_angelone.feed import AngelStreamSpec
from tt_connect_angelone.instruments import angel_instrument_source
from tt_connect_angelone.limits import angel_rate_limits

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


def _config(config: DriverConfig) -> AngelOneConfig:
    if not isinstance(config, AngelOneConfig):
        raise DriverError(f"the angelone driver needs an AngelOneConfig, got {type(config).__name__}",
                          broker="angelone")
    return config


@hookimpl
def ttc_describe() -> DriverDescription:
    return DriverDescription(name="angelone", api_version=DRIVER_API_VERSION, config_type=AngelOneConfig,
                             title="AngelOne SmartAPI", package="tt-connect-angelone")


@hookimpl
def ttc_capabilities(config: DriverConfig) -> Capabilities:
    return angel_capabilities()


@hookimpl
def ttc_auth(config: DriverConfig) -> AngelAuth:
    return AngelAuth(_config(config))


@hookimpl
def ttc_instrument_source(config: DriverConfig) -> InstrumentSource:
    return angel_instrument_source(_config(config).instruments_url)


@hookimpl
def ttc_api(config: DriverConfig) -> AngelOneApi:
    return AngelOneApi(_config(config).api_url)


@hookimpl
def ttc_error_map(config: DriverConfig) -> ErrorMap:
    return angel_error_map()


@hookimpl
def ttc_rate_limits(config: DriverConfig) -> RateLimits:
    return angel_rate_limits()


@hookimpl
def ttc_stream(config: DriverConfig) -> AngelStreamSpec:
    return AngelStreamSpec(_config(config))
