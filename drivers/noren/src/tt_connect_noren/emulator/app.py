"""The Noren emulator: one OMS over the paper market, in each broker's profile.

Speaks what both SDK generations send and expect: every call a ``POST`` of raw
``jData=<json>[&jKey=<token>]`` text to ``<base>/<Route>`` (the SDKs' routes start with ``/``,
so the wire path has ``//``: both are served), the session as ``Authorization: Bearer`` or as
``jKey``, ``{"stat":"Ok"|"Not_Ok","emsg"}`` envelopes with HTTP 200, books as bare arrays,
the zipped per-exchange symbol files, and one JSON socket for market data and order updates.
The profile decides the login flow (:mod:`.auth`), the hosts' paths and the announcement.
Sessions die daily at 05:00 IST on the emulator's clock.
"""

from __future__ import annotations

import datetime as _dt
import secrets
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar

import pyotp
from aiohttp import web
from tt_connect.emulation import EmulatorHost, ErrorKind, Faults, RateWindow, Refusal, SessionBook, StreamClient
from tt_connect.paper.engine import PaperOrder
from tt_connect.timeutil import Clock

from tt_connect_noren.emulator import auth, market, orders, stream
from tt_connect_noren.emulator.wire import NorenListing, not_ok, ok, read_body, refuse
from tt_connect_noren.profiles import PROFILES, LoginFlow, NorenProfile

__all__ = ["EMULATORS", "FlattradeEmulator", "NorenEmulator", "QuickAuthEmulator", "ShoonyaEmulator", "main"]

Handler = Callable[["NorenEmulator", dict[str, Any], str, str], Any]
_SESSION_DEAD = "Session Expired :  Invalid Session Key"
_ORDER_ROUTES = frozenset({"PlaceOrder", "ModifyOrder", "CancelOrder"})
_ERROR_TEXT = {ErrorKind.AUTH: _SESSION_DEAD, ErrorKind.RATE_LIMIT: "Too many requests",
               ErrorKind.SERVER: "Server Timeout :  please retry"}


