"""The Upstox emulator: Upstox API v2/v3 over the paper market (``tt-connect emulate upstox``).

Speaks what the official ``upstox-python-sdk`` sends and expects: the OAuth2 code flow (the
dialog answers with a 302 to the redirect URL, the token exchange is form-encoded and answers
a bare ``TokenResponse``), ``Authorization: Bearer`` on every call, ``Api-Version: 2.0`` where
the SDK sends it, the ``{"status", "data"}`` envelope (``metadata.latency`` on v3 order
calls), the ``{"status": "error", "errors": [...]}`` envelope with ``UDAPI`` codes and real
HTTP statuses, the BOD file as gzipped JSON, the protobuf v3 market feed (binary JSON
requests) and the portfolio stream. Sessions die at 03:30 IST on the emulator's clock; risk
refusals (funds, price band, freeze quantity) are accepted and show up as ``rejected`` orders
with their reason, as on Upstox. The routes live in ``auth``, ``orders``, ``market`` and
``stream``; this module wires them to the emulation kit.
"""

from __future__ import annotations

import datetime as _dt
import secrets
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from aiohttp import web
from tt_connect.emulation import EmulatorHost, ErrorKind, Handler, RateWindow, Refusal, StreamClient
from tt_connect.paper.engine import PaperOrder, PaperRejection
from tt_connect.timeutil import Clock

from tt_connect_upstox.emulator import auth, market, orders, portfolio, stream, triggers
from tt_connect_upstox.emulator.wire import V3, UpstoxListing, error_body

__all__ = ["UpstoxEmulator", "main"]

_REJECTIONS: dict[str, tuple[str, int]] = {
    "NOT_FOUND": ("UDAPI100010", 400), "GTT_NOT_FOUND": ("UDAPI100010", 400), "ORDER_STATE": ("UDAPI100040", 400),
    "NO_POSITION": ("UDAPI100038", 400), "NOT_TRADABLE": ("UDAPI100038", 400),
}
"""Paper-engine refusals Upstox answers synchronously (the risk refusals become rejected orders instead)."""

_KIND_CODES: dict[ErrorKind, tuple[str, int]] = {
    ErrorKind.AUTH: ("UDAPI100050", 401), ErrorKind.INPUT: ("UDAPI100038", 400),
    ErrorKind.ORDER: ("UDAPI100038", 400), ErrorKind.FUNDS: ("UDAPI100038", 400),
    ErrorKind.NOT_FOUND: ("UDAPI100010", 404), ErrorKind.PERMISSION: ("UDAPI100049", 403),
    ErrorKind.RATE_LIMIT: ("UDAPI10005", 429), ErrorKind.SERVER: ("UDAPI100500", 500),
}


