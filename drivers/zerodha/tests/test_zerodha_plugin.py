"""The driver is found through its entry point and every hook returns the right object."""

from __future__ import annotations

import pytest
from tt_connect.config import parse_driver_config
from tt_connect.driver_api import DRIVER_API_VERSION, Operation, RateLimits, Support
from tt_connect.drivers import load_driver, make_plugin_manager
from tt_connect.enums import Exchange, StreamMode, Variety
from tt_connect.errors import ConfigurationError, SessionExpiredError
from tt_connect_zerodha.api import ZerodhaApi
from tt_connect_zerodha.auth import KiteAuth
from tt_connect_zerodha.config import ZerodhaConfig, ZerodhaConfigError
from tt_connect_zerodha.ticker import KiteStreamSpec


def test_entry_point_loads_the_driver_and_its_hooks() -> None:
    loaded = load_driver("zerodha")
    description = loaded.description
    assert (description.name, description.api_version, description.config_type) == (
        "zerodha", DRIVER_API_VERSION, ZerodhaConfig)
    assert description.package == "tt-connect-zerodha" and description.title == "Zerodha Kite Connect v3"
    hooks = make_plugin_manager(loaded).hook
    config = parse_driver_config(ZerodhaConfig, {"api_key": "kitefront", "api_url": "http://127.0.0.1:8999"},
                                 broker="zerodha")
    api = hooks.ttc_api(config=config)
    assert isinstance(api, ZerodhaApi) and api.tag_max_length == 20
    assert isinstance(hooks.ttc_auth(config=config), KiteAuth)
    assert isinstance(hooks.ttc_stream(config=config), KiteStreamSpec)
    assert hooks.ttc_instrument_source(config=config).url == "https://api.kite.trade/instruments"
    limits = hooks.ttc_rate_limits(config=config)
    assert isinstance(limits, RateLimits)
    assert limits.get("quote").per_second == 1  # type: ignore[union-attr]
    assert limits.get("historical").per_second == 3  # type: ignore[union-attr]
    orders = limits.get("orders")
    assert orders is not None and (orders.per_second, orders.per_minute, orders.per_day) == (10, 400, 5000)
    assert limits.get("anything-else").name == "default"  # type: ignore[union-attr]
    errors = hooks.ttc_error_map(config=config)
    assert errors.codes["TokenException"] is SessionExpiredError


def test_capabilities_decide_every_operation() -> None:
    hooks = make_plugin_manager(load_driver("zerodha")).hook
    caps = hooks.ttc_capabilities(config=ZerodhaConfig(api_key="kitefront"))
    assert set(caps.operations) == set(Operation)
    assert caps.support(Operation.PLACE_ORDER) is Support.SUPPORTED
    assert caps.support(Operation.ORDER_UPDATES) is Support.SUPPORTED
    assert all(caps.support(op) is Support.SUPPORTED for op in Operation)
    assert caps.stream_modes == frozenset(StreamMode)
    nfo = caps.segment(Exchange.NFO)
    assert nfo is not None and Variety.ICEBERG in nfo.varieties
    mcx = caps.segment(Exchange.MCX)
    assert mcx is not None and Variety.CO not in mcx.varieties


@pytest.mark.parametrize(("raw", "message"), [
    ({}, "api_key"),
    ({"api_key": "  "}, "api_key is empty"),
    ({"api_key": "kitefront", "web_login": True, "user_id": "AB1234"}, "password, totp_secret"),
    ({"api_key": "kitefront", "api_url": "api.kite.trade"}, "absolute URL"),
    ({"api_key": "kitefront", "apikey": "typo"}, "apikey"),
])
def test_bad_config_is_a_configuration_error_naming_the_problem(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        parse_driver_config(ZerodhaConfig, raw, broker="zerodha")


def test_config_built_directly_raises_a_tt_connect_error() -> None:
    with pytest.raises(ZerodhaConfigError):
        ZerodhaConfig(api_key="")
