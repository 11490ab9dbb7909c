"""The template driver: every capability unsupported.

Copy this module to start a new driver, then fill in one area at a time. The
conformance suite runs against it in tt-connect's own tests, so the contract
and this template cannot drift apart: a hook added to the contract without a
template answer breaks the build.
"""

from __future__ import annotations

import datetime as _dt

from tt_connect.driver_api import (
    DRIVER_API_VERSION,
    BrokerApi,
    Capabilities,
    DriverConfig,
    DriverDescription,
    ErrorMap,
    InstrumentSource,
    RateClass,
    RateLimits,
)
from tt_connect.hookspecs import hookimpl

__all__ = ["TemplateConfig"]

NAME = "template"

# Two listed instruments, in canonical columns already: a real driver's SELECT
# maps its broker's columns instead.
_LISTING = b"""exchange,segment,kind,symbol,underlying,expiry,strike,option_type,lot_size,tick_size,isin,name,broker_token,broker_symbol,broker_exchange,broker_segment
NSE,NSE,EQ,RELIANCE,RELIANCE,,,,1,0.05,INE002A01018,RELIANCE INDUSTRIES,1,RELIANCE,NSE,NSE
NSE,NSE,IDX,NIFTY 50,NIFTY,,,,1,0.05,,NIFTY 50,2,NIFTY 50,NSE,INDICES
"""

_SELECT = """
SELECT exchange, segment, kind, symbol, underlying,
       TRY_CAST(expiry AS DATE) AS expiry, TRY_CAST(strike AS DOUBLE) AS strike,
       NULLIF(option_type, '') AS option_type, CAST(lot_size AS INTEGER) AS lot_size,
       CAST(tick_size AS DOUBLE) AS tick_size, isin, name,
       CAST(broker_token AS VARCHAR) AS broker_token, broker_symbol, broker_exchange, broker_segment
FROM {source}
"""


class TemplateConfig(DriverConfig, frozen=True, kw_only=True):
    """A real driver lists its credentials and every endpoint URL here."""

    api_url: str = "http://127.0.0.1:9/"


@hookimpl
def ttc_describe() -> DriverDescription:
    return DriverDescription(
        name=NAME, api_version=DRIVER_API_VERSION, config_type=TemplateConfig,
        title="Template driver (everything unsupported)", package="tt-connect",
    )


@hookimpl
def ttc_capabilities(config: DriverConfig) -> Capabilities:
    return Capabilities(operations={})


@hookimpl
def ttc_auth(config: DriverConfig) -> None:
    return None


@hookimpl
def ttc_instrument_source(config: DriverConfig) -> InstrumentSource:
    return InstrumentSource(select_sql=_SELECT, format="csv", local=lambda: _LISTING,
                            read_options="header=true, all_varchar=true", publish_time=_dt.time(8, 0))


@hookimpl
def ttc_api(config: DriverConfig) -> BrokerApi:
    api = BrokerApi()
    api.broker = NAME
    return api


@hookimpl
def ttc_error_map(config: DriverConfig) -> ErrorMap:
    return ErrorMap()


@hookimpl
def ttc_rate_limits(config: DriverConfig) -> RateLimits:
    return RateLimits(classes=(RateClass(name="default", per_second=10),))


@hookimpl
def ttc_stream(config: DriverConfig) -> None:
    return None


@hookimpl
def ttc_transport(config: DriverConfig) -> None:
    return None
