"""The emulator's login routes: QuickAuth, the OAuth code flow (``GenAcsTok``), Flattrade's token service.

Each profile serves its broker's flow (``NorenProfile.login``) and refuses the others with
the broker's envelope. Every check is the one the broker makes: sha256 of the password,
the TOTP, ``sha256(uid|api_key)``, the OAuth checksum ``sha256(client_id + secret + code)``,
Flattrade's ``sha256(api_key + request_code + api_secret)``; codes work once, for five minutes.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import msgspec
from aiohttp import web
from tt_connect.emulation import Refusal, verify_totp

from tt_connect_noren.emulator.wire import ok, read_body, refuse
from tt_connect_noren.profiles import LoginFlow

if TYPE_CHECKING:
    from tt_connect_noren.emulator.app import NorenEmulator

__all__ = ["flattrade_login_page", "flattrade_token", "gen_access_token", "logout", "oauth_login_page",
           "quick_auth", "user_details"]

_CODE = "login-code"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _require(emu: NorenEmulator, flow: LoginFlow) -> None:
    if emu.profile.login is not flow:
        raise refuse(f"Invalid Input : {flow.value} login is not available on {emu.profile.title}")


def _session_reply(emu: NorenEmulator) -> dict[str, Any]:
    emu.logins += 1
    uid = emu.user_id
    return {"uname": "NOREN EMULATOR", "actid": uid, "uid": uid, "email": "emulator@tt-connect.invalid",
            "brkname": emu.profile.name.upper(), "lastaccesstime": str(int(emu.clock.now().timestamp())),
            "spasswordreset": "N", "exarr": ["NSE", "NFO", "BSE", "BFO", "CDS", "MCX"],
            "prarr": _products(), "susertoken": emu.user_tokens.issue(uid)}


async def quick_auth(emu: NorenEmulator, request: web.Request) -> web.Response:
    """``QuickAuth``: uid, sha256(pwd), TOTP ``factor2``, vendor code ``vc``, ``appkey`` = sha256(uid|api_key)."""
    _require(emu, LoginFlow.QUICKAUTH)
    fields, _ = read_body(await request.read())
    if fields.get("uid") != emu.user_id or fields.get("pwd") != _sha256(emu.password):
        raise refuse("Invalid Input : Wrong Password")
    if fields.get("vc") != emu.vendor_code or fields.get("appkey") != _sha256(f"{emu.user_id}|{emu.api_key}"):
        raise refuse("Invalid Input : Invalid App Key")
    if not verify_totp(emu.totp_secret, fields.get("factor2"), emu.clock.now()):
        raise refuse("Invalid Input : Invalid OTP")
    return ok(_session_reply(emu))


async def oauth_login_page(emu: NorenEmulator, request: web.Request) -> web.Response:
    """The browser login (``?client_id=``), auto-approved: a 302 to the registered redirect with ``?code=``."""
    _require(emu, LoginFlow.OAUTH)
    if request.query.get("client_id") != emu.api_key:
        raise refuse("Invalid Input : Invalid client_id")
    code = emu.sessions.issue_code(_CODE, emu.user_id)
    raise web.HTTPFound(f"{emu.redirect_url}?{urlencode({'code': code})}")


async def gen_access_token(emu: NorenEmulator, request: web.Request) -> web.Response:
    """``GenAcsTok``: ``{code, checksum = sha256(client_id + secret + code), uid}`` -> tokens (no session needed)."""
    _require(emu, LoginFlow.OAUTH)
    fields, _ = read_body(await request.read())
    code = str(fields.get("code", ""))
    if fields.get("checksum") != _sha256(emu.api_key + emu.api_secret + code):
        raise refuse("Invalid Input : Invalid checksum")
    user = emu.redeem(code)
    if user is None or fields.get("uid") not in (None, "", user):
        raise refuse("Invalid Input : Invalid or expired code")
    reply = _session_reply(emu)
    access = emu.sessions.issue(user)
    expires = emu.sessions.expiry(emu.clock.now())
    reply.update(access_token=access, refresh_token=emu.refresh_tokens.issue(user), USERID=user,
                 access_type="OAuth", expires_in=str(int(expires.timestamp())), cnm="NOREN EMULATOR")
    return ok(reply)


async def flattrade_login_page(emu: NorenEmulator, request: web.Request) -> web.Response:
    """Flattrade's login (``?app_key=``), auto-approved: a 302 to the redirect with ``?code=&client=``."""
    _require(emu, LoginFlow.FLATTRADE)
    if request.query.get("app_key") != emu.api_key:
        raise refuse("Invalid Input : Invalid app_key")
    code = emu.sessions.issue_code(_CODE, emu.user_id)
    raise web.HTTPFound(f"{emu.redirect_url}?{urlencode({'code': code, 'client': emu.user_id})}")


async def flattrade_token(emu: NorenEmulator, request: web.Request) -> web.Response:
    """``/trade/apitoken``: JSON ``{api_key, request_code, api_secret: sha256(key + code + secret)}`` -> token."""
    try:
        _require(emu, LoginFlow.FLATTRADE)
        body = msgspec.json.decode(await request.read())
        if not isinstance(body, dict):
            raise refuse("Invalid Input : body must be a JSON object")
        code = str(body.get("request_code", ""))
        if body.get("api_key") != emu.api_key or body.get("api_secret") != _sha256(emu.api_key + code +
                                                                                      emu.api_secret):
            raise refuse("Invalid Input : Invalid API key or secret")
        user = emu.redeem(code)
        if user is None:
            raise refuse("Invalid Input : Invalid or expired request code")
    except Refusal as refusal:
        reply = {"token": "", "client": "", "stat": "Not_Ok", "emsg": refusal.message}
        return web.Response(body=msgspec.json.encode(reply), content_type="application/json")
    except msgspec.DecodeError:
        reply = {"token": "", "client": "", "stat": "Not_Ok", "emsg": "Invalid Input : body is not JSON"}
        return web.Response(body=msgspec.json.encode(reply), content_type="application/json")
    emu.logins += 1
    token = emu.user_tokens.issue(user)
    return web.Response(body=msgspec.json.encode({"token": token, "client": user, "stat": "Ok", "emsg": ""}),
                        content_type="application/json")


def logout(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    emu.sessions.revoke(token)
    emu.user_tokens.revoke(token)
    return {}


def user_details(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    """``UserDetails`` (no SDK method; reference 3.5): exchanges, price types, products."""
    return {"actid": user, "uid": user, "uname": "NOREN EMULATOR", "email": "emulator@tt-connect.invalid",
            "m_num": "9999999999", "brkname": emu.profile.name.upper(), "brnchid": "HO", "uprev": "INVESTOR",
            "exarr": ["NSE", "NFO", "BSE", "BFO", "CDS", "MCX"], "orarr": ["MKT", "LMT", "SL-LMT", "SL-MKT"],
            "prarr": _products()}


def _products() -> list[dict[str, Any]]:
    return [{"prd": "C", "s_prdt_ali": "CNC", "exch": ["NSE", "BSE"]},
            {"prd": "I", "s_prdt_ali": "MIS", "exch": ["NSE", "BSE", "NFO", "BFO", "CDS", "MCX"]},
            {"prd": "M", "s_prdt_ali": "NRML", "exch": ["NFO", "BFO", "CDS", "MCX"]},
            {"prd": "H", "s_prdt_ali": "CO", "exch": ["NSE", "NFO"]}]
