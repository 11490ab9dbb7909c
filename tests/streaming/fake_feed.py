"""A tiny fake broker feed on 127.0.0.1 and the BrokerStream that speaks it.

The protocol: the client sends JSON text ``{"sub": [tokens], "mode": "FULL"}``,
``{"unsub": [tokens]}`` and ``"ping"``; the server pushes binary frames of
``PACKET`` records (token, price in paise, server send time) for every
subscribed token, and JSON text ``{"order": {...}}`` order updates. The session's
access token travels in the URL query (``?token=``) so tests can see which
session a socket was opened with.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import json
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web
from tt_connect.driver_api import BrokerStream, BrokerSymbol, DriverContext, Session
from tt_connect.enums import OrderStatus, OrderType, ProductType, Side, StreamMode
from tt_connect.instruments import AnyInstrument
from tt_connect.models import Order, OrderUpdate, Tick

PACKET = struct.Struct(">IqQ")  # token, price in paise, server send time (perf_counter_ns)
SEGMENT = "FAKE"


@dataclass
class ServerSocket:
    """What the server knows about one client socket."""

    ws: web.WebSocketResponse
    token: str
    path: str = "/ws"
    subscribed: dict[int, str] = field(default_factory=dict)
    pings: int = 0
    received: list[str] = field(default_factory=list)
    """Every text message the client sent, in order (pings left out)."""


@dataclass
class FeedServer:
    """Pushes one frame with a packet per subscribed token every ``interval`` seconds, per socket."""

    interval: float = 0.005
    silent: bool = False
    url: str = ""
    opened: list[ServerSocket] = field(default_factory=list)
    dead_tokens: set[str] = field(default_factory=set)
    """Session tokens whose handshake is answered HTTP 403."""

    @property
    def live(self) -> list[ServerSocket]:
        """Return the sockets still open, oldest first."""
        return [s for s in self.opened if not s.ws.closed]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("token", "") in self.dead_tokens:
            return web.Response(status=403, text="dead token")  # as Kite answers a dead access token
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        socket = ServerSocket(ws=ws, token=request.query.get("token", ""), path=request.path)
        self.opened.append(socket)
        pusher = asyncio.get_running_loop().create_task(self._push(socket))
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                if msg.data == "ping":
                    socket.pings += 1
                    continue
                socket.received.append(msg.data)
                data = json.loads(msg.data)
                if "sub" in data:
                    socket.subscribed.update({int(t): data["mode"] for t in data["sub"]})
                elif "unsub" in data:
                    for t in data["unsub"]:
                        socket.subscribed.pop(int(t), None)
        finally:
            pusher.cancel()
        return ws

    async def _push(self, socket: ServerSocket) -> None:
        price = 100_00
        while not socket.ws.closed:
            await asyncio.sleep(self.interval)
            if self.silent or not socket.subscribed:
                continue
            price += 5
            frame = b"".join(PACKET.pack(t, price, time.perf_counter_ns()) for t in list(socket.subscribed))
            try:
                await socket.ws.send_bytes(frame)
            except (ConnectionError, RuntimeError):
                return

    async def push_order_update(self, order_id: str, token: int, status: str = "OPEN", path: str = "/ws") -> None:
        """Send an order update on the oldest live socket of ``path`` (the fake's "connection #0")."""
        socket = next(s for s in self.live if s.path == path)
        await socket.ws.send_str(json.dumps({"order": {"id": order_id, "token": token, "status": status}}))

    async def kill_all(self) -> None:
        for socket in self.live:
            await socket.ws.close()


class FakeDecoder:
    """Binary packets -> ticks, JSON text -> order updates; instruments via ``ctx.by_token``."""

    def __init__(self, ctx: DriverContext) -> None:
        self._ctx = ctx
        self._instruments: dict[int, AnyInstrument] = {}

    def _instrument(self, token: int) -> AnyInstrument:
        instrument = self._instruments.get(token)
        if instrument is None:
            instrument = self._instruments[token] = self._ctx.by_token(SEGMENT, str(token))
        return instrument

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        if isinstance(frame, str):
            order = json.loads(frame)["order"]
            return [OrderUpdate(received_at=received_at, order=Order(
                order_id=order["id"], instrument=self._instrument(order["token"]), side=Side.BUY, qty=1,
                order_type=OrderType.MARKET, product=ProductType.CNC, status=OrderStatus(order["status"])))]
        return [Tick(instrument=self._instrument(token), mode=StreamMode.LTP, last_price=paise / 100,
                     volume=sent_ns, received_at=received_at)
                for token, paise, sent_ns in PACKET.iter_unpack(frame)]


class FakeSpec(BrokerStream):
    """The fake feed's BrokerStream; limits and timings are set per test."""

    def __init__(self, url: str, *, per_connection: int = 100, connections: int = 3, stale_after: float = 5.0,
                 ping_interval: float | None = None, carries_order_updates: bool = False,
                 order_updates_url: str | None = None) -> None:
        self._url = url
        if order_updates_url is not None:  # order updates on a socket of their own, as AngelOne does
            self.order_updates = FakeSpec(order_updates_url, carries_order_updates=True)
        self.max_instruments_per_connection = per_connection
        self.max_connections = connections
        self.stale_after = stale_after
        self.ping_interval = ping_interval
        self.carries_order_updates = carries_order_updates

    def url(self, session: Session | None) -> str:
        return f"{self._url}?token={session.access_token if session else ''}"

    def ping(self) -> str | bytes | None:
        return "ping"

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        return [json.dumps({"sub": [s.token for s in symbols], "mode": mode.value})]

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        return [json.dumps({"unsub": [s.token for s in symbols]})]

    def decoder(self, ctx: DriverContext) -> FakeDecoder:
        return FakeDecoder(ctx)
