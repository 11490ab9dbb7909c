"""Test doubles of the Fyers feed tests: JWTs with an hsm_key, a context, and a small emulator host
serving only the two sockets (the full Fyers emulator mounts the same handlers)."""

from __future__ import annotations

import base64
import datetime as _dt
import json
from typing import Any

from aiohttp import web
from tt_connect.driver_api import BrokerSymbol, Session
from tt_connect.emulation import EmulatorHost, ErrorKind, StreamClient
from tt_connect.enums import Exchange
from tt_connect.instruments import AnyInstrument, Equity, Index
from tt_connect.paper.engine import PaperOrder
from tt_connect.testing import StaticContext
from tt_connect.timeutil import IST
from tt_connect_fyers.feed import emulator as feed_emulator
from tt_connect_fyers.feed.emulator import FeedState

APP_ID = "XC4EMULATE-100"


def jwt(claims: dict[str, Any]) -> str:
    """An unsigned-looking JWT (the client only reads the payload)."""
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def session(token: str) -> Session:
    now = _dt.datetime.now(IST)
    return Session(broker="fyers", user_id="XA00001", access_token=token, created_at=now,
                   expires_at=now + _dt.timedelta(hours=8))


class Endpoints:
    """The settings FyersStream reads (FyersConfig has the same fields)."""

    def __init__(self, ws_url: str = "ws://127.0.0.1:1/hsm/v1-5/prod",
                 order_ws_url: str = "ws://127.0.0.1:1/trade/v3") -> None:
        self.app_id = APP_ID
        self.ws_url = ws_url
        self.order_ws_url = order_ws_url


def fy_token(kind: str, exchange_token: str) -> str:
    prefix = {"EQ": "1010", "IDX": "1010", "FO": "1011"}[kind]
    return f"{prefix}000000{exchange_token}"


class FeedHost(EmulatorHost):
    """An emulator with only Fyers' sockets, over the paper market's first equities and NIFTY 50."""

    broker = "fyers"

    def __init__(self, *, ack_count: int = 0, symbol_limit: int = 5000, **options: Any) -> None:
        super().__init__(**options)
        self._keys: dict[str, str] = {}
        self.feed = FeedState(hsm_user=self._hsm_user, socket_user=self._socket_user, ack_count=ack_count,
                              symbol_limit=symbol_limit)
        self.listing: list[tuple[AnyInstrument, BrokerSymbol, int]] = []
        for row in self.engine.rows.values():
            if row.kind == "EQ" and sum(1 for i in self.listing if isinstance(i[0], Equity)) < 3:
                instrument: AnyInstrument = Equity(exchange=Exchange.NSE, symbol=row.symbol)
                fy, ticker = fy_token("EQ", str(1000 + row.token)), f"NSE:{row.broker_symbol}"
            elif row.kind == "IDX" and row.symbol == "NIFTY 50":
                instrument = Index(exchange=Exchange.NSE, symbol="NIFTY 50")
                fy, ticker = fy_token("IDX", "26000"), "NSE:NIFTY50-INDEX"
            else:
                continue
            self.feed.add(row.token, fy, ticker)
            self.listing.append((instrument, BrokerSymbol(token=fy, symbol=ticker, exchange="NSE", segment="NSE_CM",
                                                          lot_size=1, tick_size=row.tick_size), row.token))

    def login(self, user: str = "XA00001", hsm_key: str | None = None) -> str:
        """Issue a live access token (a JWT with ``exp`` and ``hsm_key``)."""
        key = hsm_key or f"hsm{len(self._keys) + 1:04d}"

        def make(expires_at: _dt.datetime) -> str:
            return jwt({"sub": "access_token", "exp": int(expires_at.timestamp()), "hsm_key": key})

        token = self.sessions.issue(user, token=make)
        self._keys[key] = token
        return token

    def _hsm_user(self, key: str) -> str | None:
        token = self._keys.get(key)
        return self.sessions.user_of(token) if token else None

    def _socket_user(self, authorization: str) -> str | None:
        app_id, _, token = authorization.partition(":")
        return self.sessions.user_of(token) if app_id == APP_ID and token else None

    def context(self) -> StaticContext:
        ctx = StaticContext("fyers")
        for instrument, symbol, _ in self.listing:
            ctx.list(instrument, symbol)
        return ctx

    def add_routes(self, app: web.Application) -> None:
        feed_emulator.add_routes(self, self.feed, app)

    def error_response(self, kind: ErrorKind, message: str, status: int) -> web.Response:
        return web.json_response({"s": "error", "code": -1, "message": message}, status=status)

    def announcement(self) -> dict[str, Any]:
        return {"ws_url": f"{self.ws_base_url}/hsm/v1-5/prod", "order_ws_url": f"{self.ws_base_url}/trade/v3"}

    async def publish(self, client: StreamClient) -> None:
        await feed_emulator.publish(self, self.feed, client)

    async def on_stream_message(self, client: StreamClient, message: str | bytes) -> None:
        await feed_emulator.on_message(self, self.feed, client, message)

    def order_frame(self, order: PaperOrder, client: StreamClient) -> str | bytes | None:
        return feed_emulator.order_frame(client, lambda: self.rest_order(order))

    def rest_order(self, order: PaperOrder) -> dict[str, Any]:
        """The REST book's spelling of a paper order (the full emulator's ``wire.fyers_order``)."""
        listed = self.feed.listed[order.token]
        status = {"OPEN": 6, "TRIGGER_PENDING": 6, "COMPLETE": 2, "CANCELLED": 1, "REJECTED": 5}.get(order.status, 4)
        return {"clientId": "XA00001", "id": order.order_id, "qty": order.qty, "filledQty": order.filled_qty,
                "remainingQuantity": order.qty - order.filled_qty, "limitPrice": order.price,
                "stopPrice": order.trigger_price, "tradedPrice": round(order.average_price, 2),
                "type": {"LIMIT": 1, "MARKET": 2, "SL_M": 3, "SL": 4}[order.order_type], "fyToken": listed.fy_token,
                "symbol": listed.ticker, "exchange": 10, "segment": 10, "productType": "CNC", "status": status,
                "side": 1 if order.side == "BUY" else -1, "orderValidity": order.validity,
                "orderDateTime": order.placed_at.astimezone(IST).strftime("%d-%b-%Y %H:%M:%S"),
                "orderTag": f"1:{order.tag}" if order.tag else "2:Untagged", "exchOrdId": order.exchange_order_id,
                "message": order.message, "offlineOrder": False, "pan": "", "lp": 0.0}
