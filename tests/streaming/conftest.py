"""Fixtures for the streaming engine: a loopback feed server and an engine factory."""

from __future__ import annotations

import datetime as _dt
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Protocol

import pytest
from aiohttp import web
from tt_connect import instruments
from tt_connect.driver_api import BrokerSymbol, Session, Transport
from tt_connect.enums import Exchange
from tt_connect.instruments import Equity
from tt_connect.streaming import StreamEngine
from tt_connect.testing import StaticContext
from tt_connect.timeutil import IST
from tt_connect.transport import AiohttpTransport

from tests.streaming.fake_feed import SEGMENT, FakeSpec, FeedServer


@pytest.fixture(autouse=True)
def _permissive() -> Iterator[None]:
    """Build instruments without an instrument master."""
    previous = instruments.set_validator(lambda _i: None)
    yield
    instruments.set_validator(previous)


@pytest.fixture
async def feed() -> AsyncIterator[FeedServer]:
    """A fake feed on 127.0.0.1, on a random port, stopped after the test."""
    server = FeedServer()
    app = web.Application()
    app.router.add_get("/ws", server.handle)
    app.router.add_get("/orders", server.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.url = f"ws://127.0.0.1:{port}/ws"
    yield server
    await server.kill_all()
    await runner.cleanup()


def stocks(n: int) -> list[Equity]:
    return [Equity(exchange=Exchange.NSE, symbol=f"STOCK{i}") for i in range(1, n + 1)]


def context(items: list[Equity]) -> StaticContext:
    """Token i+1 for the i-th instrument."""
    return StaticContext("fake", [(inst, BrokerSymbol(token=str(i), symbol=inst.symbol, exchange="NSE",
                                                     segment=SEGMENT, lot_size=1, tick_size=0.05))
                                  for i, inst in enumerate(items, start=1)])


def session(token: str) -> Session:
    now = _dt.datetime(2026, 1, 5, 9, 0, tzinfo=IST)
    return Session(broker="fake", user_id="AB1234", access_token=token, created_at=now,
                   expires_at=now + _dt.timedelta(days=1))


class SessionHolder:
    """The session provider the engine calls on every (re)connect; tests swap its session."""

    def __init__(self, token: str = "first-token") -> None:
        self.current: Session | None = session(token)
        self.calls = 0

    async def __call__(self) -> Session | None:
        self.calls += 1
        return self.current


class EngineFactory(Protocol):
    def __call__(self, items: list[Equity], *, transport: Transport | None = None,
                 sessions: Callable[[], Awaitable[Session | None]] | None = None,
                 errors: list[BaseException] | None = None, **options: Any) -> StreamEngine: ...


_ENGINE_OPTIONS = {"ready_timeout", "max_order_updates", "connect_timeout", "backoff_base", "backoff_max"}


@pytest.fixture
async def make_engine(feed: FeedServer) -> AsyncIterator[EngineFactory]:
    """Build engines against the feed (fast backoff); every engine and transport is closed after the test."""
    engines: list[StreamEngine] = []
    transports: list[AiohttpTransport] = []

    def build(items: list[Equity], *, transport: Transport | None = None,
              sessions: Callable[[], Awaitable[Session | None]] | None = None,
              errors: list[BaseException] | None = None, **options: Any) -> StreamEngine:
        if transport is None:
            own = AiohttpTransport()
            transports.append(own)
            transport = own
        engine_options: dict[str, Any] = {"backoff_base": 0.01, "backoff_max": 0.05}
        engine_options.update({k: v for k, v in options.items() if k in _ENGINE_OPTIONS})
        spec_options = {k: v for k, v in options.items() if k not in _ENGINE_OPTIONS and k != "url"}
        url = options.get("url", feed.url)
        engine = StreamEngine(broker="fake", spec=FakeSpec(url, **spec_options), transport=transport,
                              ctx=context(items), session=sessions or SessionHolder(),
                              on_error=errors.append if errors is not None else None,
                              **engine_options)
        engines.append(engine)
        return engine

    yield build
    for engine in engines:
        await engine.close()
    for transport in transports:
        await transport.close()
