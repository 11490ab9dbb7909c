"""The driver is found through its entry point as one DriverPlugin class, and its parts are the right ones."""

from __future__ import annotations

from tt_connect.config import parse_driver_config
from tt_connect.driver_api import DRIVER_API_VERSION, DriverPlugin, Operation, RateLimits, Support
from tt_connect.drivers import load_driver, make_plugin_manager
from tt_connect.enums import CandleInterval, Exchange, GttType, OrderType, ProductType, StreamMode, Validity
from tt_connect.errors import SessionExpiredError
from tt_connect_angelone import AngelOneDriver
from tt_connect_angelone.api import AngelOneApi
from tt_connect_angelone.auth import AngelAuth
from tt_connect_angelone.config import AngelOneConfig
from tt_connect_angelone.emulator import SmartApiEmulator
from tt_connect_angelone.order_stream import AngelOrderStream
from tt_connect_angelone.stream import AngelStream

CONFIG = {"api_key": "smartkey", "client_code": "A123456", "pin": "1234", "totp_secret": "JBSWY3DPEHPK3PXP",
          "api_url": "http://127.0.0.1:8999", "instruments_url": "http://127.0.0.1:8999/scrips.json"}


def test_the_entry_point_names_the_plugin_class_and_its_emulator() -> None:
    loaded = load_driver("angelone")
    assert isinstance(loaded.plugin, AngelOneDriver) and isinstance(loaded.plugin, DriverPlugin)
    description = loaded.description
    assert (description.name, description.api_version, description.config_type) == (
        "angelone", DRIVER_API_VERSION, AngelOneConfig)
    assert (description.title, description.package) == ("AngelOne SmartAPI", "tt-connect-angelone")
    module, _, name = description.emulator.partition(":")
    assert (module, name) == ("tt_connect_angelone.emulator", SmartApiEmulator.__name__)


def test_every_part_is_built_from_the_validated_config() -> None:
    loaded = load_driver("angelone")
    hooks = make_plugin_manager(loaded).hook
    config = parse_driver_config(AngelOneConfig, CONFIG, broker="angelone")
    api = hooks.ttc_api(config=config)
    assert isinstance(api, AngelOneApi) and api.tag_max_length == 20
    assert (api.quote_batch_size, api.margin_batch_size, api.history_max_days[CandleInterval.MINUTE_1]) == (50, 1, 30)
    assert api.needs_known_order == {Operation.MODIFY_ORDER, Operation.CANCEL_ORDER, Operation.GTT}
    assert isinstance(hooks.ttc_auth(config=config), AngelAuth)
    stream = hooks.ttc_stream(config=config)
    assert isinstance(stream, AngelStream) and isinstance(stream.order_updates, AngelOrderStream)
    (master,) = hooks.ttc_instrument_source(config=config).files
    assert master.url == "http://127.0.0.1:8999/scrips.json"
    assert hooks.ttc_error_map(config=config).codes["AG8001"] is SessionExpiredError
    assert hooks.ttc_transport(config=config) is None


def test_each_endpoint_has_the_rate_window_smartapi_meters() -> None:
    hooks = make_plugin_manager(load_driver("angelone")).hook
    limits = hooks.ttc_rate_limits(config=parse_driver_config(AngelOneConfig, CONFIG, broker="angelone"))
    assert isinstance(limits, RateLimits) and limits.scope == "user"

    def window(name: str) -> tuple[float | None, float | None, float | None]:
        found = limits.get(name)
        assert found is not None and found.name == name, name
        return found.per_second, found.per_minute, found.per_hour

    books = {"order_book", "trade_book", "positions", "holdings"}
    assert all(window(name) == (1, None, None) for name in books), "each book has a 1/s window of its own"
    assert window("orders") == (20, 500, 1000) and window("quote") == (1, None, None)
    assert window("login") == (1, None, None) and window("renew") == (1, None, 1000)
    assert window("historical") == (3, 500, 5000) and window("order_status") == (10, 500, 5000)
    assert all(window(f"gtt_{call}") == (10, 500, 5000) for call in ("create", "modify", "cancel", "details", "list"))
    assert limits.get("unknown-class").name == "default"  # type: ignore[union-attr]


def test_capabilities_decide_every_operation_and_what_the_core_emulates() -> None:
    caps = AngelOneDriver().capabilities()
    assert set(caps.operations) == set(Operation)
    assert {op for op, s in caps.operations.items() if s is Support.UNSUPPORTED} == {Operation.STATIC_IP}
    assert {op for op, s in caps.operations.items() if s is Support.EMULATED} == {
        Operation.ORDER_HISTORY, Operation.ORDER_TRADES, Operation.LTP}
    assert caps.stream_modes == frozenset(StreamMode) and not caps.history_oi
    assert (caps.gtt_types, caps.gtt_order_types) == ({GttType.SINGLE}, {OrderType.LIMIT})
    nse, nfo = caps.segment(Exchange.NSE), caps.segment(Exchange.NFO)
    assert nse is not None and ProductType.NRML not in nse.products and Validity.TTL not in nse.validities
    assert nfo is not None and ProductType.CNC not in nfo.products


def test_the_emulators_announcement_is_a_config_as_it_is() -> None:
    with SmartApiEmulator() as emulator:
        announced = emulator.announcement()
        config = parse_driver_config(AngelOneConfig, announced, broker="angelone")
    assert (config.api_url, config.client_code, config.pin) == (announced["api_url"], announced["client_code"],
                                                                 announced["pin"])
    assert config.account() == announced["client_code"] and AngelOneConfig.account_field == "client_code"
