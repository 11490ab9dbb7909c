"""The Dhan (DhanHQ v2) emulator: DhanHQ's wire protocol over the paper market.

Speaks what the official ``dhanhq`` SDK sends and expects: the ``access-token`` and
``client-id`` headers, JSON bodies carrying ``dhanClientId``, bare JSON replies and the
``{"errorType", "errorCode", "errorMessage"}`` failure envelope with 4xx/5xx statuses,
202 replies to cancels and conversions *with* a JSON body (the SDK parses every body),
the PIN + TOTP token endpoint and the API-key consent flow on the auth host, token
renewal, the static-IP endpoints (127.0.0.1 always counts as whitelisted), both scrip
master CSVs, the little-endian binary market feed, the 20/200-level depth feeds and the
JSON order-update socket. Tokens live 24 hours from their generation on the emulator's
clock (their JWT ``exp`` says so); 429s follow the published limits; every fault of the
emulation kit can be injected.

Routes live in :mod:`.auth`, :mod:`.orders`, :mod:`.market` and :mod:`.stream`; this module
is the host: credentials, the request wrapper, error envelopes and rate classes.
"""

from __future__ import annotations

import base64
import datetime as _dt
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import msgspec
import pyotp
from aiohttp import web
from tt_connect.emulation import EmulatorHost, ErrorKind, RateWindow, Refusal, StreamClient
from tt_connect.emulation.host import Handler
from tt_connect.paper.engine import PaperOrder, PaperRejection
from tt_connect.timeutil import Clock

from tt_connect_dhan.emulator import auth, market, orders, stream
from tt_connect_dhan.emulator.wire import DhanListing, failure, ok, refuse

__all__ = ["DhanEmulator", "main"]

_REJECTIONS: Mapping[str, tuple[str, str]] = {
    "NOT_FOUND": ("DH-906", "Order not found: "), "GTT_NOT_FOUND": ("DH-906", "Forever order not found: "),
    "ORDER_STATE": ("DH-906", ""), "NO_POSITION": ("DH-906", ""), "PRODUCT": ("DH-905", ""),
}
"""Paper refusal codes -> Dhan's code and the start of its message (the order-state words the driver reads)."""

