from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from tt_connect.driver_api import (
    DRIVER_API_VERSION,
    BrokerApi,
    Capabilities,
    DriverConfig,
    DriverDescription,
    DriverPlugin,
    InstrumentSource,
    Operation,
    SegmentCapabilities,
    Support,
)
from tt_connect.drivers import (
    available_drivers,
    load_driver,
    make_plugin_manager,
    register_driver,
    unregister_driver,
)
from tt_connect.enums import Exchange, OrderType, ProductType, Side, Validity
from tt_connect.errors import DriverError, UnknownBrokerError, UnsupportedOperationError
from tt_connect.hookspecs import hookimpl


class FakeConfig(DriverConfig, frozen=True, kw_only=True):
    api_key: str = ""
    api_secret: str = ""


class FakeDriver(DriverPlugin[FakeConfig]):
    name = "fake"
    config_type = FakeConfig

    def __init__(self, api_version: int = DRIVER_API_VERSION) -> None:
        self.api_version = api_version  # type: ignore[misc]

    def capabilities(self) -> Capabilities:
        return Capabilities(operations={Operation.PROFILE: Support.SUPPORTED})

    def instrument_source(self, config: FakeConfig) -> InstrumentSource:
        return InstrumentSource(select_sql="SELECT 1", files=())

    def api(self, config: FakeConfig) -> BrokerApi:
        return BrokerApi()


class VersionOneDriver:
    """What a driver of contract v1 looked like: a module (here an object) of hook functions."""

    @hookimpl
    def ttc_describe(self) -> DriverDescription:
        return DriverDescription(name="old", api_version=1, config_type=FakeConfig)

    @hookimpl
    def ttc_api(self, config: DriverConfig) -> BrokerApi:
        return BrokerApi()


@pytest.fixture
def fake_registered() -> Iterator[None]:
    register_driver("fake", FakeDriver())
    yield
    unregister_driver("fake")


@pytest.mark.usefixtures("fake_registered")
def test_in_process_registration_is_found_first_and_listed() -> None:
    loaded = load_driver("FAKE")
    assert loaded.description.name == "fake"
    assert "fake" in available_drivers()
    assert "paper" in available_drivers()


def test_an_unknown_third_party_name_names_its_conventional_distribution() -> None:
    with pytest.raises(UnknownBrokerError, match="tt-connect-nosuchbroker") as caught:
        load_driver("nosuchbroker")
    assert caught.value.distribution == "tt-connect-nosuchbroker"
    assert caught.value.suggestions == ()
    assert "installed: " in str(caught.value) and "paper" in str(caught.value)


def test_a_typo_of_an_installed_driver_suggests_the_closest_name() -> None:
    with pytest.raises(UnknownBrokerError, match=r"did you mean 'paper'\?") as caught:
        load_driver("papre")
    assert caught.value.suggestions[0] == "paper"


@pytest.fixture
def faraway_is_first_party(monkeypatch: pytest.MonkeyPatch) -> None:
    """A core whose extras name a driver (faraway) that is not installed here."""
    import tt_connect.drivers as drivers_module

    monkeypatch.setattr(drivers_module, "_first_party_drivers", lambda: {"faraway": "tt-connect-faraway"})


@pytest.mark.usefixtures("faraway_is_first_party")
@pytest.mark.parametrize("name", ["faraway", "farawya"])
def test_a_missing_first_party_driver_is_installed_from_a_checkout_or_a_wheelhouse(name: str) -> None:
    with pytest.raises(UnknownBrokerError) as caught:
        load_driver(name)
    text = str(caught.value)
    assert caught.value.distribution == "tt-connect-faraway"
    assert "pip install ./drivers/faraway" in text and "dist/tt_connect_faraway-*.whl" in text
    assert ("did you mean 'faraway'" in text) == (name == "farawya")


def test_the_shipped_drivers_are_known_installed_or_not() -> None:
    from tt_connect.drivers import _first_party_drivers

    shipped = _first_party_drivers()
    assert shipped["zerodha"] == "tt-connect-zerodha"
    assert shipped["angelone"] == "tt-connect-angelone"


@pytest.mark.usefixtures("faraway_is_first_party")
@pytest.mark.parametrize("name", ["nosuchbroker", "papre", "faraway"])
def test_no_unknown_broker_message_sends_the_user_to_the_public_index(name: str) -> None:
    """The name tt-connect on the public index is another project's: never `pip install tt-connect...`."""
    with pytest.raises(UnknownBrokerError) as caught:
        load_driver(name)
    assert "pip install tt-connect" not in str(caught.value)
    assert 'pip install "tt-connect' not in str(caught.value)


@pytest.mark.parametrize("name", ["", "   ", None, 42])
def test_a_broker_name_that_is_not_a_string_is_refused(name: Any) -> None:
    with pytest.raises(UnknownBrokerError):
        load_driver(name)


def test_api_version_mismatch_is_refused_naming_both_versions() -> None:
    register_driver("fake", FakeDriver(api_version=DRIVER_API_VERSION + 1))
    try:
        with pytest.raises(DriverError, match=f"version {DRIVER_API_VERSION + 1}.*version {DRIVER_API_VERSION}"):
            load_driver("fake")
    finally:
        unregister_driver("fake")


