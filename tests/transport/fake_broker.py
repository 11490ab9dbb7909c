"""A fake broker for transport and auth tests: an aiohttp server and the driver that speaks to it.

The server keeps real state (issued tokens, logins, orders by tag, request times) so that tests can
assert what happened on the wire, not what the client believes.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyotp
from aiohttp import web
from tt_connect.driver_api import (
    AuthKind,
    BrokerApi,
    BrokerAuth,
    BrokerFailure,
    Call,
    Capabilities,
    DriverConfig,
    DriverContext,
    DriverPlugin,
    ErrorMap,
    HttpRequest,
    HttpResponse,
    InstrumentSource,
    LoginFlow,
    NeedTotp,
    Operation,
    RateClass,
    RateLimits,
    SegmentCapabilities,
    Session,
    Support,
)
from tt_connect.enums import Exchange, OrderStatus, OrderType, ProductType, Side, Validity
from tt_connect.errors import InsufficientFundsError, SessionExpiredError
from tt_connect.models import Order, OrderRequest, Profile

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "correct-horse-battery-staple"
LISTING = b"""exchange,segment,kind,symbol,underlying,expiry,strike,option_type,lot_size,tick_size,isin,name,broker_token,broker_symbol,broker_exchange,broker_segment
NSE,NSE,EQ,RELIANCE,RELIANCE,,,,1,0.05,,RELIANCE,11,RELIANCE,NSE,NSE
"""
SELECT = """SELECT exchange, segment, kind, symbol, underlying, TRY_CAST(expiry AS DATE) AS expiry,
    TRY_CAST(strike AS DOUBLE) AS strike, NULLIF(option_type, '') AS option_type,
    CAST(lot_size AS INTEGER) AS lot_size, CAST(tick_size AS DOUBLE) AS tick_size, isin, name,
    broker_token, broker_symbol, broker_exchange, broker_segment FROM {source}"""


@dataclass
class FakeBrokerServer:
    """State of the fake broker, shared with the test."""

    logins: int = 0
    tokens: set[str] = field(default_factory=set)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    accepted_at: list[float] = field(default_factory=list)
    limit_per_second: int = 10
    breaches: int = 0
    storm: int = 0
    storm_retry_after: str = "0.05"
    order_storm: int = 0
    order_refusals: int = 0
    drop_next_order: bool = False
    drop_before_recording: bool = False
    html_errors: int = 0
    truncated: int = 0
    login_delay: float = 0.0
    url: str = ""

    def expire(self) -> None:
        self.tokens.clear()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/login", self.login)
        app.router.add_get("/profile", self.profile)
        app.router.add_get("/orders", self.list_orders)
        app.router.add_post("/orders", self.place)
        return app

    def _error(self, status: int, code: str, message: str, **headers: str) -> web.Response:
        return web.json_response({"status": "error", "code": code, "message": message}, status=status,
                                 headers=headers)

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header[7:] in self.tokens

    def _metered(self) -> web.Response | None:
        now = time.monotonic()
        recent = [t for t in self.accepted_at if t > now - 1.0]  # arrivals in the last second, no slack
        if self.storm > 0:
            self.storm -= 1
            return self._error(429, "RATE", "slow down", **{"Retry-After": self.storm_retry_after})
        if len(recent) >= self.limit_per_second:
            self.breaches += 1
            return self._error(429, "RATE", "slow down", **{"Retry-After": "1"})
        self.accepted_at.append(now)
        return None

    async def login(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("password") != PASSWORD or not pyotp.TOTP(TOTP_SECRET).verify(body.get("totp", ""),
                                                                                  valid_window=1):
            return self._error(401, "BADLOGIN", "invalid credentials")
        await asyncio.sleep(self.login_delay)
        self.logins += 1
        token = f"tok-{self.logins:04d}-{time.time_ns()}"
        self.tokens.add(token)
        return web.json_response({"status": "ok", "data": {"token": token, "user": "FAKE01"}})

    async def profile(self, request: web.Request) -> web.Response:
        if self.html_errors > 0:
            self.html_errors -= 1
            return web.Response(status=502, text="<html><body>Bad Gateway</body></html>", content_type="text/html")
        if self.truncated > 0:
            self.truncated -= 1
            return web.Response(status=200, body=b'{"status": "ok", "data": {"user', content_type="application/json")
        if not self._authorised(request):
            return self._error(403, "TokenException", "token expired or invalid")
        metered = self._metered()
        if metered is not None:
            return metered
        return web.json_response({"status": "ok", "data": {"user": "FAKE01"}})

    async def list_orders(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(403, "TokenException", "token expired or invalid")
        return web.json_response({"status": "ok", "data": list(self.orders.values())})

    async def place(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(403, "TokenException", "token expired or invalid")
        body = await request.json()
        if self.order_storm > 0:  # refused before acting, as a rate limit is
            self.order_storm -= 1
            self.order_refusals += 1
            return self._error(429, "RATE", "slow down", **{"Retry-After": "0.05"})
        if body["qty"] > 1000:
            return self._error(400, "MARGIN", "insufficient margin")
        if self.drop_next_order and self.drop_before_recording:
            self.drop_next_order = False
            assert request.transport is not None
            request.transport.close()
            raise asyncio.CancelledError
        order_id = str(100 + len(self.orders))
        self.orders[order_id] = {"id": order_id, "tag": body["tag"], "qty": body["qty"]}
        if self.drop_next_order:
            self.drop_next_order = False
            assert request.transport is not None
            request.transport.close()  # acted on it, then the connection dies before the reply
            raise asyncio.CancelledError
        return web.json_response({"status": "ok", "data": {"id": order_id}})


class FakeConfig(DriverConfig, frozen=True, kw_only=True):
    base_url: str
    user_id: str = "FAKE01"
    password: str = ""
    totp_secret: str = ""
    access_token: str = ""
    rate_per_second: float = 10.0


class FakeAuth(BrokerAuth):
    def __init__(self, config: FakeConfig) -> None:
        self.config = config

    def login_kind(self) -> AuthKind:
        return AuthKind.ACCESS_TOKEN if self.config.access_token else AuthKind.PASSWORD_TOTP

    def login(self, now: _dt.datetime) -> LoginFlow:
        return self._flow(now)

    def _flow(self, now: _dt.datetime) -> Generator[Any, Any, Session]:
        if self.config.access_token:
            return Session(broker="fake", user_id=self.config.user_id, access_token=self.config.access_token,
                           created_at=now, expires_at=now + _dt.timedelta(hours=20))
        code = yield NeedTotp(secret=self.config.totp_secret)
        reply: HttpResponse = yield HttpRequest(
            method="POST", url=f"{self.config.base_url}/login", endpoint="session.login", authenticated=False,
            json={"user": self.config.user_id, "password": self.config.password, "totp": code})
        data = reply.json()
        if reply.status != 200:
            from tt_connect.errors import AuthenticationError

            raise AuthenticationError(data["message"], broker="fake", code=data["code"], http_status=reply.status)
        return Session(broker="fake", user_id=data["data"]["user"], access_token=data["data"]["token"],
                       created_at=now, expires_at=now + _dt.timedelta(hours=20))

    def session_headers(self, session: Session) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {session.access_token}"}

    def logout(self, session: Session) -> HttpRequest | None:
        return None


class FakeApi(BrokerApi):
    broker = "fake"

    def __init__(self, config: FakeConfig) -> None:
        self.base = config.base_url

    def unwrap(self, response: HttpResponse) -> Any:
        payload = response.json()
        if payload.get("status") != "ok":
            raise BrokerFailure(payload.get("message", ""), code=payload.get("code"), http_status=response.status)
        return payload["data"]

    def profile(self, ctx: DriverContext) -> Call[Profile]:
        return Call(HttpRequest(method="GET", url=f"{self.base}/profile", endpoint="profile"),
                    lambda d: Profile(broker="fake", user_id=d["user"]))

    def orders(self, ctx: DriverContext) -> Call[list[Order]]:
        def parse(data: Any) -> list[Order]:
            instrument = ctx.by_token("NSE", "11")
            return [Order(order_id=o["id"], instrument=instrument, side=Side.BUY, qty=o["qty"],  # type: ignore[arg-type]
                          order_type=OrderType.MARKET, product=ProductType.CNC, status=OrderStatus.COMPLETE,
                          tag=o["tag"]) for o in data]

        return Call(HttpRequest(method="GET", url=f"{self.base}/orders", endpoint="orders"), parse)

    def place_order(self, ctx: DriverContext, request: OrderRequest) -> Call[str]:
        body = {"token": ctx.resolve(request.instrument).token, "qty": request.qty, "tag": request.tag}
        return Call(HttpRequest(method="POST", url=f"{self.base}/orders", endpoint="orders.place",
                                rate_class="orders", json=body, is_write=True), lambda d: str(d["id"]))


class FakeDriver(DriverPlugin[FakeConfig]):
    name = "fake"
    config_type = FakeConfig

    def capabilities(self) -> Capabilities:
        return Capabilities(
            operations={Operation.PROFILE: Support.SUPPORTED, Operation.ORDERS: Support.SUPPORTED,
                        Operation.PLACE_ORDER: Support.SUPPORTED},
            segments=(SegmentCapabilities(exchange=Exchange.NSE, order_types=frozenset({OrderType.MARKET}),
                                          products=frozenset({ProductType.CNC}),
                                          validities=frozenset({Validity.DAY})),))

    def auth(self, config: FakeConfig) -> FakeAuth:
        return FakeAuth(config)

    def instrument_source(self, config: FakeConfig) -> InstrumentSource:
        return InstrumentSource.one_file(SELECT, local=lambda: LISTING, read_options="header=true, all_varchar=true")

    def api(self, config: FakeConfig) -> BrokerApi:
        return FakeApi(config)

    def error_map(self, config: FakeConfig) -> ErrorMap:
        return ErrorMap(codes={"TokenException": SessionExpiredError, "MARGIN": InsufficientFundsError},
                        session_dead=lambda failure: failure.code == "TokenException")

    def rate_limits(self, config: FakeConfig) -> RateLimits:
        rate = config.rate_per_second
        return RateLimits(classes=(RateClass(name="default", per_second=rate),
                                   RateClass(name="orders", per_second=rate)))
