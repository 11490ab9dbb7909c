"""Settings of the Upstox driver: the app's credentials, how to log in, and every endpoint URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from tt_connect.driver_api import DriverConfig
from tt_connect.errors import ConfigurationError

__all__ = ["UpstoxConfig", "UpstoxConfigError"]

_URL_FIELDS = ("api_url", "order_api_url", "ws_url", "order_ws_url", "instruments_url")


class UpstoxConfigError(ConfigurationError, ValueError):
    """An Upstox setting is missing or inconsistent.

    Also a ``ValueError`` so that msgspec reports it, with its message, as a validation
    error when the config is built from a dict.
    """


class UpstoxConfig(DriverConfig, frozen=True, kw_only=True):
    """Credentials and endpoints of one Upstox app.

    Attributes
    ----------
    api_key, api_secret
        The app's API key (OAuth ``client_id``) and secret, from the Upstox developer console.
    redirect_url
        The app's registered redirect URL; the login dialog sends the one-time ``code`` there.
        A ``http://127.0.0.1:PORT/...`` URL lets tt-connect catch it itself; on a headless
        server paste the redirected URL (or the bare code) instead.
    auth_code
        A one-time code obtained elsewhere (the redirect's ``code``): the first login uses it
        instead of opening the dialog.
    access_token
        A token obtained elsewhere today; used first, as is, until 03:30 IST (never renewed silently).
    api_url, order_api_url, ws_url, order_ws_url, instruments_url
        Every endpoint (the order host serves single place/modify/cancel), so tests can point
        the driver at an emulator.
    depth_levels
        Levels of a FULL tick: 5 (``full``), or 30 (``full_d30``, an Upstox Plus plan).
    algo_name
        Sent as ``X-Algo-Name`` on every order call (SEBI's algo tagging), when set.

    Examples
    --------
    >>> UpstoxConfig(api_key="key", api_secret="secret",
    ...              redirect_url="http://127.0.0.1:8765/upstox")  # doctest: +SKIP
    """

    account_field: ClassVar[str] = "api_key"
    announcement_aliases: ClassVar[Mapping[str, str]] = {}
    announcement_ignored: ClassVar[frozenset[str]] = frozenset({"broker"})

    api_key: str
    api_secret: str = ""
    redirect_url: str = ""
    auth_code: str = ""
    access_token: str = ""
    api_url: str = "https://api.upstox.com"
    order_api_url: str = "https://api-hft.upstox.com"
    ws_url: str = "wss://api.upstox.com/v3/feed/market-data-feed"
    order_ws_url: str = "wss://api.upstox.com/v2/feed/portfolio-stream-feed"
    instruments_url: str = "https://assets.upstox.com/market-quote/instruments/exchange/complete.json.gz"
    depth_levels: int = 5
    algo_name: str = ""

    def __post_init__(self) -> None:
        if not self.api_key.strip():
            raise UpstoxConfigError("api_key is empty: copy it from your app in the Upstox developer console")
        if not self.api_secret and not self.access_token:
            raise UpstoxConfigError("no way to log in to Upstox: set api_secret (and redirect_url) for the OAuth "
                                    "login, or pass today's access_token")
        if self.api_secret and not self.redirect_url and not self.access_token:
            raise UpstoxConfigError("the Upstox login needs redirect_url: the redirect URL registered for your app")
        if self.depth_levels not in (5, 30):
            raise UpstoxConfigError(f"depth_levels must be 5 or 30 (Upstox Plus), got {self.depth_levels}")
        for name in (*_URL_FIELDS, "redirect_url"):
            value: str = getattr(self, name)
            if value and "://" not in value:
                raise UpstoxConfigError(f"{name} must be an absolute URL, got {value!r}")
