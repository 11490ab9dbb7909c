"""One feed made of two: ticks from one backend, order updates from another.

Live-data paper streams the live broker's ticks while its orders live in the paper engine:
:class:`SplitFeed` gives the streaming engine one :class:`~tt_connect.streaming.feed.FeedBackend`
whose instruments go to ``ticks`` (never asked for order updates, so the live account's own
orders never reach a paper subscriber) and whose order updates come from ``orders``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping

from tt_connect.enums import StreamMode
from tt_connect.instruments import Instrument
from tt_connect.models import OrderUpdate
from tt_connect.streaming.feed import FeedBackend, FeedSink

__all__ = ["SplitFeed"]


class SplitFeed:
    """Ticks from ``ticks``, order updates from ``orders``."""

    def __init__(self, ticks: FeedBackend, orders: FeedBackend) -> None:
        self._ticks = ticks
        self._orders = orders

    @property
    def carries_order_updates(self) -> bool:
        return self._orders.carries_order_updates

    @property
    def live_connections(self) -> int:
        return self._ticks.live_connections + self._orders.live_connections

    def bind(self, sink: FeedSink) -> None:
        self._ticks.bind(sink)
        self._orders.bind(sink)

    def check(self, instruments: Collection[Instrument]) -> None:
        self._ticks.check(instruments)

    async def want(self, wanted: Mapping[Instrument, StreamMode], order_updates: bool) -> None:
        await self._ticks.want(wanted, False)
        await self._orders.want({}, order_updates)

    async def until_live(self, instruments: Collection[Instrument], order_updates: bool, timeout: float) -> None:
        await asyncio.gather(self._ticks.until_live(instruments, False, timeout),
                             self._orders.until_live((), order_updates, timeout))

    def acknowledge(self, update: OrderUpdate) -> None:
        self._orders.acknowledge(update)

    async def reconnect(self) -> None:
        await self._ticks.reconnect()
        await self._orders.reconnect()

    async def close(self) -> None:
        try:
            await self._ticks.close()
        finally:
            await self._orders.close()
