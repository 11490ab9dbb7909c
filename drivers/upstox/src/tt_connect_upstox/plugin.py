"""The Upstox driver: identity and parts (entry point ``upstox`` in ``tt_connect.drivers``)."""

from __future__ import annotations

from tt_connect.driver_api import Capabilities, DriverPlugin, ErrorMap, InstrumentSource, RateLimits

from tt_connect_upstox.api import UpstoxApi
from tt_connect_upstox.auth import UpstoxAuth
from tt_connect_upstox.capabilities import upstox_capabilities
from tt_connect_upstox.config import UpstoxConfig
from tt_connect_upstox.errors import upstox_error_map
from tt_connect_upstox.instruments import upstox_instrument_source
from tt_connect_upstox.limits import upstox_rate_limits
from tt_connect_upstox.stream import UpstoxStream

__all__ = ["UpstoxDriver"]


class UpstoxDriver(DriverPlugin[UpstoxConfig]):
    name = "upstox"
    title = "Upstox API v2/v3"
    package = "tt-connect-upstox"
    config_type = UpstoxConfig
    emulator = "tt_connect_upstox.emulator:UpstoxEmulator"

    def capabilities(self) -> Capabilities:
        return upstox_capabilities()

    def api(self, config: UpstoxConfig) -> UpstoxApi:
        return UpstoxApi(config)

    def instrument_source(self, config: UpstoxConfig) -> InstrumentSource:
        return upstox_instrument_source(config.instruments_url)

    def auth(self, config: UpstoxConfig) -> UpstoxAuth:
        return UpstoxAuth(config)

    def error_map(self, config: UpstoxConfig) -> ErrorMap:
        return upstox_error_map()

    def rate_limits(self, config: UpstoxConfig) -> RateLimits:
        return upstox_rate_limits()

    def stream(self, config: UpstoxConfig) -> UpstoxStream:
        return UpstoxStream(config)
