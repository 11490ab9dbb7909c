"""A fake binary market feed on 127.0.0.1 and the StreamSpec that speaks it."""

from __future__ import annotations

import asyncio
import datetime as _dt
import json
import struct
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from tt_connect.driver_api import BrokerSymbol, DriverContext, Session
from tt_connect.enums import StreamMode
from tt_connect.models import OrderUpdate, Tick

PACKET = struct.Struct(">IqQ")  # token, price in paise, server send time (ns)
SEGMENT = "FAKE"


@dataclass
class FeedServer:
    """Pushes one packet per subscribed token every ``interval`` seconds on every socket."""

    interval: float = 0.005
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    subscriptions: list[dict[int, str]] = field(default_factory=list)
    connections_opened: int = 0
    silent: bool = False
    url: str = ""

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections_opened += 1
        subscribed: dict[int, str] = {}
        self.sockets.append(ws)
        self.subscriptions.append(subscribed)
        pusher = asyncio.get_running_loop().create_task(self._push(ws, subscribed))
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    data = json.loads(msg.data)
                    if "sub" in data:
                        subscribed.update({int(t): data["mode"] for t in data["sub"]})
                    elif "unsub" in data:
                        for t in data["unsub"]:
                            subscribed.pop(int(t), None)
        finally:
            pusher.cancel()
            if ws in self.sockets:
                self.sockets.remove(ws)
        return ws

    async def _push(self, ws: web.WebSocketResponse, subscribed: dict[int, str]) -> None:
        price = 100_00
        while not ws.closed:
            await asyncio.sleep(self.interval)
            if self.silent or not subscribed:
                continue
            price += 5
            frame = b"".join(PACKET.pack(t, price, time.perf_counter_ns()) for t in list(subscribed))
            try:
                await ws.send_bytes(frame)
            except (ConnectionError, RuntimeError):
                return

    async def kill_all(self) -> None:
        for ws in list(self.sockets):
            await ws.close()

    def live(self) -> list[dict[int, str]]:
        return [s for ws, s in zip(self.sockets, self.subscriptions[-len(self.sockets):] if self.sockets else [])]


class FakeDecoder:
    def __init__(self, ctx: DriverContext) -> None:
        self._ctx = ctx
        self._cache: dict[int, Any] = {}

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        if isinstance(frame, str):
            return []
        out: list[Tick | OrderUpdate] = []
        for token, paise, _sent in PACKET.iter_unpack(frame):
            instrument = self._cache.get(token)
            if instrument is None:
                instrument = self._cache[token] = self._ctx.by_token(SEGMENT, str(token))
            out.append(Tick(instrument=instrument, mode=StreamMode.LTP, last_price=paise / 100,
                            received_at=received_at))
        return out


class FakeSpec:
    ping_interval: float | None = None
    carries_order_updates = False

    def __init__(self, url: str, per_connection: int = 100, connections: int = 3, stale_after: float = 5.0):
        self._url = url
        self.max_instruments_per_connection = per_connection
        self.max_connections = connections
        self.stale_after = stale_after

    def url(self, session: Session | None) -> str:
        return self._url

    def headers(self, session: Session | None) -> Mapping[str, str]:
        return {}

    def ping(self) -> str | bytes | None:
        return None

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        return [json.dumps({"sub": [s.token for s in symbols], "mode": mode.value})]

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        return [json.dumps({"unsub": [s.token for s in symbols]})]

    def decoder(self, ctx: DriverContext) -> FakeDecoder:
        return FakeDecoder(ctx)
