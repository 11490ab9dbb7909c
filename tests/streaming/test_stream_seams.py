"""The v2 stream seams: an authorize call before each connect, a handshake before subscribing, a
decoder per connection, and a broker's refusal of the socket (in a frame or at the handshake) renewing
the session."""

from __future__ import annotations

import datetime as _dt
import itertools
import json

from tt_connect.driver_api import Call, DriverContext, HttpRequest, Session, StreamRejected
from tt_connect.models import OrderUpdate, Tick
from tt_connect.testing import eventually
from tt_connect.transport import AiohttpTransport

from tests.streaming.conftest import SessionHolder, stocks
from tests.streaming.fake_feed import FakeDecoder, FakeSpec, FeedServer, ServerSocket


class AuthorizedSpec(FakeSpec):
    """A feed whose URL comes from a REST call (one-time code) and which wants a hello first."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.codes = itertools.count(1)
        self.decoders = 0

    def authorize(self, session: Session | None) -> Call[str]:
        code = next(self.codes)
        request = HttpRequest(method="GET", url="http://127.0.0.1:9/authorize", endpoint="feed.authorize")
        return Call(request, lambda _payload: f"{self._url}?token=code-{code}")

    def handshake(self, session: Session | None) -> list[str | bytes]:
        return [json.dumps({"hello": session.access_token if session else ""})]

    def decoder(self, ctx: DriverContext) -> FakeDecoder:
        self.decoders += 1
        return RefusingDecoder(ctx)


class RefusingDecoder(FakeDecoder):
    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        if isinstance(frame, str) and "refused" in frame:
            raise StreamRejected("auth failed", session_dead=True)
        return super().decode(frame, received_at)


async def test_the_url_comes_from_the_authorize_call_and_the_handshake_precedes_subscriptions(
        feed: FeedServer) -> None:
    from tt_connect.streaming import StreamEngine

    from tests.streaming.conftest import context

    items = stocks(1)
    spec = AuthorizedSpec(feed.url)
    sent: list[Call[str]] = []

    async def run_call(call: Call[str]) -> str:
        sent.append(call)
        return call.parse(None)

    transport = AiohttpTransport()
    engine = StreamEngine(broker="fake", spec=spec, transport=transport, ctx=context(items), session=SessionHolder(),
                          run_call=run_call, backoff_base=0.01, backoff_max=0.05)
    try:
        ticks: list[Tick] = []
        await engine.subscribe(items, on_tick=ticks.append)
        await eventually(lambda: ticks, what="a tick")
        first = feed.live[0]
        assert first.token == "code-1" and len(sent) == 1
        assert json.loads(first.received[0]) == {"hello": "first-token"}
        assert "sub" in json.loads(first.received[1])
        await feed.kill_all()
        await eventually(lambda: len(feed.live) == 1 and feed.live[0].token == "code-2", what="a reconnect")
        assert spec.decoders == 2, "each connection gets a decoder of its own"
    finally:
        await engine.close()
        await transport.close()


async def test_a_socket_the_broker_refuses_renews_the_session_and_reconnects(feed: FeedServer) -> None:
    from tt_connect.streaming import StreamEngine

    from tests.streaming.conftest import context, session

    items = stocks(1)
    holder = SessionHolder()
    renewed: list[Session | None] = []

    async def renew(dead: Session | None) -> None:
        renewed.append(dead)
        holder.current = session("second-token")

    errors: list[BaseException] = []
    transport = AiohttpTransport()
    engine = StreamEngine(broker="fake", spec=AuthorizedSpec(feed.url), transport=transport, ctx=context(items),
                          session=holder, run_call=lambda call: _resolved(call), renew_session=renew,
                          on_error=errors.append, backoff_base=0.01, backoff_max=0.05)
    try:
        ticks: list[Tick] = []
        await engine.subscribe(items, on_tick=ticks.append)
        await eventually(lambda: feed.live, what="a socket")
        await feed.live[0].ws.send_str('{"refused": true}')
        await eventually(lambda: renewed, what="the session renewed")
        assert renewed[0] is not None and renewed[0].access_token == "first-token"
        await eventually(lambda: any(json.loads(s.received[0]) == {"hello": "second-token"}
                                     for s in feed.live if s.received), what="a handshake with the new session")
        assert any("refused the stream" in str(e) for e in errors)
    finally:
        await engine.close()
        await transport.close()


async def _resolved(call: Call[str]) -> str:
    return call.parse(None)


async def test_a_handshake_refused_403_renews_the_dead_session_and_the_feed_resumes(feed: FeedServer) -> None:
    """Kite answers the upgrade of a dead token with HTTP 403: no frame ever reaches a decoder."""
    from tt_connect.streaming import StreamEngine

    from tests.streaming.conftest import context, session

    items = stocks(1)
    holder = SessionHolder()
    feed.dead_tokens.add("first-token")
    renewed: list[Session | None] = []

    async def renew(dead: Session | None) -> None:
        renewed.append(dead)
        holder.current = session("second-token")

    transport = AiohttpTransport()
    engine = StreamEngine(broker="fake", spec=FakeSpec(feed.url), transport=transport, ctx=context(items),
                          session=holder, renew_session=renew, backoff_base=0.01, backoff_max=0.05)
    try:
        ticks: list[Tick] = []
        await engine.subscribe(items, on_tick=ticks.append)
        await eventually(lambda: ticks, what="ticks on the renewed session")
        assert [s.access_token if s else None for s in renewed] == ["first-token"]
        live: list[ServerSocket] = feed.live
        assert [s.token for s in live] == ["second-token"]
    finally:
        await engine.close()
        await transport.close()


class AckingSpec(FakeSpec):
    """A feed that wants every third frame acknowledged (Fyers' HSM acks), through the decoder's ``replies``."""

    def decoder(self, ctx: DriverContext) -> FakeDecoder:
        return AckingDecoder(ctx)


class AckingDecoder(FakeDecoder):
    def __init__(self, ctx: DriverContext) -> None:
        super().__init__(ctx)
        self.replies: list[str | bytes] = []
        self.frames = 0

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        self.frames += 1
        if self.frames % 3 == 0:
            self.replies.append(json.dumps({"ack": self.frames}))
        return super().decode(frame, received_at)


async def test_frames_a_decoder_queues_in_replies_are_sent_back_in_order(feed: FeedServer) -> None:
    from tt_connect.streaming import StreamEngine

    from tests.streaming.conftest import context

    items = stocks(1)
    transport = AiohttpTransport()
    engine = StreamEngine(broker="fake", spec=AckingSpec(feed.url), transport=transport, ctx=context(items),
                          session=SessionHolder(), backoff_base=0.01, backoff_max=0.05)
    try:
        await engine.subscribe(items, on_tick=lambda tick: None)

        def acks() -> list[int]:
            return [json.loads(m)["ack"] for m in feed.live[0].received if "ack" in m] if feed.live else []

        await eventually(lambda: len(acks()) >= 3, what="three acknowledgements")
        assert acks()[:3] == [3, 6, 9]
    finally:
        await engine.close()
        await transport.close()
