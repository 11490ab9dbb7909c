"""The engine assumes no aiohttp: it streams through any Transport, e.g. an in-process one (paper)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from tt_connect.driver_api import HttpRequest, HttpResponse, WsClosed
from tt_connect.errors import NetworkError
from tt_connect.models import Tick
from tt_connect.testing import eventually

from tests.streaming.conftest import EngineFactory, stocks
from tests.streaming.fake_feed import PACKET, FeedServer


class InProcessSocket:
    """Both ends of a socket in one process: the engine's side and the test's side."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self.sent: list[str | bytes] = []
        self.closed = False

    async def send(self, data: str | bytes) -> None:
        if self.closed:
            raise WsClosed("closed")
        self.sent.append(data)

    async def receive(self) -> str | bytes:
        frame = await self.inbox.get() if not self.closed else None
        if frame is None:
            self.closed = True
            raise WsClosed("closed")
        return frame

    async def close(self) -> None:
        self.closed = True
        self.inbox.put_nowait(None)


class InProcessTransport:
    def __init__(self) -> None:
        self.sockets: list[InProcessSocket] = []

    async def ws_connect(self, url: str, headers: Mapping[str, str], *, timeout: float) -> InProcessSocket:
        socket = InProcessSocket()
        self.sockets.append(socket)
        return socket

    async def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        raise NetworkError("this in-process transport only streams")

    async def close(self) -> None:
        for socket in self.sockets:
            await socket.close()


async def test_an_in_process_transport_streams_and_reconnects(feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(2)
    transport = InProcessTransport()
    engine = make_engine(items, transport=transport)
    ticks: list[Tick] = []
    await engine.subscribe(items, on_tick=ticks.append)
    first = transport.sockets[0]
    assert first.sent == ['{"sub": ["1", "2"], "mode": "FULL"}']

    first.inbox.put_nowait(PACKET.pack(2, 250_00, 0))
    await eventually(lambda: ticks, what="a tick through the in-process socket")
    assert ticks[0].instrument == items[1] and ticks[0].last_price == 250.0

    first.inbox.put_nowait(None)  # the far end goes away
    await eventually(lambda: len(transport.sockets) == 2 and transport.sockets[1].sent, what="a resubscribed socket")
    assert transport.sockets[1].sent == first.sent
    assert engine.stats.reconnects == 1
    await engine.close()
    assert all(s.closed for s in transport.sockets)
