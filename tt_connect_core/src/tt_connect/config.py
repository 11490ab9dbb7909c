"""Client configuration: driver settings, client options and the TOML file.

A driver's settings are validated into its msgspec config Struct, which
refuses unknown keys by name. In a TOML file the broker is one key, so the
swap is one line::

    broker = "zerodha"            # or "paper", "angelone"

    [zerodha]
    api_key = "kite-app-key"
    api_secret = { env = "KITE_API_SECRET" }
    totp_secret = { keyring = "kite-totp" }

    [client]
    session_store = "file"

Secrets in a file are references (``{ env = ... }`` or ``{ keyring = ... }``),
never inline text, so the file can be committed.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import msgspec

from tt_connect.driver_api import DriverConfig
from tt_connect.errors import ConfigurationError
from tt_connect.redact import is_secret_key, register_secret

__all__ = ["ClientOptions", "FileConfig", "KEYRING_SERVICE", "load_config", "must_be_referenced", "parse_driver_config"]

_MUST_BE_REFERENCED = re.compile(r"(secret|password|passwd|pin$|totp|token)", re.IGNORECASE)
"""Settings that may not be written inline in a file (an api key or user id may)."""


def must_be_referenced(key: str) -> bool:
    """Whether a file must give this setting as ``{ env = ... }`` / ``{ keyring = ... }``.

    An endpoint is never a secret, whatever its name says (Flattrade's ``token_url``).
    """
    return bool(_MUST_BE_REFERENCED.search(key)) and not key.lower().endswith("_url")

KEYRING_SERVICE = "tt-connect"
"""Keyring service name under which ``{ keyring = "name" }`` references are looked up."""


class ClientOptions(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of the client itself, the same for every broker.

    Attributes
    ----------
    session_store
        Where sessions persist: ``auto`` (OS keyring if a real backend exists,
        else a 0600 file), ``keyring``, ``file`` or ``memory``.
    session_path
        Directory of the file store (default: the user's config dir).
    instruments_db
        Path of the DuckDB instrument master (default: the user's cache dir);
        ``:memory:`` keeps it in memory.
    allow_stale_instruments
        Keep yesterday's master when today's download fails (logged as a warning).
    timeout
        Seconds before an HTTP request is abandoned.
    log_format
        ``console`` or ``json``; None leaves logging as the application set it up.
    log_level
        Minimum level of tt-connect's log events.
    retry_attempts, retry_base_delay, retry_max_delay
        How reads are retried on transient failures (capped exponential backoff, full jitter).
    order_lookup_attempts
        How many times the order book is read for the tag of an order whose outcome was ambiguous.
    interactive_login
        Allow a browser login: open the broker's login page and catch its redirect on the
        driver's ``redirect_url`` (127.0.0.1). Used by ``tt-connect login``; leave off on servers.
    algo_id
        The exchange-issued algo ID every order carries (SEBI's retail algo framework); ``place_order``
        takes one per order too. A broker without the field refuses orders that name one.
    order_rate_per_exchange
        Orders, modifications and cancellations sent per second per exchange at most (SEBI's
        threshold for an unregistered algo is 10); set lower to stay further inside it.
    journal
        Where every order, modification and cancellation is recorded (JSON lines, append-only):
        ``auto`` (the user's data dir), a directory, or ``off``.
    source_address
        The local IP address all broker traffic leaves from (a server with several IPs, one of them
        the broker's whitelisted static IP).
    proxy
        An HTTP proxy URL for all broker traffic (one whose address the broker whitelisted).
    feed
        URL of a feed bus (``redis://host:6379/0`` with tt-connect-redis): ``subscribe`` is served
        from a hub's streams instead of this client's own broker sockets (docs/scaling.md).
    feed_group
        This application's name on the bus: each order update reaches each group once, and the
        processes of one group share them. None: a group of this process alone.
    account_store
        URL of a store every process of the account shares: the session (one login for all), the
        login lock and the rate-limit windows (docs/scaling.md).
    """

    session_store: Literal["auto", "keyring", "file", "memory"] = "auto"
    session_path: str | None = None
    instruments_db: str | None = None
    allow_stale_instruments: bool = False
    timeout: float = 10.0
    log_format: Literal["console", "json"] | None = None
    log_level: str = "INFO"
    retry_attempts: int = 4
    retry_base_delay: float = 0.25
    retry_max_delay: float = 5.0
    order_lookup_attempts: int = 4
    interactive_login: bool = False
    algo_id: str | None = None
    order_rate_per_exchange: float = 10.0
    journal: str = "auto"
    source_address: str | None = None
    proxy: str | None = None
    feed: str | None = None
    feed_group: str | None = None
    account_store: str | None = None


def _describe_validation_error(exc: msgspec.ValidationError, where: str, fields: tuple[str, ...]) -> str:
    text = str(exc)
    if "unknown field" in text.lower():
        valid = ", ".join(fields) or "(none)"
        return f"{where}: {text}. Valid keys: {valid}"
    return f"{where}: {text}"


def parse_driver_config(config_type: type[DriverConfig], raw: Any, *, broker: str) -> DriverConfig:
    """Validate user settings into a driver's config Struct.

    Raises
    ------
    ConfigurationError
        On an unknown key (named, with the valid keys listed), a missing
        required key or a value of the wrong type.
    """
    if isinstance(raw, config_type):
        config = raw
    else:
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            raise ConfigurationError(
                f"config for {broker!r} must be a dict of settings, got {type(raw).__name__}", broker=broker
            )
        bad_keys = [k for k in raw if not isinstance(k, str)]
        if bad_keys:
            raise ConfigurationError(f"config keys must be strings, got {bad_keys!r}", broker=broker)
        try:
            config = msgspec.convert(_from_announcement(config_type, config_type.normalise(raw)), config_type)
        except msgspec.ValidationError as exc:
            raise ConfigurationError(
                _describe_validation_error(exc, f"invalid config for {broker!r}", config_type.__struct_fields__),
                broker=broker,
            ) from None
    for value in config.secrets().values():
        register_secret(value)
    return config


def _from_announcement(config_type: type[DriverConfig], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Rename the keys an emulator's announcement spells differently and drop those that are not settings.

    An emulator prints one JSON line naming its URLs and test credentials; passing that line to
    ``TTConnect(broker, ...)`` as is must work, so the driver declares the announcement's aliases
    and the keys that carry no setting (``broker``, a request token...).
    """
    aliases = config_type.announcement_aliases
    ignored = config_type.announcement_ignored
    fields = set(config_type.__struct_fields__)
    settings: dict[str, Any] = {}
    for key, value in raw.items():
        name = aliases.get(key, key) if key not in fields else key
        if key in ignored and key not in fields:
            continue
        if name in settings and name != key:
            continue  # the field itself was given too: it wins over its alias
        settings[name] = value
    return settings


def parse_client_options(raw: Any) -> ClientOptions:
    """Validate the ``[client]`` table (or the keyword options) into :class:`ClientOptions`."""
    if isinstance(raw, ClientOptions):
        return raw
    if not isinstance(raw, Mapping):
        raise ConfigurationError(f"client options must be a table of settings, got {type(raw).__name__}")
    try:
        return msgspec.convert(dict(raw), ClientOptions)
    except msgspec.ValidationError as exc:
        raise ConfigurationError(
            _describe_validation_error(exc, "invalid client options", ClientOptions.__struct_fields__)
        ) from None


class FileConfig(msgspec.Struct, frozen=True, kw_only=True):
    """What a TOML file says: the broker, its settings (secrets resolved) and client options."""

    broker: str
    settings: dict[str, Any]
    options: ClientOptions

    def __repr__(self) -> str:
        shown = {k: ("***" if is_secret_key(k) else v) for k, v in self.settings.items()}
        return f"FileConfig(broker={self.broker!r}, settings={shown!r}, options={self.options!r})"


def _resolve_reference(key: str, value: Mapping[str, Any], where: str) -> str:
    if set(value) == {"env"} and isinstance(value["env"], str):
        name = value["env"]
        resolved = os.environ.get(name)
        if resolved is None:
            raise ConfigurationError(f"{where}.{key} refers to environment variable {name}, which is not set")
        return resolved
    if set(value) == {"keyring"} and isinstance(value["keyring"], str):
        name = value["keyring"]
        try:
            import keyring

            resolved = keyring.get_password(KEYRING_SERVICE, name)
        except Exception as exc:  # keyring backends raise their own exception types
            raise ConfigurationError(
                f"{where}.{key} refers to keyring entry {name!r}, but the keyring is unavailable "
                f"({type(exc).__name__}); use {{ env = \"...\" }} on headless servers"
            ) from None
        if resolved is None:
            raise ConfigurationError(
                f"{where}.{key} refers to keyring entry {name!r} (service {KEYRING_SERVICE!r}), which is empty"
            )
        return str(resolved)
    raise ConfigurationError(
        f"{where}.{key} must be a value or a reference {{ env = \"NAME\" }} / {{ keyring = \"NAME\" }}, "
        f"got a table with keys {sorted(value)}"
    )


def _resolve_settings(table: Mapping[str, Any], where: str) -> dict[str, Any]:
    resolved: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            secret = _resolve_reference(key, value, where)
            register_secret(secret)
            resolved[key] = secret
        elif must_be_referenced(key) and isinstance(value, str) and value:
            raise ConfigurationError(
                f"{where}.{key} looks like a secret written inline; store it in the environment or the "
                f"keyring and write {key} = {{ env = \"NAME\" }} or {key} = {{ keyring = \"NAME\" }}"
            )
        else:
            resolved[key] = value
    return resolved


def load_config(path: str | os.PathLike[str]) -> FileConfig:
    """Read a ``tt-connect.toml`` file.

    The top level holds ``broker`` (the selected driver), one table per broker
    (only the selected one is required) and an optional ``[client]`` table. When the selected
    broker's table names a ``market`` (``broker = "paper"`` with ``market = "zerodha"``), that
    broker's table is read too and passed inside it, so live-data paper reuses the live table.

    Raises
    ------
    ConfigurationError
        The file is missing or not TOML, ``broker`` is absent, a top-level key
        is neither a table nor known, or a secret reference cannot be resolved.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read config file {str(file)!r}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"config file {str(file)!r} is not valid TOML: {exc}") from None
    broker = data.get("broker")
    if not isinstance(broker, str) or not broker:
        raise ConfigurationError(f'config file {str(file)!r} must set broker = "<name>" at the top level')
    for key, value in data.items():
        if key in ("broker", "client"):
            continue
        if not isinstance(value, dict):
            raise ConfigurationError(
                f"unknown top-level key {key!r} in {str(file)!r}: the top level holds broker, [client] "
                "and one table per broker"
            )
    settings_table = data.get(broker, {})
    if not isinstance(settings_table, dict):
        raise ConfigurationError(f"[{broker}] in {str(file)!r} must be a table")
    settings = _resolve_settings(settings_table, broker)
    market = settings.get("market")
    if isinstance(market, str) and market != broker and isinstance(data.get(market), dict) and market not in settings:
        settings[market] = _resolve_settings(data[market], market)  # paper on a live broker's [table]
    options = parse_client_options(data.get("client", {}))
    return FileConfig(broker=broker, settings=settings, options=options)
