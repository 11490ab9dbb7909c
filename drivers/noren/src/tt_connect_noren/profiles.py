"""Each Noren broker as data: hosts, how a session is obtained, how it travels, how the socket connects.

Noren brokers differ only here (PROTOCOL.md, "Profiles"). Everything else, routes,
field names, the feed, is one protocol. A broker not listed is the ``noren``
profile with its hosts given in the config.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["EXCHANGE_FILES", "PROFILES", "LoginFlow", "NorenProfile", "SocketStyle", "TokenCarrier"]


class LoginFlow(StrEnum):
    """How a session key is obtained."""

    OAUTH = "oauth"
    """Browser login -> ``?code=`` -> ``GenAcsTok`` with sha256(client_id + secret + code) (NorenRestApiOAuth)."""
    FLATTRADE = "flattrade"
    """Browser login -> ``?code=`` -> ``/trade/apitoken`` with sha256(api_key + code + secret) (Flattrade)."""
    QUICKAUTH = "quickauth"
    """``QuickAuth`` with sha256(password), TOTP, vendor code and sha256(uid|api_key): no browser (NorenRestApiPy)."""


class TokenCarrier(StrEnum):
    """How the session key rides on every REST call."""

    BEARER = "bearer"
    """``Authorization: Bearer <access_token>``, body ``jData=<json>`` (the OAuth generation)."""
    JKEY = "jkey"
    """Body ``jData=<json>&jKey=<susertoken>``, no header (the legacy generation, Flattrade)."""


class SocketStyle(StrEnum):
    """The socket's connect message: ``t`` and the key that carries the session."""

    ACCESS = "access"
    """``{"t":"a", ..., "accesstoken": ...}``, acknowledged by ``{"t":"ak"}``."""
    CONNECT = "connect"
    """``{"t":"c", ..., "susertoken": ...}``, acknowledged by ``{"t":"ck"}``."""


EXCHANGE_FILES: tuple[str, ...] = ("NSE", "BSE", "NFO", "BFO", "CDS", "MCX")
"""Exchanges whose zipped symbol files (``<EXCH>_symbols.txt.zip``) make the master."""


@dataclass(frozen=True)
class NorenProfile:
    """One Noren broker's defaults. Every URL is only a default: the config may override each."""

    name: str
    title: str
    api_url: str
    ws_url: str
    login: LoginFlow
    carrier: TokenCarrier
    socket: SocketStyle
    instruments_url: str
    """Base URL of the symbol files; ``<EXCH>_symbols.txt.zip`` is appended per exchange."""
    oauth_url: str = ""
    """The browser login page (OAuth: ``?client_id=``; Flattrade: ``?app_key=``)."""
    token_url: str = ""
    """Flattrade's token exchange (``/trade/apitoken``); empty for other flows."""
    daily_expiry_hour: int = 5
    """Hour (IST) after which yesterday's session no longer works."""


PROFILES: dict[str, NorenProfile] = {
    "shoonya": NorenProfile(
        name="shoonya", title="Shoonya (Finvasia) Noren OMS",
        api_url="https://api.shoonya.com/NorenWClientAPI/", ws_url="wss://api.shoonya.com/NorenWSAPI/",
        login=LoginFlow.OAUTH, carrier=TokenCarrier.BEARER, socket=SocketStyle.ACCESS,
        instruments_url="https://api.shoonya.com/",
        oauth_url="https://api.shoonya.com/OAuthlogin/authorize/oauth"),
    "flattrade": NorenProfile(
        name="flattrade", title="Flattrade Pi Connect (Noren OMS)",
        api_url="https://piconnect.flattrade.in/PiConnectTP/", ws_url="wss://piconnect.flattrade.in/PiConnectWSTp/",
        login=LoginFlow.FLATTRADE, carrier=TokenCarrier.JKEY, socket=SocketStyle.ACCESS,
        instruments_url="https://api.shoonya.com/", oauth_url="https://auth.flattrade.in/",
        token_url="https://authapi.flattrade.in/trade/apitoken"),
    "noren": NorenProfile(
        name="noren", title="Noren OMS (generic profile)",
        api_url="", ws_url="", login=LoginFlow.QUICKAUTH, carrier=TokenCarrier.JKEY, socket=SocketStyle.CONNECT,
        instruments_url=""),
}
"""Shoonya: OAuth hosts from the SDK's routes + reference 3.1/3.2. Flattrade: ``api_helper.py`` hosts and its
token service (reference 3.3.3); its socket sends ``t=a`` with the session key (sdk-notes, its 0.0.29 wheel).
Flattrade's own symbol-file host is unverified, so the default is Shoonya's public files (same Noren format)."""
