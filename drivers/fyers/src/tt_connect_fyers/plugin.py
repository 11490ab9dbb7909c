"""The Fyers driver: identity and parts (entry point ``fyers`` in ``tt_connect.drivers``).

The data and order sockets are added by :mod:`tt_connect_fyers.feed` (the ``stream`` hook).
"""

from __future__ import annotations

from tt_connect.driver_api import Capabilities, DriverPlugin, ErrorMap, InstrumentSource, RateLimits

from tt_connect_fyers.api import FyersApi
from tt_connect_fyers.auth import FyersAuth
from tt_connect_fyers.capabilities import fyers_capabilities
from tt_connect_fyers.config import MASTER_FIELDS, FyersConfig
from tt_connect_fyers.errors import fyers_error_map
from tt_connect_fyers.feed.stream import FyersStream
from tt_connect_fyers.instruments import fyers_instrument_source
from tt_connect_fyers.limits import fyers_rate_limits
from tt_connect_fyers.parsing import fyers_order_to_order

__all__ = ["FyersDriver"]


class FyersDriver(DriverPlugin[FyersConfig]):
    name = "fyers"
    title = "Fyers (API v3)"
    package = "tt-connect-fyers"
    config_type = FyersConfig
    emulator = "tt_connect_fyers.emulator:FyersEmulator"

    def capabilities(self) -> Capabilities:
        return fyers_capabilities()

    def api(self, config: FyersConfig) -> FyersApi:
        return FyersApi(config.api_url, config.data_url)

    def instrument_source(self, config: FyersConfig) -> InstrumentSource:
        return fyers_instrument_source({segment: getattr(config, name) for segment, name in MASTER_FIELDS.items()})

    def auth(self, config: FyersConfig) -> FyersAuth:
        return FyersAuth(config)

    def error_map(self, config: FyersConfig) -> ErrorMap:
        return fyers_error_map()

    def rate_limits(self, config: FyersConfig) -> RateLimits:
        return fyers_rate_limits()

    def stream(self, config: FyersConfig) -> FyersStream:
        return FyersStream(config, parse_order=fyers_order_to_order)
