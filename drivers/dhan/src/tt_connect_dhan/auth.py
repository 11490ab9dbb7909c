"""Dhan sessions, sans-I/O: the login flows as generators, session headers and renewal.

Three ways to a session, picked by :meth:`DhanAuth.login_kind` (PROTOCOL.md, "Authentication"):

* ``pin`` and ``totp_secret`` -> :attr:`AuthKind.PASSWORD_TOTP`: ``POST {auth}/app/generateAccessToken``
  with the client id, the PIN and a fresh TOTP in the query. No browser, so the core logs in again
  by itself every day.
* ``api_key`` and ``api_secret`` -> :attr:`AuthKind.OAUTH_REDIRECT`: the app's consent
  (``/app/generate-consent``), a browser login at ``/login/consentApp-login``, whose redirect carries
  ``tokenId``; ``/app/consumeApp-consent`` trades it for the token. A pasted redirect URL or the bare
  ``tokenId`` completes it headless.
* ``access_token`` (generated on web.dhan.co) -> :attr:`AuthKind.ACCESS_TOKEN`: checked once against
  ``/profile``.

Every token lives 24 hours from its generation; :meth:`DhanAuth.refresh` renews a live one through
``/RenewToken`` (another 24 hours), which is how a pasted token outlives its day: the renewal needs
nothing but the token itself, so a session's ``refresh_token`` is its access token. A failed step
raises :class:`BrokerFailure`; the core maps it with the driver's error map. Dhan has no logout.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

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
from tt_connect.timeutil import IST

from tt_connect_dhan.config import DhanConfig
from tt_connect_dhan.mapping import BROKER

__all__ = ["LOGIN_RATE_CLASS", "SESSION_LIFETIME", "DhanAuth", "dhan_token_to_session", "token_expiry"]

SESSION_LIFETIME = _dt.timedelta(hours=24)
"""v2 docs: an access token is valid 24 hours from its generation."""
LOGIN_RATE_CLASS = "non_trading"
TOKEN_ID = "tokenId"
"""The redirect's query parameter carrying the one-time token of the consent flow."""


def token_expiry(token: str) -> _dt.datetime | None:
    """Read a JWT's ``exp`` claim (not verified: only Dhan can), or None for a token that has none."""
    exp = jwt_claims(token).get("exp")
    return _dt.datetime.fromtimestamp(exp, IST) if isinstance(exp, int) and not isinstance(exp, bool) else None


def _dhan_error(reply: HttpResponse, body: Mapping[str, Any]) -> tuple[str | None, object] | None:
    """A Dhan login reply fails on HTTP >= 300; ``errorCode``/``errorMessage`` (or ``message``) say why."""
    if reply.status < 300:
        return None
    code = body.get("errorCode")
    return (code if isinstance(code, str) else None), body.get("errorMessage") or body.get("message")


def _reply_body(reply: LoginReply, what: str) -> Mapping[str, Any]:
    """Return the JSON object of a successful login step's reply; an error reply raises BrokerFailure."""
    return login_reply_body(reply, broker=BROKER, label="Dhan", step=what, error=_dhan_error)


def dhan_token_to_session(body: Mapping[str, Any], client_id: str, now: _dt.datetime) -> Session:
    """Turn a token reply (``accessToken`` or ``access_token``, maybe ``expiryTime``) into a Session."""
    token = body.get("accessToken") or body.get("access_token")
    if not isinstance(token, str) or not token.strip():
        raise AuthenticationError("Dhan's token reply carries no accessToken", broker=BROKER)
    register_secret(token)
    created = now.astimezone(IST)
    expires = token_expiry(token) or _stated_expiry(body.get("expiryTime")) or created + SESSION_LIFETIME
    user = body.get("dhanClientId")
    return Session(broker=BROKER, user_id=str(user) if user else client_id, access_token=token, created_at=created,
                   expires_at=expires if expires > created else created + SESSION_LIFETIME, refresh_token=token)


def _stated_expiry(value: object) -> _dt.datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = _dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=IST) if parsed.tzinfo is None else parsed.astimezone(IST)


