"""The Dhan driver: identity and parts (entry point ``dhan`` in ``tt_connect.drivers``)."""

from __future__ import annotations

from tt_connect.driver_api import Capabilities, DriverPlugin, ErrorMap, InstrumentSource, RateLimits

from tt_connect_dhan.api import DhanApi
from tt_connect_dhan.auth import DhanAuth
from tt_connect_dhan.capabilities import dhan_capabilities
from tt_connect_dhan.config import DhanConfig
from tt_connect_dhan.errors import dhan_error_map
from tt_connect_dhan.instruments import dhan_instrument_source
from tt_connect_dhan.limits import dhan_rate_limits
from tt_connect_dhan.stream import DhanStream

__all__ = ["DhanDriver"]


class DhanDriver(DriverPlugin[DhanConfig]):
    name = "dhan"
    title = "Dhan (DhanHQ v2)"
    package = "tt-connect-dhan"
    config_type = DhanConfig
    emulator = "tt_connect_dhan.emulator:DhanEmulator"

    def capabilities(self) -> Capabilities:
        return dhan_capabilities()

    def api(self, config: DhanConfig) -> DhanApi:
        return DhanApi(config.api_url, config.client_id)

    def instrument_source(self, config: DhanConfig) -> InstrumentSource:
        return dhan_instrument_source(config.instruments_url, config.instruments_detailed_url)

    def auth(self, config: DhanConfig) -> DhanAuth:
        return DhanAuth(config)

    def error_map(self, config: DhanConfig) -> ErrorMap:
        return dhan_error_map()

    def rate_limits(self, config: DhanConfig) -> RateLimits:
        return dhan_rate_limits()

    def stream(self, config: DhanConfig) -> DhanStream:
        return DhanStream(config)
