"""The AngelOne driver: its parts, declared once (entry point ``angelone`` in ``tt_connect.drivers``)."""

from __future__ import annotations

from tt_connect.driver_api import (
    BrokerApi,
    BrokerAuth,
    BrokerStream,
    Capabilities,
    DriverPlugin,
    ErrorMap,
    InstrumentSource,
    RateLimits,
)

from tt_connect_angelone.api import AngelOneApi
from tt_connect_angelone.auth import AngelAuth
from tt_connect_angelone.capabilities import angel_capabilities
from tt_connect_angelone.config import AngelOneConfig
from tt_connect_angelone.errors import angel_error_map
from tt_connect_angelone.instruments import angel_instrument_source
from tt_connect_angelone.limits import angel_rate_limits
from tt_connect_angelone.stream import AngelStream

__all__ = ["AngelOneDriver"]


class AngelOneDriver(DriverPlugin[AngelOneConfig]):
    """AngelOne SmartAPI: REST in JSON, PIN + TOTP login, SmartWebSocketV2 and the order-update socket."""

    name = "angelone"
    title = "AngelOne SmartAPI"
    package = "tt-connect-angelone"
    config_type = AngelOneConfig
    emulator = "tt_connect_angelone.emulator:SmartApiEmulator"

    def capabilities(self) -> Capabilities:
        return angel_capabilities()

    def api(self, config: AngelOneConfig) -> BrokerApi:
        return AngelOneApi(config.api_url)

    def instrument_source(self, config: AngelOneConfig) -> InstrumentSource:
        return angel_instrument_source(config.instruments_url)

    def auth(self, config: AngelOneConfig) -> BrokerAuth:
        return AngelAuth(config)

    def error_map(self, config: AngelOneConfig) -> ErrorMap:
        return angel_error_map()

    def rate_limits(self, config: AngelOneConfig) -> RateLimits:
        return angel_rate_limits()

    def stream(self, config: AngelOneConfig) -> BrokerStream:
        return AngelStream(config)
