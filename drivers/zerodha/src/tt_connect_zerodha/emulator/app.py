"""The Kite Connect v3 emulator: Kite's wire protocol over the paper market (``tt-connect emulate zerodha``).

This module is the wiring: the :class:`~tt_connect.emulation.EmulatorHost` subclass, its credentials,
envelopes, rate classes and routes. The routes live by job: :mod:`.auth` (login, session, logout),
:mod:`.portfolio` (profile, funds, holdings, positions, conversion), :mod:`.orders` (the order book and
order writes), :mod:`.triggers` (GTT and the margin calculator), :mod:`.market` (quotes, candles, the
instruments CSV) and :mod:`.stream` (StreamRoutes and postbacks); :mod:`.wire` renders payloads.
Tokens die at 06:00 IST on the emulator's clock; 429s follow Kite's published limits.
"""

from __future__ import annotations

import datetime as _dt
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import pyotp
from aiohttp import web
from tt_connect.emulation import EmulatorHost, ErrorKind, RateWindow, Refusal, StreamClient
from tt_connect.paper.engine import PaperOrder, PaperRejection
from tt_connect.timeutil import Clock

from tt_connect_zerodha.emulator.auth import SessionRoutes
from tt_connect_zerodha.emulator.market import MarketRoutes
from tt_connect_zerodha.emulator.orders import OrderRoutes
from tt_connect_zerodha.emulator.portfolio import PortfolioRoutes
from tt_connect_zerodha.emulator.stream import Postbacks, StreamRoutes
from tt_connect_zerodha.emulator.triggers import TriggerRoutes
from tt_connect_zerodha.emulator.wire import (
    KITE_ERRORS,
    KiteListing,
    error_body,
    json_response,
    kite_refusal,
    success_body,
)

__all__ = ["KiteEmulator", "main"]

_UNMETERED = ("/session/", "/connect/login", "/api/login", "/api/twofa", "/redirect", "/ws")
"""Login pages, session calls and the socket: no injected failures; of them only the session calls (on
api.kite.trade) have a rate class."""


class KiteEmulator(EmulatorHost):
    """Kite Connect v3 on 127.0.0.1. Its credentials are fresh random values per instance.

    Parameters
    ----------
    redirect_url
        The app's registered redirect; the default is this emulator's own ``/redirect`` page, which shows
        the request_token.
    postback_url
        Where order postbacks are POSTed (the app's registered postback URL); None sends none.
    refresh_tokens
        Issue refresh tokens with every session, as Kite does for approved platforms, and renew them at
        ``POST /session/refresh_token``.
    """

    broker = "zerodha"
    daily_expiry = _dt.time(6, 0)

    def __init__(self, *, port: int = 0, clock: Clock | None = None, seed: int = 7, tick_interval: float = 0.2,
                 enforce_rate_limits: bool = True, redirect_url: str | None = None,
                 postback_url: str | None = None, refresh_tokens: bool = False) -> None:
        super().__init__(port=port, clock=clock, seed=seed, tick_interval=tick_interval,
                         enforce_rate_limits=enforce_rate_limits)
        self.api_key = f"kiteemu{secrets.token_hex(4)}"
        self.api_secret = secrets.token_urlsafe(24)
        self.user_id = "ZE1234"
        self.password = secrets.token_urlsafe(12)
        self.totp_secret = pyotp.random_base32()
        self.app_id = 4242
        self._redirect_url = redirect_url
        self.listing = KiteListing(self.engine)
        self.session_routes = SessionRoutes(self, refresh_tokens=refresh_tokens)
        self.portfolio_routes = PortfolioRoutes(self)
        self.order_routes = OrderRoutes(self)
        self.trigger_routes = TriggerRoutes(self)
        self.market_routes = MarketRoutes(self)
        self.stream_routes = StreamRoutes(self)
        self.postbacks = Postbacks(self, postback_url)
        self.access_token = self.sessions.issue(self.user_id)
        self.request_token = self.sessions.issue_code("request_token", self.user_id)

    @property
    def redirect_url(self) -> str:
        return self._redirect_url or f"{self.base_url}/redirect"

    @redirect_url.setter
    def redirect_url(self, value: str) -> None:
        self._redirect_url = value

    def announcement(self) -> dict[str, Any]:
        """URLs and test credentials, named as ``ZerodhaConfig`` names them: the line is a valid config."""
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

    # -- envelopes --------------------------------------------------------------------------

    def ok_response(self, data: Any) -> web.Response:
        return json_response(success_body(data))

    def error_response(self, kind: ErrorKind, message: str, status: int) -> web.Response:
        headers = {"Retry-After": "1"} if status == 429 else None
        return json_response(error_body(KITE_ERRORS[kind][0], message), status, headers)

    def refusal_response(self, refusal: Refusal) -> web.Response:
        error_type, status = KITE_ERRORS[refusal.kind]
        return json_response(error_body(refusal.code or error_type, refusal.message), refusal.status or status)

    def rejection_response(self, rejection: PaperRejection) -> web.Response:
        return self.refusal_response(kite_refusal(rejection))

    def authenticate(self, request: web.Request) -> str:
        """``Authorization: token api_key:access_token`` of a live session, else Kite's TokenException."""
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        api_key, _, token = credentials.partition(":")
        user = self.sessions.user_of(token) if scheme == "token" and api_key == self.api_key else None
        if user is None:
            raise Refusal(ErrorKind.AUTH, "Incorrect `api_key` or `access_token`.")
        return user

    # -- rate classes -----------------------------------------------------------------------

    def rate_limits(self) -> Mapping[str, Sequence[RateWindow]]:
        return {"quote": [RateWindow(1)], "historical": [RateWindow(3)],
                "orders": [RateWindow(10), RateWindow(400, 60.0)], "default": [RateWindow(10)]}

    def rate_class(self, request: web.Request) -> str | None:
        path = request.path
        if path.startswith("/session/"):
            return "default"  # api.kite.trade's session calls are "all other endpoints", 10/s per api_key
        if path.startswith(_UNMETERED) or path == "/instruments" or path.startswith("/instruments/N"):
            return None
        if path.startswith("/quote"):
            return "quote"
        if path.startswith("/instruments/historical"):
            return "historical"
        if path.startswith("/orders/") and request.method in ("POST", "PUT", "DELETE"):
            return "orders"
        return "default"

    def is_api_request(self, request: web.Request) -> bool:
        return not request.path.startswith(_UNMETERED)

    # -- routes and events ------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        for routes in (self.session_routes, self.portfolio_routes, self.order_routes, self.trigger_routes,
                       self.market_routes, self.stream_routes):
            routes.add(app)

    async def publish(self, client: StreamClient) -> None:
        self.stream_routes.publish(client)

    async def on_stream_message(self, client: StreamClient, message: str | bytes) -> None:
        self.stream_routes.on_message(client, message)

    def on_order(self, order: PaperOrder) -> None:
        """Every order change: remember what Kite shows of it, then post it back where an app asked."""
        self.order_routes.note(order)
        self.postbacks.deliver(order)

    def order_frame(self, order: PaperOrder, client: StreamClient) -> str | bytes | None:
        return self.stream_routes.order_frame(order)


def main(argv: list[str] | None = None) -> None:
    """``tt-connect emulate zerodha [--port N] [--no-rate-limits]``."""
    KiteEmulator.main(argv)
