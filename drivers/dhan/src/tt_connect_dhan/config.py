"""Settings of the Dhan driver: the account, its credentials for each login mode, and every endpoint URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from tt_connect.driver_api import DriverConfig
from tt_connect.errors import ConfigurationError

__all__ = ["DhanConfig", "DhanConfigError"]

_URL_FIELDS = ("api_url", "auth_url", "ws_url", "depth_20_ws_url", "depth_200_ws_url", "order_ws_url",
               "instruments_url", "instruments_detailed_url")


class DhanConfigError(ConfigurationError, ValueError):
    """A Dhan setting is missing or inconsistent.

    Also a ``ValueError`` so that msgspec reports it, with its message, as a validation
    error when the config is built from a dict.
    """


class DhanConfig(DriverConfig, frozen=True, kw_only=True):
    """Credentials and endpoints of one Dhan trading account.

    Attributes
    ----------
    client_id
        The Dhan client id (``dhanClientId``, e.g. ``1000000001``).
    access_token
        A token generated on web.dhan.co (valid 24 hours); used as is when no automatic
        login is configured.
    pin, totp_secret
        The account's login PIN and base32 TOTP seed: with both, tt-connect logs in by
        itself every day through ``/app/generateAccessToken``.
    api_key, api_secret
        The API key and secret of a Dhan app (valid a year): the browser consent login,
        finished by pasting the redirect URL or its ``tokenId``.
    api_url, auth_url, ws_url, depth_20_ws_url, depth_200_ws_url, order_ws_url
        REST root (with ``/v2``), the auth host, the market feed, the 20- and 200-level
        depth feeds and the order-update socket.
    instruments_url, instruments_detailed_url
        The compact and the detailed scrip master CSVs. The compact one (what the official SDK
        downloads) is loaded unless the detailed one is set: it carries ISINs, but its tick-size
        unit is not confirmed (``https://images.dhan.co/api-data/api-scrip-master-detailed.csv``).
    """

    client_id: str
    access_token: str = ""
    pin: str = ""
    totp_secret: str = ""
    api_key: str = ""
    api_secret: str = ""
    api_url: str = "https://api.dhan.co/v2"
    auth_url: str = "https://auth.dhan.co"
    ws_url: str = "wss://api-feed.dhan.co"
    depth_20_ws_url: str = "wss://depth-api-feed.dhan.co/twentydepth"
    depth_200_ws_url: str = "wss://full-depth-api.dhan.co/twohundreddepth"
    order_ws_url: str = "wss://api-order-update.dhan.co"
    instruments_url: str = "https://images.dhan.co/api-data/api-scrip-master.csv"
    instruments_detailed_url: str = ""

    account_field: ClassVar[str] = "client_id"
    announcement_aliases: ClassVar[Mapping[str, str]] = {}
    announcement_ignored: ClassVar[frozenset[str]] = frozenset({"broker", "redirect_url"})
    """The consent flow's redirect URL is registered with the app on Dhan's side, not a client setting."""

    def __post_init__(self) -> None:
        if not self.client_id.strip():
            raise DhanConfigError("client_id is empty: set your Dhan client id (My Profile on web.dhan.co)")
        if bool(self.pin) != bool(self.totp_secret):
            missing = "totp_secret" if self.pin else "pin"
            raise DhanConfigError(f"the automatic Dhan login needs both pin and totp_secret; {missing} is missing "
                                  "(set it as a secret reference in a config file)")
        if bool(self.api_key) != bool(self.api_secret):
            missing = "api_secret" if self.api_key else "api_key"
            raise DhanConfigError(f"the Dhan consent login needs both api_key and api_secret; {missing} is missing")
        if not (self.pin or self.api_key or self.access_token):
            raise DhanConfigError("no way to log in to Dhan: set pin and totp_secret (automatic daily login), "
                                  "api_key and api_secret (browser consent), or today's access_token")
        if self.pin and not self.pin.isdigit():
            raise DhanConfigError("pin must be the account's numeric login PIN")
        for name in _URL_FIELDS:
            value: str = getattr(self, name)
            if name == "instruments_detailed_url" and not value:
                continue
            if "://" not in value:
                raise DhanConfigError(f"{name} must be an absolute URL, got {value!r}")
        if not self.api_url.rstrip("/").endswith("/v2"):
            raise DhanConfigError(f"api_url must be the v2 REST root ending in /v2, got {self.api_url!r}")
