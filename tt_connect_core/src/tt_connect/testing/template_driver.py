"""The template driver: every capability unsupported.

Copy this module to start a new driver, then fill in one area at a time (the example driver in
``examples/acme_driver`` shows every area filled in). The conformance suite runs against it in
tt-connect's own tests, so the contract and this template cannot drift apart.
"""

from __future__ import annotations

import datetime as _dt

from tt_connect.driver_api import (
    BrokerApi,
    Capabilities,
    DriverConfig,
    DriverPlugin,
    InstrumentFile,
    InstrumentSource,
    RateClass,
    RateLimits,
)

__all__ = ["TemplateApi", "TemplateConfig", "TemplateDriver"]

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


class TemplateDriver(DriverPlugin[TemplateConfig]):
    """The whole contract with nothing supported: what a new driver starts from."""

    name = NAME
    title = "Template driver (everything unsupported)"
    package = "tt-connect"
    config_type = TemplateConfig

    def capabilities(self) -> Capabilities:
        return Capabilities(operations={})

    def api(self, config: TemplateConfig) -> BrokerApi:
        return TemplateApi()

    def instrument_source(self, config: TemplateConfig) -> InstrumentSource:
        return InstrumentSource(
            select_sql=_SELECT, publish_time=_dt.time(8, 0),
            files=(InstrumentFile(format="csv", read_options="header=true, all_varchar=true",
                                  local=lambda: _LISTING),))

    def rate_limits(self, config: TemplateConfig) -> RateLimits:
        return RateLimits(classes=(RateClass(name="default", per_second=10),))


class TemplateApi(BrokerApi):
    """Every operation unsupported (the base class's answer)."""

    broker = NAME
