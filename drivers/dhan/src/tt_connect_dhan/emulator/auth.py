"""Login routes of the Dhan emulator: PIN + TOTP tokens, the API-key consent flow, renewal, profile, static IPs.

On the auth host (the announcement's ``auth_url``): ``POST /app/generateAccessToken``
(query ``dhanClientId``, ``pin``, ``totp``; SDK ``auth.py``), ``POST /app/generate-consent``
and ``GET /app/consumeApp-consent`` (headers ``app_id``/``app_secret``), and the browser page
``GET /login/consentApp-login``, which the emulator approves at once with a 302 to the
app's redirect URL carrying ``tokenId``. On the API root: ``GET /v2/RenewToken``,
``GET /v2/profile`` and the ``/v2/ip/*`` whitelist.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import web
from tt_connect.emulation import Refusal, verify_totp
from tt_connect.timeutil import IST

from tt_connect_dhan.emulator.wire import failure, ok, refuse

if TYPE_CHECKING:
    from tt_connect_dhan.emulator.app import DhanEmulator

__all__ = ["add_routes"]

_CONSENT = "consent"
_TOKEN_ID = "token-id"


def _token_reply(emulator: DhanEmulator, user: str) -> dict[str, Any]:
    token = emulator.issue_token(user)
    expires = emulator.token_expiry[token]
    return {"dhanClientId": user, "dhanClientName": "DHAN EMULATOR", "dhanClientUcc": f"EMU{user[-4:]}",
            "givenPowerOfAttorney": True, "accessToken": token,
            "expiryTime": expires.astimezone(IST).strftime("%Y-%m-%dT%H:%M:%S")}


def add_routes(emulator: DhanEmulator, app: web.Application) -> None:
    """Register the auth host's and the session routes."""

    async def generate_access_token(request: web.Request) -> web.Response:
        query = request.query
        if query.get("dhanClientId") != emulator.client_id or query.get("pin") != emulator.pin:
            return failure("DH-901", "Invalid client id or PIN.", 401)
        if not verify_totp(emulator.totp_secret, query.get("totp"), emulator.clock.now()):
            return failure("DH-901", "Invalid TOTP.", 401)
        emulator.logins += 1
        return ok(_token_reply(emulator, emulator.client_id))

    def _app_credentials(request: web.Request) -> Refusal | None:
        headers = request.headers
        if headers.get("app_id") != emulator.api_key or headers.get("app_secret") != emulator.api_secret:
            return refuse("DH-901", "Invalid app_id or app_secret.", 401)
        return None

    async def generate_consent(request: web.Request) -> web.Response:
        refusal = _app_credentials(request)
        if refusal is not None:
            return emulator.refusal_response(refusal)
        if request.query.get("client_id") != emulator.client_id:
            return failure("DH-905", "Unknown client_id.", 400)
        consent = emulator.sessions.issue_code(_CONSENT, emulator.client_id)
        return ok({"consentAppId": consent, "consentAppStatus": "GENERATED", "status": "success"})

    async def consent_login(request: web.Request) -> web.Response:
        user = emulator.sessions.redeem_code(_CONSENT, request.query.get("consentAppId", ""))
        if user is None:
            return web.Response(status=400, text="Consent expired or unknown", content_type="text/plain")
        token_id = emulator.sessions.issue_code(_TOKEN_ID, user)
        raise web.HTTPFound(f"{emulator.redirect_url}?{urlencode({'tokenId': token_id})}")

    async def consume_consent(request: web.Request) -> web.Response:
        refusal = _app_credentials(request)
        if refusal is not None:
            return emulator.refusal_response(refusal)
        user = emulator.sessions.redeem_code(_TOKEN_ID, request.query.get("tokenId", ""))
        if user is None:
            return failure("DH-901", "Invalid or expired tokenId.", 401)
        emulator.logins += 1
        return ok(_token_reply(emulator, user))

    async def renew_token(request: web.Request) -> web.Response:
        token = request.headers.get("access-token", "")
        user = emulator.sessions.user_of(token) if token else None
        if user is None or request.headers.get("dhanClientId", user) != user:
            return failure("DH-901", "Client ID or user generated access token is invalid or expired.", 401)
        emulator.sessions.revoke(token)
        emulator.renewals += 1
        return ok(_token_reply(emulator, user))

    def profile(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        validity = emulator.token_expiry.get(request.headers.get("access-token", ""))
        data_until = emulator.clock.now() + _dt.timedelta(days=30)
        return {"dhanClientId": user,
                "tokenValidity": validity.astimezone(IST).strftime("%d/%m/%Y %H:%M") if validity else "",
                "activeSegment": "Equity, Derivative, Currency, Commodity", "ddpi": "Active", "mtf": "Active",
                "dataPlan": "Active", "dataValidity": data_until.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S.0")}

    def set_ip(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        ip, flag = str(body.get("ip") or ""), str(body.get("ipFlag") or "")
        if flag not in ("PRIMARY", "SECONDARY") or not ip:
            raise refuse("DH-905", "ip and ipFlag (PRIMARY or SECONDARY) are required.")
        modifying = request.method == "PUT"
        if modifying != (flag in emulator.allowed_ips):
            raise refuse("DH-905", f"{flag} IP is {'not set yet' if modifying else 'already set'}.")
        emulator.allowed_ips[flag] = ip
        emulator.ip_modified[flag] = emulator.clock.now().astimezone(IST).strftime("%Y-%m-%d")
        return {"message": f"{flag} IP {'modified' if modifying else 'set'} successfully", "status": "SUCCESS"}

    def get_ip(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        return {"primaryIP": emulator.allowed_ips.get("PRIMARY", ""),
                "secondaryIP": emulator.allowed_ips.get("SECONDARY", ""),
                "modifyDatePrimary": emulator.ip_modified.get("PRIMARY", ""),
                "modifyDateSecondary": emulator.ip_modified.get("SECONDARY", "")}

    r = app.router
    r.add_post("/app/generateAccessToken", generate_access_token)
    r.add_post("/app/generate-consent", generate_consent)
    r.add_get("/login/consentApp-login", consent_login)
    r.add_get("/app/consumeApp-consent", consume_consent)
    r.add_get("/v2/RenewToken", renew_token)
    r.add_get("/v2/profile", emulator.api(profile))
    r.add_post("/v2/ip/setIP", emulator.api(set_ip))
    r.add_put("/v2/ip/modifyIP", emulator.api(set_ip))
    r.add_get("/v2/ip/getIP", emulator.api(get_ip))
