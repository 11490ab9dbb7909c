"""Kite sessions, sans-I/O: the login flows as generators, session headers, logout.

Three ways to a session, picked by :meth:`KiteAuth.login_kind`:

* ``web_login=True`` -> :attr:`AuthKind.PASSWORD_TOTP`, the UNOFFICIAL automated
  web login (user id + password, TOTP, then the Kite Connect redirect), which
  lets the core renew the session every day without a human. See the README.
* ``access_token`` given -> :attr:`AuthKind.ACCESS_TOKEN`: checked once against
  ``/user/profile``; never renewed (Kite tokens die at 06:00 IST).
* otherwise -> :attr:`AuthKind.OAUTH_REDIRECT`, the official flow: the user logs
  in at Kite's page, the redirect brings a one-time ``request_token`` which is
  exchanged (with a SHA-256 checksum that proves we hold the api_secret) for an
  access token at ``POST /session/token``.

A login reply that is an error envelope raises :class:`~tt_connect.driver_api.BrokerFailure`, so the
core's error map classifies it like any other Kite reply (a ``TokenException`` is a dead session, a
wrong password an authentication error). Apps Kite issues refresh tokens to (approved platforms) renew
with :meth:`KiteAuth.refresh`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Generator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from tt_connect.driver_api import (
    AuthKind,
    BrokerAuth,
    BrokerFailure,
    HttpRequest,
    HttpResponse,
    LoginFlow,
    LoginReply,
    LoginStep,
    NeedRedirect,
    NeedTotp,
    Session,
)
from tt_connect.errors import AuthenticationError
from tt_connect.redact import register_secret
from tt_connect.timeutil import IST, next_daily

from tt_connect_zerodha.config import ZerodhaConfig, ZerodhaConfigError
from tt_connect_zerodha.mapping import BROKER, kite_time

__all__ = ["KITE_SESSION_EXPIRY", "KiteAuth", "kite_checksum", "kite_session_to_session"]

KITE_SESSION_EXPIRY = _dt.time(6, 0)
"""Kite access tokens are valid until 06:00 IST the next day (regulatory)."""
_KITE_VERSION = {"X-Kite-Version": "3"}
_MAX_REDIRECT_HOPS = 8


def kite_checksum(api_key: str, token: str, api_secret: str) -> str:
    """Return Kite's checksum: lowercase hex SHA-256 of ``api_key + token + api_secret``."""
    return hashlib.sha256(f"{api_key}{token}{api_secret}".encode()).hexdigest()


def kite_session_to_session(data: Mapping[str, Any], now: _dt.datetime) -> Session:
    """Turn the ``data`` of a ``/session/token`` reply into a Session expiring at the next 06:00 IST."""
    access_token = data.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise AuthenticationError("Kite's session reply carries no access_token", broker=BROKER)
    register_secret(access_token)
    created = kite_time(data.get("login_time")) or now.astimezone(IST)
    refresh = data.get("refresh_token")
    return Session(
        broker=BROKER,
        user_id=str(data.get("user_id") or ""),
        access_token=access_token,
        created_at=created,
        expires_at=next_daily(created, KITE_SESSION_EXPIRY),
        refresh_token=refresh if isinstance(refresh, str) else "",
    )


def _envelope_data(reply: LoginReply, what: str) -> Any:
    """Return ``data`` of a successful Kite reply to a login step; raise BrokerFailure for an error reply."""
    if not isinstance(reply, HttpResponse):
        raise AuthenticationError(f"Kite {what}: expected an HTTP reply, got {type(reply).__name__}", broker=BROKER)
    body = reply.json()
    if isinstance(body, dict) and body.get("status") == "success" and 200 <= reply.status < 300:
        return body.get("data")
    message = body.get("message") if isinstance(body, dict) else None
    code = body.get("error_type") if isinstance(body, dict) else None
    raise BrokerFailure(f"Kite {what} failed: {message or f'HTTP {reply.status}'}",
                        code=code if isinstance(code, str) else None, http_status=reply.status,
                        raw=body if isinstance(body, dict) else None)


