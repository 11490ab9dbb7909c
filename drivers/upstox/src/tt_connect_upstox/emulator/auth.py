"""Login routes: the OAuth2 dialog and token exchange, logout, and the v3 access-token request.

* ``GET /v2/login/authorization/dialog?response_type=code&client_id&redirect_uri&state``: the
  user "logs in" at once; the answer is a 302 to ``redirect_uri?code=...&state=...``. A wrong
  client id or redirect URI is ``UDAPI100068`` (Authorize page).
* ``POST /v2/login/authorization/token``, form-encoded ``code, client_id, client_secret,
  redirect_uri, grant_type=authorization_code``: a bare ``TokenResponse`` (no envelope). The
  code works once, whether the exchange succeeds or not (Get Token page).
* ``DELETE /v2/logout``: ``{"status": "success", "data": true}``; the token dies.
* ``POST /v3/login/auth/token/request/{client_id}`` with ``{"client_secret"}``: the request waits
  for the user's approval on the phone; :meth:`approve` stands in for that approval and delivers
  the token to the app's notifier webhook, as Upstox does.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import msgspec
from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal
from tt_connect.timeutil import IST

from tt_connect_upstox.emulator.wire import error_body

if TYPE_CHECKING:
    from tt_connect_upstox.emulator.app import UpstoxEmulator

__all__ = ["add_routes", "token_reply"]

_REQUEST_LIFETIME = _dt.timedelta(minutes=10)
_NO_VERSION = Refusal(ErrorKind.INPUT, "API Version does not exist", code="UDAPI100015", status=400)
_BAD_CREDENTIALS = Refusal(ErrorKind.AUTH, "Invalid Credentials", code="UDAPI100016", status=401)


def token_reply(emu: UpstoxEmulator, token: str) -> dict[str, Any]:
    """The ``TokenResponse`` fields: the profile, the access token and an extended (read-only) token."""
    return {"email": "emulator@example.test", "exchanges": ["NSE", "NFO", "BSE", "CDS", "BFO", "BCD"],
            "products": ["D", "CO", "I"], "broker": "UPSTOX", "user_id": emu.user_id, "user_name": "Upstox Emulator",
            "order_types": ["MARKET", "LIMIT", "SL", "SL-M"], "user_type": "individual", "poa": False,
            "is_active": True, "access_token": token, "extended_token": None}


def add_routes(emu: UpstoxEmulator, app: web.Application) -> None:
    async def dialog(request: web.Request) -> web.StreamResponse:
        query = request.query
        if query.get("client_id") != emu.api_key or query.get("redirect_uri") != emu.redirect_url:
            return web.Response(status=400, content_type="application/json", body=error_body(
                "UDAPI100068", "Check your 'client_id' and 'redirect_uri'; one or both are incorrect."))
        if query.get("response_type") != "code":
            return web.Response(status=400, content_type="application/json",
                                body=error_body("UDAPI100038", "response_type must be code"))
        params = {"code": emu.sessions.issue_code("code", emu.user_id)}
        if query.get("state"):
            params["state"] = query["state"]
        raise web.HTTPFound(f"{emu.redirect_url}?{urlencode(params)}")

    async def callback(request: web.Request) -> web.Response:
        return web.Response(text="Logged in to the Upstox emulator: you can close this window.")

    async def token(request: web.Request) -> web.Response:
        if request.headers.get("Api-Version") != "2.0":
            return emu.refusal_response(_NO_VERSION)
        form = await request.post()
        code = str(form.get("code", ""))
        user = emu.sessions.redeem_code("code", code) if code else None  # a code works once, either way
        valid = (form.get("client_id") == emu.api_key and form.get("client_secret") == emu.api_secret
                 and form.get("redirect_uri") == emu.redirect_url and form.get("grant_type") == "authorization_code")
        if user is None or not valid:
            return emu.refusal_response(_BAD_CREDENTIALS)
        emu.logins += 1
        return web.Response(body=msgspec.json.encode(token_reply(emu, emu.sessions.issue(user))),
                            content_type="application/json")

    async def logout(request: web.Request) -> web.Response:
        try:
            emu.authenticate(request)
        except Refusal as refusal:
            return emu.refusal_response(refusal)
        if request.headers.get("Api-Version") != "2.0":
            return emu.refusal_response(_NO_VERSION)
        emu.sessions.revoke(request.headers["Authorization"].partition(" ")[2])
        return emu.ok_response(True)

    async def token_request(request: web.Request) -> web.Response:
        try:
            body = msgspec.json.decode(await request.read())
        except msgspec.DecodeError:
            body = None
        if request.match_info["client_id"] != emu.api_key or not isinstance(body, dict) \
                or body.get("client_secret") != emu.api_secret:
            return emu.refusal_response(_BAD_CREDENTIALS)
        emu.pending_token_requests.append(emu.api_key)
        expiry = emu.clock.now() + _REQUEST_LIFETIME
        return emu.ok_response({"authorization_expiry": str(int(expiry.timestamp() * 1000)),
                                "notifier_url": f"{emu.base_url}/notifier"})

    r = app.router
    r.add_get("/v2/login/authorization/dialog", dialog)
    r.add_get("/callback", callback)
    r.add_post("/v2/login/authorization/token", token)
    r.add_delete("/v2/logout", logout)
    r.add_post("/v3/login/auth/token/request/{client_id}", token_request)


def approval_payload(emu: UpstoxEmulator, token: str) -> dict[str, Any]:
    """What Upstox posts to the notifier webhook once the user approves ([UNVERIFIED] field set)."""
    now = emu.clock.now()
    return {"client_id": emu.api_key, "user_id": emu.user_id, "access_token": token, "token_type": "Bearer",
            "expires_at": str(int(emu.sessions.expiry(now).timestamp() * 1000)),
            "issued_at": str(int(now.astimezone(IST).timestamp() * 1000)), "message_type": "access_token"}
