"""SmartAPI sessions, sans-I/O: the login flows as generators, session headers, renewal and logout.

Two ways to a session, picked by :meth:`AngelAuth.login_kind`:

* ``pin`` and ``totp_secret`` set -> :attr:`AuthKind.PASSWORD_TOTP`: ``loginByPassword``
  with the client code, the PIN and a fresh TOTP (reference 2.2.2). No browser, so
  the core renews the session silently every day.
* ``access_token`` given -> :attr:`AuthKind.ACCESS_TOKEN`: checked once against
  ``getProfile``; never renewed.

Expiry: AngelOne staff (forum, "Changes in JWT Token Validity") say a fresh token is
valid for 24-28 hours, no longer until 5 AM, and that its ``exp`` claim gives the
exact time. A session therefore expires at the JWT's ``exp``; a token without one
is given the shortest stated validity, 24 hours from login.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Generator, Mapping
from typing import Any

import msgspec
from tt_connect.driver_api import (
    AuthKind,
    BrokerAuth,
    BrokerFailure,
    HttpRequest,
    HttpResponse,
    LoginFlow,
    LoginReply,
    LoginStep,
    NeedTotp,
    Session,
    jwt_claims,
)
from tt_connect.errors import AuthenticationError
from tt_connect.redact import register_secret
from tt_connect.timeutil import IST

from tt_connect_angelone.config import AngelOneConfig
from tt_connect_angelone.limits import LOGIN, LOGOUT, PROFILE, RENEW
from tt_connect_angelone.parsing import angel_envelope_to_data

__all__ = [
    "ANGEL_SESSION_LIFETIME",
    "BROKER",
    "LOGIN_PATH",
    "LOGOUT_PATH",
    "PROFILE_PATH",
    "RENEW_PATH",
    "AngelAuth",
    "angel_tokens_to_session",
    "jwt_expiry",
    "smartapi_headers",
]

BROKER = "angelone"
ANGEL_SESSION_LIFETIME = _dt.timedelta(hours=24)
"""Validity of a session whose JWT carries no ``exp`` claim: the shortest of the staff's 24-28 hours."""
LOGIN_PATH = "/rest/auth/angelbroking/user/v1/loginByPassword"
RENEW_PATH = "/rest/auth/angelbroking/jwt/v1/generateTokens"
PROFILE_PATH = "/rest/secure/angelbroking/user/v1/getProfile"
LOGOUT_PATH = "/rest/secure/angelbroking/user/v1/logout"


def smartapi_headers(config: AngelOneConfig) -> dict[str, str]:
    """Return the headers SmartAPI requires on every REST call, Authorization aside (reference 2.2.1)."""
    return {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-UserType": "USER",
        "X-SourceID": "WEB",
        "X-ClientLocalIP": config.client_local_ip,
        "X-ClientPublicIP": config.client_public_ip,
        "X-MACAddress": config.mac_address,
        "X-PrivateKey": config.api_key,
    }


def _bare_jwt(token: str) -> str:
    """Drop a ``Bearer `` prefix: smartapi-python hands out JWTs with it (reference 2.2.2)."""
    return token[7:].strip() if token[:7].lower() == "bearer " else token.strip()


def jwt_expiry(token: str) -> _dt.datetime | None:
    """Return the ``exp`` claim of a JWT (not verified: only the broker can), or None when it has none."""
    exp = jwt_claims(token).get("exp")
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        return None
    return _dt.datetime.fromtimestamp(exp, IST)


def _expiry(token: str, created: _dt.datetime) -> _dt.datetime:
    claimed = jwt_expiry(token)
    return claimed if claimed is not None and claimed > created else created + ANGEL_SESSION_LIFETIME


def angel_tokens_to_session(data: Mapping[str, Any], user_id: str, now: _dt.datetime) -> Session:
    """Turn the ``data`` of a login or renewal reply (jwtToken, refreshToken, feedToken) into a Session."""
    jwt = data.get("jwtToken")
    if not isinstance(jwt, str) or not jwt.strip():
        raise AuthenticationError("AngelOne's login reply carries no jwtToken", broker=BROKER)
    jwt = _bare_jwt(jwt)
    refresh = data.get("refreshToken")
    feed = data.get("feedToken")
    for secret in (jwt, refresh, feed):
        if isinstance(secret, str):
            register_secret(secret)
    created = now.astimezone(IST)
    return Session(broker=BROKER, user_id=user_id, access_token=jwt, created_at=created,
                   expires_at=_expiry(jwt, created),
                   refresh_token=refresh if isinstance(refresh, str) else "",
                   feed_token=feed if isinstance(feed, str) else "")


def _envelope_data(reply: LoginReply, what: str) -> Any:
    """Return ``data`` of a successful reply to a login step.

    An error envelope raises :class:`BrokerFailure` (its message names the step), so the core's
    error map classifies it like any reply: a 429 is a rate limit, AG8001 a dead session, AB1050 a
    wrong TOTP.
    """
    if not isinstance(reply, HttpResponse):
        raise AuthenticationError(f"AngelOne {what}: expected an HTTP reply, got {type(reply).__name__}",
                                  broker=BROKER)
    try:
        return angel_envelope_to_data(reply)
    except BrokerFailure as failure:
        raise BrokerFailure(f"AngelOne {what} failed: {failure.message}", code=failure.code,
                            http_status=failure.http_status, raw=failure.raw) from None


