"""Login routes of the Fyers emulator: the auth-code flow, the unofficial web login, profile, logout.

``GET /api/v3/generate-authcode`` (the browser page; the emulator approves at once with a 302 to
the registered redirect URI carrying ``s=ok&code=200&auth_code=...&state=...``),
``POST /api/v3/validate-authcode`` (``appIdHash`` and the one-time code -> ``access_token`` and
``refresh_token``), the sample script's ``/vagator/v2/send_login_otp``, ``verify_otp`` (TOTP) and
``verify_pin``, then ``POST /api/v3/token`` answering 308 with the auth code in ``Url``;
``GET /api/v3/profile`` and ``POST /api/v3/logout``.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import msgspec
from aiohttp import web
from tt_connect.emulation import verify_totp

from tt_connect_fyers.emulator.wire import failure, ok

if TYPE_CHECKING:
    from tt_connect_fyers.emulator.app import FyersEmulator

__all__ = ["AUTH_CODE", "add_routes"]

AUTH_CODE = "auth-code"
_OTP, _PIN, _TRADE = "request-key-otp", "request-key-pin", "trade-token"


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = msgspec.json.decode(await request.read() or b"{}")
    except msgspec.DecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def add_routes(emulator: FyersEmulator, app: web.Application) -> None:
    """Register the login and session routes."""
    sessions = emulator.sessions

    def redirect_with_code(state: str) -> str:
        code = sessions.issue_code(AUTH_CODE, emulator.fy_id)
        return f"{emulator.redirect_url}?{urlencode({'s': 'ok', 'code': '200', 'auth_code': code, 'state': state})}"

    async def generate_authcode(request: web.Request) -> web.Response:
        query = request.query
        if query.get("client_id") != emulator.app_id:
            return failure(-352, "Invalid app id.", 400)
        if query.get("redirect_uri") != emulator.redirect_url or query.get("response_type") != "code":
            return failure(-50, "redirect_uri must be the app's registered URI and response_type must be code.", 400)
        raise web.HTTPFound(redirect_with_code(query.get("state", "")))

    async def validate_authcode(request: web.Request) -> web.Response:
        body = await _json(request)
        wanted = hashlib.sha256(f"{emulator.app_id}:{emulator.app_secret}".encode()).hexdigest()
        if body.get("grant_type") != "authorization_code":
            return failure(-50, "grant_type must be authorization_code.", 400)
        if body.get("appIdHash") != wanted:
            return failure(-371, "Invalid appIdHash.", 400)
        user = sessions.redeem_code(AUTH_CODE, str(body.get("code") or ""))
        if user is None:
            return failure(-374, "Invalid or expired auth code.", 400)
        emulator.logins += 1
        return ok({"access_token": emulator.issue_token(user), "refresh_token": secrets.token_urlsafe(32)})

    async def send_login_otp(request: web.Request) -> web.Response:
        body = await _json(request)
        if body.get("fy_id") != emulator.fy_id or str(body.get("app_id")) != "2":
            return failure(-157, "User does not exist.", 400)
        return ok({"request_key": sessions.issue_code(_OTP, emulator.fy_id)})

    async def verify_otp(request: web.Request) -> web.Response:
        body = await _json(request)
        user = sessions.redeem_code(_OTP, str(body.get("request_key") or ""))
        if user is None or not verify_totp(emulator.totp_secret, body.get("otp"), emulator.clock.now()):
            return failure(-1006, "Invalid OTP.", 400)
        return ok({"request_key": sessions.issue_code(_PIN, user)})

    async def verify_pin(request: web.Request) -> web.Response:
        body = await _json(request)
        user = sessions.redeem_code(_PIN, str(body.get("request_key") or ""))
        if user is None or body.get("identity_type") != "pin" or str(body.get("identifier")) != emulator.pin:
            return failure(-1006, "Invalid PIN.", 400)
        return ok({"data": {"access_token": sessions.issue_code(_TRADE, user)}})

    async def token(request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        user = sessions.redeem_code(_TRADE, header.removeprefix("Bearer ").strip()) if header.startswith(
            "Bearer ") else None
        body = await _json(request)
        app = emulator.app_id.rpartition("-")
        if user is None or body.get("app_id") != app[0] or str(body.get("appType")) != app[2]:
            return failure(-16, "Could not authenticate the user.", 401)
        url = redirect_with_code(str(body.get("state") or ""))
        return web.Response(status=308, body=msgspec.json.encode({"s": "ok", "code": 308, "message": "", "Url": url}),
                            content_type="application/json", headers={"Location": url})

    def profile(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        return {"data": {"name": "FYERS EMULATOR", "display_name": "EMULATOR", "fy_id": user, "image": "",
                         "email_id": "em*****@example.com", "PAN": "AB*****1C", "pin_change_date": "",
                         "pwd_change_date": "", "mobile_number": "98******10", "totp": True, "pwd_to_expire": 90,
                         "ddpi_enabled": False, "mtf_enabled": False}}

    def logout(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        sessions.revoke(emulator.bearer(request))
        emulator.logouts += 1
        return {"message": "you are successfully logged out"}

    r = app.router
    r.add_get("/api/v3/generate-authcode", generate_authcode)
    r.add_post("/api/v3/validate-authcode", validate_authcode)
    r.add_post("/vagator/v2/send_login_otp", send_login_otp)
    r.add_post("/vagator/v2/verify_otp", verify_otp)
    r.add_post("/vagator/v2/verify_pin", verify_pin)
    r.add_post("/api/v3/token", token)
    r.add_get("/api/v3/profile", emulator.api(profile, body="query"))
    r.add_post("/api/v3/logout", emulator.api(logout, body="none"))  # the SDK sends the body "null"
