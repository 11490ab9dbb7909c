"""The driver is found through its entry point, declares its parts, and its config reads the emulator's line."""

from __future__ import annotations

import pytest
from tt_connect.config import parse_driver_config
from tt_connect.driver_api import DRIVER_API_VERSION, BrokerAuth, BrokerStream, Operation, RateLimits, Support
from tt_connect.drivers import load_driver, make_plugin_manager
from tt_connect.enums import Exchange, StreamMode, Variety
from tt_connect.errors import ConfigurationError, SessionExpiredError
from tt_connect_zerodha import KiteDriver
from tt_connect_zerodha.api import ZerodhaApi
from tt_connect_zerodha.auth import KiteAuth
from tt_connect_zerodha.config import ZerodhaConfig, ZerodhaConfigError
from tt_connect_zerodha.emulator import KiteEmulator
from tt_connect_zerodha.stream import KiteStream


def test_the_entry_point_names_the_plugin_class_and_every_hook_builds_its_part() -> None:
    loaded = load_driver("zerodha")
    assert isinstance(loaded.plugin, KiteDriver)
    description = loaded.description
    assert (description.name, description.api_version, description.config_type) == (
        "zerodha", DRIVER_API_VERSION, ZerodhaConfig)
    assert description.package == "tt-connect-zerodha" and description.title == "Zerodha Kite Connect v3"
    assert description.emulator == "tt_connect_zerodha.emulator:KiteEmulator"
    hooks = make_plugin_manager(loaded).hook
    config = parse_driver_config(ZerodhaConfig, {"api_key": "kitefront", "api_url": "http://127.0.0.1:8999"},
                                 broker="zerodha")
    api = hooks.ttc_api(config=config)
    assert isinstance(api, ZerodhaApi) and api.tag_max_length == 20
    auth = hooks.ttc_auth(config=config)
    assert isinstance(auth, KiteAuth) and isinstance(auth, BrokerAuth)
    stream = hooks.ttc_stream(config=config)
    assert isinstance(stream, KiteStream) and isinstance(stream, BrokerStream) and stream.order_updates is None
    (file,) = hooks.ttc_instrument_source(config=config).files
    assert file.url == "https://api.kite.trade/instruments"
    limits = hooks.ttc_rate_limits(config=config)
    assert isinstance(limits, RateLimits)
    assert limits.get("quote").per_second == 1  # type: ignore[union-attr]
    assert limits.get("historical").per_second == 3  # type: ignore[union-attr]
    orders = limits.get("orders")
    assert orders is not None and (orders.per_second, orders.per_minute, orders.per_day) == (10, 400, 5000)
    assert limits.get("anything-else").name == "default"  # type: ignore[union-attr]
    assert hooks.ttc_error_map(config=config).codes["TokenException"] is SessionExpiredError
    assert hooks.ttc_transport(config=config) is None


def test_capabilities_decide_every_operation_and_the_core_derives_one_order() -> None:
    caps = KiteDriver().capabilities()
    assert set(caps.operations) == set(Operation)
    assert caps.support(Operation.ORDER) is Support.EMULATED  # from GET /orders/{id}, the order's history
    # Static IPs are registered on developers.kite.trade: kiteconnect 5.2.2 has no endpoint for them.
    assert caps.support(Operation.STATIC_IP) is Support.UNSUPPORTED
    assert all(caps.support(op) is Support.SUPPORTED for op in Operation
               if op not in (Operation.ORDER, Operation.STATIC_IP))
    assert caps.stream_modes == frozenset(StreamMode) and caps.history_oi
    nfo = caps.segment(Exchange.NFO)
    assert nfo is not None and Variety.ICEBERG in nfo.varieties
    mcx = caps.segment(Exchange.MCX)
    assert mcx is not None and Variety.CO not in mcx.varieties


def test_sessions_are_kept_per_api_key() -> None:
    config = ZerodhaConfig(api_key="kitefront")
    assert ZerodhaConfig.account_field == "api_key" and config.account() == "kitefront"


def test_the_emulators_announcement_is_a_config_as_it_is() -> None:
    """Every key is a setting or declared as none (``broker``, the SDK's one-time ``request_token``)."""
    announced = KiteEmulator().announcement()
    config = parse_driver_config(ZerodhaConfig, announced, broker="zerodha")
    assert (config.api_key, config.api_url, config.access_token) == (
        announced["api_key"], announced["api_url"], announced["access_token"])
    assert set(announced) - set(ZerodhaConfig.__struct_fields__) == ZerodhaConfig.announcement_ignored


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
