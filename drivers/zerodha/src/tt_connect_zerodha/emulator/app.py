"""The Kite Connect v3 emulator: Kite's wire protocol over the paper market.

Speaks what the official clients send and expect: form-encoded bodies, the
``{"status": ..., "data": ...}`` envelope, ``error_type`` names, the
``Authorization: token api_key:access_token`` header, the login redirect with a
one-time ``request_token`` exchanged at ``POST /session/token`` against a
SHA-256 checksum, the web login with TOTP, the instruments CSV, historical
candles within Kite's per-request ranges, and KiteTicker's binary frames and
order postbacks. Tokens die at 06:00 IST on the emulator's clock.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import hashlib
import hmac
import html
import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import msgspec
import pyotp
from aiohttp import web
from tt_connect.emulation import EmulatorHost, ErrorKind, RateWindow, StreamClient, verify_totp
from tt_connect.paper.engine import PaperOrder
from tt_connect.paper.margins import MarginOrder, basket_margin, order_margin
from tt_connect.paper.triggers import PaperGtt, PaperGttLeg
from tt_connect.timeutil import IST, Clock

from tt_connect_zerodha.emulator.frames import HEARTBEAT, frame, index_packet, market_packet
from tt_connect_zerodha.emulator.wire import (
    KITE_ORDER_TYPES,
    KiteListing,
    kite_holding,
    kite_margins,
    kite_order,
    kite_position,
    kite_postback,
    kite_quote,
    kite_time,
    kite_trade,
)

__all__ = ["KiteEmulator"]

_ERRORS: dict[ErrorKind, tuple[str, int]] = {
    ErrorKind.AUTH: ("TokenException", 403),
    ErrorKind.INPUT: ("InputException", 400),
    ErrorKind.ORDER: ("OrderException", 400),
    ErrorKind.FUNDS: ("MarginException", 400),
    ErrorKind.NOT_FOUND: ("InputException", 404),
    ErrorKind.PERMISSION: ("PermissionException", 403),
    ErrorKind.RATE_LIMIT: ("NetworkException", 429),
    ErrorKind.SERVER: ("NetworkException", 503),
}
_VARIETIES = ("regular", "amo", "iceberg", "co")
_VALIDITIES = {"DAY": "DAY", "IOC": "IOC", "TTL": "DAY"}
"""Kite validity -> paper validity. TTL rests like DAY in the paper market; the order reads back as TTL."""
_MAX_TAG = 20
_QUOTE_LIMITS = {"quote": 500, "ohlc": 1000, "ltp": 1000}
# interval name -> (seconds, the most days one request may span), reference 1.9
_INTERVALS: dict[str, tuple[int, int]] = {
    "minute": (60, 60), "3minute": (180, 100), "5minute": (300, 100), "10minute": (600, 100),
    "15minute": (900, 200), "30minute": (1800, 200), "60minute": (3600, 400), "day": (86400, 2000),
}
_AUTH_FREE = ("/session/token", "/connect/login", "/api/login", "/api/twofa", "/redirect")


class _Refusal(Exception):
    def __init__(self, kind: ErrorKind, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind, self.message, self.status = kind, message, status


def _ok(data: Any) -> web.Response:
    return web.Response(body=msgspec.json.encode({"status": "success", "data": data}),
                        content_type="application/json")


class KiteEmulator(EmulatorHost):
    """Kite Connect v3 on 127.0.0.1. Its credentials are fresh random values per instance.

    ``redirect_url`` is the app's registered redirect; the default is this
    emulator's own ``/redirect`` page, which shows the request_token.
    """

    broker = "zerodha"
    daily_expiry = _dt.time(6, 0)

    def __init__(self, *, port: int = 0, clock: Clock | None = None, seed: int = 7, tick_interval: float = 0.2,
                 enforce_rate_limits: bool = True, redirect_url: str | None = None,
                 postback_url: str | None = None) -> None:
        super().__init__(port=port, clock=clock, seed=seed, tick_interval=tick_interval,
                         enforce_rate_limits=enforce_rate_limits)
        self.api_key = f"kiteemu{secrets.token_hex(4)}"
        self.api_secret = secrets.token_urlsafe(24)
        self.user_id = "ZE1234"
        self.password = secrets.token_urlsafe(12)
        self.totp_secret = pyotp.random_base32()
        self.app_id = 4242
        self._redirect_url = redirect_url
        self.postback_url = postback_url
        """Where order postbacks are POSTed (the app's registered postback URL); None sends none."""
        self.postbacks_failed = 0
        self._posted: dict[str, str] = {}
        self._deliveries: set[asyncio.Task[None]] = set()
        self.listing = KiteListing(self.engine)
        self.varieties: dict[str, str] = {}
        self.order_fields: dict[str, dict[str, Any]] = {}
        """Per order, what Kite echoes that the paper market does not model (TTL, tags, protection)."""
        self._web_sessions: set[str] = set()
        self.access_token = self.sessions.issue(self.user_id)
        self.request_token = self.sessions.issue_code("request_token", self.user_id)

    # -- host protocol ----------------------------------------------------------------------

    @property
    def redirect_url(self) -> str:
        return self._redirect_url or f"{self.base_url}/redirect"

    @redirect_url.setter
    def redirect_url(self, value: str) -> None:
        self._redirect_url = value

    def announcement(self) -> dict[str, Any]:
        return {
            "broker": self.broker,
            "api_url": self.base_url,
            "login_url": f"{self.base_url}/connect/login",
            "web_url": self.base_url,
            "ws_url": f"{self.ws_base_url}/ws",
            "instruments_url": f"{self.base_url}/instruments",
            "redirect_url": self.redirect_url,
            "api_key": self.api_key,
            "api_secret": self.api_secret,
            "user_id": self.user_id,
            "password": self.password,
            "totp_secret": self.totp_secret,
            "access_token": self.access_token,
            "request_token": self.request_token,
        }

    def driver_config(self, **overrides: Any) -> dict[str, Any]:
        """Settings for ``TTConnect("zerodha", ...)`` pointing at this emulator (no credentials chosen)."""
        found = self.announcement()
        config = {name: found[name] for name in ("api_url", "login_url", "web_url", "ws_url", "instruments_url",
                                                   "api_key", "api_secret")}
        config.update(overrides)
        return config

    def error_response(self, kind: ErrorKind, message: str, status: int) -> web.Response:
        error_type, _ = _ERRORS[kind]
        body = {"status": "error", "message": message, "data": None, "error_type": error_type}
        headers = {"Retry-After": "1"} if status == 429 else None
        return web.Response(status=status, body=msgspec.json.encode(body), content_type="application/json",
                            headers=headers)

    def rate_limits(self) -> Mapping[str, Sequence[RateWindow]]:
        return {"quote": [RateWindow(1)], "historical": [RateWindow(3)],
                "orders": [RateWindow(10), RateWindow(400, 60.0)], "default": [RateWindow(10)]}

    def rate_class(self, request: web.Request) -> str | None:
        path = request.path
        if path.startswith(_AUTH_FREE) or path in ("/ws", "/instruments") or path.startswith("/instruments/N"):
            return None
        if path.startswith("/quote"):
            return "quote"
        if path.startswith("/instruments/historical"):
            return "historical"
        if path.startswith("/orders/") and request.method in ("POST", "PUT", "DELETE"):
            return "orders"
        return "default"

    def is_api_request(self, request: web.Request) -> bool:
        return not request.path.startswith(_AUTH_FREE) and request.path != "/ws"

    # -- routes -----------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/session/token", self._session_token)
        r.add_delete("/session/token", self._logout)
        r.add_get("/connect/login", self._connect_login)
        r.add_post("/connect/login", self._connect_login_form)
        r.add_get("/redirect", self._redirect_page)
        r.add_post("/api/login", self._web_login)
        r.add_post("/api/twofa", self._web_twofa)
        r.add_get("/ws", self._ticker)
        r.add_get("/instruments", self._instruments)
        r.add_get("/instruments/historical/{token}/{interval}", self._api(self._historical))
        r.add_get("/instruments/{exchange}", self._instruments)
        r.add_get("/user/profile", self._api(self._profile))
        r.add_get("/user/margins", self._api(lambda req, form: kite_margins(self.engine)))
        r.add_get("/user/margins/{segment}", self._api(self._segment_margins))
        r.add_get("/portfolio/holdings", self._api(self._holdings))
        r.add_get("/portfolio/positions", self._api(self._positions))
        r.add_get("/orders", self._api(self._orders))
        r.add_get("/orders/{order_id}", self._api(self._order_history))
        r.add_get("/orders/{order_id}/trades", self._api(self._order_trades))
        r.add_get("/trades", self._api(lambda req, form: [kite_trade(self.listing, f) for f in self.engine.fills]))
        r.add_post("/orders/{variety}", self._api(self._place))
        r.add_put("/orders/{variety}/{order_id}", self._api(self._modify))
        r.add_delete("/orders/{variety}/{order_id}", self._api(self._cancel))
        r.add_post("/gtt/triggers", self._api(self._place_gtt))
        r.add_get("/gtt/triggers", self._api(lambda req, form: [self._gtt(g) for g in
                                                                self.engine.triggers.gtts.values()]))
        r.add_get("/gtt/triggers/{gtt_id}", self._api(
            lambda req, form: self._gtt(self.engine.triggers.get(req.match_info["gtt_id"]))))
        r.add_put("/gtt/triggers/{gtt_id}", self._api(self._modify_gtt))
        r.add_delete("/gtt/triggers/{gtt_id}", self._api(
            lambda req, form: {"trigger_id": int(self.engine.triggers.delete(req.match_info["gtt_id"]).gtt_id)}))
        r.add_post("/margins/orders", self._json_api(self._order_margins))
        r.add_post("/margins/basket", self._json_api(self._basket_margins))
        r.add_put("/portfolio/positions", self._api(self._convert))
        r.add_get("/quote", self._api(lambda req, form: self._quotes(req, "quote")))
        r.add_get("/quote/ohlc", self._api(lambda req, form: self._quotes(req, "ohlc")))
        r.add_get("/quote/ltp", self._api(lambda req, form: self._quotes(req, "ltp")))

    def _user(self, request: web.Request) -> str:
        header = request.headers.get("Authorization", "")
        scheme, _, credentials = header.partition(" ")
        api_key, _, token = credentials.partition(":")
        user = self.sessions.user_of(token) if scheme == "token" and api_key == self.api_key else None
        if user is None:
            raise _Refusal(ErrorKind.AUTH, "Incorrect `api_key` or `access_token`.")
        return user

    def _api(self, handler: Any) -> Any:
        async def run(request: web.Request) -> web.Response:
            try:
                self._user(request)
                form = await request.post() if request.method in ("POST", "PUT") else {}
                return _ok(handler(request, form))
            except _Refusal as refusal:
                return self.error_response(refusal.kind, refusal.message,
                                           refusal.status or _ERRORS[refusal.kind][1])
        return run

    def _json_api(self, handler: Any) -> Any:
        """Like :meth:`_api` for the endpoints that take a JSON body (the margin calculator)."""
        async def run(request: web.Request) -> web.Response:
            try:
                self._user(request)
                try:
                    body = msgspec.json.decode(await request.read())
                except msgspec.DecodeError:
                    raise _Refusal(ErrorKind.INPUT, "Invalid JSON body.") from None
                if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
                    raise _Refusal(ErrorKind.INPUT, "The body must be a list of orders.")
                return _ok(handler(body))
            except _Refusal as refusal:
                return self.error_response(refusal.kind, refusal.message,
                                           refusal.status or _ERRORS[refusal.kind][1])
        return run

    # -- login ------------------------------------------------------------------------------

    def _session_reply(self, access_token: str) -> dict[str, Any]:
        return {"user_type": "individual", "email": "emulator@tt-connect.invalid", "user_name": "Kite Emulator",
                "user_shortname": "Emulator", "broker": "ZERODHA", "exchanges": ["NSE", "NFO", "BSE"],
                "products": ["CNC", "NRML", "MIS"], "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
                "avatar_url": None, "user_id": self.user_id, "api_key": self.api_key,
                "access_token": access_token, "public_token": secrets.token_hex(16),
                "enctoken": secrets.token_urlsafe(24), "refresh_token": "", "silo": "",
                "login_time": self.clock.now().astimezone(IST).strftime("%Y-%m-%d %H:%M:%S"),
                "meta": {"demat_consent": "physical"}}

    async def _session_token(self, request: web.Request) -> web.Response:
        form = await request.post()
        api_key, request_token, checksum = (str(form.get(k, "")) for k in ("api_key", "request_token", "checksum"))
        if api_key != self.api_key:
            return self.error_response(ErrorKind.AUTH, "Invalid `api_key`.", 403)
        expected = hashlib.sha256(f"{api_key}{request_token}{self.api_secret}".encode()).hexdigest()
        if not hmac.compare_digest(expected, checksum):
            return self.error_response(ErrorKind.AUTH, "Invalid `checksum`.", 403)
        user = self.sessions.redeem_code("request_token", request_token)
        if user is None:
            return self.error_response(ErrorKind.AUTH, "Token is invalid or has expired.", 403)
        return _ok(self._session_reply(self.sessions.issue(user)))

    async def _logout(self, request: web.Request) -> web.Response:
        if request.query.get("api_key") != self.api_key:
            return self.error_response(ErrorKind.AUTH, "Invalid `api_key`.", 403)
        self.sessions.revoke(request.query.get("access_token", ""))
        return _ok(True)

    def _to_redirect(self) -> web.Response:
        token = self.sessions.issue_code("request_token", self.user_id)
        query = urlencode({"request_token": token, "action": "login", "type": "login", "status": "success"})
        separator = "&" if "?" in self.redirect_url else "?"
        raise web.HTTPFound(f"{self.redirect_url}{separator}{query}")

    async def _connect_login(self, request: web.Request) -> web.Response:
        """The Connect login page: a logged-in web session goes straight to the redirect URL."""
        if request.query.get("api_key") != self.api_key:
            return web.Response(status=400, text="Invalid api_key", content_type="text/plain")
        if request.cookies.get("kf_session") in self._web_sessions:
            return self._to_redirect()
        action = html.escape(f"/connect/login?{urlencode({'v': '3', 'api_key': self.api_key})}")
        page = (f"<html><body><h1>Kite emulator login</h1><form method='post' action='{action}'>"
                "<input name='user_id' placeholder='User ID'><input name='password' type='password'>"
                "<input name='totp' placeholder='TOTP'><button>Login</button></form></body></html>")
        return web.Response(text=page, content_type="text/html")

    async def _connect_login_form(self, request: web.Request) -> web.Response:
        form = await request.post()
        if request.query.get("api_key") != self.api_key:
            return web.Response(status=400, text="Invalid api_key", content_type="text/plain")
        if not (form.get("user_id") == self.user_id and form.get("password") == self.password
                and verify_totp(self.totp_secret, form.get("totp"), self.clock.now())):
            return web.Response(status=403, text="Invalid credentials", content_type="text/plain")
        return self._to_redirect()

    async def _redirect_page(self, request: web.Request) -> web.Response:
        token = html.escape(request.query.get("request_token", ""))
        return web.Response(text=f"<html><body>request_token: <code>{token}</code></body></html>",
                            content_type="text/html")

    async def _web_login(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("user_id") != self.user_id or form.get("password") != self.password:
            return self.error_response(ErrorKind.INPUT, "Invalid `user_id` or `password`.", 400)
        request_id = self.sessions.issue_code("web_login", self.user_id)
        return _ok({"user_id": self.user_id, "request_id": request_id, "twofa_type": "totp",
                    "twofa_types": ["totp"], "twofa_status": "active", "profile": {}})

    async def _web_twofa(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("user_id") != self.user_id:
            return self.error_response(ErrorKind.INPUT, "Invalid `user_id`.", 400)
        if self.sessions.redeem_code("web_login", str(form.get("request_id", "")), consume=False) is None:
            return self.error_response(ErrorKind.INPUT, "Invalid or expired `request_id`.", 400)
        if not verify_totp(self.totp_secret, form.get("twofa_value"), self.clock.now()):
            return self.error_response(ErrorKind.INPUT, "Invalid TOTP.", 400)
        self.sessions.redeem_code("web_login", str(form.get("request_id", "")))
        session = secrets.token_urlsafe(24)
        self._web_sessions.add(session)
        response = _ok({"profile": {}})
        response.set_cookie("kf_session", session, httponly=True, path="/")
        response.set_cookie("enctoken", secrets.token_urlsafe(24), path="/")
        return response

    # -- portfolio and account -------------------------------------------------------------

    def _profile(self, request: web.Request, form: Mapping[str, Any]) -> dict[str, Any]:
        reply = self._session_reply("")
        return {key: reply[key] for key in ("user_id", "user_type", "email", "user_name", "user_shortname",
                                            "broker", "exchanges", "products", "order_types", "avatar_url",
                                            "meta")}

    def _segment_margins(self, request: web.Request, form: Mapping[str, Any]) -> dict[str, Any]:
        segment = request.match_info["segment"]
        margins = kite_margins(self.engine)
        if segment not in margins:
            raise _Refusal(ErrorKind.INPUT, "Invalid segment.")
        found: dict[str, Any] = margins[segment]
        return found

    def _close(self, token: int) -> float:
        return self.engine.quote(token).close

    def _holdings(self, request: web.Request, form: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [kite_holding(self.listing, h, last, self._close(h.token)) for h, last in self.engine.holding_rows()]

    def _positions(self, request: web.Request, form: Mapping[str, Any]) -> dict[str, Any]:
        rows = [kite_position(self.listing, p, last, self._close(p.token)) for p, last in self.engine.position_rows()]
        return {"net": rows, "day": rows}

    def _order(self, order: PaperOrder) -> dict[str, Any]:
        row = kite_order(self.listing, order, user_id=self.user_id,
                         variety=self.varieties.get(order.order_id, "regular"))
        extra = self.order_fields.get(order.order_id)
        return {**row, **extra} if extra else row

    def _orders(self, request: web.Request, form: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [self._order(o) for o in self.engine.orders.values()]

    def _order_history(self, request: web.Request, form: Mapping[str, Any]) -> list[dict[str, Any]]:
        order_id = request.match_info["order_id"]
        if order_id not in self.engine.orders:
            raise _Refusal(ErrorKind.NOT_FOUND, "Couldn't find that `order_id`.")
        return [self._order(o) for o in self.engine.order_history(order_id)]

    def _order_trades(self, request: web.Request, form: Mapping[str, Any]) -> list[dict[str, Any]]:
        order_id = request.match_info["order_id"]
        if order_id not in self.engine.orders:
            raise _Refusal(ErrorKind.NOT_FOUND, "Couldn't find that `order_id`.")
        return [kite_trade(self.listing, f) for f in self.engine.fills if f.order_id == order_id]

    # -- orders -----------------------------------------------------------------------------

    @staticmethod
    def _number(form: Mapping[str, Any], name: str, kind: type[int] | type[float]) -> Any:
        text = str(form.get(name, "") or "").strip()
        if not text:
            return None
        try:
            return kind(text)
        except ValueError:
            raise _Refusal(ErrorKind.INPUT, f"Invalid `{name}`.") from None

    def _place(self, request: web.Request, form: Mapping[str, Any]) -> dict[str, str]:
        variety = request.match_info["variety"]
        if variety not in _VARIETIES:
            raise _Refusal(ErrorKind.INPUT, f"Invalid `variety`: {variety}.")
        exchange, symbol = str(form.get("exchange", "")), str(form.get("tradingsymbol", ""))
        token = self.listing.by_symbol.get((exchange, symbol))
        if token is None:
            raise _Refusal(ErrorKind.INPUT, "Invalid `tradingsymbol`.")
        order_type = KITE_ORDER_TYPES.get(str(form.get("order_type", "")))
        if order_type is None:
            raise _Refusal(ErrorKind.INPUT, "Invalid `order_type`.")
        validity = _VALIDITIES.get(str(form.get("validity", "DAY")) or "DAY")
        if validity is None:
            raise _Refusal(ErrorKind.INPUT, "Invalid `validity`.")
        tag = str(form.get("tag", "") or "")
        if len(tag) > _MAX_TAG or (tag and not tag.replace(" ", "").isalnum()):
            raise _Refusal(ErrorKind.INPUT, "Invalid `tag`: up to 20 alphanumeric characters.")
        kite_validity = str(form.get("validity", "DAY")) or "DAY"
        ttl = self._number(form, "validity_ttl", int)
        if kite_validity == "TTL" and not ttl:
            raise _Refusal(ErrorKind.INPUT, "`validity_ttl` is required for TTL orders.")
        quantity = self._number(form, "quantity", int)
        if quantity is None:
            raise _Refusal(ErrorKind.INPUT, "Missing `quantity`.")
        product = str(form.get("product", ""))
        if (variety == "co") != (product == "CO"):
            raise _Refusal(ErrorKind.INPUT, "Cover orders go as variety `co` with product `CO`.")
        if variety == "co" and not self._number(form, "trigger_price", float):
            raise _Refusal(ErrorKind.INPUT, "A cover order needs its stop-loss `trigger_price`.")
        # A cover order is intraday; the paper market books its entry as MIS (its stop leg is not modelled).
        order = self.engine.place(
            token=token, side=str(form.get("transaction_type", "")), qty=quantity, order_type=order_type,
            product="MIS" if product == "CO" else product, price=self._number(form, "price", float) or 0.0,
            trigger_price=self._number(form, "trigger_price", float) or 0.0, validity=validity, tag=tag)
        self.varieties[order.order_id] = variety
        self.order_fields[order.order_id] = {
            "validity": kite_validity, "validity_ttl": ttl if kite_validity == "TTL" else None,
            "market_protection": self._number(form, "market_protection", float) or 0,
            "disclosed_quantity": self._number(form, "disclosed_quantity", int) or 0,
            "tags": [tag] if tag else None, **({"product": "CO"} if product == "CO" else {})}
        self.drop_if_asked()
        return {"order_id": order.order_id}

    def _modify(self, request: web.Request, form: Mapping[str, Any]) -> dict[str, str]:
        order_id = request.match_info["order_id"]
        if order_id not in self.engine.orders:
            raise _Refusal(ErrorKind.NOT_FOUND, "Couldn't find that `order_id`.")
        order_type = form.get("order_type")
        paper_type = KITE_ORDER_TYPES.get(str(order_type)) if order_type else None
        if order_type and paper_type is None:
            raise _Refusal(ErrorKind.INPUT, "Invalid `order_type`.")
        protection = self._number(form, "market_protection", float)
        if protection is not None:
            self.order_fields.setdefault(order_id, {})["market_protection"] = protection
        changes = {"qty": self._number(form, "quantity", int), "price": self._number(form, "price", float),
                   "trigger_price": self._number(form, "trigger_price", float), "order_type": paper_type}
        if protection is not None and all(value is None for value in changes.values()):
            return {"order_id": order_id}  # only the protection changed
        return {"order_id": self.engine.modify(order_id, **changes).order_id}

    def _cancel(self, request: web.Request, form: Mapping[str, Any]) -> dict[str, str]:
        order_id = request.match_info["order_id"]
        if order_id not in self.engine.orders:
            raise _Refusal(ErrorKind.NOT_FOUND, "Couldn't find that `order_id`.")
        return {"order_id": self.engine.cancel(order_id).order_id}

    # -- GTT, margins, conversion -----------------------------------------------------------

    def _token(self, exchange: object, symbol: object) -> int:
        token = self.listing.by_symbol.get((str(exchange), str(symbol)))
        if token is None:
            raise _Refusal(ErrorKind.INPUT, "Invalid `tradingsymbol`.")
        return token

    def _gtt_legs(self, form: Mapping[str, Any]) -> tuple[int, list[PaperGttLeg], float]:
        try:
            condition = msgspec.json.decode(str(form.get("condition", "")))
            orders = msgspec.json.decode(str(form.get("orders", "")))
            triggers = [float(t) for t in condition["trigger_values"]]
            last_price = float(condition["last_price"])
            kind = str(form.get("type", ""))
        except (msgspec.DecodeError, KeyError, TypeError, ValueError):
            raise _Refusal(ErrorKind.INPUT, "Invalid `condition` or `orders`.") from None
        if kind not in ("single", "two-leg") or len(triggers) != (2 if kind == "two-leg" else 1) \
                or len(orders) != len(triggers):
            raise _Refusal(ErrorKind.INPUT, "Invalid `type`: single takes one trigger, two-leg takes two.")
        token = self._token(condition.get("exchange"), condition.get("tradingsymbol"))
        legs = []
        for trigger, order in zip(triggers, orders):
            order_type = KITE_ORDER_TYPES.get(str(order.get("order_type")))
            if order_type not in ("LIMIT", "MARKET"):
                raise _Refusal(ErrorKind.INPUT, "GTT orders are LIMIT or MARKET.")
            legs.append(PaperGttLeg(trigger_price=trigger, side=str(order.get("transaction_type")),
                                    qty=int(order.get("quantity") or 0), product=str(order.get("product")),
                                    order_type=order_type, price=float(order.get("price") or 0)))
        return token, legs, last_price

    def _gtt(self, gtt: PaperGtt) -> dict[str, Any]:
        identity = self.listing.identity(gtt.token)
        orders = []
        for leg in gtt.legs:
            orders.append({"exchange": identity["exchange"], "tradingsymbol": identity["tradingsymbol"],
                           "product": leg.product, "order_type": leg.order_type,
                           "transaction_type": leg.side, "quantity": leg.qty, "price": leg.price, "result": None})
        if gtt.order_ids and gtt.status == "triggered":
            fired = self.engine.orders.get(gtt.order_ids[-1])
            if fired is not None:
                index = next((i for i, leg in enumerate(gtt.legs) if leg.side == fired.side and
                              leg.qty == fired.qty), 0)
                orders[index]["result"] = {"order_result": {"status": "success", "order_id": fired.order_id,
                                                            "rejection_reason": ""},
                                           "timestamp": kite_time(fired.placed_at)}
        return {"id": int(gtt.gtt_id), "user_id": self.user_id, "parent_trigger": None, "type": gtt.kind,
                "created_at": kite_time(gtt.created_at), "updated_at": kite_time(gtt.updated_at),
                "expires_at": kite_time(gtt.expires_at), "status": gtt.status,
                "condition": {"exchange": identity["exchange"], "last_price": gtt.last_price,
                              "tradingsymbol": identity["tradingsymbol"],
                              "trigger_values": [leg.trigger_price for leg in gtt.legs],
                              "instrument_token": identity["instrument_token"]},
                "orders": orders, "meta": {}}

    def _place_gtt(self, request: web.Request, form: Mapping[str, Any]) -> dict[str, int]:
        return {"trigger_id": int(self.engine.triggers.place(*self._gtt_legs(form)).gtt_id)}

    def _modify_gtt(self, request: web.Request, form: Mapping[str, Any]) -> dict[str, int]:
        token, legs, last_price = self._gtt_legs(form)
        gtt_id = request.match_info["gtt_id"]
        if self.engine.triggers.get(gtt_id).token != token:
            raise _Refusal(ErrorKind.INPUT, "A GTT's instrument cannot be changed.")
        return {"trigger_id": int(self.engine.triggers.modify(gtt_id, legs, last_price).gtt_id)}

    def _margin_orders(self, body: list[dict[str, Any]]) -> list[MarginOrder]:
        orders = []
        for item in body:
            order_type = KITE_ORDER_TYPES.get(str(item.get("order_type")))
            if order_type is None:
                raise _Refusal(ErrorKind.INPUT, "Invalid `order_type`.")
            orders.append(MarginOrder(token=self._token(item.get("exchange"), item.get("tradingsymbol")),
                                      side=str(item.get("transaction_type")), qty=int(item.get("quantity") or 0),
                                      order_type=order_type, product=str(item.get("product")),
                                      price=float(item.get("price") or 0),
                                      trigger_price=float(item.get("trigger_price") or 0)))
        return orders

    def _margin_line(self, line: Mapping[str, Any], token: int | None) -> dict[str, Any]:
        identity = self.listing.identity(token) if token is not None else {"tradingsymbol": "", "exchange": ""}
        charges = line["charges"]
        return {"type": "equity" if token is not None else "", "tradingsymbol": identity["tradingsymbol"],
                "exchange": identity["exchange"], "span": line.get("span", 0), "exposure": line.get("exposure", 0),
                "option_premium": line.get("option_premium", 0), "additional": 0, "bo": 0, "cash": 0,
                "var": line.get("var", 0), "pnl": {"realised": 0, "unrealised": 0}, "leverage": 1,
                "charges": {"transaction_tax": 0, "transaction_tax_type": "stt", "exchange_turnover_charge": 0,
                            "sebi_turnover_charge": 0, "brokerage": 0, "stamp_duty": 0,
                            "gst": {"igst": 0, "cgst": 0, "sgst": 0, "total": 0}, "total": charges},
                "total": line["total"]}

    def _order_margins(self, body: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self._margin_line(order_margin(self.engine, o), o.token) for o in self._margin_orders(body)]

    def _basket_margins(self, body: list[dict[str, Any]]) -> dict[str, Any]:
        orders = self._margin_orders(body)
        basket = basket_margin(self.engine, orders)
        return {"initial": self._margin_line(basket["initial"], None),
                "final": self._margin_line(basket["final"], None),
                "orders": [self._margin_line(line, o.token) for line, o in zip(basket["orders"], orders)],
                "charges": self._margin_line(basket["initial"], None)["charges"]}

    def _convert(self, request: web.Request, form: Mapping[str, Any]) -> bool:
        quantity = self._number(form, "quantity", int)
        if quantity is None:
            raise _Refusal(ErrorKind.INPUT, "Missing `quantity`.")
        self.engine.convert(token=self._token(form.get("exchange"), form.get("tradingsymbol")),
                            side=str(form.get("transaction_type", "")), qty=quantity,
                            from_product=str(form.get("old_product", "")), to_product=str(form.get("new_product", "")))
        return True

    # -- market data ------------------------------------------------------------------------

    def _quotes(self, request: web.Request, mode: str) -> dict[str, Any]:
        keys = request.query.getall("i", [])
        if not keys:
            raise _Refusal(ErrorKind.INPUT, "No instruments given (`i`).")
        if len(keys) > _QUOTE_LIMITS[mode]:
            raise _Refusal(ErrorKind.INPUT, f"Too many instruments: at most {_QUOTE_LIMITS[mode]} per request.")
        out: dict[str, Any] = {}
        for key in keys:
            exchange, _, symbol = key.partition(":")
            token = self.listing.by_symbol.get((exchange, symbol))
            if token is not None:  # Kite leaves unknown keys out of the reply
                out[key] = kite_quote(self.listing, self.engine.quote(token), mode)
        return out

    def _historical(self, request: web.Request, form: Mapping[str, Any]) -> dict[str, Any]:
        interval = request.match_info["interval"]
        spec = _INTERVALS.get(interval)
        if spec is None:
            raise _Refusal(ErrorKind.INPUT, "Invalid `interval`.")
        token = self.listing.paper_token.get(int(request.match_info["token"])) \
            if request.match_info["token"].isdigit() else None
        if token is None:
            raise _Refusal(ErrorKind.INPUT, "Invalid `instrument_token`.")
        try:
            start, end = (_dt.datetime.strptime(request.query[k], "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST)
                          for k in ("from", "to"))
        except (KeyError, ValueError):
            raise _Refusal(ErrorKind.INPUT, "Invalid `from` or `to` (yyyy-mm-dd hh:mm:ss).") from None
        seconds, max_days = spec
        if end < start:
            raise _Refusal(ErrorKind.INPUT, "`from` is after `to`.")
        if (end - start).days > max_days:
            raise _Refusal(ErrorKind.INPUT, f"interval exceeds max limit: {max_days} days")
        with_oi = request.query.get("oi") == "1"
        candles = []
        for stamp, o, h, low, c, volume, oi in self.engine.candles(token, seconds, start, end):
            text = stamp.astimezone(IST).strftime("%Y-%m-%dT%H:%M:%S%z")
            candles.append([text, o, h, low, c, volume, oi] if with_oi else [text, o, h, low, c, volume])
        return {"candles": candles}

    async def _instruments(self, request: web.Request) -> web.Response:
        exchange = request.match_info.get("exchange")
        return web.Response(body=self.listing.csv(exchange), content_type="text/csv")

    # -- ticker -----------------------------------------------------------------------------

    async def _ticker(self, request: web.Request) -> web.StreamResponse:
        user = self.sessions.user_of(request.query.get("access_token", "")) \
            if request.query.get("api_key") == self.api_key else None
        if user is None:
            return web.Response(status=403, text="Invalid api_key or access_token", content_type="text/plain")
        return await self.serve_stream(request, user)

    async def on_stream_message(self, client: StreamClient, message: str | bytes) -> None:
        try:
            request = msgspec.json.decode(message)
            action, value = request["a"], request["v"]
        except (msgspec.DecodeError, KeyError, TypeError):
            client.push(msgspec.json.encode({"type": "error", "data": "invalid message"}).decode())
            return
        if action == "subscribe":
            for kite in value:
                token = self.listing.paper_token.get(kite) if isinstance(kite, int) else None
                if token is not None:
                    client.subscriptions.setdefault(token, "quote")
        elif action == "unsubscribe":
            for kite in value:
                client.subscriptions.pop(self.listing.paper_token.get(kite, -1), None)
        elif action == "mode" and isinstance(value, list) and len(value) == 2:
            mode, tokens = value
            if mode in ("ltp", "quote", "full"):
                for kite in tokens:
                    token = self.listing.paper_token.get(kite)
                    if token is not None and token in client.subscriptions:
                        client.subscriptions[token] = mode

    async def publish(self, client: StreamClient) -> None:
        if not client.subscriptions:
            client.push(HEARTBEAT)
            return
        packets = []
        for token, mode in client.subscriptions.items():
            quote = self.engine.quote(token)
            kite = self.listing.kite_token[token]
            is_index = self.engine.rows[token].kind == "IDX"
            packets.append(index_packet(kite, quote, mode) if is_index else market_packet(kite, quote, mode))
        client.push(frame(packets))

    def on_order(self, order: PaperOrder) -> None:
        """POST a postback for a final state (COMPLETE, CANCELLED, REJECTED) or a change of a live order (UPDATE)."""
        if not self.postback_url:
            return
        data = kite_postback(self.listing, order, user_id=self.user_id,
                             variety=self.varieties.get(order.order_id, "regular"), app_id=self.app_id,
                             api_secret=self.api_secret, extra=self.order_fields.get(order.order_id))
        status, seen = str(data.get("status")), self._posted.get(order.order_id)
        self._posted[order.order_id] = status
        if status not in ("COMPLETE", "CANCELLED", "REJECTED"):
            if seen is None or status != "OPEN":
                return  # a new order: Kite posts no "placed" event
            data = {**data, "status": "UPDATE"}
        delivery = asyncio.get_running_loop().create_task(self._post_back(self.postback_url, data))
        self._deliveries.add(delivery)
        delivery.add_done_callback(self._deliveries.discard)

    async def _post_back(self, url: str, data: Mapping[str, Any]) -> None:
        """One delivery, raw JSON as Kite sends it; a failed one is counted, never retried."""
        import aiohttp

        try:
            async with aiohttp.ClientSession() as http, http.post(
                    url, data=msgspec.json.encode(dict(data)), headers={"Content-Type": "application/json"},
                    timeout=aiohttp.ClientTimeout(total=5)) as reply:
                if reply.status >= 400:
                    self.postbacks_failed += 1
        except (aiohttp.ClientError, TimeoutError):
            self.postbacks_failed += 1

    def order_frame(self, order: PaperOrder, client: StreamClient) -> str | bytes | None:
        data = kite_postback(self.listing, order, user_id=self.user_id,
                             variety=self.varieties.get(order.order_id, "regular"), app_id=self.app_id,
                             api_secret=self.api_secret, extra=self.order_fields.get(order.order_id))
        return msgspec.json.encode({"type": "order", "id": "", "data": data}).decode()


def main(argv: list[str] | None = None) -> None:
    """``tt-connect emulate zerodha [--port N]``."""
    KiteEmulator.main(argv)

