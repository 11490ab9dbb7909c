"""Noren logins as sans-I/O flows: OAuth (``GenAcsTok``), Flattrade's token service, QuickAuth.

Which flow runs is the profile's (``config.login``): data, not code paths per broker. Every
flow ends in a :class:`~tt_connect.driver_api.Session` that dies at the profile's daily hour
(05:00 IST). The session key travels as the profile's carrier says: a Bearer header, or
``&jKey=`` appended to the body (:meth:`NorenAuth.session_request`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import msgspec
from tt_connect.driver_api import (
    AuthKind,
    BrokerAuth,
    BrokerFailure,
    HttpRequest,
    HttpResponse,
    LoginFlow,
    NeedRedirect,
    NeedTotp,
    Session,
)
from tt_connect.timeutil import next_daily

from tt_connect_noren.config import NorenConfig
from tt_connect_noren.profiles import LoginFlow as Flow
from tt_connect_noren.profiles import TokenCarrier
from tt_connect_noren.wire import jdata, read_reply

__all__ = ["NorenAuth", "sha256"]


def sha256(text: str) -> str:
    """Hex SHA-256, as every Noren login step hashes its secrets."""
    return hashlib.sha256(text.encode()).hexdigest()


def _code(reply: object) -> str:
    if isinstance(reply, str):
        return reply
    if isinstance(reply, Mapping):
        code = reply.get("code")
        if isinstance(code, str) and code:
            return code
    raise BrokerFailure("the login redirect carried no code")


class NorenAuth(BrokerAuth):
    """The configured profile's login, its daily expiry and how its session travels."""

    def __init__(self, config: NorenConfig, broker: str) -> None:
        self._config = config
        self._broker = broker
        self.redirect_url = config.redirect_url if config.login is not Flow.QUICKAUTH else None
        self._pasted = config.auth_code
        """A code from a browser login done elsewhere: good for one login, so it is spent by the first."""

    def login_kind(self) -> AuthKind:
        """A given session key, or a pasted code not yet spent, logs in once with no human (ACCESS_TOKEN);
        QuickAuth logs in silently every day; the browser flows need a human (or a pasted code) each day."""
        config = self._config
        if config.access_token or self._pasted:
            return AuthKind.ACCESS_TOKEN
        if config.login is Flow.QUICKAUTH:
            return AuthKind.PASSWORD_TOTP
        return AuthKind.OAUTH_REDIRECT

    def _session(self, now: _dt.datetime, user: str, token: str, **extra: str) -> Session:
        expiry = _dt.time(self._config.profile.daily_expiry_hour, 0)
        return Session(broker=self._broker, user_id=user or self._config.user_id, access_token=token, created_at=now,
                       expires_at=next_daily(now, expiry), extra={k: v for k, v in extra.items() if v})

    def login(self, now: _dt.datetime) -> LoginFlow:
        config = self._config
        if config.access_token:
            return self._given(now)
        if config.login is Flow.QUICKAUTH:
            return self._quick_auth(now)
        if config.login is Flow.FLATTRADE:
            return self._flattrade(now)
        return self._oauth(now)

    def _given(self, now: _dt.datetime) -> LoginFlow:
        token = self._config.access_token
        yield from ()
        return self._session(now, self._config.user_id, token, susertoken=token)

    def _redirect_code(self, login_url: str) -> LoginFlow:
        """Yield the browser step unless a pasted ``auth_code`` is configured; return the code."""
        if self._pasted:
            code, self._pasted = self._pasted, ""
            return code  # type: ignore[return-value]
        reply = yield NeedRedirect(login_url=login_url, token_param="code")
        return _code(reply)  # type: ignore[return-value]

    def _oauth(self, now: _dt.datetime) -> LoginFlow:
        config = self._config
        code = yield from self._redirect_code(f"{config.oauth_url}?{urlencode({'client_id': config.api_key})}")
        checksum = sha256(config.api_key + config.api_secret + str(code))
        reply = yield HttpRequest(method="POST", url=f"{config.rest_base}/GenAcsTok", endpoint="auth.token",
                                  rate_class="login", body=jdata({"code": code, "checksum": checksum,
                                                                  "uid": config.user_id}),
                                  authenticated=False, is_write=True)
        data = self._read(reply)
        token = str(data.get("access_token") or "")
        if not token:
            raise BrokerFailure("GenAcsTok answered without an access_token", raw=data)
        return self._session(now, str(data.get("USERID") or data.get("actid") or ""), token,
                             susertoken=str(data.get("susertoken") or ""), actid=str(data.get("actid") or ""),
                             refresh_token=str(data.get("refresh_token") or ""))

    def _flattrade(self, now: _dt.datetime) -> LoginFlow:
        config = self._config
        code = yield from self._redirect_code(f"{config.oauth_url}?{urlencode({'app_key': config.api_key})}")
        body = {"api_key": config.api_key, "request_code": code,
                "api_secret": sha256(config.api_key + str(code) + config.api_secret)}
        reply = yield HttpRequest(method="POST", url=config.token_url, endpoint="auth.token", rate_class="login",
                                  json=body, authenticated=False, is_write=True)
        data = self._read(reply)
        token = str(data.get("token") or "")
        if not token:
            raise BrokerFailure("Flattrade's token service answered without a token", raw=data)
        return self._session(now, str(data.get("client") or ""), token, susertoken=token)

    def _quick_auth(self, now: _dt.datetime) -> LoginFlow:
        config = self._config
        totp = yield NeedTotp(secret=config.totp_secret)
        app_key = sha256(f"{config.user_id}|{config.api_key}")
        fields = {"source": "API", "apkversion": "1.0.0", "uid": config.user_id, "pwd": sha256(config.password),
                  "factor2": str(totp), "vc": config.vendor_code, "appkey": app_key, "imei": config.imei}
        reply = yield HttpRequest(method="POST", url=f"{config.rest_base}/QuickAuth", endpoint="auth.login",
                                  rate_class="login", body=jdata(fields), authenticated=False, is_write=True)
        data = self._read(reply)
        token = str(data.get("susertoken") or "")
        if not token:
            raise BrokerFailure("QuickAuth answered without a susertoken", raw=data)
        return self._session(now, str(data.get("actid") or ""), token, susertoken=token,
                             actid=str(data.get("actid") or ""))

    @staticmethod
    def _read(reply: object) -> dict[str, Any]:
        if not isinstance(reply, HttpResponse):
            raise BrokerFailure("the login step got no HTTP reply")
        data = read_reply(reply)
        if not isinstance(data, dict):
            raise BrokerFailure("the login reply is not an object", http_status=reply.status)
        return data

    def session_headers(self, session: Session) -> Mapping[str, str]:
        """Bearer carrier: the ``Authorization`` header (and the OAuth SDK's content type); jKey: none."""
        if self._config.carrier is TokenCarrier.BEARER:
            return {"Authorization": f"Bearer {session.access_token}",
                    "Content-Type": "application/json; charset=utf-8"}
        return {}

    def session_request(self, session: Session, request: HttpRequest) -> HttpRequest:
        """jKey carrier: the session key appended to the raw body (``jData=...&jKey=<key>``)."""
        if self._config.carrier is TokenCarrier.JKEY and request.body is not None:
            key = session.extra.get("susertoken") or session.access_token
            return msgspec.structs.replace(request, body=request.body + b"&jKey=" + key.encode())
        return request

    def logout(self, session: Session) -> HttpRequest | None:
        """``Logout`` with ``{"ordersource":"API","uid"}``; the session travels as on every call."""
        return HttpRequest(method="POST", url=f"{self._config.rest_base}/Logout", endpoint="auth.logout",
                           rate_class="default", body=jdata({"ordersource": "API", "uid": session.user_id}),
                           is_write=True)