_KIND_CODES: Mapping[ErrorKind, tuple[str, int]] = {
    ErrorKind.AUTH: ("DH-901", 401), ErrorKind.PERMISSION: ("DH-902", 403), ErrorKind.RATE_LIMIT: ("DH-904", 429),
    ErrorKind.INPUT: ("DH-905", 400), ErrorKind.ORDER: ("DH-906", 400), ErrorKind.FUNDS: ("DH-906", 400),
    ErrorKind.NOT_FOUND: ("DH-906", 400), ErrorKind.SERVER: ("DH-908", 500),
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_for(client_id: str) -> Callable[[_dt.datetime], str]:
    """A JWT-shaped token whose claims carry the client id and expiry (only the emulator checks it, by value)."""
    def make(expires_at: _dt.datetime) -> str:
        claims = {"iss": "dhan", "partnerId": "", "exp": int(expires_at.timestamp()), "tokenConsumerType": "SELF",
                  "webhookUrl": "", "dhanClientId": client_id}
        return ".".join((_b64(b'{"typ":"JWT","alg":"HS512"}'), _b64(msgspec.json.encode(claims)),
                         _b64(secrets.token_bytes(32))))
    return make


class DhanEmulator(EmulatorHost):
    """DhanHQ v2 on 127.0.0.1; fresh random credentials per instance."""

    broker = "dhan"
    static_ip_refusal = "Static IP not whitelisted for order APIs."
    session_lifetime = _dt.timedelta(hours=24)
    """v2 docs: an access token is valid for 24 hours from its generation."""

    def __init__(self, *, port: int = 0, clock: Clock | None = None, seed: int = 7, tick_interval: float = 0.2,
                 enforce_rate_limits: bool = True, loopback_whitelisted: bool = True) -> None:
        super().__init__(port=port, clock=clock, seed=seed, tick_interval=tick_interval,
                         enforce_rate_limits=enforce_rate_limits)
        self.client_id = f"11{secrets.randbelow(10**8):08d}"
        self.pin = f"{secrets.randbelow(1_000_000):06d}"
        self.totp_secret = pyotp.random_base32()
        self.api_key = secrets.token_hex(8)
        self.api_secret = secrets.token_urlsafe(24)
        self.redirect_url = "http://127.0.0.1:8765/dhan/callback"
        self.listing = DhanListing(self.engine)
        self.order_extra: dict[str, dict[str, Any]] = {}
        """Order id -> what Dhan shows that the engine keeps no field for (product, AMO, legs...)."""
        self.allowed_ips: dict[str, str] = {}
        """``PRIMARY``/``SECONDARY`` -> a whitelisted static IP."""
        self.loopback_whitelisted = loopback_whitelisted
        """Count 127.0.0.1 as whitelisted without registering it (False: a test registers it first)."""
        self.ip_modified: dict[str, str] = {}
        self.feeds_opened = 0
        """Market-feed sockets opened so far (orders them for the five-a-user rule)."""
        self.logins = 0
        """Successful ``generateAccessToken`` calls (tests check a renewal needed none)."""
        self.renewals = 0
        self.token_expiry: dict[str, _dt.datetime] = {}
        """Access token -> when it dies (the profile's ``tokenValidity``)."""
        self.access_token = self.issue_token(self.client_id)

    # -- host protocol ----------------------------------------------------------------------

    def announcement(self) -> dict[str, Any]:
        """The keys ``sdk-notes.md`` lists for Dhan, plus a ready token and the consent credentials."""
        return {
            "broker": self.broker,
            "api_url": f"{self.base_url}/v2",
            "auth_url": self.base_url,
            "ws_url": f"{self.ws_base_url}/feed",
            "depth_20_ws_url": f"{self.ws_base_url}/twentydepth",
            "depth_200_ws_url": f"{self.ws_base_url}/twohundreddepth",
            "order_ws_url": f"{self.ws_base_url}/order-update",
            "instruments_url": f"{self.base_url}/api-data/api-scrip-master.csv",
            "instruments_detailed_url": f"{self.base_url}/api-data/api-scrip-master-detailed.csv",
            "client_id": self.client_id,
            "pin": self.pin,
            "totp_secret": self.totp_secret,
            "access_token": self.access_token,
            "api_key": self.api_key,
            "api_secret": self.api_secret,
            "redirect_url": self.redirect_url,
        }

    def error_response(self, kind: ErrorKind, message: str, status: int) -> web.Response:
        code, default_status = _KIND_CODES[kind]
        return failure(code, message, status if status >= 429 else default_status)

    def rate_limits(self) -> Mapping[str, Sequence[RateWindow]]:
        # v2 intro page, per user: order APIs 10/s (v2.3 release notes; the table once said 25), 250/min,
        # 1000/h, 7000/day; data APIs 5/s; quote APIs 1/s; other APIs 20/s; option chain 1 per 3 s.
        return {"orders": [RateWindow(10), RateWindow(250, 60.0), RateWindow(1000, 3600.0),
                           RateWindow(7000, 86400.0)],
                "data": [RateWindow(5), RateWindow(100_000, 86400.0)], "quote": [RateWindow(1)],
                "option_chain": [RateWindow(1, 3.0)], "non_trading": [RateWindow(20)]}

    def rate_class(self, request: web.Request) -> str | None:
        path = request.path
        if not path.startswith("/v2/"):
            return None
        if path.startswith(("/v2/orders", "/v2/super/orders", "/v2/forever/orders")) and request.method != "GET":
            return "orders"
        if path.startswith("/v2/optionchain"):
            return "option_chain"
        if path.startswith("/v2/charts"):
            return "data"
        if path.startswith("/v2/marketfeed"):
            return "quote"
        return "non_trading"

    def is_api_request(self, request: web.Request) -> bool:
        return request.path.startswith("/v2/")

    def add_routes(self, app: web.Application) -> None:
        auth.add_routes(self, app)
        orders.add_routes(self, app)
        market.add_routes(self, app)
        stream.add_routes(self, app)

    async def publish(self, client: StreamClient) -> None:
        await stream.publish(self, client)

    async def on_stream_message(self, client: StreamClient, message: str | bytes) -> None:
        await stream.on_message(self, client, message)

    def order_frame(self, order: PaperOrder, client: StreamClient) -> str | bytes | None:
        return stream.order_frame(self, order, client)

    # -- helpers for the route modules ------------------------------------------------------

    def issue_token(self, user: str) -> str:
        """Issue a 24-hour access token (a JWT whose ``exp`` is its expiry)."""
        token = self.sessions.issue(user, token=jwt_for(user))
        self.token_expiry[token] = self.sessions.expiry(self.clock.now())
        return token

    def user_of_request(self, request: web.Request) -> str:
        """The client a request's ``access-token`` belongs to; DH-901 when it is missing or dead."""
        token = request.headers.get("access-token", "")
        user = self.sessions.user_of(token) if token else None
        if user is None:
            raise refuse("DH-901", "Client ID or user generated access token is invalid or expired.", 401)
        client = request.headers.get("client-id") or request.headers.get("dhanClientId")
        if client is not None and client != user:
            raise refuse("DH-901", "Client ID does not match the access token.", 401)
        return user

    def check_static_ip(self, request: web.Request) -> None:
        """Order writes need a whitelisted IP (v2.4); 127.0.0.1 counts as one unless told otherwise."""
        remote = request.remote or ""
        listed = (remote == "127.0.0.1" and self.loopback_whitelisted) or remote in self.allowed_ips.values()
        if not listed or not self.faults.ip_whitelisted:
            raise refuse("DH-902", self.static_ip_refusal, 403)

    # -- the envelope (the kit's api() wrapper calls these) ----------------------------------

    def authenticate(self, request: web.Request) -> str:
        return self.user_of_request(request)

    def ok_response(self, data: Any) -> web.Response:
        """Bare JSON: Dhan puts no envelope round a success (a ready response, a 202, passes as is)."""
        return data if isinstance(data, web.Response) else ok(data)

    def refusal_response(self, refusal: Refusal) -> web.Response:
        code, status = _KIND_CODES[refusal.kind]
        return failure(refusal.code or code, refusal.message, refusal.status or status)

    def rejection_response(self, rejection: PaperRejection) -> web.Response:
        """A paper refusal outside order placement (modify, cancel, convert, forever orders) as Dhan words it."""
        code, words = _REJECTIONS.get(rejection.code, ("DH-906", ""))
        return failure(code, f"{words}{rejection.message}", 400)

    def api(self, handler: Handler, *, body: str = "json", authenticated: bool = True
            ) -> Callable[[web.Request], Awaitable[web.Response]]:
        """The kit's wrapper with JSON bodies, refusing a body whose ``dhanClientId`` is not the caller."""
        def checked(request: web.Request, fields: dict[str, Any], user: str) -> Any:
            client = fields.get("dhanClientId")
            if client is not None and str(client) != user:
                raise refuse("DH-905", "dhanClientId does not match the access token.")
            return handler(request, fields, user)
        return super().api(checked, body=body, authenticated=authenticated)


def main(argv: list[str] | None = None) -> None:
    """``tt-connect emulate dhan [--port N]``."""
    DhanEmulator.main(argv)
