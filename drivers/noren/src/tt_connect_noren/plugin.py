"""The Noren drivers: one :class:`DriverPlugin` per profile (entry points ``shoonya``, ``flattrade``, ``noren``).

Each differs only in its name and config Struct (whose defaults are the profile); every part is
the same translator.
"""

from __future__ import annotations

from typing import ClassVar

from tt_connect.driver_api import Capabilities, DriverPlugin, ErrorMap, InstrumentSource, RateLimits

from tt_connect_noren.api import NorenApi
from tt_connect_noren.auth import NorenAuth
from tt_connect_noren.capabilities import noren_capabilities
from tt_connect_noren.config import FlattradeConfig, NorenConfig, ShoonyaConfig
from tt_connect_noren.errors import noren_error_map
from tt_connect_noren.instruments import noren_instrument_source
from tt_connect_noren.limits import noren_rate_limits
from tt_connect_noren.stream import NorenStream

__all__ = ["FlattradeDriver", "NorenDriver", "ShoonyaDriver"]


class NorenDriver(DriverPlugin[NorenConfig]):
    """A Noren OMS broker whose hosts and login flow come from the config (QuickAuth by default)."""

    name = "noren"
    title = "Noren OMS (generic profile)"
    package = "tt-connect-noren"
    config_type = NorenConfig
    emulator = "tt_connect_noren.emulator:QuickAuthEmulator"
    _api: ClassVar[type[NorenApi]] = NorenApi

    def capabilities(self) -> Capabilities:
        return noren_capabilities()

    def api(self, config: NorenConfig) -> NorenApi:
        return self._api(config.api_url, config.user_id)

    def instrument_source(self, config: NorenConfig) -> InstrumentSource:
        return noren_instrument_source(config.symbol_files_base, config.exchanges)

    def auth(self, config: NorenConfig) -> NorenAuth:
        return NorenAuth(config, self.name)

    def error_map(self, config: NorenConfig) -> ErrorMap:
        return noren_error_map()

    def rate_limits(self, config: NorenConfig) -> RateLimits:
        return noren_rate_limits()

    def stream(self, config: NorenConfig) -> NorenStream:
        return NorenStream(config, self.name)


class _ShoonyaApi(NorenApi):
    broker = "shoonya"


class _FlattradeApi(NorenApi):
    broker = "flattrade"


class ShoonyaDriver(NorenDriver):
    """Shoonya (Finvasia): OAuth code flow, Bearer header."""

    name = "shoonya"
    title = "Shoonya (Finvasia) Noren OMS"
    config_type = ShoonyaConfig
    emulator = "tt_connect_noren.emulator:ShoonyaEmulator"
    _api = _ShoonyaApi


class FlattradeDriver(NorenDriver):
    """Flattrade Pi Connect: its token service, jKey bodies."""

    name = "flattrade"
    title = "Flattrade Pi Connect (Noren OMS)"
    config_type = FlattradeConfig
    emulator = "tt_connect_noren.emulator:FlattradeEmulator"
    _api = _FlattradeApi
