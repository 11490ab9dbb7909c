"""Quotes, LTP and history for every driver: batched, chunked and merged by the core.

A driver builds one call for one batch (at most its ``quote_batch_size`` instruments) or one
history chunk (within its ``history_max_days``); the core splits, sends concurrently under the
rate limiter, and merges. LTP is emulated from a quote in LTP mode where the broker has no
endpoint of its own.
"""

from __future__ import annotations

import datetime as _dt

from tt_connect.driver_api import Operation, Support
from tt_connect.enums import StreamMode
from tt_connect.instruments import Instrument
from tt_connect.models import Candle, Quote
from tt_connect.request_builder.capabilities import require
from tt_connect.request_builder.market import batches, history_requests, quote_instruments, quote_mode
from tt_connect.runtime import Runtime

__all__ = ["MarketData"]


class MarketData:
    """Market-data reads for one runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self._rt = runtime
        self._api = runtime.api

    async def quote(self, instruments: object, mode: object = StreamMode.FULL) -> dict[Instrument, Quote]:
        items = quote_instruments(instruments)
        depth = quote_mode(mode)
        size = self._api.quote_batch_size
        parts = await self._rt.send_all(
            Operation.QUOTE, lambda ctx: [self._api.quote(ctx, batch, depth) for batch in batches(items, size)])
        merged: dict[Instrument, Quote] = {}
        for part in parts:
            merged.update(part)
        return merged

    async def ltp(self, instruments: object) -> dict[Instrument, float]:
        rt = self._rt
        if require(rt.capabilities, Operation.LTP, rt.name) is Support.EMULATED:
            return {i: q.last_price for i, q in (await self.quote(instruments, StreamMode.LTP)).items()}
        items = quote_instruments(instruments)
        size = self._api.quote_batch_size
        parts = await rt.send_all(Operation.LTP,
                                  lambda ctx: [self._api.ltp(ctx, batch) for batch in batches(items, size)])
        merged: dict[Instrument, float] = {}
        for part in parts:
            merged.update(part)
        return merged

    async def history(self, instrument: object, interval: object, start: object, end: object = None,
                      oi: object = False) -> list[Candle]:
        rt = self._rt
        chunks = history_requests(broker=rt.name, capabilities=rt.capabilities, max_days=self._api.history_max_days,
                                  instrument=instrument, interval=interval, start=start, end=end, oi=oi,
                                  now=rt.clock.now())
        parts = await rt.send_all(Operation.HISTORY,
                                  lambda ctx: [self._api.history(ctx, chunk) for chunk in chunks])
        seen: dict[_dt.datetime, Candle] = {}
        for part in parts:
            for candle in part:
                seen[candle.timestamp] = candle
        return [seen[k] for k in sorted(seen)]