def test_async_hook_implementations_are_refused() -> None:
    class AsyncDriver(FakeDriver):
        @hookimpl
        async def ttc_api(self, config: DriverConfig) -> BrokerApi:  # type: ignore[override]
            return BrokerApi()

    register_driver("fake", AsyncDriver())
    try:
        with pytest.raises(DriverError, match="async def"):
            load_driver("fake")
    finally:
        unregister_driver("fake")


def test_a_version_one_driver_is_refused_naming_both_versions() -> None:
    register_driver("old", VersionOneDriver())
    try:
        wanted = f"version 1, but this tt-connect implements version {DRIVER_API_VERSION};"
        with pytest.raises(DriverError, match=wanted):
            load_driver("old")
    finally:
        unregister_driver("old")


def test_something_that_is_not_a_driver_plugin_is_refused() -> None:
    register_driver("fake", SimpleNamespace(ttc_describe=lambda: DriverDescription(
        name="fake", api_version=DRIVER_API_VERSION, config_type=FakeConfig)))
    try:
        with pytest.raises(DriverError, match=r"not a tt_connect\.driver_api\.DriverPlugin"):
            load_driver("fake")
    finally:
        unregister_driver("fake")


def test_a_driver_plugin_class_is_instantiated_by_the_loader() -> None:
    register_driver("fake", FakeDriver)
    try:
        loaded = load_driver("fake")
        assert isinstance(loaded.plugin, FakeDriver)
        assert loaded.plugin.ttc_capabilities().support(Operation.PROFILE) is Support.SUPPORTED
    finally:
        unregister_driver("fake")


@pytest.mark.usefixtures("fake_registered")
def test_each_client_gets_its_own_plugin_manager() -> None:
    loaded = load_driver("fake")
    pm1 = make_plugin_manager(loaded)
    pm2 = make_plugin_manager(loaded, extensions=[object()])
    assert pm1 is not pm2
    assert len(pm2.get_plugins()) == 2 and len(pm1.get_plugins()) == 1


@pytest.mark.usefixtures("fake_registered")
def test_an_async_extension_hook_is_refused() -> None:
    class Risk:
        @hookimpl
        async def ttc_validate_order(self, broker: str, request: object) -> None:
            return None

    with pytest.raises(DriverError, match="async def"):
        make_plugin_manager(load_driver("fake"), extensions=[Risk()])


def test_a_template_broker_api_refuses_everything_with_unsupported_operation() -> None:
    api = BrokerApi()
    with pytest.raises(UnsupportedOperationError, match="template does not support profile"):
        api.profile(None)  # type: ignore[arg-type]


@pytest.mark.usefixtures("static_instruments")
def test_capability_matrix_refuses_what_a_segment_does_not_support() -> None:
    from tt_connect.instruments import Equity
    from tt_connect.models import OrderRequest
    from tt_connect.request_builder.capabilities import require, require_order

    caps = Capabilities(
        operations={Operation.PLACE_ORDER: Support.SUPPORTED},
        segments=(SegmentCapabilities(exchange=Exchange.NSE, order_types=frozenset({OrderType.MARKET}),
                                      products=frozenset({ProductType.CNC}),
                                      validities=frozenset({Validity.DAY}),
                                      emulated_validities=frozenset({Validity.TTL})),),
    )
    assert require(caps, Operation.PLACE_ORDER, "fake") is Support.SUPPORTED
    with pytest.raises(UnsupportedOperationError, match="does not support gtt"):
        require(caps, Operation.GTT, "fake")
    good = OrderRequest(instrument=Equity(exchange=Exchange.NSE, symbol="A"), qty=1, side=Side.BUY,
                        product=ProductType.CNC, order_type=OrderType.MARKET)
    assert require_order(caps, good, "fake") is Support.SUPPORTED
    ttl = OrderRequest(instrument=good.instrument, qty=1, side=Side.BUY, product=ProductType.CNC,
                       order_type=OrderType.MARKET, validity=Validity.TTL, validity_ttl=3)
    assert require_order(caps, ttl, "fake") is Support.EMULATED
    with pytest.raises(UnsupportedOperationError, match="validity IOC"):
        require_order(caps, OrderRequest(instrument=good.instrument, qty=1, side=Side.BUY, product=ProductType.CNC,
                                         order_type=OrderType.MARKET, validity=Validity.IOC), "fake")
    with pytest.raises(UnsupportedOperationError, match="order type LIMIT"):
        require_order(caps, OrderRequest(instrument=good.instrument, qty=1, side=Side.BUY, product=ProductType.CNC,
                                         order_type=OrderType.LIMIT, price=1.0), "fake")
    with pytest.raises(UnsupportedOperationError, match="does not trade on BSE"):
        require_order(caps, OrderRequest(instrument=Equity(exchange=Exchange.BSE, symbol="A"), qty=1,
                                         side=Side.BUY, product=ProductType.CNC, order_type=OrderType.MARKET),
                      "fake")


def test_driver_config_repr_hides_secrets() -> None:
    cfg = FakeConfig(api_key="visible-key", api_secret="hidden-secret-value")
    assert "hidden-secret-value" not in repr(cfg)
    assert cfg.secrets() == {"api_key": "visible-key", "api_secret": "hidden-secret-value"}
