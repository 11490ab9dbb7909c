"""SmartAPI's login desk: client code + PIN + TOTP, token renewal, profile, logout and who a request is.

Every REST call carries ``X-PrivateKey`` (the api key), ``X-UserType: USER`` and ``X-SourceID:
WEB`` (reference 2.2.1); secure ones ``Authorization: Bearer <jwt>``. A login returns a JWT, a
one-time refresh token and a feed token; the JWT's ``exp`` claim is its expiry (AngelOne staff:
24-28 hours; the emulator uses 24).
"""

from __future__ import annotations

import base64
import datetime as _dt
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal, SessionBook, verify_totp

from tt_connect_angelone.emulator.wire import invalid

if TYPE_CHECKING:
    from tt_connect_angelone.emulator.app import SmartApiEmulator

__all__ = ["AUTH", "SmartApiLogin", "jwt_for"]

AUTH = "/rest/auth/angelbroking"
SESSION_LIFETIME = _dt.timedelta(hours=24)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_for(user: str) -> Callable[[_dt.datetime], str]:
    """Make a JWT-shaped token whose ``exp`` claim is its expiry (the signature is random: only the
    emulator checks its own tokens, by value)."""
    def make(expires_at: _dt.datetime) -> str:
        claims = {"sub": user, "exp": int(expires_at.timestamp())}
        return ".".join((_b64(b'{"alg":"HS512"}'), _b64(msgspec.json.encode(claims)), _b64(secrets.token_bytes(32))))

    return make


class SmartApiLogin:
    """The token books of the host's one account, and the routes that hand tokens out."""

    def __init__(self, host: SmartApiEmulator) -> None:
        self._host = host
        self.refresh_tokens = SessionBook(host.clock, host.daily_expiry, lifetime=SESSION_LIFETIME)
        self.feed_tokens = SessionBook(host.clock, host.daily_expiry, lifetime=SESSION_LIFETIME)
        self.logins = 0
        """Successful ``loginByPassword`` calls (tests check that a renewal did not need one)."""
        self.renewals = 0
        """Successful ``generateTokens`` calls."""

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(f"{AUTH}/user/v1/loginByPassword",
                            self._host.api(self._login, body="json", authenticated=False))
        app.router.add_post(f"{AUTH}/jwt/v1/generateTokens",
                            self._host.api(self._generate_tokens, body="json", authenticated=False))

    def expire_all(self) -> None:
        """The daily end: every JWT, refresh and feed token dies."""
        for book in (self._host.sessions, self.refresh_tokens, self.feed_tokens):
            book.expire_all()

    # -- who is asking ----------------------------------------------------------------------

    def check_headers(self, request: web.Request) -> None:
        if request.headers.get("X-PrivateKey") != self._host.api_key:
            raise Refusal(ErrorKind.PERMISSION, "Invalid API Key", code="AB1034")
        for header, value in (("X-UserType", "USER"), ("X-SourceID", "WEB")):
            if request.headers.get(header) != value:
                raise Refusal(ErrorKind.INPUT, f"Missing or invalid {header} header", code="AB1007")

    def bearer_user(self, request: web.Request) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return self._host.sessions.user_of(token) if scheme == "Bearer" else None

    def user(self, request: web.Request) -> str:
        """The user of a secure call: the identity headers, then a live Bearer JWT (AG8001 when not)."""
        self.check_headers(request)
        user = self.bearer_user(request)
        if user is None:
            raise Refusal(ErrorKind.AUTH, "Invalid Token", status=401)
        return user

    # -- tokens -----------------------------------------------------------------------------

    def issue(self, user: str) -> dict[str, str]:
        return {"jwtToken": self._host.sessions.issue(user, token=jwt_for(user)),
                "refreshToken": self.refresh_tokens.issue(user), "feedToken": self.feed_tokens.issue(user)}

    def _login(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, str]:
        self.check_headers(request)
        host = self._host
        if fields.get("clientcode") != host.client_code or fields.get("password") != host.pin:
            raise Refusal(ErrorKind.INPUT, "Invalid clientcode or password", code="AB1007")
        if not verify_totp(host.totp_secret, fields.get("totp"), host.clock.now()):
            raise Refusal(ErrorKind.INPUT, "Invalid totp", code="AB1050")
        self.logins += 1
        return self.issue(host.client_code)

    def _generate_tokens(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, str]:
        self.check_headers(request)
        refresh = fields.get("refreshToken")
        owner = self.refresh_tokens.user_of(refresh) if isinstance(refresh, str) else None
        if owner is None or not isinstance(refresh, str):
            raise Refusal(ErrorKind.INPUT, "Invalid refresh token", code="AB8050")
        self.refresh_tokens.revoke(refresh)
        self.renewals += 1
        return self.issue(owner)

    def profile(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, Any]:
        return {"clientcode": user, "name": "SmartAPI Emulator", "email": "emulator@tt-connect.invalid",
                "mobileno": "", "exchanges": ["NSE", "NFO", "BSE"],
                "products": ["DELIVERY", "INTRADAY", "MARGIN", "CARRYFORWARD"], "lastlogintime": "",
                "broker": "ANGEL ONE"}

    def logout(self, request: web.Request, fields: dict[str, Any], user: str) -> str:
        if fields.get("clientcode") != user:
            raise invalid("clientcode")
        self._host.sessions.revoke(request.headers.get("Authorization", "").partition(" ")[2])
        return ""
