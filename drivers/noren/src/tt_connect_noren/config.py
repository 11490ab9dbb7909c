"""Settings of a Noren broker: credentials, the profile's login flow and every endpoint URL.

One Struct per profile, so each broker's defaults are data: ``ShoonyaConfig`` (OAuth code
flow), ``FlattradeConfig`` (Flattrade's token service) and ``NorenConfig`` (any other Noren
broker: hosts and flow from the config). The emulator's announcement line is a valid config
as it is.
"""

from __future__ import annotations

from typing import ClassVar

from tt_connect.driver_api import DriverConfig
from tt_connect.errors import ConfigurationError

from tt_connect_noren.profiles import EXCHANGE_FILES, PROFILES, LoginFlow, NorenProfile, SocketStyle, TokenCarrier

__all__ = ["FlattradeConfig", "NorenConfig", "NorenConfigError", "ShoonyaConfig"]

_URL_FIELDS = ("api_url", "ws_url", "instruments_url")
_SYMBOL_FILE = "_symbols.txt.zip"


class NorenConfigError(ConfigurationError, ValueError):
    """A Noren setting is missing or inconsistent (also a ValueError, so msgspec reports its message)."""


class NorenConfig(DriverConfig, frozen=True, kw_only=True):
    """Credentials and endpoints of one account at a Noren broker (the generic profile).

    Attributes
    ----------
    user_id
        The trading account (``FA12345``); Noren's ``uid`` and ``actid``.
    api_key, api_secret
        OAuth: the client id (Shoonya: the vendor code ``<UID>_U``) and its secret code. Flattrade: the
        API key and secret. QuickAuth: ``api_key`` is the key hashed into ``appkey``.
    password, totp_secret, vendor_code, imei
        QuickAuth's automatic daily login (password + TOTP seed + vendor code).
    auth_code
        A one-time ``code`` from a browser login done elsewhere (the headless path: paste the redirect's
        code); used for one login.
    access_token
        Today's session key obtained elsewhere, used as is and never renewed silently.
    redirect_url
        The redirect registered with the API key, where the browser login lands (``?code=``).
    login, carrier, socket
        The profile as data: ``quickauth``/``oauth``/``flattrade``; ``jkey``/``bearer``; ``connect``/``access``.
    api_url, ws_url, oauth_url, token_url
        Every endpoint. ``ws_url`` may carry ``{access_token}`` (the SDKs format it in).
    instruments_url
        The base of the symbol files, or any one ``<EXCH>_symbols.txt.zip`` URL under it.
    exchanges
        Which exchanges' symbol files make the master.
    """

    profile_name: ClassVar[str] = "noren"
    account_field: ClassVar[str] = "user_id"
    announcement_ignored: ClassVar[frozenset[str]] = frozenset({"broker"})

    user_id: str
    api_key: str = ""
    api_secret: str = ""
    password: str = ""
    totp_secret: str = ""
    vendor_code: str = ""
    imei: str = "tt-connect"
    auth_code: str = ""
    access_token: str = ""
    redirect_url: str = "http://127.0.0.1:8765/noren/callback"
    login: LoginFlow = LoginFlow.QUICKAUTH
    carrier: TokenCarrier = TokenCarrier.JKEY
    socket: SocketStyle = SocketStyle.CONNECT
    api_url: str = ""
    ws_url: str = ""
    oauth_url: str = ""
    token_url: str = ""
    instruments_url: str = ""
    exchanges: tuple[str, ...] = EXCHANGE_FILES

    @property
    def profile(self) -> NorenProfile:
        return PROFILES[self.profile_name]

    @property
    def rest_base(self) -> str:
        """``api_url`` without its trailing slash: routes are appended as ``/<Route>``."""
        return self.api_url.rstrip("/")

    @property
    def symbol_files_base(self) -> str:
        """The directory of the symbol files (an announced ``NSE_symbols.txt.zip`` URL counts)."""
        url = self.instruments_url
        if url.endswith(_SYMBOL_FILE):
            url = url.rsplit("/", 1)[0]
        return url.rstrip("/") + "/"

    def __post_init__(self) -> None:
        if not self.user_id.strip():
            raise NorenConfigError("user_id is empty: set your trading account id (e.g. FA12345)")
        for name in _URL_FIELDS:
            value: str = getattr(self, name)
            if "://" not in value:
                raise NorenConfigError(f"{name} must be an absolute URL for the {self.profile_name} profile, "
                                       f"got {value!r}")
        unknown = sorted(set(self.exchanges) - set(EXCHANGE_FILES))
        if unknown or not self.exchanges:
            raise NorenConfigError(f"exchanges must be some of {', '.join(EXCHANGE_FILES)}, got {unknown or '()'}")
        if self.access_token:
            return
        if self.login is LoginFlow.QUICKAUTH:
            missing = [n for n in ("password", "totp_secret", "vendor_code", "api_key") if not getattr(self, n)]
            if missing:
                raise NorenConfigError(f"the QuickAuth login needs {', '.join(missing)} (or pass today's "
                                       "access_token)")
        else:
            missing = [n for n in ("api_key", "api_secret") if not getattr(self, n)]
            if "://" not in (self.oauth_url or "") and not self.auth_code:
                missing.append("oauth_url")
            if self.login is LoginFlow.FLATTRADE and "://" not in self.token_url:
                missing.append("token_url")
            if missing:
                raise NorenConfigError(f"the {self.login.value} login needs {', '.join(missing)} (or pass today's "
                                       "access_token)")


_SHOONYA = PROFILES["shoonya"]
_FLATTRADE = PROFILES["flattrade"]


class ShoonyaConfig(NorenConfig, frozen=True, kw_only=True):
    """Shoonya (Finvasia): OAuth code flow (``GenAcsTok``), Bearer header, Shoonya's hosts by default."""

    profile_name: ClassVar[str] = "shoonya"

    login: LoginFlow = _SHOONYA.login
    carrier: TokenCarrier = _SHOONYA.carrier
    socket: SocketStyle = _SHOONYA.socket
    api_url: str = _SHOONYA.api_url
    ws_url: str = _SHOONYA.ws_url
    oauth_url: str = _SHOONYA.oauth_url
    instruments_url: str = _SHOONYA.instruments_url


class FlattradeConfig(NorenConfig, frozen=True, kw_only=True):
    """Flattrade: its token service (``/trade/apitoken``), jKey bodies, Flattrade's hosts by default."""

    profile_name: ClassVar[str] = "flattrade"

    login: LoginFlow = _FLATTRADE.login
    carrier: TokenCarrier = _FLATTRADE.carrier
    socket: SocketStyle = _FLATTRADE.socket
    api_url: str = _FLATTRADE.api_url
    ws_url: str = _FLATTRADE.ws_url
    oauth_url: str = _FLATTRADE.oauth_url
    token_url: str = _FLATTRADE.token_url
    instruments_url: str = _FLATTRADE.instruments_url
