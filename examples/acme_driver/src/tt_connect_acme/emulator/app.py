"""The Acme v1 emulator: Acme's wire protocol over the paper market, on 127.0.0.1.

Routes live in one module per area (``auth``, ``orders``, ``market``, ``stream``); this class wires
them to the emulation kit and renders Acme's envelope, its refusal codes and its limits.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web
from tt_connect.emulation import EmulatorHost, ErrorKind, RateWindow, Refusal, StreamClient
from tt_connect.paper.engine import PaperOrder, PaperRejection
from tt_connect.timeutil import Clock

from tt_connect_acme.emulator.auth import SessionRoutes
from tt_connect_acme.emulator.market import MarketRoutes
from tt_connect_acme.emulator.orders import OrderRoutes
from tt_connect_acme.emulator.stream import StreamRoutes
from tt_connect_acme.emulator.wire import ERRORS, REJECTION_CODES, AcmeListing, acme_error, acme_ok

__all__ = ["AcmeEmulator"]


class AcmeEmulator(EmulatorHost):
    """Acme Securities on 127.0.0.1, with fresh random credentials per instance."""

    broker = "acme"

    def __init__(self, *, port: int = 0, clock: Clock | None = None, seed: int = 7, tick_interval: float = 0.2,
                 enforce_rate_limits: bool = True) -> None:
        super().__init__(port=port, clock=clock, seed=seed, tick_interval=tick_interval,
                         enforce_rate_limits=enforce_rate_limits)
        self.api_key = f"acme-{secrets.token_hex(4)}"
        self.api_secret = secrets.token_urlsafe(16)
        self.user_id = "AC0001"
        self.listing = AcmeListing(self.engine)
        self.session_routes = SessionRoutes(self)
        self.stream_routes = StreamRoutes(self)
        self._routes = (self.session_routes, OrderRoutes(self), MarketRoutes(self), self.stream_routes)

    def announcement(self) -> dict[str, Any]:
        return {"broker": self.broker, "rest_url": self.base_url, "ws_url": f"{self.ws_base_url}/v1/stream",
                "instruments_url": f"{self.base_url}/v1/instruments.csv", "api_key": self.api_key,
                "api_secret": self.api_secret, "user_id": self.user_id}

    def add_routes(self, app: web.Application) -> None:
        for routes in self._routes:
            routes.add(app)

    # -- the envelope ----------------------------------------------------------------------

    def authenticate(self, request: web.Request) -> str:
        return self.session_routes.user_of(request)

    def ok_response(self, data: Any) -> web.Response:
        return acme_ok(data)

    def error_response(self, kind: ErrorKind, message: str, status: int) -> web.Response:
        return acme_error(ERRORS[kind][0], message, status)

    def refusal_response(self, refusal: Refusal) -> web.Response:
        code, status = ERRORS[refusal.kind]
        return acme_error(refusal.code or code, refusal.message, refusal.status or status)

    def rejection_response(self, rejection: PaperRejection) -> web.Response:
        code, status, text = REJECTION_CODES.get(rejection.code, ("ACM-400", 400, rejection.message))
        return acme_error(code, f"{text}: {rejection.message}", status)

    def rate_limits(self) -> Mapping[str, Sequence[RateWindow]]:
        return {"orders": [RateWindow(5)], "quotes": [RateWindow(2)], "session": [RateWindow(5)],
                "default": [RateWindow(10)]}

    def rate_class(self, request: web.Request) -> str | None:
        path = request.path
        if path in ("/v1/stream", "/v1/instruments.csv"):
            return None
        if path == "/v1/session":
            return "session"
        if path.startswith("/v1/orders") and request.method != "GET":
            return "orders"
        return "quotes" if path == "/v1/quotes" else "default"

    # -- the stream ------------------------------------------------------------------------

    async def publish(self, client: StreamClient) -> None:
        await self.stream_routes.publish(client)

    async def on_stream_message(self, client: StreamClient, message: str | bytes) -> None:
        await self.stream_routes.on_message(client, message)

    def order_frame(self, order: PaperOrder, client: StreamClient) -> str:
        return self.stream_routes.order_frame(order)
