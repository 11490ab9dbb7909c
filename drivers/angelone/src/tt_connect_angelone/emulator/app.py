"""The AngelOne SmartAPI emulator: SmartAPI's wire protocol over the paper market.

Speaks what smartapi-python sends and expects: JSON bodies, the ``{"status", "message",
"errorcode", "data"}`` envelope (errors often with HTTP 200), the gateway's ``{"success",
"errorCode"}`` envelope for token failures, the plain-text 403 beyond a rate window, the
``X-PrivateKey`` / ``X-UserType`` / ``X-SourceID`` headers, the client code + PIN + TOTP login
returning JWT, refresh and feed tokens, token renewal, the public scrip master JSON, candles within
per-interval ranges, the SmartWebSocketV2 little-endian feed and the order-update socket. Each
endpoint has its own rate window, logins included (reference 2.4, per user id). A session lasts 24
hours from its login on the emulator's clock, and its JWT says so in its ``exp`` claim.

This module is the wiring: the account's credentials, the envelopes, rate classes and routes;
the desks live in ``auth``, ``orders``, ``triggers``, ``market`` and ``stream``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import pyotp
from aiohttp import web
from tt_connect.emulation import EmulatorHost, ErrorKind, Faults, RateWindow, Refusal, StreamClient
from tt_connect.paper.engine import PaperOrder, PaperRejection
from tt_connect.timeutil import Clock

from tt_connect_angelone.emulator.auth import AUTH, SESSION_LIFETIME, SmartApiLogin
from tt_connect_angelone.emulator.market import SCRIP_MASTER_PATH, SmartApiMarket
from tt_connect_angelone.emulator.orders import SmartApiOrders
from tt_connect_angelone.emulator.stream import FEED_PATH, ORDER_FEED_PATH, SmartApiSockets
from tt_connect_angelone.emulator.triggers import GTT_WRITES, SmartApiTriggers
from tt_connect_angelone.emulator.wire import (
    AngelListing,
    backend_refusal,
    gateway_refusal,
    kind_code,
    ok_response,
    rejection_text,
)

__all__ = ["SmartApiEmulator", "main"]

SECURE = "/rest/secure/angelbroking"
GTT_SERVICE = "/gtt-service"


def _per(second: int, minute: int | None = None, hour: int | None = None) -> list[RateWindow]:
    windows = [RateWindow(second)]
    windows += [RateWindow(minute, 60.0)] if minute else []
    return windows + ([RateWindow(hour, 3600.0)] if hour else [])


_RATE_CLASSES: Mapping[str, str] = {
    "loginByPassword": "login", "generateTokens": "tokens", "logout": "logout", "getProfile": "profile",
    "getRMS": "rms", "placeOrder": "orders", "modifyOrder": "orders", "cancelOrder": "orders",
    "getOrderBook": "orderbook", "getTradeBook": "tradebook", "getLtpData": "ltp", "quote": "quote",
    "getPosition": "positions", "getHolding": "holdings", "getAllHolding": "holdings", "getCandleData": "candles",
    "convertPosition": "convert", "batch": "margin", "createRule": "gtt-create", "modifyRule": "gtt-modify",
    "cancelRule": "gtt-cancel", "ruleDetails": "gtt-details", "ruleList": "gtt-list",
}
"""The last path segment -> the endpoint's rate class (reference 2.4: one window per endpoint)."""


