"""The Dhan driver's hook implementations (entry point ``dhan`` in ``tt_connect.drivers``).

Every hook is a synchronous factory over the validated :class:`DhanConfig`; pluggy calls them
with the keyword ``config``. (Driver contract v1; contract v2 replaces this module with a
``DriverPlugin`` subclass.)
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

from tt_connect_dhan.api import DhanApi
from tt_connect_dhan.auth import DhanAuth
from tt_connect_dhan.capabilities import dhan_capabilities
from tt_connect_dhan.config import DhanConfig
from tt_connect_dhan.errors import dhan_error_map
from tt_connect_dhan.instruments import dhan_instrument_source
from tt_connect_dhan.limits import dhan_rate_limits
from tt_connect_dhan.stream import DhanStreamSpec

__all__ = ["ttc_api", "ttc_auth", "ttc_capabilities", "ttc_describe", "ttc_error_map", "ttc_instrument_source",
           "ttc_rate_limits", "ttc_stream"]


def _config(config: DriverConfig) -> DhanConfig:
    if not isinstance(config, DhanConfig):
        raise DriverError(f"the dhan driver needs a DhanConfig, got {type(config).__name__}", broker="dhan")
    return config


@hookimpl
def ttc_describe() -> DriverDescription:
    return DriverDescription(name="dhan", api_version=DRIVER_API_VERSION, config_type=DhanConfig,
                             title="Dhan (DhanHQ v2)", package="tt-connect-dhan")


@hookimpl
def ttc_capabilities(config: DriverConfig) -> Capabilities:
    return dhan_capabilities()


@hookimpl
def ttc_auth(config: DriverConfig) -> DhanAuth:
    return DhanAuth(_config(config))


@hookimpl
def ttc_instrument_source(config: DriverConfig) -> InstrumentSource:
    found = _config(config)
    return dhan_instrument_source(found.instruments_url, found.instruments_detailed_url)


@hookimpl
def ttc_api(config: DriverConfig) -> DhanApi:
    found = _config(config)
    return DhanApi(found.api_url, found.client_id)


@hookimpl
def ttc_error_map(config: DriverConfig) -> ErrorMap:
    return dhan_error_map()


@hookimpl
def ttc_rate_limits(config: DriverConfig) -> RateLimits:
    return dhan_rate_limits()


@hookimpl
def ttc_stream(config: DriverConfig) -> DhanStreamSpec:
    return DhanStreamSpec(_config(config))
