from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import pytest
from tt_connect.config import ClientOptions, load_config, parse_client_options, parse_driver_config
from tt_connect.driver_api import DriverConfig
from tt_connect.errors import ConfigurationError


class KiteLikeConfig(DriverConfig, frozen=True, kw_only=True):
    api_key: str
    api_secret: str = ""
    timeout_ms: int = 100


def test_unknown_config_keys_are_rejected_by_name_with_the_valid_ones_listed() -> None:
    with pytest.raises(ConfigurationError, match=r"api_sekret.*Valid keys: api_key, api_secret, timeout_ms"):
        parse_driver_config(KiteLikeConfig, {"api_key": "k", "api_sekret": "s"}, broker="kite")


def test_wrong_types_and_missing_keys_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="timeout_ms"):
        parse_driver_config(KiteLikeConfig, {"api_key": "k", "timeout_ms": "soon"}, broker="kite")
    with pytest.raises(ConfigurationError, match="api_key"):
        parse_driver_config(KiteLikeConfig, {}, broker="kite")
    with pytest.raises(ConfigurationError, match="must be a dict"):
        parse_driver_config(KiteLikeConfig, ["api_key"], broker="kite")
    with pytest.raises(ConfigurationError, match="session_store"):
        parse_client_options({"session_store": "cloud"})
    with pytest.raises(ConfigurationError, match="unknown field"):
        parse_client_options({"sesion_store": "file"})


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tt-connect.toml"
    path.write_text(text)
    return path


def test_toml_file_gives_broker_settings_secrets_by_reference_and_client_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_KITE_SECRET", "from-the-environment")
    path = write(tmp_path, """
broker = "kite"

[kite]
api_key = "abc"
api_secret = { env = "TEST_KITE_SECRET" }

[paper]
seed = 3

[client]
session_store = "file"
""")
    loaded = load_config(path)
    assert loaded.broker == "kite"
    assert loaded.settings == {"api_key": "abc", "api_secret": "from-the-environment"}
    assert loaded.options == ClientOptions(session_store="file")
    assert "from-the-environment" not in repr(loaded)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[kite]\napi_key = "a"\n', "must set broker"),
        ('broker = "kite"\nstray = 1\n', "unknown top-level key 'stray'"),
        ('broker = "kite"\n[kite]\napi_secret = "inline-secret"\n', "looks like a secret written inline"),
        ('broker = "kite"\n[kite]\napi_secret = { env = "TTC_SURELY_UNSET_VAR" }\n', "TTC_SURELY_UNSET_VAR"),
        ('broker = "kite"\n[kite]\napi_secret = { vault = "x" }\n', "must be a value or a reference"),
        ('broker = "kite"\n[client]\nbogus = 1\n', "bogus"),
        ("broker = \n", "not valid TOML"),
    ],
)
def test_bad_toml_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_config(write(tmp_path, text))


def test_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read config file"):
        load_config(tmp_path / "absent.toml")


def test_keyring_reference_on_a_machine_without_keyring_says_to_use_env(tmp_path: Path) -> None:
    path = write(tmp_path, 'broker = "kite"\n[kite]\napi_secret = { keyring = "kite-secret" }\n')
    with pytest.raises(ConfigurationError, match="kite-secret"):
        load_config(path)


class AnnouncedConfig(DriverConfig, frozen=True, kw_only=True):
    api_url: str
    api_key: str
    totp_secret: str = ""
    announcement_aliases: ClassVar[Mapping[str, str]] = {"rest_url": "api_url"}
    announcement_ignored: ClassVar[frozenset[str]] = frozenset({"broker", "request_token", "pid"})


def test_an_emulator_announcement_is_a_valid_config_as_it_is() -> None:
    from tt_connect.config import parse_driver_config

    announcement = {"broker": "acme", "rest_url": "http://127.0.0.1:9", "api_key": "k", "totp_secret": "S",
                    "request_token": "one-time", "pid": 4242}
    config = parse_driver_config(AnnouncedConfig, announcement, broker="acme")
    assert (config.api_url, config.api_key, config.totp_secret) == ("http://127.0.0.1:9", "k", "S")
    both = parse_driver_config(AnnouncedConfig, {**announcement, "api_url": "http://127.0.0.1:8"}, broker="acme")
    assert both.api_url == "http://127.0.0.1:8"  # the field itself wins over its alias
    with pytest.raises(ConfigurationError, match="unknown field"):
        parse_driver_config(AnnouncedConfig, {**announcement, "surprise": 1}, broker="acme")


def test_an_endpoint_whose_name_says_token_may_be_written_inline(tmp_path: Path) -> None:
    """Flattrade's token_url is an address, not a secret; its access_token still must be a reference."""
    file = tmp_path / "tt-connect.toml"
    file.write_text('broker = "flattrade"\n[flattrade]\ntoken_url = "https://auth.example/trade/apitoken"\n')
    assert load_config(file).settings["token_url"] == "https://auth.example/trade/apitoken"
    file.write_text('broker = "flattrade"\n[flattrade]\naccess_token = "inline"\n')
    with pytest.raises(ConfigurationError, match="looks like a secret written inline"):
        load_config(file)
