"""Settings of the Zerodha driver: credentials and every endpoint URL."""

from __future__ import annotations

from typing import ClassVar

from tt_connect.driver_api import DriverConfig
from tt_connect.errors import ConfigurationError

__all__ = ["ZerodhaConfig", "ZerodhaConfigError"]


class ZerodhaConfigError(ConfigurationError, ValueError):
    """A Zerodha setting is missing or inconsistent.

    Also a ``ValueError`` so that msgspec reports it, with its message, as a
    validation error when the config is built from a dict.
    """


class ZerodhaConfig(DriverConfig, frozen=True, kw_only=True):
    """Credentials and endpoints of one Kite Connect app.

    Attributes
    ----------
    api_key, api_secret
        The app's key and secret from the Kite Connect developer console.
    access_token
        A token obtained elsewhere today; used as is, never renewed silently.
    user_id, password, totp_secret
        Only for ``web_login``: the Kite user id, password and the base32 TOTP seed.
    web_login
        Opt in to the UNOFFICIAL automated web login (see the README for its risks).
        Without it, a session comes from ``access_token`` or the browser redirect flow.
    redirect_url
        The redirect URL registered for the app; a 127.0.0.1 URL lets
        ``tt-connect login zerodha`` catch the ``request_token`` locally.
    api_url, login_url, web_url, ws_url, instruments_url
        Every endpoint, so tests can point the driver at an emulator.

    Examples
    --------
    >>> ZerodhaConfig(api_key="kitefront", api_secret="s3cret")  # doctest: +SKIP
    """

    account_field: ClassVar[str] = "api_key"
    """A Kite session belongs to one app's key (its tokens are ``api_key:access_token`` pairs)."""
    announcement_ignored: ClassVar[frozenset[str]] = frozenset({"broker", "request_token"})
    """The emulator's announcement names its settings as the fields are named (no aliases); ``request_token``
    is the one-time token the official SDK's ``generate_session`` takes, which no client is configured with."""

    api_key: str
    api_secret: str = ""
    access_token: str = ""
    user_id: str = ""
    password: str = ""
    totp_secret: str = ""
    web_login: bool = False
    redirect_url: str = "http://127.0.0.1:5000/"
    api_url: str = "https://api.kite.trade"
    login_url: str = "https://kite.zerodha.com/connect/login"
    web_url: str = "https://kite.zerodha.com"
    ws_url: str = "wss://ws.kite.trade"
    instruments_url: str = "https://api.kite.trade/instruments"

    def __post_init__(self) -> None:
        if not self.api_key.strip():
            raise ZerodhaConfigError("api_key is empty: copy it from your app at developers.kite.trade")
        if self.web_login:
            missing = [name for name in ("user_id", "password", "totp_secret", "api_secret")
                       if not getattr(self, name).strip()]
            if missing:
                raise ZerodhaConfigError(
                    f"web_login needs {', '.join(missing)}: set them (as secret references in a config file), "
                    "or drop web_login and log in through the browser with `tt-connect login zerodha`")
        for name in ("api_url", "login_url", "web_url", "ws_url", "instruments_url", "redirect_url"):
            value: str = getattr(self, name)
            if "://" not in value:
                raise ZerodhaConfigError(f"{name} must be an absolute URL, got {value!r}")
