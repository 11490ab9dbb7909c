"""Reconnects: a killed socket, a stale feed, a re-login, a feed that is down, heartbeats."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from tt_connect.driver_api import WsConnection
from tt_connect.enums import StreamMode
from tt_connect.errors import NetworkError
from tt_connect.models import Tick
from tt_connect.redact import register_secret
from tt_connect.testing import eventually
from tt_connect.transport import AiohttpTransport

from tests.streaming.conftest import EngineFactory, SessionHolder, session, stocks
from tests.streaming.fake_feed import FeedServer


async def test_a_killed_socket_reconnects_and_restores_every_subscription_with_its_mode(
        feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(3)
    engine = make_engine(items)
    ticks: list[Tick] = []
    await engine.subscribe(items[:2], mode=StreamMode.QUOTE, on_tick=ticks.append)
    await engine.subscribe(items[2:], mode=StreamMode.FULL, on_tick=ticks.append)
    await eventually(lambda: {t.instrument for t in ticks} == set(items), what="ticks for every instrument")

    await feed.kill_all()

    await eventually(lambda: engine.stats.reconnects == 1, what="one reconnect")
    await eventually(lambda: len(feed.opened) == 2 and feed.opened[1].subscribed == {1: "QUOTE", 2: "QUOTE",
                                                                                     3: "FULL"},
                     what="the same subscriptions with the same modes on the new socket")
    seen = len(ticks)
    await eventually(lambda: {t.instrument for t in ticks[seen:]} == set(items), what="ticks after the reconnect")
    assert engine.stats.connections == 1


async def test_a_stale_feed_is_dropped_and_reconnected(feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(1)
    engine = make_engine(items, stale_after=0.2)
    ticks: list[Tick] = []
    await engine.subscribe(items, on_tick=ticks.append)
    await eventually(lambda: ticks, what="a tick")

    feed.silent = True
    await eventually(lambda: engine.stats.reconnects >= 1, what="a reconnect after the silence")
    assert feed.opened[0].ws.closed, "the silent socket was dropped"
    feed.silent = False

    seen = len(ticks)
    await eventually(lambda: len(ticks) > seen, what="ticks again")
    assert feed.opened[-1].subscribed == {1: "FULL"}


async def test_reconnect_after_a_relogin_uses_the_new_session_and_resubscribes(
        feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(2)
    sessions = SessionHolder("old-token")
    engine = make_engine(items, sessions=sessions)
    ticks: list[Tick] = []
    await engine.subscribe(items, mode=StreamMode.LTP, on_tick=ticks.append)
    assert [s.token for s in feed.opened] == ["old-token"]

    sessions.current = session("new-token")
    await engine.reconnect()

    await eventually(lambda: [s.token for s in feed.live] == ["new-token"], what="a socket with the new session")
    await eventually(lambda: feed.live[0].subscribed == {1: "LTP", 2: "LTP"}, what="everything resubscribed")
    assert engine.stats.reconnects == 1
    seen = len(ticks)
    await eventually(lambda: len(ticks) > seen, what="ticks on the new socket")


class RefusingTransport:
    """Refuses the first ``refusals`` connects, like a feed that is down, then passes through."""

    def __init__(self, inner: AiohttpTransport, refusals: int) -> None:
        self.inner = inner
        self.refusals = refusals
        self.attempts = 0

    async def ws_connect(self, url: str, headers: Mapping[str, str], *, timeout: float) -> WsConnection:
        self.attempts += 1
        if self.attempts <= self.refusals:
            raise NetworkError("stream connect failed: ConnectionRefusedError")
        return await self.inner.ws_connect(url, headers, timeout=timeout)

    async def send(self, request: object, *, timeout: float) -> object:
        raise NetworkError("this test transport only streams")

    async def close(self) -> None:
        await self.inner.close()


async def test_failed_connects_are_reported_and_retried_with_backoff(
        feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(1)
    transport = RefusingTransport(AiohttpTransport(), refusals=3)
    errors: list[BaseException] = []
    engine = make_engine(items, transport=transport, errors=errors)  # type: ignore[arg-type]
    ticks: list[Tick] = []
    heard: list[BaseException] = []
    try:
        await engine.subscribe(items, on_tick=ticks.append, on_error=heard.append)
        await eventually(lambda: ticks, what="ticks once the feed answers")
        await eventually(lambda: len(heard) == 3, what="the subscriber to hear every failed connect")
    finally:
        await engine.close()
        await transport.close()
    assert transport.attempts == 4
    assert len(errors) == 3 and all(isinstance(e, NetworkError) for e in errors)
    assert heard == errors
    assert engine.stats.reconnects == 0, "a first connect that needed retries is not a reconnect"


async def test_pings_are_sent_every_ping_interval(feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(1)
    engine = make_engine(items, ping_interval=0.02)
    await engine.subscribe(items, on_tick=lambda _t: None)
    await eventually(lambda: feed.opened[0].pings >= 3, what="three pings")


async def test_no_pings_when_the_broker_expects_none(feed: FeedServer, make_engine: EngineFactory) -> None:
    items = stocks(1)
    engine = make_engine(items, ping_interval=None)
    ticks: list[Tick] = []
    await engine.subscribe(items, on_tick=ticks.append)
    await eventually(lambda: len(ticks) >= 10, what="a few ticks")
    assert feed.opened[0].pings == 0


async def test_the_session_token_in_the_url_never_reaches_the_logs(
        feed: FeedServer, make_engine: EngineFactory, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    items = stocks(1)
    secret = "sekrit-access-token-8c1f"
    register_secret(secret)
    errors: list[BaseException] = []
    engine = make_engine(items, sessions=SessionHolder(secret), errors=errors, ready_timeout=0.05,
                         url="ws://127.0.0.1:9/ws")  # the discard port: nothing listens, every connect fails
    await engine.subscribe(items, on_tick=lambda _t: None)
    await eventually(lambda: len(errors) >= 3, what="a few failed connects")
    await engine.close()
    captured = capsys.readouterr()
    logged = captured.out + captured.err + caplog.text + "".join(repr(e) + str(e) for e in errors)
    assert all(isinstance(e, NetworkError) for e in errors)
    assert secret not in logged
