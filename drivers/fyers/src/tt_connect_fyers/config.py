"""Settings of the Fyers driver: the app, the credentials of each login mode, and every endpoint URL."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from tt_connect.driver_api import DriverConfig
from tt_connect.errors import ConfigurationError

__all__ = ["MASTER_FIELDS", "FyersConfig", "FyersConfigError"]

MASTER_FIELDS: Mapping[str, str] = {
    "NSE_CM": "instruments_url", "NSE_FO": "instruments_nse_fo_url", "NSE_CD": "instruments_nse_cd_url",
    "NSE_COM": "instruments_nse_com_url", "BSE_CM": "instruments_bse_cm_url", "BSE_FO": "instruments_bse_fo_url",
    "MCX_COM": "instruments_mcx_com_url",
}
"""Symbol-master file (``https://public.fyers.in/sym_details/<NAME>.csv``) -> the field holding its URL.
``instruments_url`` is the cash-market file, the announcement key ``sdk-notes.md`` gives."""

_URL_FIELDS = ("api_url", "data_url", "login_url", "validate_url", "ws_url", "order_ws_url", "hsm_lookup_url",
               "index_hsm_url", "vagator_url", *MASTER_FIELDS.values())
_APP_ID = re.compile(r"^[A-Z0-9]+-\d+$")


class FyersConfigError(ConfigurationError, ValueError):
    """A Fyers setting is missing or inconsistent (also a ``ValueError``, so msgspec reports its message)."""


class FyersConfig(DriverConfig, frozen=True, kw_only=True):
    """Credentials and endpoints of one Fyers API app and trading account.

    Attributes
    ----------
    app_id
        The app's id *with* its type suffix (``XC4XXXXXXM-100``): the hash input, the ``Authorization``
        header and the sockets all use it whole.
    app_secret, redirect_url
        The app's secret and its registered redirect URI: the auth-code login (``generate-authcode``
        in a browser, then ``validate-authcode`` with ``appIdHash = sha256("app_id:app_secret")``).
    auth_code
        A one-time ``auth_code`` the redirect carried (pasted): exchanged for a token without a browser.
    access_token
        Today's API access token (a JWT): used as is, checked once against ``/profile``.
    fy_id, pin, totp_secret, unofficial_web_login
        UNOFFICIAL: the headless login of Fyers' own sample script (``vagator`` endpoints of the web
        login, not the documented API). Off unless ``unofficial_web_login`` is true.
    api_url, data_url
        The trading REST root (``.../api/v3``) and the data root (``.../data``: quotes, depth, history,
        option chain, market status, symbol-token).
    login_url, validate_url
        The browser login page (``generate-authcode``) and the code exchange (``validate-authcode``).
    ws_url, order_ws_url, hsm_lookup_url, index_hsm_url
        The HSM data socket, the order/trade/position socket, the ticker -> HSM token endpoint and the
        index -> HSM name map the data socket needs.
    vagator_url
        The web login's OTP/PIN service (UNOFFICIAL mode only).
    instruments_url, instruments_nse_fo_url, instruments_nse_cd_url, instruments_nse_com_url
        The headerless symbol-master CSVs of NSE's cash, F&O, currency and commodity segments; an empty
        URL leaves that segment out (NSE commodities have no canonical exchange and are never listed).
    instruments_bse_cm_url, instruments_bse_fo_url, instruments_mcx_com_url
        The same for BSE's cash and F&O segments and MCX.
    """

    app_id: str
    app_secret: str = ""
    redirect_url: str = ""
    auth_code: str = ""
    access_token: str = ""
    fy_id: str = ""
    pin: str = ""
    totp_secret: str = ""
    unofficial_web_login: bool = False
    api_url: str = "https://api-t1.fyers.in/api/v3"
    data_url: str = "https://api-t1.fyers.in/data"
    login_url: str = "https://api-t1.fyers.in/api/v3/generate-authcode"
    validate_url: str = "https://api-t1.fyers.in/api/v3/validate-authcode"
    ws_url: str = "wss://socket.fyers.in/hsm/v1-5/prod"
    order_ws_url: str = "wss://socket.fyers.in/trade/v3"
    hsm_lookup_url: str = "https://api-t1.fyers.in/data/symbol-token"
    index_hsm_url: str = "https://public.fyers.in/sym_details/index_hsm_mapping.json"
    vagator_url: str = "https://api-t2.fyers.in/vagator/v2"
    instruments_url: str = "https://public.fyers.in/sym_details/NSE_CM.csv"
    instruments_nse_fo_url: str = "https://public.fyers.in/sym_details/NSE_FO.csv"
    instruments_nse_cd_url: str = "https://public.fyers.in/sym_details/NSE_CD.csv"
    instruments_nse_com_url: str = "https://public.fyers.in/sym_details/NSE_COM.csv"
    instruments_bse_cm_url: str = "https://public.fyers.in/sym_details/BSE_CM.csv"
    instruments_bse_fo_url: str = "https://public.fyers.in/sym_details/BSE_FO.csv"
    instruments_mcx_com_url: str = "https://public.fyers.in/sym_details/MCX_COM.csv"

    account_field: ClassVar[str] = "app_id"
    announcement_aliases: ClassVar[Mapping[str, str]] = {}
    announcement_ignored: ClassVar[frozenset[str]] = frozenset({"broker"})

    def __post_init__(self) -> None:
        if not _APP_ID.match(self.app_id.strip()):
            raise FyersConfigError("app_id must be the Fyers app id with its type suffix, like XC4XXXXXXM-100")
        if self.unofficial_web_login:
            missing = [name for name in ("fy_id", "pin", "totp_secret", "app_secret", "redirect_url")
                       if not getattr(self, name)]
            if missing:
                raise FyersConfigError(f"unofficial_web_login needs {', '.join(missing)} (set secrets as "
                                       "references in a config file), or drop it and log in through the browser")
            if not self.pin.isdigit():
                raise FyersConfigError("pin must be the account's numeric login PIN")
        elif not (self.access_token or self.app_secret):
            raise FyersConfigError("no way to log in to Fyers: set app_secret and redirect_url (browser login, or "
                                   "a pasted auth_code), or today's access_token")
        if self.app_secret and not (self.redirect_url or self.access_token):
            raise FyersConfigError("the Fyers auth-code login needs redirect_url, the app's registered redirect URI")
        for name in _URL_FIELDS:
            value: str = getattr(self, name)
            if name in MASTER_FIELDS.values() and not value:
                continue
            if "://" not in value:
                raise FyersConfigError(f"{name} must be an absolute URL, got {value!r}")
        if not any(getattr(self, name) for name in MASTER_FIELDS.values()):
            raise FyersConfigError("every symbol-master URL is empty: keep at least instruments_url (NSE_CM.csv)")
