"""The Acme driver: identity and parts (entry point ``acme`` in ``tt_connect.drivers``)."""

from __future__ import annotations

from tt_connect.driver_api import BrokerApi, Capabilities, DriverPlugin, ErrorMap, InstrumentSource, RateLimits

from tt_connect_acme.api import AcmeApi
from tt_connect_acme.auth import AcmeAuth
from tt_connect_acme.capabilities import ACME_CAPABILITIES
from tt_connect_acme.config import AcmeConfig
from tt_connect_acme.errors import ACME_ERRORS
from tt_connect_acme.instruments import acme_instrument_source
from tt_connect_acme.limits import ACME_LIMITS
from tt_connect_acme.stream import AcmeStream

__all__ = ["AcmeDriver"]


class AcmeDriver(DriverPlugin[AcmeConfig]):
    name = "acme"
    title = "Acme Securities REST v1 (example driver)"
    package = "tt-connect-acme"
    config_type = AcmeConfig
    emulator = "tt_connect_acme.emulator:AcmeEmulator"

    def capabilities(self) -> Capabilities:
        return ACME_CAPABILITIES

    def api(self, config: AcmeConfig) -> BrokerApi:
        return AcmeApi(config.api_url)

    def instrument_source(self, config: AcmeConfig) -> InstrumentSource:
        return acme_instrument_source(config.instruments_url)

    def auth(self, config: AcmeConfig) -> AcmeAuth:
        return AcmeAuth(config)

    def error_map(self, config: AcmeConfig) -> ErrorMap:
        return ACME_ERRORS

    def rate_limits(self, config: AcmeConfig) -> RateLimits:
        return ACME_LIMITS

    def stream(self, config: AcmeConfig) -> AcmeStream:
        return AcmeStream(config)