class UpstoxEmulator(EmulatorHost):
    """Upstox on 127.0.0.1; fresh random credentials per instance."""

    broker = "upstox"
    daily_expiry = _dt.time(3, 30)
    """Get Token page: a token is valid until 03:30 IST the next day, whenever it was made."""

    def __init__(self, *, port: int = 0, clock: Clock | None = None, seed: int = 7, tick_interval: float = 0.2,
                 enforce_rate_limits: bool = True) -> None:
        super().__init__(port=port, clock=clock, seed=seed, tick_interval=tick_interval,
                         enforce_rate_limits=enforce_rate_limits)
        self.api_key = str(uuid.uuid4())
        self.api_secret = secrets.token_urlsafe(12)
        self.user_id = "EMU123"
        self.listing = UpstoxListing(self.engine, self.user_id)
        self.logins = 0
        """Successful token exchanges (tests check that a session was reused)."""
        self.pending_token_requests: list[str] = []
        """Client ids of v3 access-token requests waiting for the user's approval."""
        self.access_token = self.sessions.issue(self.user_id)
        self.auth_code = self.sessions.issue_code("code", self.user_id)

    # -- host protocol ----------------------------------------------------------------------

    @property
    def redirect_url(self) -> str:
        return f"{self.base_url}/callback"

    def announcement(self) -> dict[str, Any]:
        return {
            "broker": self.broker,
            "api_url": self.base_url,
            "order_api_url": self.base_url,
            "ws_url": f"{self.ws_base_url}/v3/feed/market-data-feed",
            "order_ws_url": f"{self.ws_base_url}/v2/feed/portfolio-stream-feed",
            "instruments_url": f"{self.base_url}/market-quote/instruments/exchange/complete.json.gz",
            "api_key": self.api_key,
            "api_secret": self.api_secret,
            "redirect_url": self.redirect_url,
            "auth_code": self.auth_code,
            "access_token": self.access_token,
        }

    def driver_config(self, **overrides: Any) -> dict[str, Any]:
        """The announcement as a config, with a live token: a dead one (expired, logged out) is replaced, as
        the account holder would log in again, so every new client of a long-running emulator can start."""
        if self.sessions.user_of(self.access_token) is None:
            self.access_token = self.sessions.issue(self.user_id)
        return super().driver_config(**overrides)

    def error_response(self, kind: ErrorKind, message: str, status: int) -> web.Response:
        code, default = _KIND_CODES[kind]
        if kind is ErrorKind.RATE_LIMIT:
            message = "Too Many Request Sent"
        headers = {"Retry-After": "1"} if kind is ErrorKind.RATE_LIMIT else None
        return web.Response(status=status if status >= 400 else default, body=error_body(code, message),
                            content_type="application/json", headers=headers)

    def refusal_response(self, refusal: Refusal) -> web.Response:
        code, status = _KIND_CODES[refusal.kind]
        return web.Response(status=refusal.status or status, body=error_body(refusal.code or code, refusal.message),
                            content_type="application/json")

    def rejection_response(self, rejection: PaperRejection) -> web.Response:
        code, status = _REJECTIONS.get(rejection.code, ("UDAPI100038", 400))
        message = "Order not found" if rejection.code == "NOT_FOUND" else \
            f"GTT order not found: {rejection.message}" if rejection.code == "GTT_NOT_FOUND" else rejection.message
        return web.Response(status=status, body=error_body(code, message), content_type="application/json")

    def ok_response(self, data: Any) -> web.Response:
        body: dict[str, Any] = {"status": "success", "data": data.data if isinstance(data, V3) else data}
        if isinstance(data, V3):
            body["metadata"] = {"latency": 12}
        return web.Response(body=msgspec.json.encode(body), content_type="application/json")

    def rate_limits(self) -> Mapping[str, Sequence[RateWindow]]:
        # Per user and API (rate-limit page, [UNVERIFIED] figures; PROTOCOL.md): standard APIs 50/s, 500/min,
        # 2000/30 min; the multi-order APIs 4/s, 40/min, 160/30 min.
        return {"standard": [RateWindow(50), RateWindow(500, 60.0), RateWindow(2000, 1800.0)],
                "multi": [RateWindow(4), RateWindow(40, 60.0), RateWindow(160, 1800.0)]}

    def rate_class(self, request: web.Request) -> str | None:
        if not request.path.startswith(("/v2/", "/v3/")) or "/login/" in request.path or "/feed/" in request.path:
            return None
        return "multi" if "/order/multi/" in request.path else "standard"

    def is_api_request(self, request: web.Request) -> bool:
        return request.path.startswith(("/v2/", "/v3/")) and "/login/" not in request.path \
            and "/feed/" not in request.path

    def add_routes(self, app: web.Application) -> None:
        auth.add_routes(self, app)
        orders.add_routes(self, app)
        portfolio.add_routes(self, app)
        triggers.add_routes(self, app)
        market.add_routes(self, app)
        stream.add_routes(self, app)

    async def publish(self, client: StreamClient) -> None:
        await stream.publish(self, client)

    async def on_stream_message(self, client: StreamClient, message: str | bytes) -> None:
        await stream.on_message(self, client, message)

    def order_frame(self, order: PaperOrder, client: StreamClient) -> str | bytes | None:
        return stream.order_frame(self, order, client)

    # -- shared by the route modules --------------------------------------------------------

    def authenticate(self, request: web.Request) -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = self.sessions.user_of(token) if scheme.lower() == "bearer" else None
        if user is None:
            raise Refusal(ErrorKind.AUTH, "Invalid token used to access API", code="UDAPI100050", status=401)
        return user

    def route(self, handler: Handler, *, v2: bool = False, body: str = "json") -> Any:
        """A kit ``api`` route; ``v2``: the SDK sends ``Api-Version: 2.0`` there and Upstox requires it."""
        if not v2:
            return self.api(handler, body=body)

        def versioned(request: web.Request, fields: dict[str, Any], user: str) -> Any:
            if request.headers.get("Api-Version") != "2.0":
                raise Refusal(ErrorKind.INPUT, "API Version does not exist", code="UDAPI100015", status=400)
            return handler(request, fields, user)

        return self.api(versioned, body=body)


def main(argv: list[str] | None = None) -> None:
    """``tt-connect emulate upstox [--port N]``."""
    UpstoxEmulator.main(argv)
