"""Acme's login: the API key and secret buy a token that lives until 06:00 IST the next morning.

No human is needed (``AuthKind.KEY_SECRET``), so the core logs in again by itself after the daily
expiry, or at once when a call finds the token dead.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

from tt_connect.driver_api import AuthKind, BrokerAuth, BrokerFailure, HttpRequest, HttpResponse, LoginFlow, Session
from tt_connect.timeutil import IST

from tt_connect_acme.config import AcmeConfig

__all__ = ["AcmeAuth", "session_expiry"]

DAILY_EXPIRY = _dt.time(6, 0)


def session_expiry(issued_at: _dt.datetime) -> _dt.datetime:
    """Return the next 06:00 IST after ``issued_at``: when Acme ends every token."""
    local = issued_at.astimezone(IST)
    expiry = local.replace(hour=DAILY_EXPIRY.hour, minute=0, second=0, microsecond=0)
    return expiry if expiry > local else expiry + _dt.timedelta(days=1)


class AcmeAuth(BrokerAuth):
    """``POST /v1/session {api_key, api_secret}`` -> ``{token, user_id}``; ``DELETE /v1/session`` logs out."""

    def __init__(self, config: AcmeConfig) -> None:
        self._config = config
        self._api = config.api_url.rstrip("/")

    def login_kind(self) -> AuthKind:
        return AuthKind.KEY_SECRET

    def login(self, now: _dt.datetime) -> LoginFlow:
        reply = yield HttpRequest(method="POST", url=f"{self._api}/v1/session", endpoint="session.create",
                                  authenticated=False, rate_class="session",
                                  json={"api_key": self._config.api_key, "api_secret": self._config.api_secret})
        assert isinstance(reply, HttpResponse)
        body = reply.json()
        data = body.get("data") if isinstance(body, dict) else None
        if reply.status != 200 or not isinstance(data, dict) or not data.get("token"):
            error = body.get("error", {}) if isinstance(body, dict) else {}
            raise BrokerFailure(str(error.get("message") or f"Acme refused the login (HTTP {reply.status})"),
                                code=error.get("code"), http_status=reply.status)
        return Session(broker="acme", user_id=str(data.get("user_id", "")), access_token=str(data["token"]),
                       created_at=now, expires_at=session_expiry(now))

    def session_headers(self, session: Session) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {session.access_token}", "X-Acme-Key": self._config.api_key}

    def logout(self, session: Session) -> HttpRequest:
        return HttpRequest(method="DELETE", url=f"{self._api}/v1/session", endpoint="session.delete")
