"""The Fyers (API v3) emulator: Fyers' REST protocol over the paper market.

Speaks what the official ``fyers-apiv3`` SDK sends and expects: ``Authorization: <app_id>:<token>``,
JSON bodies (DELETE with one), GET parameters in the query, the ``{"s": "ok"|"error", "code",
"message"}`` envelope with 400/401/403/429/500 statuses, the auth-code login (``generate-authcode``
redirecting with ``auth_code``, ``validate-authcode`` checking ``appIdHash``), the sample script's
unofficial ``vagator`` web login, the headerless symbol masters, quotes, depth, candles, the
option chain, market status, the symbol-token lookup and index map the data socket uses.
Access tokens are JWTs with ``exp`` (their death on the emulator's clock) and an ``hsm_key``
claim, as the SDK's data socket requires. 429s follow the published windows (10/s, 200/min,
100,000/day per user); every fault of the emulation kit can be injected. The HSM data socket
and the order socket are served by :mod:`tt_connect_fyers.feed`'s emulator part.

Routes live in :mod:`.auth`, :mod:`.orders` and :mod:`.market`; this module is the host:
credentials, the envelopes, rate classes and the token book.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import pyotp
from aiohttp import web
from tt_connect.emulation import EmulatorHost, ErrorKind, RateWindow, Refusal, StreamClient
from tt_connect.paper.engine import PaperOrder, PaperRejection
from tt_connect.timeutil import Clock

from tt_connect_fyers.emulator import auth, market, orders
from tt_connect_fyers.emulator.wire import MASTER_NAMES, FyersListing, failure, fyers_order, ok, refuse
from tt_connect_fyers.feed import emulator as feed_emulator
from tt_connect_fyers.feed.emulator import FeedState

__all__ = ["FyersEmulator", "main"]

_KIND_CODES: Mapping[ErrorKind, tuple[int, int]] = {
    ErrorKind.AUTH: (-16, 401), ErrorKind.PERMISSION: (-373, 403), ErrorKind.RATE_LIMIT: (-429, 429),
    ErrorKind.INPUT: (-50, 400), ErrorKind.ORDER: (-99, 400), ErrorKind.FUNDS: (-99, 400),
    ErrorKind.NOT_FOUND: (-51, 400), ErrorKind.SERVER: (-96, 500),
}
_REJECTIONS: Mapping[str, tuple[int, str]] = {
    "NOT_FOUND": (-51, "Invalid order id: "), "GTT_NOT_FOUND": (-51, "Invalid GTT order id: "),
    "ORDER_STATE": (-99, "Order is not open: "), "NO_POSITION": (-352, "No position to convert: "),
    "PRODUCT": (-314, "Invalid productType: "),
}
"""Paper refusal codes outside order placement -> Fyers' code and the start of its message."""
MASTER_PATH = "/sym_details"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FyersEmulator(EmulatorHost):
    """Fyers API v3 on 127.0.0.1; fresh random credentials per instance."""

    broker = "fyers"
    static_ip_refusal = "Orders are accepted only from a static IP whitelisted for this app."
    daily_expiry = _dt.time(6, 0)
    """Tokens die at 06:00 IST the next morning (PROTOCOL.md: the real cut-off is unverified; ``exp`` says it)."""

    def __init__(self, *, port: int = 0, clock: Clock | None = None, seed: int = 7, tick_interval: float = 0.2,
                 enforce_rate_limits: bool = True) -> None:
        super().__init__(port=port, clock=clock, seed=seed, tick_interval=tick_interval,
                         enforce_rate_limits=enforce_rate_limits)
        self.fy_id = f"X{secrets.randbelow(10**5):05d}"
        self.app_id = f"{secrets.token_hex(5).upper()}-100"
        self.app_secret = secrets.token_hex(5).upper()
        self.pin = f"{secrets.randbelow(10_000):04d}"
        self.totp_secret = pyotp.random_base32()
        self.redirect_url = "http://127.0.0.1:8765/fyers/callback"
        self.listing = FyersListing(self.engine)
        self.order_extra: dict[str, dict[str, Any]] = {}
        """Order id -> what Fyers shows that the engine keeps no field for (product, AMO, stop-loss...)."""
        self.hsm_keys: dict[str, str] = {}
        """The data socket's ``hsm_key`` -> the access token it was issued with (the feed checks it)."""
        self.issued: set[str] = set()
        self.logins = 0
        """Successful ``validate-authcode`` exchanges (tests check a login happened, or did not)."""
        self.logouts = 0
        self.auth_code = self.sessions.issue_code(auth.AUTH_CODE, self.fy_id)
        """One code announced for scripts (the SDK's ``set_token``); redeemable once, like a redirect's."""
        self.access_token = self.issue_token(self.fy_id)
        self.feed = FeedState(hsm_user=self.user_of_hsm_key, socket_user=self.user_of_socket_header)
        """The two sockets' view of the market (:mod:`tt_connect_fyers.feed.emulator`)."""
        for token, ticker in self.listing.ticker.items():
            self.feed.add(token, self.listing.fy_token[token], ticker)

    # -- host protocol ----------------------------------------------------------------------

    def announcement(self) -> dict[str, Any]:
        """The keys ``sdk-notes.md`` lists for Fyers, plus every other URL the driver has a setting for."""
        base, ws = self.base_url, self.ws_base_url
        masters = {name: f"{base}{MASTER_PATH}/{segment}.csv" for name, segment in (
            ("instruments_url", "NSE_CM"), ("instruments_nse_fo_url", "NSE_FO"), ("instruments_nse_cd_url", "NSE_CD"),
            ("instruments_nse_com_url", "NSE_COM"), ("instruments_bse_cm_url", "BSE_CM"),
            ("instruments_bse_fo_url", "BSE_FO"), ("instruments_mcx_com_url", "MCX_COM"))}
        return {
            "broker": self.broker,
            "api_url": f"{base}/api/v3",
            "data_url": f"{base}/data",
            "ws_url": f"{ws}/hsm/v1-5/prod",
            "order_ws_url": f"{ws}/trade/v3",
            **masters,
            "index_hsm_url": f"{base}{MASTER_PATH}/index_hsm_mapping.json",
            "hsm_lookup_url": f"{base}/data/symbol-token",
            "login_url": f"{base}/api/v3/generate-authcode",
            "validate_url": f"{base}/api/v3/validate-authcode",
            "vagator_url": f"{base}/vagator/v2",
            "app_id": self.app_id,
            "app_secret": self.app_secret,
            "redirect_url": self.redirect_url,
            "auth_code": self.auth_code,
            "access_token": self.access_token,
            "fy_id": self.fy_id,
            "pin": self.pin,
            "totp_secret": self.totp_secret,
        }

    def driver_config(self, **overrides: Any) -> dict[str, Any]:
        """The announcement as a config, with a live token and an unused auth code: dead or spent ones are
        replaced, as the account holder would log in again, so every new client of a long-running emulator
        can start."""
        if self.sessions.user_of(self.access_token) is None:
            self.access_token = self.issue_token(self.fy_id)
        if self.sessions.redeem_code(auth.AUTH_CODE, self.auth_code, consume=False) is None:
            self.auth_code = self.sessions.issue_code(auth.AUTH_CODE, self.fy_id)
        return super().driver_config(**overrides)

    def error_response(self, kind: ErrorKind, message: str, status: int) -> web.Response:
        code, default_status = _KIND_CODES[kind]
        if kind is ErrorKind.RATE_LIMIT:
            return failure(-429, "request limit reached", 429)
        return failure(code, message, status if status >= 500 else default_status)

    def rate_limits(self) -> Mapping[str, Sequence[RateWindow]]:
        # v3 reference, per user and all APIs together: 10/s, 200/min, 100,000/day.
        return {"api": [RateWindow(10), RateWindow(200, 60.0), RateWindow(100_000, 86400.0)]}

    def rate_class(self, request: web.Request) -> str | None:
        return "api" if self.is_api_request(request) else None

    def is_api_request(self, request: web.Request) -> bool:
        """REST calls on the trading and data roots; the login steps and the masters are spared."""
        path = request.path
        if path.startswith(("/api/v3/generate-authcode", "/api/v3/validate-authcode", "/api/v3/token")):
            return False
        return path.startswith(("/api/v3/", "/data/"))

    def add_routes(self, app: web.Application) -> None:
        auth.add_routes(self, app)
        orders.add_routes(self, app)
        market.add_routes(self, app)
        feed_emulator.add_routes(self, self.feed, app)

    async def publish(self, client: StreamClient) -> None:
        """The HSM and order sockets are :mod:`tt_connect_fyers.feed`'s."""
        await feed_emulator.publish(self, self.feed, client)

    async def on_stream_message(self, client: StreamClient, message: str | bytes) -> None:
        await feed_emulator.on_message(self, self.feed, client, message)

    def order_frame(self, order: PaperOrder, client: StreamClient) -> str | bytes | None:
        return feed_emulator.order_frame(client, lambda: fyers_order(
            self.listing, order, self.fy_id, self.order_extra.get(order.order_id, {})))

    # -- tokens -----------------------------------------------------------------------------

    def _jwt(self, user: str) -> Any:
        def make(expires_at: _dt.datetime) -> str:
            now = int(self.clock.now().timestamp())
            hsm_key = secrets.token_hex(20)
            claims = {"iss": "api.fyers.in", "iat": now, "exp": int(expires_at.timestamp()), "nbf": now,
                      "aud": ["d:1", "d:2", "x:0", "x:1", "x:2"], "sub": "access_token",
                      "at_hash": _b64(hashlib.sha256(secrets.token_bytes(16)).digest()[:16]),
                      "display_name": "FYERS EMULATOR", "oms": "K1", "hsm_key": hsm_key, "isDdpiEnabled": "N",
                      "isMtfEnabled": "N", "fy_id": user, "appType": 100, "poa_flag": "N"}
            token = ".".join((_b64(b'{"alg":"HS256","typ":"JWT"}'), _b64(msgspec.json.encode(claims)),
                              _b64(secrets.token_bytes(32))))
            self.hsm_keys[hsm_key] = token
            return token
        return make

    def issue_token(self, user: str) -> str:
        """Issue an access token (a JWT whose ``exp`` is when the session book lets it die)."""
        token = self.sessions.issue(user, token=self._jwt(user))
        self.issued.add(token)
        return token

    def user_of_hsm_key(self, hsm_key: str) -> str | None:
        """The user whose live token carries ``hsm_key`` (for the data socket's auth frame)."""
        token = self.hsm_keys.get(hsm_key)
        return self.sessions.user_of(token) if token else None

    def user_of_socket_header(self, authorization: str) -> str | None:
        """The user of the order socket's ``authorization: <app_id>:<token>`` header."""
        app_id, _, token = authorization.partition(":")
        return self.sessions.user_of(token) if app_id == self.app_id and token else None

    def bearer(self, request: web.Request) -> str:
        """The access token of ``Authorization: <app_id>:<token>``; refused when the app id is not ours."""
        header = request.headers.get("Authorization", "")
        app_id, colon, token = header.partition(":")
        if not colon or not token:
            raise refuse(-15, "Please provide a valid token in the Authorization header.")
        if app_id != self.app_id:
            raise refuse(-352, "Invalid app id.", 401)
        return token

    # -- the envelope (the kit's api() wrapper calls these) ----------------------------------

    def authenticate(self, request: web.Request) -> str:
        token = self.bearer(request)
        user = self.sessions.user_of(token)
        if user is None:
            if token in self.issued:
                raise refuse(-8, "Your token has expired. Please generate a token")
            raise refuse(-16, "Could not authenticate the user.")
        return user

    def ok_response(self, data: Any) -> web.Response:
        return data if isinstance(data, web.Response) else ok(data)

    def refusal_response(self, refusal: Refusal) -> web.Response:
        code, status = _KIND_CODES[refusal.kind]
        if refusal.kind is ErrorKind.PERMISSION and refusal.message == self.static_ip_refusal:
            return failure(-373, refusal.message, 403)
        return failure(int(refusal.code) if refusal.code else code, refusal.message, refusal.status or status)

    def rejection_response(self, rejection: PaperRejection) -> web.Response:
        code, words = _REJECTIONS.get(rejection.code, (-99, ""))
        return failure(code, f"{words}{rejection.message}", 400)

    @property
    def master_names(self) -> tuple[str, ...]:
        return MASTER_NAMES


def main(argv: list[str] | None = None) -> None:
    """``tt-connect emulate fyers [--port N]``."""
    FyersEmulator.main(argv)
