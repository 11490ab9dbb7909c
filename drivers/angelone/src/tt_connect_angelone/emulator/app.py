"""The AngelOne SmartAPI emulator: SmartAPI's wire protocol over the paper market.

Speaks what smartapi-python sends and expects: JSON bodies, the
``{"status", "message", "errorcode", "data"}`` envelope (errors often with
HTTP 200), the gateway's ``{"success", "errorCode"}`` envelope for token
failures, the ``X-PrivateKey`` / ``X-UserType`` / ``X-SourceID`` headers, the
client code + PIN + TOTP login returning JWT, refresh and feed tokens, token
renewal, the public scrip master JSON, candles within per-interval ranges, the
SmartWebSocketV2 little-endian feed (LTP, QUOTE, SNAP_QUOTE; text ``ping`` ->
``pong``) and the order-update socket. Risk refusals (funds, lot size) are
accepted and show up as ``rejected`` orders with a ``text`` reason, as on
AngelOne. A session lasts 24 hours from its login on the emulator's clock, and its JWT says so
in its ``exp`` claim.
"""

from __future__ import annotations

import base64
import datetime as _dt
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import msgspec
import pyotp
from aiohttp import web
from tt_connect.emulation import EmulatorHost, ErrorKind, Faults, RateWindow, SessionBook, StreamClient, verify_totp
from tt_connect.paper.engine import PaperOrder
from tt_connect.paper.margins import MarginOrder, basket_margin
from tt_connect.paper.triggers import PaperGtt, PaperGttLeg
from tt_connect.timeutil import IST, Clock

from tt_connect_angelone.emulator.frames import LTP, QUOTE, SNAP_QUOTE, tick_frame
from tt_connect_angelone.emulator.wire import (
    ANGEL_ORDER_TYPES,
    ANGEL_PRODUCTS,
    EXCHANGE_TYPES,
    AngelListing,
    angel_holding,
    angel_order,
    angel_position,
    angel_quote,
    angel_rms,
    angel_trade,
)

__all__ = ["SmartApiEmulator", "main"]

SECURE = "/rest/secure/angelbroking"
AUTH = "/rest/auth/angelbroking"
_BACKEND_ERRORS: dict[ErrorKind, tuple[str, int]] = {
    ErrorKind.INPUT: ("AB1007", 200),
    ErrorKind.ORDER: ("AB1007", 200),
    ErrorKind.FUNDS: ("AB1007", 200),
    ErrorKind.NOT_FOUND: ("AB1007", 200),
    ErrorKind.PERMISSION: ("AB1034", 200),
    ErrorKind.SERVER: ("AB2001", 500),
}
# interval -> (seconds, most days per request): reference 2.8 (community values)
_INTERVALS: dict[str, tuple[int, int]] = {
    "ONE_MINUTE": (60, 30), "THREE_MINUTE": (180, 60), "FIVE_MINUTE": (300, 100), "TEN_MINUTE": (600, 100),
    "FIFTEEN_MINUTE": (900, 200), "THIRTY_MINUTE": (1800, 200), "ONE_HOUR": (3600, 400), "ONE_DAY": (86400, 2000),
}
_QUOTE_MODES = ("LTP", "OHLC", "FULL")
_MAX_QUOTE_TOKENS = 50
_MAX_TAG = 20
_RULE_STATUS = {"active": "NEW", "triggered": "SENTTOEXCHANGE", "deleted": "CANCELLED", "expired": "EXPIRED"}
"""Paper GTT states as SmartAPI rule statuses ([UNVERIFIED] names, see PROTOCOL.md)."""
_UNIQUE_IDS = uuid.UUID("6f1c2a52-6a43-4d5e-9b7e-8f3f2b8c1d00")