class NorenEmulator(EmulatorHost):
    """A Noren OMS on 127.0.0.1 in one broker's profile; fresh random credentials per instance."""

    broker: ClassVar[str] = "noren"
    profile: ClassVar[NorenProfile] = PROFILES["noren"]
    rest_prefix: ClassVar[str] = "/NorenWClientTP"
    ws_path: ClassVar[str] = "/NorenWSTP/"
    static_ip_refusal = "Invalid Input : static IP not whitelisted for API orders"
    """[UNVERIFIED] wording: Noren's refusal of an order from an unregistered IP is unpublished."""
    daily_expiry = _dt.time(5, 0)
    """Flattrade documents 05:00 IST; Shoonya's hour is unpublished ([UNVERIFIED], PROTOCOL.md)."""

    def __init__(self, *, port: int = 0, clock: Clock | None = None, seed: int = 7, tick_interval: float = 0.2,
                 enforce_rate_limits: bool = True, redirect_url: str = "http://127.0.0.1:8765/noren/callback"
                 ) -> None:
        super().__init__(port=port, clock=clock, seed=seed, tick_interval=tick_interval,
                         enforce_rate_limits=enforce_rate_limits)
        self.user_id = {"shoonya": "FA12345", "flattrade": "FT012345"}.get(self.profile.name, "NR12345")
        self.api_key = f"{self.user_id}_U" if self.profile.login is LoginFlow.OAUTH else secrets.token_hex(8)
        self.vendor_code = f"{self.user_id}_U"
        self.api_secret = secrets.token_hex(16)
        self.password = secrets.token_urlsafe(9)
        self.totp_secret = pyotp.random_base32()
        self.redirect_url = redirect_url
        self.user_tokens = SessionBook(self.clock, self.daily_expiry)
        """``susertoken`` session keys (jKey, ``t=c``); ``sessions`` holds the OAuth access tokens."""
        self.refresh_tokens = SessionBook(self.clock, self.daily_expiry)
        self.faults = Faults(self._expire_all, self._kill_streams_threadsafe, close_market=self.engine.close_market,
                             open_market=lambda: self._on_loop(self.engine.open_market))
        self.listing = NorenListing(self.engine)
        self.files = self.listing.symbol_files()
        self.order_fields: dict[str, dict[str, Any]] = {}
        """The placement fields of each order (``prd``, ``amo``, ``blprc``... the paper engine does not keep)."""
        self.gtt_fields: dict[str, dict[str, Any]] = {}
        self.logins = 0
        self.auth_code = secrets.token_urlsafe(18)
        self._routes: dict[str, Handler] = {**orders.ROUTES, **market.ROUTES, "UserDetails": auth.user_details,
                                            "Logout": auth.logout}
        self._freeze: dict[int, int] = {}

    def _expire_all(self) -> None:
        for book in (self.sessions, self.user_tokens, self.refresh_tokens):
            book.expire_all()

    def redeem(self, code: str) -> str | None:
        """The user a login code belongs to: a code from the login page works once (as the broker's do); the
        announced ``auth_code`` is the emulator's standing test credential, so every test client can log in."""
        if code and code == self.auth_code:
            return self.user_id
        return self.sessions.redeem_code("login-code", code)

    def freeze_quantity(self, paper: int) -> int:
        """The exchange's largest quantity in one order for a contract (NSE: 1800 NIFTY units...)."""
        row = self.listing.row(paper)
        return self._freeze.get(paper, 24 * row.lot_size if row.kind in ("FUT", "OPT") else 100_000)

    # -- host protocol ----------------------------------------------------------------------

    def announcement(self) -> dict[str, Any]:
        """The keys ``sdk-notes.md`` lists for Noren, per login flow."""
        base = f"{self.base_url}{self.rest_prefix}/"
        out: dict[str, Any] = {"broker": self.broker, "api_url": base, "ws_url": f"{self.ws_base_url}{self.ws_path}",
                               "instruments_url": f"{self.base_url}/NSE_symbols.txt.zip", "user_id": self.user_id,
                               "api_key": self.api_key, "api_secret": self.api_secret}
        if self.profile.login is LoginFlow.OAUTH:
            out.update(oauth_url=f"{self.base_url}/OAuthlogin/authorize/oauth", auth_code=self.auth_code,
                       redirect_url=self.redirect_url)
        elif self.profile.login is LoginFlow.FLATTRADE:
            out.update(oauth_url=f"{self.base_url}/flattrade-auth/", token_url=f"{self.base_url}/trade/apitoken",
                       auth_code=self.auth_code, redirect_url=self.redirect_url)
        else:
            out.update(password=self.password, totp_secret=self.totp_secret, vendor_code=self.vendor_code)
        return out

    def error_response(self, kind: ErrorKind, message: str, status: int) -> web.Response:
        text = _ERROR_TEXT.get(kind) or (message if " : " in message else f"Invalid Input : {message}")
        response = not_ok(text, status if status == 429 or status >= 500 else 200)
        if kind is ErrorKind.RATE_LIMIT:
            response.headers["Retry-After"] = "1"  # [UNVERIFIED]: a throttled client waits a second
        return response

    def refusal_response(self, refusal: Refusal) -> web.Response:
        """A handler's refusal: its message is already Noren's whole ``emsg``."""
        return not_ok(refusal.message, refusal.status or 200)

    def rate_limits(self) -> Mapping[str, Sequence[RateWindow]]:
        # [UNVERIFIED] Noren publishes no figures in the sources read (reference 3.11): 10 orders and 20 other
        # calls a second, 200 orders a minute, the limits this driver declares too.
        return {"orders": [RateWindow(10), RateWindow(200, 60.0)], "default": [RateWindow(20)]}

    def _route(self, request: web.Request) -> str:
        path = request.path
        if not path.startswith(self.rest_prefix + "/"):
            return ""
        return path[len(self.rest_prefix):].strip("/")

    def rate_class(self, request: web.Request) -> str | None:
        route = self._route(request)
        if not route or route in ("QuickAuth", "GenAcsTok"):
            return None
        return "orders" if route in _ORDER_ROUTES else "default"

    def is_api_request(self, request: web.Request) -> bool:
        return self._route(request) not in ("", "QuickAuth", "GenAcsTok")

    async def publish(self, client: StreamClient) -> None:
        await stream.publish(self, client)

    def order_frame(self, order: PaperOrder, client: StreamClient) -> str | bytes | None:
        return stream.order_frame(self, order, client)

    async def on_stream_message(self, client: StreamClient, message: str | bytes) -> None:
        await stream.on_stream_message(self, client, message)

    # -- routes -----------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get(self.ws_path, self._socket)
        r.add_get(self.ws_path.rstrip("/"), self._socket)
        r.add_get("/OAuthlogin/authorize/oauth", self._page(auth.oauth_login_page))
        r.add_get("/flattrade-auth/", self._page(auth.flattrade_login_page))
        r.add_post("/trade/apitoken", self._token_service)
        r.add_get("/{exchange}_symbols.txt.zip", self._symbol_file)
        r.add_post(self.rest_prefix + "/{route:.*}", self._dispatch)

    def _page(self, handler: Callable[[NorenEmulator, web.Request], Awaitable[web.Response]]
              ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def run(request: web.Request) -> web.Response:
            try:
                return await handler(self, request)
            except Refusal as refusal:
                return not_ok(refusal.message)
        return run

    async def _token_service(self, request: web.Request) -> web.Response:
        return await auth.flattrade_token(self, request)

    async def _symbol_file(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["exchange"])
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type="application/zip")

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        return await self.serve_stream(request, "", state={"sent": {}, "orders": False})

    def _session(self, request: web.Request, key: str | None) -> tuple[str, str]:
        scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
        token = bearer.strip() if scheme.lower() == "bearer" and bearer.strip() else (key or "")
        user = self.sessions.user_of(token) or self.user_tokens.user_of(token)
        if user is None:
            raise refuse(_SESSION_DEAD)
        return user, token

    async def _dispatch(self, request: web.Request) -> web.Response:
        route = self._route(request)
        try:
            if route == "QuickAuth":
                return await auth.quick_auth(self, request)
            if route == "GenAcsTok":
                return await auth.gen_access_token(self, request)
            handler = self._routes.get(route)
            fields, key = read_body(await request.read())
            user, token = self._session(request, key)
            if handler is None:
                raise refuse(f"Invalid Input : no such route {route}")
            if fields.get("uid") not in (None, user) or fields.get("actid") not in (None, user):
                raise refuse("Invalid Input : uid or actid does not match the session")
            payload = handler(self, fields, user, token)
        except Refusal as refusal:
            return not_ok(refusal.message)
        return ok(payload)


