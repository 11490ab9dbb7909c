"""Settings of the AngelOne driver: credentials, SmartAPI's client-identity headers and every endpoint URL."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from tt_connect.driver_api import DriverConfig
from tt_connect.errors import ConfigurationError

__all__ = ["AngelOneConfig", "AngelOneConfigError"]

_MAC = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
_URL_FIELDS = ("api_url", "ws_url", "order_ws_url", "instruments_url")


class AngelOneConfigError(ConfigurationError, ValueError):
    """An AngelOne setting is missing or inconsistent.

    Also a ``ValueError`` so that msgspec reports it, with its message, as a
    validation error when the config is built from a dict.
    """


class AngelOneConfig(DriverConfig, frozen=True, kw_only=True):
    """Credentials and endpoints of one SmartAPI app and trading account.

    Attributes
    ----------
    api_key
        The SmartAPI app's key (sent as ``X-PrivateKey`` and ``x-api-key``).
    client_code
        The AngelOne client id the session belongs to (``A123456``).
    pin, totp_secret
        The account's 4-digit PIN and the base32 TOTP seed: with both, tt-connect logs
        in by itself every day (``loginByPassword``).
    access_token, feed_token
        A JWT (and the feed token for streaming) obtained elsewhere today; used as is,
        never renewed silently. Ignored when ``pin`` and ``totp_secret`` are set.
    api_url, ws_url, order_ws_url, instruments_url
        Every endpoint, so tests can point the driver at an emulator.
    client_local_ip, client_public_ip, mac_address
        Values of SmartAPI's mandatory ``X-ClientLocalIP``, ``X-ClientPublicIP`` and
        ``X-MACAddress`` headers. SmartAPI requires the headers but does not check them
        against the connection (reference 2.2.1); set real values where you know them.

    Examples
    --------
    >>> AngelOneConfig(api_key="smartkey", client_code="A123456", pin="1234",
    ...                totp_secret="JBSWY3DPEHPK3PXP")  # doctest: +SKIP
    """

    account_field: ClassVar[str] = "client_code"
    """Sessions are stored per AngelOne client id (one JWT per client, whatever the app)."""
    announcement_aliases: ClassVar[Mapping[str, str]] = {}
    """The SmartAPI emulator's announcement names every setting as this config does."""
    announcement_ignored: ClassVar[frozenset[str]] = frozenset({"broker", "refresh_token"})
    """``broker`` names the driver; ``refresh_token`` is for SDK scripts (a client renews its own)."""

    api_key: str
    client_code: str
    pin: str = ""
    totp_secret: str = ""
    access_token: str = ""
    feed_token: str = ""
    api_url: str = "https://apiconnect.angelone.in"
    ws_url: str = "wss://smartapisocket.angelone.in/smart-stream"
    order_ws_url: str = "wss://tns.angelone.in/smart-order-update"
    instruments_url: str = "https://margincalculator.angelbroking.com/OpenAPI_File/files/OpenAPIScripMaster.json"
    client_local_ip: str = "127.0.0.1"
    client_public_ip: str = "127.0.0.1"
    mac_address: str = "02:00:00:00:00:01"

    def __post_init__(self) -> None:
        if not self.api_key.strip():
            raise AngelOneConfigError("api_key is empty: copy it from your app at smartapi.angelone.in")
        if not self.client_code.strip():
            raise AngelOneConfigError("client_code is empty: set your AngelOne client id (e.g. A123456)")
        if bool(self.pin) != bool(self.totp_secret):
            missing = "totp_secret" if self.pin else "pin"
            raise AngelOneConfigError(
                f"the automatic AngelOne login needs both pin and totp_secret; {missing} is missing "
                "(set it as a secret reference in a config file)")
        if not self.pin and not self.access_token:
            raise AngelOneConfigError(
                "no way to log in to AngelOne: set pin and totp_secret (automatic daily login), "
                "or pass today's access_token")
        if self.pin and not (self.pin.isdigit() and 4 <= len(self.pin) <= 6):
            raise AngelOneConfigError("pin must be the account's numeric login PIN (4 digits), "
                                      "not the web password")
        if not _MAC.match(self.mac_address):
            raise AngelOneConfigError(f"mac_address must look like aa:bb:cc:dd:ee:ff, got {self.mac_address!r}")
        for name in _URL_FIELDS:
            value: str = getattr(self, name)
            if "://" not in value:
                raise AngelOneConfigError(f"{name} must be an absolute URL, got {value!r}")
