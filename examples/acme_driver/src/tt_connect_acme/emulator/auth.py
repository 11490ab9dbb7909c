"""Acme's session routes: key + secret for a token, logout, and who a request's token belongs to."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal

if TYPE_CHECKING:
    from tt_connect_acme.emulator.app import AcmeEmulator

__all__ = ["SessionRoutes"]


class SessionRoutes:
    def __init__(self, host: AcmeEmulator) -> None:
        self.host = host

    def add(self, app: web.Application) -> None:
        host = self.host
        app.router.add_post("/v1/session", host.api(self.create, body="json", authenticated=False))
        app.router.add_delete("/v1/session", host.api(self.delete))

    def create(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, Any]:
        host = self.host
        key, secret = str(fields.get("api_key", "")), str(fields.get("api_secret", ""))
        if not (hmac.compare_digest(key, host.api_key) and hmac.compare_digest(secret, host.api_secret)):
            raise Refusal(ErrorKind.AUTH, "invalid api_key or api_secret", code="ACM-401")
        token = host.sessions.issue(host.user_id)
        expires = host.sessions.expiry(host.clock.now())
        return {"token": token, "user_id": host.user_id, "expires_at": expires.isoformat()}

    def delete(self, request: web.Request, fields: dict[str, Any], user: str) -> bool:
        self.host.sessions.revoke(self.token_of(request))
        return True

    @staticmethod
    def token_of(request: web.Request) -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return token if scheme == "Bearer" else ""

    def user_of(self, request: web.Request) -> str:
        host = self.host
        user = host.sessions.user_of(self.token_of(request))
        if user is None or request.headers.get("X-Acme-Key") != host.api_key:
            raise Refusal(ErrorKind.AUTH, "the token is invalid or expired", code="ACM-401")
        return user
