"""The driver is found through its entry point and every hook returns the right object."""

from __future__ import annotations

from tt_connect.config import parse_driver_config
from tt_connect.driver_api import DRIVER_API_VERSION, Operation, RateLimits, Support
from tt_connect.drivers import load_driver, make_plugin_manager
from tt_connect.enums import Exchange, ProductType, StreamMode, Validity
from tt_connect.errors import SessionExpiredError
from tt_connect_angelone.api import AngelOneApi
from tt_connect_angelone.auth import AngelAuth
from tt_connect_angelone.config import AngelOneConfig
from tt_connect_angelone.feed import AngelStreamSpec

CONFIG = {"api_key": "smartkey", "client_code": "A123456", "pin": "1234", "totp_secret": "JBSWY3DPEHPK3PXP",
          "api_url": "http://127.0.0.1:8999", "instruments_url": "http://127.0.0.1:8999/scrips.json"}


def test_entry_point_loads_the_driver_and_its_hooks() -> None:
    loaded = load_driver("angelone")
    description = loaded.description
    assert (description.name, description.api_version, description.config_type) == (
        "angelone", DRIVER_API_VERSION, AngelOneConfig)
    assert (description.title, description.package) == ("AngelOne SmartAPI", "tt-connect-angelone")
    hooks = make_plugin_manager(loaded).hook
    config = parse_driver_config(AngelOneConfig, CONFIG, broker="angelone")
    api = hooks.ttc_api(config=config)
    assert isinstance(api, AngelOneApi) and api.tag_max_length == 20
    assert isinstance(hooks.ttc_auth(config=config), AngelAuth)
    assert isinstance(hooks.ttc_stream(config=config), AngelStreamSpec)
    assert hooks.ttc_instrument_source(config=config).url == "http://127.0.0.1:8999/scrips.json"
    limits = hooks.ttc_rate_limits(config=config)
    assert isinstance(limits, RateLimits) and limits.scope == "user"
    orders = limits.get("orders")
    assert orders is not None and (orders.per_second, orders.per_minute) == (20, 500)
    assert limits.get("quote").per_second == 1  # type: ignore[union-attr]
    assert limits.get("historical").per_second == 3  # type: ignore[union-attr]
    assert limits.get("unknown-class").name == "default"  # type: ignore[union-attr]
    assert hooks.ttc_error_map(config=config).codes["AG8001"] is SessionExpiredError


def test_capabilities_decide_every_operation() -> None:
    hooks = make_plugin_manager(load_driver("angelone")).hook
    caps = hooks.ttc_capabilities(config=parse_driver_config(AngelOneConfig, CONFIG, broker="angelone"))
    assert set(caps.operations) == set(Operation)
    assert all(support is Support.SUPPORTED for support in caps.operations.values())
    assert caps.stream_modes == frozenset(StreamMode)
    nse, nfo = caps.segment(Exchange.NSE), caps.segment(Exchange.NFO)
    assert nse is not None and ProductType.NRML not in nse.products and Validity.TTL not in nse.validities
    assert nfo is not None and ProductType.CNC not in nfo.products