class AngelAuth(BrokerAuth):
    """How AngelOne logs in: PIN + TOTP (silent, daily) or a given token; renewal with the refresh token."""

    def __init__(self, config: AngelOneConfig) -> None:
        self._config = config
        self._api = config.api_url.rstrip("/")
        for secret in config.secrets().values():
            register_secret(secret)

    # -- what the core asks ----------------------------------------------------------------

    def login_kind(self) -> AuthKind:
        """Return how the configured credentials log in (PIN + TOTP wins: it renews silently)."""
        if self._config.pin and self._config.totp_secret:
            return AuthKind.PASSWORD_TOTP
        return AuthKind.ACCESS_TOKEN

    def login(self, now: _dt.datetime) -> LoginFlow:
        """Return a fresh login flow for the configured credentials."""
        if self.login_kind() is AuthKind.PASSWORD_TOTP:
            return self._password_login(now)
        return self._given_token(now)

    def session_headers(self, session: Session) -> Mapping[str, str]:
        """Return every SmartAPI header plus ``Authorization: Bearer <jwt>``."""
        return self._headers_for(session.access_token)

    def logout(self, session: Session) -> HttpRequest:
        """Return ``POST .../user/v1/logout`` with the client code (reference 2.2.4)."""
        return HttpRequest(method="POST", url=f"{self._api}{LOGOUT_PATH}", endpoint="user.logout",
                           rate_class=LOGOUT, json={"clientcode": session.user_id or self._config.client_code},
                           headers=smartapi_headers(self._config), is_write=True)

    def refresh(self, session: Session, now: _dt.datetime) -> LoginFlow | None:
        """Return a flow renewing ``session`` with ``generateTokens`` and its refresh token (reference 2.2.4).

        The core tries it before a full login whenever a session with a refresh token dies or nears
        its expiry; None for a session without one. ``{"refreshToken": ...}`` is the body AngelOne
        staff document.
        """
        if not session.refresh_token:
            return None
        return self._renew(session, now)

    # -- steps -----------------------------------------------------------------------------

    def _headers_for(self, jwt: str) -> dict[str, str]:
        return {**smartapi_headers(self._config), "Authorization": f"Bearer {_bare_jwt(jwt)}"}

    def login_request(self, totp: str) -> HttpRequest:
        """Return the ``loginByPassword`` POST: client code, PIN (as ``password``) and the TOTP."""
        cfg = self._config
        return HttpRequest(method="POST", url=f"{self._api}{LOGIN_PATH}", endpoint="auth.login", rate_class=LOGIN,
                           json={"clientcode": cfg.client_code, "password": cfg.pin, "totp": totp},
                           headers=smartapi_headers(cfg), authenticated=False)

    def _password_login(self, now: _dt.datetime) -> LoginFlow:
        code = yield NeedTotp(secret=self._config.totp_secret)
        if not isinstance(code, str) or not code.strip():
            raise AuthenticationError("no TOTP code was computed for the AngelOne login", broker=BROKER)
        reply = yield self.login_request(code.strip())
        data = _envelope_data(reply, "login (loginByPassword)")
        if not isinstance(data, Mapping):
            raise AuthenticationError("AngelOne's login reply has no data object", broker=BROKER)
        return angel_tokens_to_session(data, self._config.client_code, now)

    def _given_token(self, now: _dt.datetime) -> LoginFlow:
        token = _bare_jwt(self._config.access_token)
        register_secret(token)
        reply = yield HttpRequest(method="GET", url=f"{self._api}{PROFILE_PATH}", endpoint="user.profile",
                                  rate_class=PROFILE, headers=self._headers_for(token), authenticated=False)
        data = _envelope_data(reply, "check of the configured access_token (a JWT lasts a day: pass today's, or set "
                                     "pin and totp_secret for the automatic login) with getProfile")
        user_id = data.get("clientcode") if isinstance(data, Mapping) else None
        created = now.astimezone(IST)
        return Session(broker=BROKER, user_id=str(user_id or self._config.client_code), access_token=token,
                       created_at=created, expires_at=_expiry(token, created), feed_token=self._config.feed_token)

    def _renew(self, session: Session, now: _dt.datetime) -> Generator[LoginStep, LoginReply, Session]:
        reply = yield HttpRequest(method="POST", url=f"{self._api}{RENEW_PATH}", endpoint="auth.renew",
                                  rate_class=RENEW, json={"refreshToken": session.refresh_token},
                                  headers=self._headers_for(session.access_token), authenticated=False)
        data = _envelope_data(reply, "token renewal (generateTokens)")
        if not isinstance(data, Mapping):
            raise AuthenticationError("AngelOne's renewal reply has no data object", broker=BROKER)
        renewed = angel_tokens_to_session(data, session.user_id, now)
        if not renewed.refresh_token or not renewed.feed_token:
            renewed = msgspec.structs.replace(renewed, refresh_token=renewed.refresh_token or session.refresh_token,
                                              feed_token=renewed.feed_token or session.feed_token)
        return renewed