class ShoonyaEmulator(NorenEmulator):
    """Shoonya (Finvasia): OAuth code flow, ``GenAcsTok``, Bearer header, ``NorenWClientAPI``."""

    broker = "shoonya"
    profile = PROFILES["shoonya"]
    rest_prefix = "/NorenWClientAPI"
    ws_path = "/NorenWSAPI/"


class FlattradeEmulator(NorenEmulator):
    """Flattrade Pi Connect: its token service, ``jKey`` bodies, ``PiConnectTP``."""

    broker = "flattrade"
    profile = PROFILES["flattrade"]
    rest_prefix = "/PiConnectTP"
    ws_path = "/PiConnectWSTp/"


class QuickAuthEmulator(NorenEmulator):
    """A generic Noren broker on the legacy QuickAuth login (password + TOTP + vendor code)."""


EMULATORS: dict[str, type[NorenEmulator]] = {"shoonya": ShoonyaEmulator, "flattrade": FlattradeEmulator,
                                             "noren": QuickAuthEmulator}


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m tt_connect_noren.emulator <profile> [--port N] [--no-rate-limits]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    profile = args.pop(0) if args and not args[0].startswith("-") else "shoonya"
    emulator = EMULATORS.get(profile)
    if emulator is None:
        raise SystemExit(f"unknown Noren profile {profile!r}; one of {', '.join(EMULATORS)}")
    emulator.main(args)