class DhanAuth(BrokerAuth):
    """The Dhan auth description: which login the configured credentials allow, and its steps."""

    def __init__(self, config: DhanConfig) -> None:
        self._config = config
        self._auth = config.auth_url.rstrip("/")
        self._api = config.api_url.rstrip("/")
        for secret in config.secrets().values():
            register_secret(secret)

    redirect_url: str | None = None
    """The consent flow's redirect is registered with the API key on Dhan's side, not sent by the client."""

    def login_kind(self) -> AuthKind:
        """PIN + TOTP wins (it logs in again by itself), then the API key's consent, then a given token."""
        if self._config.pin and self._config.totp_secret:
            return AuthKind.PASSWORD_TOTP
        if self._config.api_key and self._config.api_secret:
            return AuthKind.OAUTH_REDIRECT
        return AuthKind.ACCESS_TOKEN

    def login(self, now: _dt.datetime) -> LoginFlow:
        """Return a fresh login flow for the configured credentials."""
        kind = self.login_kind()
        if kind is AuthKind.PASSWORD_TOTP:
            return self._pin_totp(now)
        if kind is AuthKind.OAUTH_REDIRECT:
            return self._consent(now)
        return self._given_token(now)

    def session_headers(self, session: Session) -> Mapping[str, str]:
        """Return ``access-token`` and ``client-id``, the headers every DhanHQ call carries (SDK)."""
        return {"access-token": session.access_token, "client-id": session.user_id or self._config.client_id,
                "Content-Type": "application/json", "Accept": "application/json"}

    def logout(self, session: Session) -> HttpRequest | None:
        """Dhan publishes no logout or revoke endpoint: the token simply lapses after 24 hours."""
        return None

    def refresh(self, session: Session, now: _dt.datetime) -> LoginFlow | None:
        """Return a flow renewing a still-live token for another 24 hours (``GET /RenewToken``)."""
        return self._renew(session, now)

    # -- flows -------------------------------------------------------------------------------

    def _pin_totp(self, now: _dt.datetime) -> LoginFlow:
        code = yield NeedTotp(secret=self._config.totp_secret)
        if not isinstance(code, str):
            raise AuthenticationError("the core answered the TOTP step with no code", broker=BROKER)
        reply = yield HttpRequest(method="POST", url=f"{self._auth}/app/generateAccessToken",
                                  endpoint="auth.generate_access_token", rate_class=LOGIN_RATE_CLASS,
                                  params={"dhanClientId": self._config.client_id, "pin": self._config.pin,
                                          "totp": code}, authenticated=False)
        return dhan_token_to_session(_reply_body(reply, "PIN and TOTP login"), self._config.client_id, now)

    def _app_headers(self) -> dict[str, str]:
        return {"app_id": self._config.api_key, "app_secret": self._config.api_secret}

    def _consent(self, now: _dt.datetime) -> LoginFlow:
        reply = yield HttpRequest(method="POST", url=f"{self._auth}/app/generate-consent",
                                  endpoint="auth.generate_consent", rate_class=LOGIN_RATE_CLASS,
                                  params={"client_id": self._config.client_id}, headers=self._app_headers(),
                                  authenticated=False)
        consent = _reply_body(reply, "consent").get("consentAppId")
        if not isinstance(consent, str) or not consent:
            raise AuthenticationError("Dhan's consent reply carries no consentAppId", broker=BROKER)
        query = yield NeedRedirect(login_url=f"{self._auth}/login/consentApp-login?consentAppId={consent}",
                                   token_param=TOKEN_ID)
        token_id = query.get(TOKEN_ID) if isinstance(query, Mapping) else query if isinstance(query, str) else None
        if not isinstance(token_id, str) or not token_id.strip():
            raise AuthenticationError("the Dhan login redirect carries no tokenId; paste the whole redirect URL "
                                      "or its tokenId", broker=BROKER)
        reply = yield HttpRequest(method="GET", url=f"{self._auth}/app/consumeApp-consent",
                                  endpoint="auth.consume_consent", rate_class=LOGIN_RATE_CLASS,
                                  params={TOKEN_ID: token_id.strip()}, headers=self._app_headers(),
                                  authenticated=False)
        return dhan_token_to_session(_reply_body(reply, "consent login"), self._config.client_id, now)

    def _given_token(self, now: _dt.datetime) -> LoginFlow:
        token = self._config.access_token
        reply = yield HttpRequest(method="GET", url=f"{self._api}/profile", endpoint="auth.profile",
                                  rate_class=LOGIN_RATE_CLASS, authenticated=False,
                                  headers={"access-token": token, "client-id": self._config.client_id,
                                           "Accept": "application/json"})
        body = _reply_body(reply, "token check")
        return dhan_token_to_session({"accessToken": token, "dhanClientId": body.get("dhanClientId")},
                                     self._config.client_id, now)

    def _renew(self, session: Session, now: _dt.datetime) -> LoginFlow:
        reply = yield HttpRequest(method="GET", url=f"{self._api}/RenewToken", endpoint="auth.renew",
                                  rate_class=LOGIN_RATE_CLASS, authenticated=False,
                                  headers={"access-token": session.access_token,
                                           "dhanClientId": session.user_id or self._config.client_id})
        return dhan_token_to_session(_reply_body(reply, "token renewal"), session.user_id or self._config.client_id,
                                     now)
