"""The Kite emulator's logins: the Connect login page and redirect, the session exchange, refresh, logout.

* ``GET/POST /connect/login?v=3&api_key=...``: the login page; a correct user id, password and TOTP (or
  a logged-in web session's cookie) redirect to the app's ``redirect_url`` with a one-time
  ``request_token``;
* ``POST /session/token``: the request_token and ``checksum = sha256(api_key + request_token +
  api_secret)`` buy an access token (and, for an app that gets them, a refresh token);
* ``POST /session/refresh_token``: a refresh token and its checksum buy a new access token;
* ``DELETE /session/token``: logout, the token is revoked;
* ``POST /api/login`` and ``/api/twofa``: Kite web's own login (user id + password, then TOTP), which
  the driver's UNOFFICIAL ``web_login`` replays.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal, verify_totp
from tt_connect.timeutil import IST

if TYPE_CHECKING:
    from tt_connect_zerodha.emulator.app import KiteEmulator

__all__ = ["SessionRoutes"]


def _refused(message: str) -> Refusal:
    return Refusal(ErrorKind.AUTH, message)


class SessionRoutes:
    """Login routes of one emulator; refresh tokens are issued only when ``refresh_tokens`` is set."""

    def __init__(self, host: KiteEmulator, *, refresh_tokens: bool = False) -> None:
        self._host = host
        self._refresh_tokens = refresh_tokens
        self._refreshable: dict[str, str] = {}
        """Refresh token -> user (they outlive the daily expiry of access tokens)."""
        self._lock = threading.Lock()
        self._web_sessions: set[str] = set()
        self.web_logins = 0
        """Completed Kite web logins (password + TOTP): a test can tell a refresh from a fresh login."""

    def add(self, app: web.Application) -> None:
        api = self._host.api
        app.add_routes([
            web.post("/session/token", api(self._session_token, authenticated=False)),
            web.post("/session/refresh_token", api(self._refresh, authenticated=False)),
            web.delete("/session/token", api(self._logout, authenticated=False, body="query")),
            web.get("/connect/login", self._connect_login),
            web.post("/connect/login", self._connect_login_form),
            web.get("/redirect", self._redirect_page),
            web.post("/api/login", api(self._web_login, authenticated=False)),
            web.post("/api/twofa", self._web_twofa),
        ])

    def session_reply(self, access_token: str, refresh_token: str = "") -> dict[str, Any]:
        """The ``data`` of ``POST /session/token`` (its profile fields are ``GET /user/profile``'s too)."""
        host = self._host
        return {"user_type": "individual", "email": "emulator@tt-connect.invalid", "user_name": "Kite Emulator",
                "user_shortname": "Emulator", "broker": "ZERODHA", "exchanges": ["NSE", "NFO", "BSE"],
                "products": ["CNC", "NRML", "MIS"], "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
                "avatar_url": None, "user_id": host.user_id, "api_key": host.api_key,
                "access_token": access_token, "public_token": secrets.token_hex(16),
                "enctoken": secrets.token_urlsafe(24), "refresh_token": refresh_token, "silo": "",
                "login_time": host.clock.now().astimezone(IST).strftime("%Y-%m-%d %H:%M:%S"),
                "meta": {"demat_consent": "physical"}}

    def _issue(self, user: str) -> dict[str, Any]:
        refresh = ""
        if self._refresh_tokens:
            refresh = secrets.token_urlsafe(24)
            with self._lock:
                self._refreshable[refresh] = user
        return self.session_reply(self._host.sessions.issue(user), refresh)

    def _checked(self, fields: dict[str, Any], token_field: str) -> str:
        host = self._host
        api_key, token, checksum = (str(fields.get(k, "")) for k in ("api_key", token_field, "checksum"))
        if api_key != host.api_key:
            raise _refused("Invalid `api_key`.")
        expected = hashlib.sha256(f"{api_key}{token}{host.api_secret}".encode()).hexdigest()
        if not hmac.compare_digest(expected, checksum):
            raise _refused("Invalid `checksum`.")
        return token

    def _session_token(self, request: web.Request, fields: dict[str, Any], _: str) -> dict[str, Any]:
        user = self._host.sessions.redeem_code("request_token", self._checked(fields, "request_token"))
        if user is None:
            raise _refused("Token is invalid or has expired.")
        return self._issue(user)

    def _refresh(self, request: web.Request, fields: dict[str, Any], _: str) -> dict[str, Any]:
        token = self._checked(fields, "refresh_token")
        with self._lock:
            user = self._refreshable.pop(token, None)
        if user is None:
            raise _refused("Token is invalid or has expired.")
        return self._issue(user)

    def _logout(self, request: web.Request, fields: dict[str, Any], _: str) -> bool:
        if fields.get("api_key") != self._host.api_key:
            raise _refused("Invalid `api_key`.")
        self._host.sessions.revoke(str(fields.get("access_token", "")))
        return True

    # -- the browser login ------------------------------------------------------------------

    def _to_redirect(self) -> web.Response:
        host = self._host
        token = host.sessions.issue_code("request_token", host.user_id)
        query = urlencode({"request_token": token, "action": "login", "type": "login", "status": "success"})
        separator = "&" if "?" in host.redirect_url else "?"
        raise web.HTTPFound(f"{host.redirect_url}{separator}{query}")

    async def _connect_login(self, request: web.Request) -> web.Response:
        """The Connect login page: a logged-in web session goes straight to the redirect URL."""
        host = self._host
        if request.query.get("api_key") != host.api_key:
            return web.Response(status=400, text="Invalid api_key", content_type="text/plain")
        if request.cookies.get("kf_session") in self._web_sessions:
            return self._to_redirect()
        action = html.escape(f"/connect/login?{urlencode({'v': '3', 'api_key': host.api_key})}")
        page = (f"<html><body><h1>Kite emulator login</h1><form method='post' action='{action}'>"
                "<input name='user_id' placeholder='User ID'><input name='password' type='password'>"
                "<input name='totp' placeholder='TOTP'><button>Login</button></form></body></html>")
        return web.Response(text=page, content_type="text/html")

    async def _connect_login_form(self, request: web.Request) -> web.Response:
        host = self._host
        form = await request.post()
        if request.query.get("api_key") != host.api_key:
            return web.Response(status=400, text="Invalid api_key", content_type="text/plain")
        if not (form.get("user_id") == host.user_id and form.get("password") == host.password
                and verify_totp(host.totp_secret, form.get("totp"), host.clock.now())):
            return web.Response(status=403, text="Invalid credentials", content_type="text/plain")
        return self._to_redirect()

    async def _redirect_page(self, request: web.Request) -> web.Response:
        token = html.escape(request.query.get("request_token", ""))
        return web.Response(text=f"<html><body>request_token: <code>{token}</code></body></html>",
                            content_type="text/html")

    # -- Kite web's own login (the driver's UNOFFICIAL web_login) ----------------------------

    def _web_login(self, request: web.Request, fields: dict[str, Any], _: str) -> dict[str, Any]:
        host = self._host
        if fields.get("user_id") != host.user_id or fields.get("password") != host.password:
            raise Refusal(ErrorKind.INPUT, "Invalid `user_id` or `password`.")
        request_id = host.sessions.issue_code("web_login", host.user_id)
        return {"user_id": host.user_id, "request_id": request_id, "twofa_type": "totp",
                "twofa_types": ["totp"], "twofa_status": "active", "profile": {}}

    async def _web_twofa(self, request: web.Request) -> web.Response:
        """Check the TOTP; the reply sets the web session's cookie the Connect login page then accepts."""
        host = self._host
        try:
            fields = await host.read_fields(request, "form")
            request_id = str(fields.get("request_id", ""))
            if fields.get("user_id") != host.user_id:
                raise Refusal(ErrorKind.INPUT, "Invalid `user_id`.")
            if host.sessions.redeem_code("web_login", request_id, consume=False) is None:
                raise Refusal(ErrorKind.INPUT, "Invalid or expired `request_id`.")
            if not verify_totp(host.totp_secret, fields.get("twofa_value"), host.clock.now()):
                raise Refusal(ErrorKind.INPUT, "Invalid TOTP.")
        except Refusal as refusal:
            return host.refusal_response(refusal)
        host.sessions.redeem_code("web_login", request_id)
        self.web_logins += 1
        session = secrets.token_urlsafe(24)
        self._web_sessions.add(session)
        response = host.ok_response({"profile": {}})
        response.set_cookie("kf_session", session, httponly=True, path="/")
        response.set_cookie("enctoken", secrets.token_urlsafe(24), path="/")
        return response