class _Refusal(Exception):
    def __init__(self, kind: ErrorKind, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.kind, self.message, self.code = kind, message, code


def _ok(data: Any) -> web.Response:
    return web.Response(body=msgspec.json.encode({"status": True, "message": "SUCCESS", "errorcode": "",
                                                  "data": data}), content_type="application/json")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt_for(user: str) -> Callable[[_dt.datetime], str]:
    """Make a JWT-shaped token whose ``exp`` claim is its expiry (the signature is random: only the
    emulator checks its own tokens, by value)."""
    def make(expires_at: _dt.datetime) -> str:
        claims = {"sub": user, "exp": int(expires_at.timestamp())}
        return ".".join((_b64(b'{"alg":"HS512"}'), _b64(msgspec.json.encode(claims)), _b64(secrets.token_bytes(32))))

    return make


class SmartApiEmulator(EmulatorHost):
    """AngelOne SmartAPI on 127.0.0.1; fresh random credentials per instance."""

    broker = "angelone"
    session_lifetime = _dt.timedelta(hours=24)
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
        self.refresh_tokens = SessionBook(self.clock, self.daily_expiry, lifetime=self.session_lifetime)
        self.feed_tokens = SessionBook(self.clock, self.daily_expiry, lifetime=self.session_lifetime)
        self.faults = Faults(self._expire_all, self._kill_streams_threadsafe)
        self.listing = AngelListing(self.engine)
        self.varieties: dict[str, str] = {}
        self.unique_ids: dict[str, str] = {}
        self._sequence = 0
        self.logins = 0
        """Successful ``loginByPassword`` calls (tests check that a renewal did not need one)."""
        self.renewals = 0
        """Successful ``generateTokens`` calls."""
        self.access_token = self.sessions.issue(self.client_code, token=_jwt_for(self.client_code))
        self.refresh_token = self.refresh_tokens.issue(self.client_code)
        self.feed_token = self.feed_tokens.issue(self.client_code)

    def _expire_all(self) -> None:
        for book in (self.sessions, self.refresh_tokens, self.feed_tokens):
            book.expire_all()

    # -- host protocol ----------------------------------------------------------------------

    def announcement(self) -> dict[str, Any]:
        return {
            "broker": self.broker,
            "api_url": self.base_url,
            "ws_url": f"{self.ws_base_url}/smart-stream",
            "order_ws_url": f"{self.ws_base_url}/smart-order-update",
            "instruments_url": f"{self.base_url}/OpenAPI_File/files/OpenAPIScripMaster.json",
            "api_key": self.api_key,
            "client_code": self.client_code,
            "pin": self.pin,
            "totp_secret": self.totp_secret,
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "feed_token": self.feed_token,
        }

    def driver_config(self, **overrides: Any) -> dict[str, Any]:
        """Settings for ``TTConnect("angelone", ...)`` pointing here, logging in with PIN + TOTP."""
        found = self.announcement()
        config = {name: found[name] for name in ("api_url", "ws_url", "order_ws_url", "instruments_url",
                                                   "api_key", "client_code")}
        config.update(pin=self.pin, totp_secret=self.totp_secret)
        config.update(overrides)
        return config

    def error_response(self, kind: ErrorKind, message: str, status: int) -> web.Response:
        if kind is ErrorKind.AUTH:
            body: dict[str, Any] = {"success": False, "message": message, "errorCode": "AG8001", "data": ""}
            return web.Response(status=401, body=msgspec.json.encode(body), content_type="application/json")
        if kind is ErrorKind.RATE_LIMIT:
            body = {"success": False, "message": "Access denied because of exceeding access rate",
                    "errorCode": "", "data": ""}
            return web.Response(status=429, body=msgspec.json.encode(body), content_type="application/json",
                                headers={"Retry-After": "1"})
        code, default_status = _BACKEND_ERRORS[kind]
        body = {"status": False, "message": message, "errorcode": code, "data": None}
        return web.Response(status=status if status >= 500 else default_status, body=msgspec.json.encode(body),
                            content_type="application/json")

    def _refuse(self, refusal: _Refusal) -> web.Response:
        if refusal.code is None:
            return self.error_response(refusal.kind, refusal.message, 200)
        body = {"status": False, "message": refusal.message, "errorcode": refusal.code, "data": None}
        return web.Response(body=msgspec.json.encode(body), content_type="application/json")

    def rate_limits(self) -> Mapping[str, Sequence[RateWindow]]:
        # Reference 2.4 (staff table, per user id): per second / per minute.
        return {"login": [RateWindow(1)], "tokens": [RateWindow(1)], "profile": [RateWindow(3)],
                "rms": [RateWindow(2)], "orders": [RateWindow(20), RateWindow(500, 60.0)],
                "orderbook": [RateWindow(1)], "details": [RateWindow(10)], "tradebook": [RateWindow(1)],
                "ltp": [RateWindow(10)], "quote": [RateWindow(1)], "positions": [RateWindow(1)],
                "holdings": [RateWindow(1)], "candles": [RateWindow(3)], "default": [RateWindow(10)]}

    _RATE_CLASSES: Mapping[str, str] = {
        "loginByPassword": "login", "generateTokens": "tokens", "getProfile": "profile", "getRMS": "rms",
        "placeOrder": "orders", "modifyOrder": "orders", "cancelOrder": "orders", "getOrderBook": "orderbook",
        "getTradeBook": "tradebook", "getLtpData": "ltp", "quote": "quote", "getPosition": "positions",
        "getHolding": "holdings", "getAllHolding": "holdings", "getCandleData": "candles",
    }

    def rate_class(self, request: web.Request) -> str | None:
        if not request.path.startswith(("/rest/", "/gtt-service/")):
            return None
        if "/order/v1/details/" in request.path:
            return "details"
        return self._RATE_CLASSES.get(request.path.rsplit("/", 1)[-1], "default")

    def is_api_request(self, request: web.Request) -> bool:
        return request.path.startswith(SECURE)

    # -- routes -----------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post(f"{AUTH}/user/v1/loginByPassword", self._login)
        r.add_post(f"{AUTH}/jwt/v1/generateTokens", self._generate_tokens)
        r.add_get("/OpenAPI_File/files/OpenAPIScripMaster.json", self._scrip_master)
        r.add_get("/smart-stream", self._feed)
        r.add_get("/smart-order-update", self._order_feed)
        routes: dict[tuple[str, str], Callable[[web.Request, dict[str, Any], str], Any]] = {
            ("GET", "/user/v1/getProfile"): self._profile,
            ("POST", "/user/v1/logout"): self._logout,
            ("GET", "/user/v1/getRMS"): lambda req, body, user: angel_rms(self.engine),
            ("POST", "/order/v1/placeOrder"): self._place,
            ("POST", "/order/v1/modifyOrder"): self._modify,
            ("POST", "/order/v1/cancelOrder"): self._cancel,
            ("GET", "/order/v1/getOrderBook"): self._order_book,
            ("GET", "/order/v1/details/{unique_id}"): self._details,
            ("GET", "/order/v1/getTradeBook"): self._trade_book,
            ("POST", "/order/v1/getLtpData"): self._ltp_data,
            ("POST", "/market/v1/quote"): self._quote,
            ("GET", "/order/v1/getPosition"): self._positions,
            ("POST", "/order/v1/convertPosition"): self._convert,
            ("GET", "/portfolio/v1/getHolding"): self._holdings,
            ("GET", "/portfolio/v1/getAllHolding"): self._all_holdings,
            ("POST", "/historical/v1/getCandleData"): self._candles,
            ("POST", "/gtt/v1/createRule"): self._create_rule,
            ("POST", "/gtt/v1/modifyRule"): self._modify_rule,
            ("POST", "/gtt/v1/cancelRule"): self._cancel_rule,
            ("POST", "/gtt/v1/ruleDetails"): lambda req, body, user: self._rule(self._gtt(body)),
            ("POST", "/gtt/v1/ruleList"): self._rule_list,
            ("POST", "/margin/v1/batch"): self._margin_batch,
        }
        for (method, path), handler in routes.items():
            r.add_route(method, f"{SECURE}{path}", self._api(handler))
            if path.startswith("/gtt/v1/") and path.endswith(("createRule", "modifyRule", "cancelRule")):
                # smartapi-python and -java prefix these three with /gtt-service (reference 2.4): serve both.
                r.add_route(method, f"/gtt-service{SECURE}{path}", self._api(handler))

    def _check_headers(self, request: web.Request) -> None:
        if request.headers.get("X-PrivateKey") != self.api_key:
            raise _Refusal(ErrorKind.PERMISSION, "Invalid API Key", "AB1034")
        for header, value in (("X-UserType", "USER"), ("X-SourceID", "WEB")):
            if request.headers.get(header) != value:
                raise _Refusal(ErrorKind.INPUT, f"Missing or invalid {header} header", "AB1007")

    def _user(self, request: web.Request) -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = self.sessions.user_of(token) if scheme == "Bearer" else None
        if user is None:
            raise _Refusal(ErrorKind.AUTH, "Invalid Token")
        return user

    def _api(self, handler: Callable[[web.Request, dict[str, Any], str], Any]
             ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def run(request: web.Request) -> web.Response:
            try:
                self._check_headers(request)
                user = self._user(request)
                body: dict[str, Any] = {}
                if request.method == "POST":
                    raw = await request.read()
                    try:
                        decoded = msgspec.json.decode(raw) if raw.strip() else {}
                    except msgspec.DecodeError:
                        raise _Refusal(ErrorKind.INPUT, "Invalid JSON body", "AB1007") from None
                    if not isinstance(decoded, dict):
                        raise _Refusal(ErrorKind.INPUT, "The body must be a JSON object", "AB1007")
                    body = decoded
                return _ok(handler(request, body, user))
            except _Refusal as refusal:
                return self._refuse(refusal)
        return run

    # -- login ------------------------------------------------------------------------------

    def _tokens(self, user: str) -> dict[str, str]:
        return {"jwtToken": self.sessions.issue(user, token=_jwt_for(user)),
                "refreshToken": self.refresh_tokens.issue(user), "feedToken": self.feed_tokens.issue(user)}

    async def _login(self, request: web.Request) -> web.Response:
        try:
            self._check_headers(request)
            body = msgspec.json.decode(await request.read())
        except _Refusal as refusal:
            return self._refuse(refusal)
        except msgspec.DecodeError:
            return self._refuse(_Refusal(ErrorKind.INPUT, "Invalid JSON body", "AB1007"))
        if not isinstance(body, dict) or body.get("clientcode") != self.client_code \
                or body.get("password") != self.pin:
            return self._refuse(_Refusal(ErrorKind.INPUT, "Invalid clientcode or password", "AB1007"))
        if not verify_totp(self.totp_secret, body.get("totp"), self.clock.now()):
            return self._refuse(_Refusal(ErrorKind.INPUT, "Invalid totp", "AB1050"))
        self.logins += 1
        return _ok(self._tokens(self.client_code))

    async def _generate_tokens(self, request: web.Request) -> web.Response:
        try:
            self._check_headers(request)
            body = msgspec.json.decode(await request.read())
        except _Refusal as refusal:
            return self._refuse(refusal)
        except msgspec.DecodeError:
            return self._refuse(_Refusal(ErrorKind.INPUT, "Invalid JSON body", "AB1007"))
        refresh = body.get("refreshToken") if isinstance(body, dict) else None
        user = self.refresh_tokens.user_of(refresh) if isinstance(refresh, str) else None
        if user is None:
            return self._refuse(_Refusal(ErrorKind.AUTH, "Invalid refresh token", "AB8050"))
        self.refresh_tokens.revoke(refresh)  # type: ignore[arg-type]
        self.renewals += 1
        return _ok(self._tokens(user))

    def _profile(self, request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        return {"clientcode": user, "name": "SmartAPI Emulator", "email": "emulator@tt-connect.invalid",
                "mobileno": "", "exchanges": ["NSE", "NFO", "BSE"], "products": ["DELIVERY", "INTRADAY", "MARGIN",
                                                                                  "CARRYFORWARD"],
                "lastlogintime": "", "broker": "ANGEL ONE"}

    def _logout(self, request: web.Request, body: dict[str, Any], user: str) -> str:
        if body.get("clientcode") != user:
            raise _Refusal(ErrorKind.INPUT, "Invalid clientcode", "AB1007")
        self.sessions.revoke(request.headers.get("Authorization", "").partition(" ")[2])
        return ""

    async def _scrip_master(self, request: web.Request) -> web.Response:
        return web.Response(body=msgspec.json.encode(self.listing.scrip_master()), content_type="application/json")

    # -- orders -----------------------------------------------------------------------------

    def _instrument(self, body: Mapping[str, Any]) -> int:
        exchange, token = str(body.get("exchange", "")), str(body.get("symboltoken", ""))
        paper = self.listing.by_token.get((exchange, token))
        if paper is None:
            raise _Refusal(ErrorKind.INPUT, "Invalid symboltoken", "AB1007")
        symbol = body.get("tradingsymbol")
        if symbol is not None and symbol != self.listing.symbol[paper]:
            raise _Refusal(ErrorKind.INPUT, "tradingsymbol does not match symboltoken", "AB1007")
        return paper

    @staticmethod
    def _number(body: Mapping[str, Any], name: str, kind: type[int] | type[float], *, required: bool = False) -> Any:
        value = body.get(name)
        if value in (None, ""):
            if required:
                raise _Refusal(ErrorKind.INPUT, f"Missing {name}", "AB1007")
            return None
        try:
            return kind(float(value)) if kind is int else kind(value)
        except (TypeError, ValueError):
            raise _Refusal(ErrorKind.INPUT, f"Invalid {name}", "AB1007") from None

    def _unique_id(self, order_id: str) -> str:
        unique = self.unique_ids.get(order_id)
        if unique is None:
            unique = self.unique_ids[order_id] = str(uuid.uuid5(_UNIQUE_IDS, order_id))
        return unique

    def _place(self, request: web.Request, body: dict[str, Any], user: str) -> dict[str, str]:
        for name in ("variety", "tradingsymbol", "symboltoken", "transactiontype", "exchange", "ordertype",
                     "producttype", "duration", "quantity"):
            if body.get(name) in (None, ""):
                raise _Refusal(ErrorKind.INPUT, f"Missing {name}", "AB1007")
        token = self._instrument(body)
        variety, angel_type = str(body["variety"]), str(body["ordertype"])
        order_type = ANGEL_ORDER_TYPES.get(angel_type)
        product = ANGEL_PRODUCTS.get(str(body["producttype"]))
        if order_type is None or product is None:
            raise _Refusal(ErrorKind.INPUT, "Invalid ordertype or producttype", "AB1007")
        if variety not in ("NORMAL", "STOPLOSS", "AMO"):
            raise _Refusal(ErrorKind.INPUT, f"Invalid variety {variety}", "AB1007")
        if (variety == "STOPLOSS") != angel_type.startswith("STOPLOSS") and variety != "AMO":
            raise _Refusal(ErrorKind.INPUT, "STOPLOSS orders need variety STOPLOSS, others NORMAL", "AB1007")
        tag = str(body.get("ordertag") or "")
        if len(tag) > _MAX_TAG:
            raise _Refusal(ErrorKind.INPUT, f"Ordertag length should not exceed {_MAX_TAG} characters", "AB4008")
        order = self.engine.place_or_reject(
            token=token, side=str(body["transactiontype"]), qty=self._number(body, "quantity", int, required=True),
            order_type=order_type, product=product, price=self._number(body, "price", float) or 0.0,
            trigger_price=self._number(body, "triggerprice", float) or 0.0, validity=str(body["duration"]), tag=tag)
        self.varieties[order.order_id] = variety
        self.drop_if_asked()
        return {"script": self.listing.symbol[token], "orderid": order.order_id,
                "uniqueorderid": self._unique_id(order.order_id)}

    def _known(self, body: Mapping[str, Any]) -> str:
        order_id = str(body.get("orderid", ""))
        if order_id not in self.engine.orders:
            raise _Refusal(ErrorKind.NOT_FOUND, f"Order {order_id or '(none)'} not found", "AB1007")
        return order_id

    def _modify(self, request: web.Request, body: dict[str, Any], user: str) -> dict[str, str]:
        order_id = self._known(body)
        angel_type = body.get("ordertype")
        order_type = ANGEL_ORDER_TYPES.get(str(angel_type)) if angel_type else None
        if angel_type and order_type is None:
            raise _Refusal(ErrorKind.INPUT, "Invalid ordertype", "AB1007")
        self.engine.modify(order_id, qty=self._number(body, "quantity", int),
                           price=self._number(body, "price", float),
                           trigger_price=self._number(body, "triggerprice", float), order_type=order_type)
        return {"orderid": order_id, "uniqueorderid": self._unique_id(order_id)}

    def _cancel(self, request: web.Request, body: dict[str, Any], user: str) -> dict[str, str]:
        order_id = self._known(body)
        self.engine.cancel(order_id)
        return {"orderid": order_id, "uniqueorderid": self._unique_id(order_id)}

    def _order(self, order: PaperOrder) -> dict[str, Any]:
        return angel_order(self.listing, order, variety=self.varieties.get(order.order_id, "NORMAL"),
                           unique_id=self._unique_id(order.order_id))

    def _order_book(self, request: web.Request, body: dict[str, Any], user: str) -> list[dict[str, Any]] | None:
        rows = [self._order(o) for o in self.engine.orders.values()]
        return rows or None  # SmartAPI sends null, not [], for an empty book

    def _details(self, request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        unique = request.match_info["unique_id"]
        order_id = next((o for o, u in self.unique_ids.items() if u == unique), None)
        if order_id is None or order_id not in self.engine.orders:
            raise _Refusal(ErrorKind.NOT_FOUND, "Order not found", "AB1007")
        return self._order(self.engine.orders[order_id])

    def _trade_book(self, request: web.Request, body: dict[str, Any], user: str) -> list[dict[str, Any]] | None:
        return [angel_trade(self.listing, f) for f in self.engine.fills] or None

    # -- portfolio --------------------------------------------------------------------------

    def _positions(self, request: web.Request, body: dict[str, Any], user: str) -> list[dict[str, Any]] | None:
        return [angel_position(self.listing, p, last) for p, last in self.engine.position_rows()] or None

    def _holdings(self, request: web.Request, body: dict[str, Any], user: str) -> list[dict[str, Any]]:
        return [angel_holding(self.listing, h, last, self.engine.quote(h.token).close)
                for h, last in self.engine.holding_rows()]

    def _all_holdings(self, request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        rows = self._holdings(request, body, user)
        value = sum(r["ltp"] * r["quantity"] for r in rows)
        invested = sum(r["averageprice"] * r["quantity"] for r in rows)
        return {"holdings": rows, "totalholding": {
            "totalholdingvalue": round(value, 2), "totalinvvalue": round(invested, 2),
            "totalprofitandloss": round(value - invested, 2),
            "totalpnlpercentage": round((value - invested) / invested * 100, 2) if invested else 0.0}}

    def _convert(self, request: web.Request, body: dict[str, Any], user: str) -> None:
        token = self._instrument(body)
        old, new = ANGEL_PRODUCTS.get(str(body.get("oldproducttype"))), ANGEL_PRODUCTS.get(
            str(body.get("newproducttype")))
        if old is None or new is None:
            raise _Refusal(ErrorKind.INPUT, "Invalid oldproducttype or newproducttype", "AB1007")
        self.engine.convert(token=token, side=str(body.get("transactiontype", "")),
                            qty=self._number(body, "quantity", int, required=True), from_product=old, to_product=new)
        return None

    # -- GTT rules and the margin calculator ------------------------------------------------

    def _rule_leg(self, body: Mapping[str, Any], side: str, product: str) -> PaperGttLeg:
        price = self._number(body, "price", float, required=True)
        trigger = self._number(body, "triggerprice", float, required=True)
        quantity = self._number(body, "qty", int) or self._number(body, "quantity", int, required=True)
        return PaperGttLeg(trigger_price=trigger, side=side, qty=quantity, product=product, order_type="LIMIT",
                           price=price)

    def _gtt(self, body: Mapping[str, Any]) -> PaperGtt:
        gtt_id = str(body.get("id", ""))
        if gtt_id not in self.engine.triggers.gtts:
            raise _Refusal(ErrorKind.NOT_FOUND, f"GTT rule {gtt_id or '(none)'} not found", "AB1007")
        return self.engine.triggers.get(gtt_id)

    def _rule(self, gtt: PaperGtt) -> dict[str, Any]:
        (leg,) = gtt.legs
        products = {paper: angel for angel, paper in ANGEL_PRODUCTS.items()}
        return {"id": int(gtt.gtt_id), **self.listing.identity(gtt.token), "transactiontype": leg.side,
                "producttype": products.get(leg.product, leg.product), "price": leg.price, "qty": leg.qty,
                "triggerprice": leg.trigger_price, "disclosedqty": 0,
                "status": _RULE_STATUS.get(gtt.status, gtt.status.upper()),
                "createddate": gtt.created_at.astimezone(IST).isoformat(timespec="seconds"),
                "updateddate": gtt.updated_at.astimezone(IST).isoformat(timespec="seconds"),
                "expirydate": gtt.expires_at.astimezone(IST).isoformat(timespec="seconds"),
                "clientid": self.client_code}

    def _create_rule(self, request: web.Request, body: dict[str, Any], user: str) -> dict[str, int]:
        token = self._instrument(body)
        product = ANGEL_PRODUCTS.get(str(body.get("producttype")))
        side = str(body.get("transactiontype", ""))
        if product is None or side not in ("BUY", "SELL"):
            raise _Refusal(ErrorKind.INPUT, "Invalid producttype or transactiontype", "AB1007")
        leg = self._rule_leg(body, side, product)
        gtt = self.engine.triggers.place(token, [leg], self.engine.ltp(token))
        return {"id": int(gtt.gtt_id)}

    def _modify_rule(self, request: web.Request, body: dict[str, Any], user: str) -> dict[str, int]:
        gtt = self._gtt(body)
        if self._instrument(body) != gtt.token:
            raise _Refusal(ErrorKind.INPUT, "symboltoken does not match the rule", "AB1007")
        (current,) = gtt.legs
        leg = self._rule_leg(body, current.side, current.product)
        return {"id": int(self.engine.triggers.modify(gtt.gtt_id, [leg], self.engine.ltp(gtt.token)).gtt_id)}

    def _cancel_rule(self, request: web.Request, body: dict[str, Any], user: str) -> dict[str, int]:
        gtt = self._gtt(body)
        if self._instrument(body) != gtt.token:
            raise _Refusal(ErrorKind.INPUT, "symboltoken does not match the rule", "AB1007")
        return {"id": int(self.engine.triggers.delete(gtt.gtt_id).gtt_id)}

    def _rule_list(self, request: web.Request, body: dict[str, Any], user: str) -> list[dict[str, Any]] | None:
        wanted = body.get("status")
        if not isinstance(wanted, list) or not wanted:
            raise _Refusal(ErrorKind.INPUT, "status must be a non-empty list", "AB1007")
        page = self._number(body, "page", int) or 1
        count = self._number(body, "count", int) or 10
        rules = [self._rule(g) for g in self.engine.triggers.gtts.values()]
        chosen = [r for r in rules if "FORALL" in wanted or r["status"] in wanted]
        return chosen[(page - 1) * count:page * count] or None

    def _margin_batch(self, request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        positions = body.get("positions")
        if not isinstance(positions, list) or not positions:
            raise _Refusal(ErrorKind.INPUT, "positions must be a non-empty list", "AB1007")
        orders = []
        for item in positions:
            if not isinstance(item, dict):
                raise _Refusal(ErrorKind.INPUT, "each position is an object", "AB1007")
            token = self.listing.by_token.get((str(item.get("exchange")), str(item.get("token"))))
            product = ANGEL_PRODUCTS.get(str(item.get("productType")))
            order_type = ANGEL_ORDER_TYPES.get(str(item.get("orderType") or "MARKET"))
            if token is None or product is None or order_type is None:
                raise _Refusal(ErrorKind.INPUT, "Invalid token, productType or orderType", "AB1007")
            orders.append(MarginOrder(token=token, side=str(item.get("tradeType", "")),
                                      qty=self._number(item, "qty", int, required=True), order_type=order_type,
                                      product=product, price=self._number(item, "price", float) or 0.0))
        basket = basket_margin(self.engine, orders)
        lines = basket["orders"]
        span = sum(line.get("span", 0.0) for line in lines)
        premium = sum(line.get("option_premium", 0.0) for line in lines)
        total = basket["final"]["total"]
        return {"totalMarginRequired": total,
                "marginComponents": {"netPremium": round(premium, 2), "spanMargin": round(span, 2),
                                     "marginBenefit": round(basket["initial"]["total"] - total, 2),
                                     "deliveryMargin": round(sum(line.get("var", 0.0) for line in lines
                                                                 if line["product"] == "CNC"), 2),
                                     "nonNFOMargin": round(sum(line.get("var", 0.0) for line in lines
                                                               if line["product"] != "CNC"), 2),
                                     "totOptionsPremium": round(premium, 2)}}

    # -- market data ------------------------------------------------------------------------

    def _ltp_data(self, request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        token = self._instrument(body)
        quote = self.engine.quote(token)
        return {**self.listing.identity(token), "open": quote.open, "high": quote.high, "low": quote.low,
                "close": quote.close, "ltp": quote.last_price}

    def _quote(self, request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        mode = body.get("mode")
        tokens = body.get("exchangeTokens")
        if mode not in _QUOTE_MODES or not isinstance(tokens, dict):
            raise _Refusal(ErrorKind.INPUT, "Invalid mode or exchangeTokens", "AB1007")
        wanted = [(str(exchange), str(token)) for exchange, listed in tokens.items() for token in listed or ()]
        if len(wanted) > _MAX_QUOTE_TOKENS:
            raise _Refusal(ErrorKind.INPUT, f"At most {_MAX_QUOTE_TOKENS} tokens per request", "AB1007")
        fetched, unfetched = [], []
        for exchange, token in wanted:
            paper = self.listing.by_token.get((exchange, token))
            if paper is None:
                unfetched.append({"exchange": exchange, "symbolToken": token, "message": "Invalid token",
                                  "errorCode": "AB1007"})
            else:
                fetched.append(angel_quote(self.listing, self.engine.quote(paper), str(mode)))
        return {"fetched": fetched, "unfetched": unfetched}

    def _candles(self, request: web.Request, body: dict[str, Any], user: str) -> list[list[Any]]:
        spec = _INTERVALS.get(str(body.get("interval")))
        if spec is None:
            raise _Refusal(ErrorKind.INPUT, "Invalid interval", "AB1007")
        token = self._instrument(body)
        try:
            start, end = (_dt.datetime.strptime(str(body[k]), "%Y-%m-%d %H:%M").replace(tzinfo=IST)
                          for k in ("fromdate", "todate"))
        except (KeyError, ValueError):
            raise _Refusal(ErrorKind.INPUT, "fromdate/todate must read yyyy-MM-dd HH:mm", "AB1004") from None
        seconds, max_days = spec
        if start >= end:
            raise _Refusal(ErrorKind.INPUT, "Something Went Wrong, Please Try After Sometime", "AB1004")
        if (end - start).days > max_days:
            raise _Refusal(ErrorKind.INPUT, f"Date range exceeds {max_days} days for this interval", "AB1004")
        return [[stamp.astimezone(IST).isoformat(), o, h, low, c, volume]
                for stamp, o, h, low, c, volume, _oi in self.engine.candles(token, seconds, start, end)]

    # -- streaming --------------------------------------------------------------------------

    def _feed_user(self, request: web.Request) -> str | None:
        headers, query = request.headers, request.query
        token = headers.get("Authorization", "")
        token = token.partition(" ")[2] if token.startswith("Bearer ") else token
        api_key = headers.get("x-api-key") or query.get("apiKey")
        client = headers.get("x-client-code") or query.get("clientCode")
        feed = headers.get("x-feed-token") or query.get("feedToken")
        if api_key != self.api_key or feed is None or self.feed_tokens.user_of(feed) != client:
            return None
        if token and self.sessions.user_of(token) != client:
            return None
        return client

    async def _feed(self, request: web.Request) -> web.StreamResponse:
        user = self._feed_user(request)
        if user is None:
            return web.Response(status=401, text="Unauthorized", content_type="text/plain")
        return await self.serve_stream(request, user)

    async def _order_feed(self, request: web.Request) -> web.StreamResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = self.sessions.user_of(token) if scheme == "Bearer" else None
        if user is None:
            return web.Response(status=401, text="Unauthorized", content_type="text/plain")
        return await self.serve_stream(request, user, state={"kind": "orders"})

    async def on_stream_message(self, client: StreamClient, message: str | bytes) -> None:
        if message == "ping":
            client.push("pong")
            return
        if client.state.get("kind") == "orders":
            return
        try:
            request = msgspec.json.decode(message)
            action, params = request["action"], request["params"]
            mode, token_list = params["mode"], params["tokenList"]
        except (msgspec.DecodeError, KeyError, TypeError):
            client.push(msgspec.json.encode({"correlationID": "", "errorCode": "E1002",
                                             "errorMessage": "Invalid Request Payload."}).decode())
            return
        if mode not in (LTP, QUOTE, SNAP_QUOTE) or action not in (0, 1):
            client.push(msgspec.json.encode({"correlationID": request.get("correlationID", ""),
                                             "errorCode": "E1002", "errorMessage": "Invalid mode or action"}).decode())
            return
        exchanges: dict[object, str] = {code: name for name, code in EXCHANGE_TYPES.items()}
        for group in token_list:
            if not isinstance(group, dict) or group.get("exchangeType") not in exchanges:
                continue
            exchange = exchanges[group.get("exchangeType")]
            for token in group.get("tokens") or ():
                paper = self.listing.by_token.get((exchange, str(token)))
                if paper is None:
                    continue
                if action == 1:
                    client.subscriptions[paper] = str(mode)
                else:
                    client.subscriptions.pop(paper, None)

    async def publish(self, client: StreamClient) -> None:
        if client.state.get("kind") == "orders":
            return
        for paper, mode in client.subscriptions.items():
            self._sequence += 1
            client.push(tick_frame(int(mode), self.listing.exchange_type(paper), self.listing.angel_token[paper],
                                   self._sequence, self.engine.quote(paper)))

    def order_frame(self, order: PaperOrder, client: StreamClient) -> str | bytes | None:
        if client.state.get("kind") != "orders":
            return None
        data = self._order(order)
        message = {"user-id": client.user_id, "status-code": "200", "order-status": data["status"],
                   "error-message": data["text"], "orderData": data}
        return msgspec.json.encode(message).decode()


def main(argv: list[str] | None = None) -> None:
    """``tt-connect emulate angelone [--port N]``."""
    SmartApiEmulator.main(argv)
