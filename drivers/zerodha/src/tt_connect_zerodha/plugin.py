"""The Zerodha driver: one :class:`~tt_connect.driver_api.DriverPlugin` naming its parts.

The entry point ``zerodha`` in ``tt_connect.drivers`` names :class:`KiteDriver`; the base class
implements the pluggy hooks and checks that every factory receives a :class:`ZerodhaConfig`.
"""

from __future__ import annotations

from tt_connect.driver_api import Capabilities, DriverPlugin, ErrorMap, InstrumentSource, RateLimits

from tt_connect_zerodha.api import ZerodhaApi
from tt_connect_zerodha.auth import KiteAuth
from tt_connect_zerodha.capabilities import kite_capabilities
from tt_connect_zerodha.config import ZerodhaConfig
from tt_connect_zerodha.errors import kite_error_map
from tt_connect_zerodha.instruments import kite_instrument_source
from tt_connect_zerodha.limits import kite_rate_limits
from tt_connect_zerodha.stream import KiteStream

__all__ = ["KiteDriver"]


class KiteDriver(DriverPlugin[ZerodhaConfig]):
    """Zerodha Kite Connect v3: REST, the KiteTicker stream, and an emulator of both."""

    name = "zerodha"
    title = "Zerodha Kite Connect v3"
    package = "tt-connect-zerodha"
    config_type = ZerodhaConfig
    emulator = "tt_connect_zerodha.emulator:KiteEmulator"

    def capabilities(self) -> Capabilities:
        return kite_capabilities()

    def api(self, config: ZerodhaConfig) -> ZerodhaApi:
        return ZerodhaApi(config.api_url)

    def instrument_source(self, config: ZerodhaConfig) -> InstrumentSource:
        return kite_instrument_source(config.instruments_url)

    def auth(self, config: ZerodhaConfig) -> KiteAuth:
        return KiteAuth(config)

    def error_map(self, config: ZerodhaConfig) -> ErrorMap:
        return kite_error_map()

    def rate_limits(self, config: ZerodhaConfig) -> RateLimits:
        return kite_rate_limits()

    def stream(self, config: ZerodhaConfig) -> KiteStream:
        return KiteStream(config)