def _request_token_in(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("request_token")
    return values[0] if values and values[0] else None


class KiteAuth(BrokerAuth):
    """How a Kite session is obtained, carried, renewed and ended."""

    def __init__(self, config: ZerodhaConfig) -> None:
        self._config = config
        self._api = config.api_url.rstrip("/")
        self.redirect_url = config.redirect_url
        """The app's registered redirect: ``tt-connect login zerodha`` catches the request_token there."""

    # -- what the core asks ----------------------------------------------------------------

    def login_kind(self) -> AuthKind:
        """Return how the configured credentials log in."""
        if self._config.web_login:
            return AuthKind.PASSWORD_TOTP
        if self._config.access_token:
            return AuthKind.ACCESS_TOKEN
        return AuthKind.OAUTH_REDIRECT

    def login(self, now: _dt.datetime) -> LoginFlow:
        """Return a fresh login flow for the configured credentials."""
        kind = self.login_kind()
        if kind is AuthKind.PASSWORD_TOTP:
            return self._web_login(now)
        if kind is AuthKind.ACCESS_TOKEN:
            return self._given_token(now)
        return self._redirect_login(now)

    def session_headers(self, session: Session) -> Mapping[str, str]:
        """Return Kite's headers: ``X-Kite-Version: 3`` and ``Authorization: token key:token``."""
        return self._headers_for(session.access_token)

    def logout(self, session: Session) -> HttpRequest:
        """Return ``DELETE /session/token?api_key=..&access_token=..``, which invalidates the token."""
        return HttpRequest(method="DELETE", url=f"{self._api}/session/token", endpoint="session.logout",
                           params={"api_key": self._config.api_key, "access_token": session.access_token},
                           is_write=True)

    def refresh(self, session: Session, now: _dt.datetime) -> LoginFlow | None:
        """Renew with the session's refresh token, for the apps Kite issues one to (approved platforms).

        ``POST /session/refresh_token`` takes ``checksum = sha256(api_key + refresh_token + api_secret)``
        and answers like ``/session/token``.
        """
        if not session.refresh_token or not self._config.api_secret:
            return None
        return self._renew(session.refresh_token, now)

    def _renew(self, refresh_token: str, now: _dt.datetime) -> LoginFlow:
        checksum = kite_checksum(self._config.api_key, refresh_token, self._config.api_secret)
        reply = yield HttpRequest(method="POST", url=f"{self._api}/session/refresh_token",
                                  endpoint="session.refresh", headers=dict(_KITE_VERSION), authenticated=False,
                                  form=[("api_key", self._config.api_key), ("refresh_token", refresh_token),
                                        ("checksum", checksum)])
        return self._session_from(reply, "session renewal (POST /session/refresh_token)", now)

    @property
    def connect_login_url(self) -> str:
        """Return the Kite Connect login page of this app (``?v=3&api_key=...``)."""
        query = urlencode({"v": "3", "api_key": self._config.api_key})
        return f"{self._config.login_url}?{query}"

    # -- steps -----------------------------------------------------------------------------

    def _headers_for(self, access_token: str) -> dict[str, str]:
        return {**_KITE_VERSION, "Authorization": f"token {self._config.api_key}:{access_token}"}

    def session_token_request(self, request_token: str) -> HttpRequest:
        """Return ``POST /session/token`` exchanging a request_token for an access token."""
        if not self._config.api_secret:
            raise ZerodhaConfigError("api_secret is needed to exchange Kite's request_token for a session: "
                                     "set it (from developers.kite.trade) or pass a ready access_token")
        register_secret(request_token)
        checksum = kite_checksum(self._config.api_key, request_token, self._config.api_secret)
        return HttpRequest(method="POST", url=f"{self._api}/session/token", endpoint="session.token",
                           form=[("api_key", self._config.api_key), ("request_token", request_token),
                                 ("checksum", checksum)],
                           headers=dict(_KITE_VERSION), authenticated=False)

    @staticmethod
    def _session_from(reply: LoginReply, what: str, now: _dt.datetime) -> Session:
        data = _envelope_data(reply, what)
        if not isinstance(data, Mapping):
            raise AuthenticationError("Kite's session reply has no data object", broker=BROKER)
        return kite_session_to_session(data, now)

    def _exchange(self, request_token: str, now: _dt.datetime) -> Generator[LoginStep, LoginReply, Session]:
        reply = yield self.session_token_request(request_token)
        return self._session_from(reply, "session exchange (POST /session/token)", now)

    def _redirect_login(self, now: _dt.datetime) -> LoginFlow:
        if not self._config.api_secret:
            raise ZerodhaConfigError("the Kite browser login needs api_secret: set it, or pass a ready access_token")
        query = yield NeedRedirect(login_url=self.connect_login_url, token_param="request_token")
        if not isinstance(query, Mapping):
            raise AuthenticationError("the Kite login redirect brought no query parameters", broker=BROKER)
        status = query.get("status", "success")
        token = query.get("request_token", "")
        if status != "success" or not token:
            raise AuthenticationError(
                f"the Kite login was not completed (status={status!r}); log in again at the login page and "
                "make sure the app's redirect URL is the one tt-connect listens on", broker=BROKER)
        return (yield from self._exchange(token, now))

    def _given_token(self, now: _dt.datetime) -> LoginFlow:
        token = self._config.access_token
        register_secret(token)
        reply = yield HttpRequest(method="GET", url=f"{self._api}/user/profile", endpoint="user.profile",
                                  headers=self._headers_for(token), authenticated=False)
        if isinstance(reply, HttpResponse) and reply.status == 403:
            raise BrokerFailure(
                "the configured Kite access_token is no longer valid (tokens expire at 06:00 IST): remove it "
                "and run `tt-connect login zerodha`, or pass today's token", code="TokenException", http_status=403)
        data = _envelope_data(reply, "access token check (GET /user/profile)")
        user_id = data.get("user_id", "") if isinstance(data, Mapping) else ""
        created = now.astimezone(IST)
        return Session(broker=BROKER, user_id=str(user_id or self._config.user_id), access_token=token,
                       created_at=created, expires_at=next_daily(created, KITE_SESSION_EXPIRY))

    def _web_login(self, now: _dt.datetime) -> LoginFlow:
        """UNOFFICIAL: Kite's web login endpoints, as the Kite web app uses them (see README)."""
        cfg = self._config
        web = cfg.web_url.rstrip("/")
        reply = yield HttpRequest(method="POST", url=f"{web}/api/login", endpoint="web.login",
                                  form=[("user_id", cfg.user_id), ("password", cfg.password)],
                                  headers=dict(_KITE_VERSION), authenticated=False)
        data = _envelope_data(reply, "web login (user id and password)")
        request_id = data.get("request_id") if isinstance(data, Mapping) else None
        if not isinstance(request_id, str) or not request_id:
            raise AuthenticationError("Kite's web login reply carries no request_id", broker=BROKER)
        register_secret(request_id)
        twofa_type = data.get("twofa_type") or "totp"
        if twofa_type != "totp":
            raise AuthenticationError(
                f"the Kite account uses {twofa_type!r} as its second factor; web_login only supports TOTP: "
                "enable external TOTP in Kite's settings or log in through the browser", broker=BROKER)
        code = yield NeedTotp(secret=cfg.totp_secret)
        if not isinstance(code, str):
            raise AuthenticationError("no TOTP code was computed for the Kite web login", broker=BROKER)
        reply = yield HttpRequest(method="POST", url=f"{web}/api/twofa", endpoint="web.twofa",
                                  form=[("user_id", cfg.user_id), ("request_id", request_id),
                                        ("twofa_value", code), ("twofa_type", "totp"), ("skip_totp", "true")],
                                  headers=dict(_KITE_VERSION), authenticated=False)
        _envelope_data(reply, "web login (TOTP)")
        token = yield from self._follow_to_request_token()
        return (yield from self._exchange(token, now))

    def _follow_to_request_token(self) -> Generator[LoginStep, LoginReply, str]:
        """Walk the Connect login redirects (with the web session's cookies) until a request_token shows."""
        url = self.connect_login_url
        for _ in range(_MAX_REDIRECT_HOPS):
            reply = yield HttpRequest(method="GET", url=url, endpoint="web.connect_login", authenticated=False,
                                      follow_redirects=False)
            if not isinstance(reply, HttpResponse):
                raise AuthenticationError("expected an HTTP reply from the Kite Connect login", broker=BROKER)
            location = reply.header("Location") if 300 <= reply.status < 400 else None
            for candidate in (location, reply.url):
                token = _request_token_in(candidate) if candidate else None
                if token:
                    return token
            if location is None:
                break
            url = urljoin(url, location)
        raise AuthenticationError(
            "Kite did not redirect to the app's redirect URL with a request_token: log in once in a browser "
            "(`tt-connect login zerodha`) to authorise the app, then retry", broker=BROKER)
