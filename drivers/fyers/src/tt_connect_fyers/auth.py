"""Fyers sessions, sans-I/O: the login flows as generators, the session header, logout.

Three ways to a session, picked by :meth:`FyersAuth.login_kind` (PROTOCOL.md, "Authentication"):

* ``app_secret`` and ``redirect_url`` -> :attr:`AuthKind.OAUTH_REDIRECT`, the documented auth-code
  flow: a browser logs in at ``generate-authcode?client_id&redirect_uri&response_type=code&state``,
  the redirect carries ``auth_code``; ``POST validate-authcode`` with ``{"grant_type":
  "authorization_code", "appIdHash": sha256("app_id:app_secret"), "code"}`` trades it for the access
  token. A pasted redirect URL or bare ``auth_code`` (or ``auth_code`` in the config) completes it headless.
* ``access_token`` -> :attr:`AuthKind.ACCESS_TOKEN`: used as is, checked once against ``/profile``.
* ``unofficial_web_login`` with ``fy_id``, ``pin`` and ``totp_secret`` -> :attr:`AuthKind.PASSWORD_TOTP`,
  UNOFFICIAL: the web login's ``vagator`` steps from Fyers' sample script (OTP from the TOTP, the PIN,
  ``/api/v3/token`` answering 308 with the auth code), then ``validate-authcode``. Not part of the
  documented API; it may break whenever Fyers changes its web login.

The token is a JWT: its ``exp`` claim is its expiry and its ``hsm_key`` claim the data socket's key
(kept as the session's ``feed_token``). Refresh tokens (``validate-refresh-token``, with the PIN) were
discontinued on 1 April 2026 under SEBI's retail-algo rules, so there is no refresh: a browser session
is renewed by logging in again. A failed step raises :class:`BrokerFailure`; the core maps it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tt_connect.driver_api import (
    AuthKind,
    BrokerAuth,
    HttpRequest,
    HttpResponse,
    LoginFlow,
    LoginReply,
    NeedRedirect,
    NeedTotp,
    Session,
    jwt_claims,
    login_reply_body,
)
from tt_connect.errors import AuthenticationError
from tt_connect.redact import register_secret
from tt_connect.timeutil import IST, next_daily

from tt_connect_fyers.config import FyersConfig
from tt_connect_fyers.mapping import BROKER

__all__ = ["AUTH_CODE", "DAILY_EXPIRY", "LOGIN_RATE_CLASS", "FyersAuth", "app_id_hash", "fyers_token_to_session"]

AUTH_CODE = "auth_code"
"""The redirect's query parameter carrying the one-time code."""
LOGIN_RATE_CLASS = "non_trading"
DAILY_EXPIRY = _dt.time(6, 0)
"""Used only for a token without an ``exp`` claim: Fyers tokens are reported to last until the next
morning (PROTOCOL.md, unverified); the JWT's ``exp`` is the authority."""
_STATE = "ttconnect"


def app_id_hash(app_id: str, app_secret: str) -> str:
    """``appIdHash``: lowercase hex SHA-256 of ``"app_id:app_secret"`` (SDK ``SessionModel.get_hash``)."""
    return hashlib.sha256(f"{app_id}:{app_secret}".encode()).hexdigest()


def _expiry(claims: Mapping[str, Any]) -> _dt.datetime | None:
    exp = claims.get("exp")
    if isinstance(exp, int) and not isinstance(exp, bool) and exp > 0:
        return _dt.datetime.fromtimestamp(exp, IST)
    return None


def fyers_token_to_session(token: str, fallback_user: str, now: _dt.datetime) -> Session:
    """Turn an access token into a Session: user, expiry and the data socket's key from its claims."""
    if not token.strip():
        raise AuthenticationError("Fyers' token reply carries no access_token", broker=BROKER)
    register_secret(token)
    claims = jwt_claims(token)
    created = now.astimezone(IST)
    expires = _expiry(claims) or next_daily(created, DAILY_EXPIRY)
    hsm_key = claims.get("hsm_key")
    feed = hsm_key if isinstance(hsm_key, str) else ""
    if feed:
        register_secret(feed)
    user = claims.get("fy_id")
    return Session(broker=BROKER, user_id=user if isinstance(user, str) and user else fallback_user,
                   access_token=token, created_at=created,
                   expires_at=expires if expires > created else next_daily(created, DAILY_EXPIRY),
                   feed_token=feed)


def _fyers_error(reply: HttpResponse, body: Mapping[str, Any]) -> tuple[str | None, object] | None:
    """A Fyers login reply fails on HTTP >= 400 or ``"s"`` other than ``"ok"``; ``code``/``message`` say why."""
    if reply.status < 400 and body.get("s", "ok") == "ok":
        return None
    code = body.get("code")
    return (str(code) if code is not None else None), body.get("message")


def _reply_body(reply: LoginReply, what: str) -> Mapping[str, Any]:
    """Return the JSON object of a login step's reply; an error reply raises BrokerFailure."""
    return login_reply_body(reply, broker=BROKER, label="Fyers", step=what, error=_fyers_error)


def _code_from(answer: LoginReply) -> str:
    """The auth code out of the redirect's query, a pasted redirect URL or a bare code."""
    if isinstance(answer, Mapping):
        if str(answer.get("s", "ok")).lower() not in ("ok", ""):
            raise AuthenticationError(f"the Fyers login was refused: {answer.get('message') or answer.get('s')}",
                                      broker=BROKER)
        return str(answer.get(AUTH_CODE, "")).strip()
    if isinstance(answer, str):
        text = answer.strip()
        if "?" in text:
            found = parse_qs(urlsplit(text).query).get(AUTH_CODE)
            return found[0].strip() if found else ""
        return text
    return ""


