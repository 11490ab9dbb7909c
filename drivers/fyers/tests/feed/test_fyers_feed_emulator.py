"""Both Fyers sockets end to end: the core's streaming engine and the driver's backends against the emulator."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from fyers_feed_fakes import APP_ID, Endpoints, FeedHost, session
from tt_connect.driver_api import Session
from tt_connect.enums import OrderStatus, OrderType, ProductType, Side, StreamMode
from tt_connect.instruments import Equity, Index
from tt_connect.models import OrderUpdate, Tick
from tt_connect.streaming import StreamEngine
from tt_connect.transport.aiohttp_transport import AiohttpTransport
from tt_connect_fyers.feed import encoder
from tt_connect_fyers.feed.protocol import hsm_key
from tt_connect_fyers.feed.stream import FyersStream


async def _eventually(check: Callable[[], Any], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def engine(host: FeedHost) -> AsyncIterator[StreamEngine]:
    token = host.login()
    current: list[Session] = [session(token)]

    async def provide() -> Session:
        return current[0]

    transport = AiohttpTransport()
    spec = FyersStream(Endpoints(f"{host.ws_base_url}/hsm/v1-5/prod", f"{host.ws_base_url}/trade/v3"))
    built = StreamEngine(broker="fyers", spec=spec, transport=transport, ctx=host.context(), session=provide,
                         backoff_base=0.01, backoff_max=0.05)
    try:
        yield built
    finally:
        await built.close()
        await transport.close()


def _equity(host: FeedHost, n: int = 0) -> Equity:
    return [i for i, _, _ in host.listing if isinstance(i, Equity)][n]


async def test_full_mode_ticks_carry_depth_and_follow_the_paper_market(host: FeedHost, engine: StreamEngine) -> None:
    ticks: list[Tick] = []
    equity = _equity(host)
    sub = await engine.subscribe([equity], mode=StreamMode.FULL, on_tick=ticks.append)
    await _eventually(lambda: len([t for t in ticks if t.depth is not None]) >= 3)
    tick = [t for t in ticks if t.depth is not None][-1]
    assert tick.instrument == equity and tick.mode is StreamMode.FULL and tick.last_price > 0
    assert len(tick.depth.bids) == 5 and tick.depth.bids[0].price < tick.depth.asks[0].price  # type: ignore[union-attr]
    assert tick.close > 0 and tick.volume > 0 and tick.last_trade_time is not None
    await sub.unsubscribe()


async def test_ltp_and_index_subscriptions(host: FeedHost, engine: StreamEngine) -> None:
    ticks: list[Tick] = []
    index = next(i for i, _, _ in host.listing if isinstance(i, Index))
    sub = await engine.subscribe([_equity(host, 1), index], mode=StreamMode.LTP, on_tick=ticks.append)
    await _eventually(lambda: {t.instrument for t in ticks} == {_equity(host, 1), index})
    assert all(t.mode is StreamMode.LTP and t.last_price > 0 for t in ticks)
    await sub.unsubscribe()


async def test_the_feed_reconnects_and_resubscribes_after_the_socket_dies(host: FeedHost,
                                                                          engine: StreamEngine) -> None:
    ticks: list[Tick] = []
    sub = await engine.subscribe([_equity(host)], mode=StreamMode.QUOTE, on_tick=ticks.append)
    await _eventually(lambda: ticks)
    host.faults.kill_streams()
    await _eventually(lambda: sub.stats.reconnects >= 1)
    before = len(ticks)
    await _eventually(lambda: len(ticks) > before + 2)
    await sub.unsubscribe()


async def test_acknowledgements_keep_the_feed_flowing(static_instruments: None) -> None:
    host = FeedHost(tick_interval=0.02, ack_count=2).start()
    try:
        token = host.login()

        async def provide() -> Session:
            return session(token)

        transport = AiohttpTransport()
        spec = FyersStream(Endpoints(f"{host.ws_base_url}/hsm/v1-5/prod"))
        engine = StreamEngine(broker="fyers", spec=spec, transport=transport, ctx=host.context(), session=provide)
        ticks: list[Tick] = []
        try:
            await engine.subscribe([_equity(host)], mode=StreamMode.QUOTE, on_tick=ticks.append)
            await _eventually(lambda: len(ticks) > 30)  # the server stops after 6 unacknowledged frames
            assert any(client.state.get("acked") for client in list(host.streams))
        finally:
            await engine.close()
            await transport.close()
    finally:
        host.stop()


async def test_order_updates_arrive_as_canonical_orders(host: FeedHost, engine: StreamEngine) -> None:
    updates: list[OrderUpdate] = []
    sub = await engine.subscribe([], on_order_update=updates.append)
    equity, (_, _, token) = _equity(host), host.listing[0]
    await asyncio.sleep(0.1)
    order = host.engine.place(token=token, side="BUY", qty=3, order_type="MARKET", product="CNC", tag="feedtest1")
    await _eventually(lambda: any(u.order.order_id == order.order_id and u.order.status is OrderStatus.COMPLETE
                                  for u in updates))
    done = [u.order for u in updates if u.order.order_id == order.order_id][-1]
    assert done.instrument == equity and done.side is Side.BUY and done.qty == 3 and done.filled_qty == 3
    assert done.order_type is OrderType.MARKET and done.product is ProductType.CNC and done.tag == "feedtest1"
    assert done.average_price > 0
    await sub.unsubscribe()


# -- the wire, as the official client speaks it ---------------------------------------------


async def _read(ws: aiohttp.ClientWebSocketResponse, kind: int, timeout: float = 3.0) -> bytes:
    async with asyncio.timeout(timeout):
        while True:
            message = await ws.receive()
            assert message.type is aiohttp.WSMsgType.BINARY, message
            if message.data[2] == kind:
                return bytes(message.data)


async def test_the_data_socket_speaks_the_sdk_frames(host: FeedHost) -> None:
    token = host.login()
    key = hsm_key(token)
    assert key is not None
    async with aiohttp.ClientSession() as client, client.ws_connect(f"{host.ws_base_url}/hsm/v1-5/prod") as ws:
        await ws.send_bytes(encoder.auth_frame(key, "PythonSDK-3.2.0"))
        reply = await _read(ws, 1)
        assert reply[7:8] == b"K" and struct.unpack(">I", reply[-4:])[0] == 0
        sdk_mode = bytearray(encoder.mode_frame(76))
        sdk_mode[0:2] = b"\x00\x00"  # the SDK's mode frames say length 0
        await ws.send_bytes(bytes(sdk_mode))
        assert (await _read(ws, 12))[7:8] == b"K"
        topic = host.feed.topics and next(t for t in host.feed.topics if t.startswith("sf|"))
        await ws.send_bytes(encoder.subscribe_frame([topic]))
        assert (await _read(ws, 4))[7:8] == b"K"
        snapshot = await _read(ws, 6)
        assert snapshot[9] == 83 and topic.encode() in snapshot
        lite = await _read(ws, 6)
        assert lite[9] == 76 and len(lite) == 9 + 7  # one L record: kind, topic id, ltp
        await ws.send_bytes(encoder.ping_frame())


async def test_a_bad_hsm_key_and_an_authorization_header_get_no_login(host: FeedHost) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.ws_connect(f"{host.ws_base_url}/hsm/v1-5/prod") as ws:
            await ws.send_bytes(encoder.auth_frame("bogus"))
            assert (await _read(ws, 1))[7:8] != b"K"
        key = hsm_key(host.login())
        assert key is not None
        async with client.ws_connect(f"{host.ws_base_url}/hsm/v1-5/prod",
                                     headers={"Authorization": "anything"}) as ws:
            await ws.send_bytes(encoder.auth_frame(key))
            with pytest.raises(TimeoutError):
                await _read(ws, 1, timeout=0.5)


async def test_the_order_socket_wants_the_app_token_header_and_answers_pings(host: FeedHost) -> None:
    token = host.login()
    async with aiohttp.ClientSession() as client:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect(f"{host.ws_base_url}/trade/v3", headers={"authorization": f"{APP_ID}:bogus"})
        assert refused.value.status == 403
        async with client.ws_connect(f"{host.ws_base_url}/trade/v3",
                                     headers={"authorization": f"{APP_ID}:{token}"}) as ws:
            await ws.send_str('{"T": "SUB_ORD", "SLIST": ["orders", "trades", "positions"], "SUB_T": 1}')
            ack = await ws.receive_json(timeout=3)
            assert ack == {"code": 1605, "message": "Successfully subscribed", "s": "ok"}
            await ws.send_str("ping")
            assert (await ws.receive(timeout=3)).data == "pong"
