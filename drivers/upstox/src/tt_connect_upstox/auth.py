"""Logging in to Upstox: the OAuth2 code flow, a ready access token, and logout.

The code flow (Authorize and Get Token pages): the user logs in at
``/v2/login/authorization/dialog?response_type=code&client_id&redirect_uri&state`` and Upstox
redirects to ``redirect_uri?code=...``; the code (single-use) is exchanged at
``/v2/login/authorization/token``, form-encoded, for a bare ``TokenResponse`` (no envelope). The
core catches the redirect on a 127.0.0.1 ``redirect_url``, or takes it pasted
(``tt-connect login upstox --paste``: the whole address or the bare code). A token lives until
03:30 IST the next day, whenever it was made; Upstox has no refresh token, so a new day needs the
browser again (or a fresh ``access_token``).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Mapping
from urllib.parse import urlencode

from tt_connect.driver_api import (
    AuthKind,
    BrokerAuth,
    BrokerFailure,
    HttpRequest,
    HttpResponse,
    LoginFlow,
    NeedRedirect,
    Session,
)
from tt_connect.timeutil import IST, next_daily

from tt_connect_upstox.config import UpstoxConfig

__all__ = ["TOKEN_EXPIRY", "UpstoxAuth", "token_failure"]

BROKER = "upstox"
TOKEN_EXPIRY = _dt.time(3, 30)
"""Get Token page: "valid until 3:30 AM the following day, regardless of the time it was generated"."""


def token_failure(response: HttpResponse) -> BrokerFailure | None:
    """Return the failure an error reply carries (Upstox's ``errors`` envelope), or None for a 2xx."""
    if 200 <= response.status < 300:
        return None
    try:
        payload = response.json()
    except Exception:  # a proxy's HTML page: the status is all there is
        return BrokerFailure(f"Upstox answered HTTP {response.status}", http_status=response.status)
    errors = payload.get("errors") if isinstance(payload, Mapping) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], Mapping) else {}
    code = first.get("errorCode") or first.get("error_code")
    return BrokerFailure(str(first.get("message") or f"Upstox answered HTTP {response.status}"),
                         code=str(code) if code else None, http_status=response.status, raw=payload)


class UpstoxAuth(BrokerAuth):
    """The Upstox login description: OAuth code flow, or a ready token."""

    def __init__(self, config: UpstoxConfig) -> None:
        self._config = config
        self.redirect_url = config.redirect_url or None

    def login_kind(self) -> AuthKind:
        """A given token or code is used once as is (ACCESS_TOKEN); otherwise the browser login."""
        config = self._config
        return AuthKind.ACCESS_TOKEN if config.access_token or config.auth_code else AuthKind.OAUTH_REDIRECT

    def login_url(self) -> str:
        """The dialog a human logs in at; ``state`` ties the redirect to this app."""
        config = self._config
        state = hashlib.sha256(config.api_key.encode()).hexdigest()[:16]
        query = urlencode({"response_type": "code", "client_id": config.api_key,
                           "redirect_uri": config.redirect_url, "state": state})
        return f"{config.api_url.rstrip('/')}/v2/login/authorization/dialog?{query}"

    def login(self, now: _dt.datetime) -> LoginFlow:
        config = self._config
        if config.access_token:  # a ready token: Upstox says who it belongs to in the profile
            reply = yield HttpRequest(method="GET", url=f"{config.api_url.rstrip('/')}/v2/user/profile",
                                      endpoint="auth.profile", authenticated=False,
                                      headers={**self._version, "Authorization": f"Bearer {config.access_token}"})
            assert isinstance(reply, HttpResponse)
            failure = token_failure(reply)
            if failure is not None:
                raise failure
            data = reply.json().get("data") or {}
            return self._session(config.access_token, str(data.get("user_id") or ""), now)
        code = config.auth_code
        if not code:
            answer = yield NeedRedirect(login_url=self.login_url(), token_param="code")
            code = answer.get("code", "") if isinstance(answer, Mapping) else str(answer)
        reply = yield HttpRequest(
            method="POST", url=f"{config.api_url.rstrip('/')}/v2/login/authorization/token", endpoint="auth.token",
            authenticated=False, is_write=True, headers=self._version,
            form=[("code", str(code)), ("client_id", config.api_key), ("client_secret", config.api_secret),
                  ("redirect_uri", config.redirect_url), ("grant_type", "authorization_code")])
        assert isinstance(reply, HttpResponse)
        failure = token_failure(reply)
        if failure is not None:
            raise failure
        token = reply.json()
        if not isinstance(token, Mapping) or not token.get("access_token"):
            raise BrokerFailure("Upstox's token reply carries no access_token", http_status=reply.status, raw=token)
        return self._session(str(token["access_token"]), str(token.get("user_id") or ""), now)

    @property
    def _version(self) -> dict[str, str]:
        return {"Api-Version": "2.0", "Accept": "application/json"}

    @staticmethod
    def _session(token: str, user_id: str, now: _dt.datetime) -> Session:
        created = now.astimezone(IST)
        return Session(broker=BROKER, user_id=user_id, access_token=token, created_at=created,
                       expires_at=next_daily(created, TOKEN_EXPIRY))

    def session_headers(self, session: Session) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {session.access_token}", "Accept": "application/json"}

    def logout(self, session: Session) -> HttpRequest:
        """``DELETE /v2/logout``: the token dies at once."""
        return HttpRequest(method="DELETE", url=f"{self._config.api_url.rstrip('/')}/v2/logout",
                           endpoint="auth.logout", headers={"Api-Version": "2.0"}, is_write=True)