class FyersAuth(BrokerAuth):
    """The Fyers auth description: which login the configured credentials allow, and its steps."""

    def __init__(self, config: FyersConfig) -> None:
        self._config = config
        self._api = config.api_url.rstrip("/")
        self.redirect_url = config.redirect_url or None
        for secret in config.secrets().values():
            register_secret(secret)

    def login_kind(self) -> AuthKind:
        """The opted-in unofficial TOTP login wins (it renews itself), then a given token, then the browser."""
        config = self._config
        if config.unofficial_web_login:
            return AuthKind.PASSWORD_TOTP
        if config.access_token:
            return AuthKind.ACCESS_TOKEN
        return AuthKind.OAUTH_REDIRECT

    def login_url(self) -> str:
        """The page a human logs in at (``generate-authcode``), as the SDK's ``generate_authcode`` builds it."""
        query = urlencode({"client_id": self._config.app_id, "redirect_uri": self._config.redirect_url,
                           "response_type": "code", "state": _STATE})
        return f"{self._config.login_url}?{query}"

    def login(self, now: _dt.datetime) -> LoginFlow:
        kind = self.login_kind()
        if kind is AuthKind.PASSWORD_TOTP:
            return self._totp(now)
        if kind is AuthKind.ACCESS_TOKEN:
            return self._given_token(now)
        return self._auth_code(now)

    def session_headers(self, session: Session) -> Mapping[str, str]:
        """``Authorization: <app_id>:<access_token>`` (no "Bearer") and ``version: 3``, as the SDK sends."""
        return {"Authorization": f"{self._config.app_id}:{session.access_token}", "version": "3",
                "Content-Type": "application/json"}

    def logout(self, session: Session) -> HttpRequest:
        """``POST /logout``: revokes this app's token only."""
        return HttpRequest(method="POST", url=f"{self._api}/logout", endpoint="auth.logout",
                           rate_class=LOGIN_RATE_CLASS, json={}, is_write=True)

    # -- flows -------------------------------------------------------------------------------

    def _validate(self, code: str, now: _dt.datetime) -> LoginFlow:
        if not code:
            raise AuthenticationError("the Fyers login redirect carries no auth_code; paste the whole redirect "
                                      "URL or its auth_code", broker=BROKER)
        register_secret(code)
        config = self._config
        reply = yield HttpRequest(method="POST", url=config.validate_url, endpoint="auth.validate_authcode",
                                  rate_class=LOGIN_RATE_CLASS, authenticated=False, is_write=True,
                                  json={"grant_type": "authorization_code",
                                        "appIdHash": app_id_hash(config.app_id, config.app_secret), "code": code})
        body = _reply_body(reply, "auth-code validation")
        token = body.get("access_token")
        return fyers_token_to_session(token if isinstance(token, str) else "", "", now)

    def _auth_code(self, now: _dt.datetime) -> LoginFlow:
        code = self._config.auth_code.strip()
        if not code:
            code = _code_from((yield NeedRedirect(login_url=self.login_url(), token_param=AUTH_CODE)))
        return (yield from self._validate(code, now))

    def _given_token(self, now: _dt.datetime) -> LoginFlow:
        token = self._config.access_token
        reply = yield HttpRequest(method="GET", url=f"{self._api}/profile", endpoint="auth.profile",
                                  rate_class=LOGIN_RATE_CLASS, authenticated=False,
                                  headers={"Authorization": f"{self._config.app_id}:{token}", "version": "3"})
        data = _reply_body(reply, "token check").get("data")
        user = data.get("fy_id") if isinstance(data, Mapping) else None
        return fyers_token_to_session(token, str(user or ""), now)

    def _totp(self, now: _dt.datetime) -> LoginFlow:
        """UNOFFICIAL: the sample script's web login, then the documented code exchange."""
        config = self._config
        vagator = config.vagator_url.rstrip("/")

        def step(path: str, body: dict[str, Any], what: str) -> HttpRequest:
            return HttpRequest(method="POST", url=f"{vagator}/{path}", endpoint=f"auth.{what}",
                               rate_class=LOGIN_RATE_CLASS, authenticated=False, is_write=True, json=body)

        reply = yield step("send_login_otp", {"fy_id": config.fy_id, "app_id": "2"}, "send_login_otp")
        key = _reply_body(reply, "login OTP request").get("request_key")
        otp = yield NeedTotp(secret=config.totp_secret)
        if not isinstance(otp, str):
            raise AuthenticationError("the core answered the TOTP step with no code", broker=BROKER)
        reply = yield step("verify_otp", {"request_key": key, "otp": otp}, "verify_otp")
        key = _reply_body(reply, "TOTP check").get("request_key")
        reply = yield step("verify_pin", {"request_key": key, "identity_type": "pin", "identifier": config.pin},
                           "verify_pin")
        data = _reply_body(reply, "PIN check").get("data")
        trade_token = data.get("access_token") if isinstance(data, Mapping) else None
        if not isinstance(trade_token, str) or not trade_token:
            raise AuthenticationError("Fyers' PIN check carries no session token", broker=BROKER)
        register_secret(trade_token)
        app, _, app_type = config.app_id.rpartition("-")
        reply = yield HttpRequest(
            method="POST", url=f"{self._api}/token", endpoint="auth.token", rate_class=LOGIN_RATE_CLASS,
            authenticated=False, is_write=True, follow_redirects=False,
            headers={"Authorization": f"Bearer {trade_token}"},
            json={"fyers_id": config.fy_id, "app_id": app, "redirect_uri": config.redirect_url, "appType": app_type,
                  "code_challenge": "", "state": _STATE, "scope": "", "nonce": "", "response_type": "code",
                  "create_cookie": True})
        url = _reply_body(reply, "app authorisation").get("Url")
        return (yield from self._validate(_code_from(str(url or "")), now))