class SmartApiEmulator(EmulatorHost):
    """AngelOne SmartAPI on 127.0.0.1; fresh random credentials per instance."""

    broker = "angelone"
    session_lifetime = SESSION_LIFETIME
    """AngelOne staff (forum, "Changes in JWT Token Validity"): a fresh token is valid for 24-28 hours and
    its ``exp`` claim gives the exact time; the emulator uses the shortest."""

    def __init__(self, *, port: int = 0, clock: Clock | None = None, seed: int = 7, tick_interval: float = 0.2,
                 enforce_rate_limits: bool = True) -> None:
        super().__init__(port=port, clock=clock, seed=seed, tick_interval=tick_interval,
                         enforce_rate_limits=enforce_rate_limits)
        self.api_key = secrets.token_hex(4)
        self.client_code = "E12345"
        self.pin = f"{secrets.randbelow(10_000):04d}"
        self.totp_secret = pyotp.random_base32()
        self.listing = AngelListing(self.engine)
        self.login = SmartApiLogin(self)
        self.orders = SmartApiOrders(self)
        self.triggers = SmartApiTriggers(self)
        self.market = SmartApiMarket(self)
        self.sockets = SmartApiSockets(self)
        self.faults = Faults(self.login.expire_all, self._kill_streams_threadsafe,
                             close_market=self.engine.close_market,
                             open_market=lambda: self._on_loop(self.engine.open_market))
        tokens = self.login.issue(self.client_code)
        self.access_token, self.refresh_token, self.feed_token = (
            tokens["jwtToken"], tokens["refreshToken"], tokens["feedToken"])

    # -- host protocol ----------------------------------------------------------------------

    def announcement(self) -> dict[str, Any]:
        return {
            "broker": self.broker,
            "api_url": self.base_url,
            "ws_url": f"{self.ws_base_url}{FEED_PATH}",
            "order_ws_url": f"{self.ws_base_url}{ORDER_FEED_PATH}",
            "instruments_url": f"{self.base_url}{SCRIP_MASTER_PATH}",
            "api_key": self.api_key,
            "client_code": self.client_code,
            "pin": self.pin,
            "totp_secret": self.totp_secret,
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "feed_token": self.feed_token,
        }

    def authenticate(self, request: web.Request) -> str:
        return self.login.user(request)

    def ok_response(self, data: Any) -> web.Response:
        return ok_response(data)

    def error_response(self, kind: ErrorKind, message: str, status: int) -> web.Response:
        if kind in (ErrorKind.AUTH, ErrorKind.RATE_LIMIT):
            return gateway_refusal(kind, message, 401 if kind is ErrorKind.AUTH else 429)
        return backend_refusal(message, kind_code(kind), status if status >= 500 else 200)

    def refusal_response(self, refusal: Refusal) -> web.Response:
        if refusal.code is None or refusal.kind in (ErrorKind.AUTH, ErrorKind.RATE_LIMIT):
            return self.error_response(refusal.kind, refusal.message, refusal.status or 200)
        return backend_refusal(refusal.message, refusal.code, refusal.status or 200)

    def rejection_response(self, rejection: PaperRejection) -> web.Response:
        code, text = rejection_text(rejection.code, rejection.message)
        return backend_refusal(text, code, rejection.status if rejection.status >= 500 else 200)

    def rate_limits(self) -> Mapping[str, Sequence[RateWindow]]:
        # Reference 2.4 (staff table, per user id): per second / per minute / per hour.
        ten = _per(10, 500, 5000)
        return {"login": _per(1), "tokens": _per(1, hour=1000), "logout": _per(1), "profile": _per(3, hour=1000),
                "rms": _per(2), "orders": _per(20, 500, 1000), "orderbook": _per(1), "tradebook": _per(1),
                "positions": _per(1), "holdings": _per(1), "details": ten, "ltp": ten, "quote": _per(1),
                "candles": _per(3, 500, 5000), "convert": ten, "margin": ten, "gtt-create": ten, "gtt-modify": ten,
                "gtt-cancel": ten, "gtt-details": ten, "gtt-list": ten, "default": _per(10)}

    def rate_class(self, request: web.Request) -> str | None:
        if not self.is_api_request(request):
            return None
        if "/order/v1/details/" in request.path:
            return "details"
        return _RATE_CLASSES.get(request.path.rsplit("/", 1)[-1], "default")

    def is_api_request(self, request: web.Request) -> bool:
        """Every REST call, the login and token renewal included: SmartAPI meters logins too (1/s)."""
        return request.path.startswith((SECURE, AUTH, GTT_SERVICE))

    # -- routes -----------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        self.login.add_routes(app)
        self.market.add_routes(app)
        self.sockets.add_routes(app)
        routes = {("GET", "/user/v1/getProfile"): self.login.profile, ("POST", "/user/v1/logout"): self.login.logout,
                  **self.orders.routes(), **self.triggers.routes(), **self.market.routes()}
        for (method, path), handler in routes.items():
            wrapped = self.api(handler, body="json")
            app.router.add_route(method, f"{SECURE}{path}", wrapped)
            if path.rsplit("/", 1)[-1] in GTT_WRITES:
                app.router.add_route(method, f"{GTT_SERVICE}{SECURE}{path}", wrapped)

    # -- sockets ----------------------------------------------------------------------------

    async def publish(self, client: StreamClient) -> None:
        self.sockets.publish(client)

    async def on_stream_message(self, client: StreamClient, message: str | bytes) -> None:
        self.sockets.on_message(client, message)

    def order_frame(self, order: PaperOrder, client: StreamClient) -> str | bytes | None:
        return self.sockets.order_frame(order, client)


def main(argv: list[str] | None = None) -> None:
    """``tt-connect emulate angelone [--port N]``."""
    SmartApiEmulator.main(argv)

