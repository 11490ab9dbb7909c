"""Tier 3 with faults: dropped replies, dead sessions, server errors, killed sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tt_connect.client import AsyncTTConnect
from tt_connect.driver_api import Operation
from tt_connect.enums import OrderType, ProductType, Side, StreamMode
from tt_connect.errors import OrderStatusUnknownError
from tt_connect.instruments import Instrument
from tt_connect.models import Tick
from tt_connect.testing.polling import eventually
from tt_connect.testing.requirements import requires

__all__ = ["FaultTier"]

_BURST = 30
"""Calls in the rate-window burst: several windows' worth on every broker, a few seconds at its limits."""


class FaultTier:
    """Needs the fixtures ``client``, ``liquid_equity`` and ``faults``."""

    @requires("faults", Operation.PLACE_ORDER, Operation.ORDERS)
    async def test_a_dropped_order_response_yields_exactly_one_order(
        self, client: AsyncTTConnect, liquid_equity: Instrument, faults: Any
    ) -> None:
        before = len(await client.orders())
        faults.drop_next_order_response()
        try:
            order_id = await client.place_order(instrument=liquid_equity, qty=1, side=Side.BUY,
                                                product=ProductType.CNC, order_type=OrderType.MARKET)
        except OrderStatusUnknownError as exc:
            assert exc.tag
            order_id = ""
        after = await client.orders()
        assert len(after) == before + 1, "a dropped response must not produce a second order"
        if order_id:
            assert any(o.order_id == order_id for o in after)

    @requires("rate_windows", Operation.FUNDS)
    async def test_a_burst_of_mixed_reads_draws_no_429_from_the_broker(self, client: AsyncTTConnect,
                                                                     faults: Any) -> None:
        # The broker counts arrivals; the client must keep every window of its published limits,
        # whatever the connection set-up delays, not rely on retrying the 429s it provokes.
        reads: list[Callable[[], Awaitable[object]]] = [client.funds]
        for operation, read in ((Operation.PROFILE, client.profile), (Operation.POSITIONS, client.positions),
                                (Operation.ORDERS, client.orders), (Operation.HOLDINGS, client.holdings)):
            if client.capabilities.supports(operation):
                reads.append(read)
        # The class's earlier tests ran other clients against this emulator: their arrivals leave the
        # per-second windows first (a client knows only its own arrivals, unless a window store is shared).
        await asyncio.sleep(1.05)
        refused = faults.rate_limited
        await asyncio.gather(*(reads[i % len(reads)]() for i in range(_BURST)))
        assert faults.rate_limited == refused, (
            f"{faults.rate_limited - refused} of {_BURST} reads arrived beyond the broker's rate windows")

    @requires("faults", Operation.PROFILE)
    async def test_an_expired_session_is_renewed_transparently(self, client: AsyncTTConnect, faults: Any) -> None:
        faults.expire_sessions()
        profile = await client.profile()
        assert profile.user_id

    @requires("server_errors", Operation.FUNDS)
    async def test_a_server_error_on_a_read_is_retried_transparently(self, client: AsyncTTConnect,
                                                                    faults: Any) -> None:
        faults.fail_next(503, count=2)
        funds = await client.funds()
        assert funds.equity.available_cash >= 0

    @requires("faults", Operation.STREAM)
    async def test_the_stream_recovers_after_the_socket_is_killed(
        self, client: AsyncTTConnect, liquid_equity: Instrument, faults: Any
    ) -> None:
        ticks: list[Tick] = []
        sub = await client.subscribe([liquid_equity], on_tick=ticks.append, mode=StreamMode.LTP)
        try:
            await eventually(lambda: ticks, timeout=10, what="a first tick")
            faults.kill_streams()
            await eventually(lambda: (client.stream_stats() or sub.stats).reconnects >= 1, timeout=10,
                             what="a reconnect")
            seen = len(ticks)
            await eventually(lambda: len(ticks) > seen, timeout=10, what="ticks after the reconnect")
        finally:
            await sub.unsubscribe()
