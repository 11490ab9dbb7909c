"""A consumer's feed: what a hub publishes to Redis, behind the engine's FeedBackend seam.

A client whose streaming engine uses :class:`RedisFeed` serves
``subscribe(...)`` with the same handlers, modes, conflation and ``on_error``
as one on the broker's own sockets. The feed:

- keeps this process's holds (instrument -> mode) in a key that expires
  unless renewed every ``lease / 3`` seconds, and nudges the hub when they
  change; closing the feed (or the process dying) lets them go;
- reads the tick shards its instruments live on (XREAD, blocking), picks out
  its own instruments, and counts the entries it missed from each shard's
  sequence numbers (Redis restarted, the shard was trimmed past it): misses
  are reported through ``on_error`` as :class:`FeedGapError`;
- reads order updates through a consumer group (one per application, named
  by ``group``), acknowledges each once every subscriber handled it,
  reclaims updates a dead process of the same application left unacknowledged,
  and skips an update whose per-order sequence number it already delivered;
- survives Redis going away: it reports it once, retries with backoff,
  resumes every stream from the last entry id it read, and rewrites its holds
  (a restarted Redis may have lost them).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
from collections import OrderedDict
from collections.abc import Collection, Mapping
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError
from tt_connect.enums import StreamMode
from tt_connect.errors import StreamingError
from tt_connect.instruments import Instrument
from tt_connect.logs import get_logger
from tt_connect.models import OrderUpdate
from tt_connect.streaming import FeedSink, StreamEvent
from tt_connect.streaming.backoff import full_jitter

from tt_connect_redis.connection import bounded, connect
from tt_connect_redis.keys import DEFAULT_SHARDS, BusKeys
from tt_connect_redis.wire import (
    decode_order_update,
    decode_tick_entry,
    encode_holds,
    instrument_key,
    tick_from_entry,
)

__all__ = ["FeedGapError", "RedisFeed"]

_log = get_logger("tt_connect.redis.feed")
_SEEN_ORDERS = 50_000
_GAP_REPORT_EVERY = 1.0
"""Seconds between two gap reports: misses in between are added up into the next one."""


class FeedGapError(StreamingError):
    """Entries the hub published that this consumer never read (``missed`` of them in this report).

    An entry is one shard's ticks of one broker frame, so a miss is at least one tick.
    """

    def __init__(self, message: str, *, missed: int) -> None:
        super().__init__(message)
        self.missed = missed


def consumer_name() -> str:
    """Return a name for this process on the bus: host, pid and a random part."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class RedisFeed:
    """Ticks and order updates from a hub, through Redis Streams.

    Parameters
    ----------
    redis
        An asyncio Redis client; see :meth:`from_url` for one the feed owns.
    keys
        The bus's key names (the same namespace and shards as the hub's).
    group
        The application's name for order updates: every update reaches each group once,
        and several processes in one group share them. Default: a group of this process
        alone (deleted when the feed closes).
    lease
        Seconds this process's holds live without renewal (the hub forgets a dead consumer then).
    block
        Longest a read waits in Redis, in seconds (a new shard is read within it).
    claim_idle
        Seconds after which an update another process of the group left unacknowledged is taken over.
    """

    carries_order_updates = True

    def __init__(
        self,
        *,
        redis: Redis,
        keys: BusKeys,
        group: str | None = None,
        consumer: str | None = None,
        lease: float = 10.0,
        block: float = 0.2,
        batch: int = 1000,
        claim_idle: float = 30.0,
        backoff_base: float = 0.2,
        backoff_max: float = 5.0,
        owns_client: bool = False,
    ) -> None:
        self._redis = redis
        self.keys = keys
        self.consumer = consumer or consumer_name()
        self._own_group = group is None
        self.group = group or f"solo-{self.consumer}"
        self._lease = lease
        self._block_ms = max(int(block * 1000), 1)
        self._batch = batch
        self._claim_idle_ms = int(claim_idle * 1000)
        self._backoff = (backoff_base, backoff_max)
        self._owns_client = owns_client
        self._sink: FeedSink | None = None
        self._by_key: dict[bytes, Instrument] = {}
        self._modes: dict[Instrument, StreamMode] = {}
        self._order_updates = False
        self._last: dict[int, bytes | str] = {}
        self._position: dict[int, tuple[str, int]] = {}
        self._order_seen: OrderedDict[str, int] = OrderedDict()
        self._entry_of: dict[int, tuple[bytes, OrderUpdate]] = {}
        self._acks: list[bytes] = []
        self._changed = asyncio.Event()
        self._refresh = asyncio.Event()
        self._ack_wake = asyncio.Event()
        self._connected = asyncio.Event()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._healthy = True
        self._hub_seen: bool | None = None
        self._missed_unreported = 0
        self._last_gap_report = 0.0
        self._closed = False
        self.gaps = 0
        """Tick entries missed so far (published by the hub, never read here; an entry is 1+ ticks)."""
        self.hub_restarts = 0

    @classmethod
    def from_url(cls, url: str, namespace: str, *, shards: int = DEFAULT_SHARDS, **options: Any) -> RedisFeed:
        """Return a feed with its own Redis client for ``url`` (closed with the feed)."""
        return cls(redis=connect(url), keys=BusKeys(namespace, shards), owns_client=True, **options)

    # -- FeedBackend -----------------------------------------------------------------------

    @property
    def live_connections(self) -> int:
        """Return 1 while Redis answers this feed, else 0."""
        return 1 if self._connected.is_set() else 0

    def bind(self, sink: FeedSink) -> None:
        self._sink = sink

    def check(self, instruments: Collection[Instrument]) -> None:
        """Accept any set: the hub's broker limits apply there (it reports what it cannot carry)."""

    async def want(self, wanted: Mapping[Instrument, StreamMode], order_updates: bool) -> None:
        """Hold exactly ``wanted`` at the hub; read the shards and the order stream that needs."""
        if self._closed:
            return
        self._modes = dict(wanted)
        self._by_key = {instrument_key(i): i for i in wanted}
        self._order_updates = order_updates
        loop = asyncio.get_running_loop()
        for name, run in (("lease", self._keep_lease), ("ticks", self._read_ticks), ("acks", self._send_acks)):
            if name not in self._tasks:
                self._tasks[name] = loop.create_task(run(), name=f"tt-connect-redis-{name}")
        orders = self._tasks.get("orders")
        if order_updates and orders is None:
            self._tasks["orders"] = loop.create_task(self._read_orders(), name="tt-connect-redis-orders")
        elif not order_updates and orders is not None:
            del self._tasks["orders"]
            await _cancel(orders)
        self._changed.set()
        try:
            await self._write_holds(nudge=True)
        except (RedisError, OSError) as exc:  # the lease task writes them once Redis answers
            self._down(exc)

    async def until_live(self, instruments: Collection[Instrument], order_updates: bool, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._connected.wait()

    def acknowledge(self, update: OrderUpdate) -> None:
        """Every subscriber handled ``update``: acknowledge its entry to the group."""
        found = self._entry_of.pop(id(update), None)
        if found is not None:
            self._acks.append(found[0])
            self._ack_wake.set()

    async def reconnect(self) -> None:
        """Nothing to renew: the hub holds the broker's session."""

    async def close(self) -> None:
        """Stop reading, let this process's holds go (the hub unsubscribes them), close an owned client."""
        if self._closed:
            return
        self._closed = True
        for task in list(self._tasks.values()):
            await _cancel(task)
        self._tasks.clear()
        with contextlib.suppress(RedisError, OSError):
            pipe = self._redis.pipeline(transaction=False)
            pipe.delete(self.keys.holds(self.consumer))
            pipe.srem(self.keys.consumers, self.consumer)
            pipe.xadd(self.keys.control, {"c": self.consumer}, maxlen=1000, approximate=True)
            if self._acks:
                pipe.xack(self.keys.orders, self.group, *self._acks)
            if self._own_group:
                pipe.xgroup_destroy(self.keys.orders, self.group)
            await bounded(pipe.execute(raise_on_error=False))
        if self._owns_client:
            await self._redis.aclose()

    # -- holds -----------------------------------------------------------------------------

    async def _write_holds(self, *, nudge: bool) -> None:
        pipe = self._redis.pipeline(transaction=False)
        holds_key = self.keys.holds(self.consumer)
        if self._modes:
            pipe.set(holds_key, encode_holds(self._modes), px=int(self._lease * 1000))
            pipe.sadd(self.keys.consumers, self.consumer)
        else:
            pipe.delete(holds_key)
            pipe.srem(self.keys.consumers, self.consumer)
        if nudge:
            pipe.xadd(self.keys.control, {"c": self.consumer}, maxlen=1000, approximate=True)
        pipe.exists(self.keys.hub)
        replies = await bounded(pipe.execute())
        self._up()
        self._note_hub(bool(replies[-1]))

    def _note_hub(self, present: bool) -> None:
        if not present and self._hub_seen is not False and (self._modes or self._order_updates):
            self._report(StreamingError(f"no hub is serving {self.keys.namespace} yet: ticks start when "
                                        "`tt-connect hub` runs for this account"))
        self._hub_seen = present

    async def _keep_lease(self) -> None:
        failures = 0
        nudge = False
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._lease / 3):
                    await self._refresh.wait()
            nudge = nudge or self._refresh.is_set()
            self._refresh.clear()
            try:
                await self._write_holds(nudge=nudge)
                failures, nudge = 0, False
            except (RedisError, OSError) as exc:
                nudge = True
                failures = await self._failed(exc, failures)

    # -- ticks -----------------------------------------------------------------------------

    async def _read_ticks(self) -> None:
        redis, keys = self._redis, self.keys
        failures = 0
        while True:
            shards = {keys.shard_of(key) for key in self._by_key}
            for shard in [s for s in self._last if s not in shards]:
                del self._last[shard]  # left: coming back later starts at the end, not at old ticks
                self._position.pop(shard, None)
            if not shards:
                self._changed.clear()
                await self._changed.wait()
                continue
            try:
                await self._start_at_end([s for s in shards if s not in self._last])
                reply = await bounded(redis.xread({keys.tick_stream(s): self._last[s] for s in sorted(shards)},
                                                  block=self._block_ms, count=self._batch), self._block_ms / 1000)
            except (RedisError, OSError) as exc:
                failures = await self._failed(exc, failures)
                continue
            failures = self._answered(failures)
            if reply and self._take_ticks(reply):
                # A busy stream answers at once, so the read above may never have suspended: let the
                # subscribers' delivery tasks run before the next read would conflate their ticks.
                await asyncio.sleep(0)

    async def _start_at_end(self, shards: list[int]) -> None:
        """Read new shards from their current last entry (a shard never read starts at its end)."""
        if not shards:
            return
        pipe = self._redis.pipeline(transaction=False)
        for shard in shards:
            pipe.xrevrange(self.keys.tick_stream(shard), count=1)
        for shard, newest in zip(shards, await bounded(pipe.execute())):
            self._last[shard] = newest[0][0] if newest else "0-0"

    def _take_ticks(self, reply: Any) -> bool:
        events: list[StreamEvent] = []
        by_key = self._by_key
        missed = 0
        for stream, entries in reply:
            shard = int(stream.rsplit(b":", 1)[1])
            for entry_id, fields in entries:
                self._last[shard] = entry_id
                try:
                    entry = decode_tick_entry(fields[b"p"])
                except (msgspec.DecodeError, msgspec.ValidationError, KeyError):
                    self._report(StreamingError("undecodable tick entry skipped (a hub of another version?)"))
                    continue
                previous = self._position.get(shard)
                if previous is not None:
                    if previous[0] != entry.hub:
                        self.hub_restarts += 1
                        self._report(StreamingError("the hub restarted; ticks from before its restart are "
                                                    "not replayed"))
                    elif entry.seq > previous[1] + 1:
                        missed += entry.seq - previous[1] - 1
                self._position[shard] = (entry.hub, entry.seq)
                for keyed in entry.ticks:
                    instrument = by_key.get(keyed.key)
                    if instrument is not None:
                        events.append(tick_from_entry(instrument, keyed))
        if missed:
            self._count_gap(missed)
        return bool(events) and self._sink is not None and self._sink.deliver(events)

    def _count_gap(self, missed: int) -> None:
        self.gaps += missed
        self._missed_unreported += missed
        now = asyncio.get_running_loop().time()
        if now - self._last_gap_report >= _GAP_REPORT_EVERY:
            self._last_gap_report = now
            count, self._missed_unreported = self._missed_unreported, 0
            self._report(FeedGapError(
                f"{count} tick entries published by the hub were missed (Redis restarted, or this consumer "
                f"fell behind the streams' length); {self.gaps} so far", missed=count))

    # -- order updates ---------------------------------------------------------------------

    async def _read_orders(self) -> None:
        redis, stream = self._redis, self.keys.orders
        failures = 0
        grouped = False
        next_claim = 0.0
        while True:
            loop_time = asyncio.get_running_loop().time()
            try:
                if not grouped:
                    await self._create_group()
                    grouped = True
                if loop_time >= next_claim:
                    next_claim = loop_time + self._claim_idle_ms / 2000
                    claimed = await bounded(redis.xautoclaim(stream, self.group, self.consumer,
                                                             min_idle_time=self._claim_idle_ms, count=self._batch))
                    if self._take_updates(claimed[1]):
                        await asyncio.sleep(0)
                reply = await bounded(redis.xreadgroup(self.group, self.consumer, {stream: ">"}, count=self._batch,
                                                       block=self._block_ms), self._block_ms / 1000)
            except ResponseError as exc:
                if "NOGROUP" in str(exc):  # Redis restarted without its data: make the group again
                    grouped = False
                    continue
                raise
            except (RedisError, OSError) as exc:
                failures = await self._failed(exc, failures)
                continue
            failures = self._answered(failures)
            streams: Any = reply or ()
            for _, entries in streams:
                if self._take_updates(entries):
                    await asyncio.sleep(0)  # as for ticks: let delivery run before the next read

    async def _create_group(self) -> None:
        try:
            await bounded(self._redis.xgroup_create(self.keys.orders, self.group, id="$", mkstream=True))
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _take_updates(self, entries: Any) -> bool:
        events: list[StreamEvent] = []
        seen = self._order_seen
        for entry_id, fields in entries:
            if not fields:
                continue  # claimed after MAXLEN trimmed it away
            try:
                order_id = fields[b"o"].decode()
                seq = int(fields[b"s"])
                if seq <= seen.get(order_id, 0):
                    self._acks.append(entry_id)  # delivered here already (a reclaim of an old copy)
                    continue
                update = decode_order_update(fields[b"p"])
            except (msgspec.DecodeError, msgspec.ValidationError, KeyError, ValueError) as exc:
                self._acks.append(entry_id)  # it will never decode: do not let it come back forever
                self._report(StreamingError(f"undecodable order update skipped ({type(exc).__name__})"))
                continue
            seen[order_id] = seq
            seen.move_to_end(order_id)
            self._entry_of[id(update)] = (entry_id, update)
            events.append(update)
        while len(seen) > _SEEN_ORDERS:
            seen.popitem(last=False)
        if self._acks:
            self._ack_wake.set()
        return bool(events) and self._sink is not None and self._sink.deliver(events)

    async def _send_acks(self) -> None:
        while True:
            await self._ack_wake.wait()
            self._ack_wake.clear()
            acks, self._acks = self._acks, []
            if not acks:
                continue
            try:
                await bounded(self._redis.xack(self.keys.orders, self.group, *acks))
            except (RedisError, OSError) as exc:
                self._acks[:0] = acks
                self._down(exc)
                await asyncio.sleep(self._delay(1))
                self._ack_wake.set()

    # -- health ----------------------------------------------------------------------------

    def _delay(self, failures: int) -> float:
        return full_jitter(failures, base=self._backoff[0], cap=self._backoff[1])

    def _report(self, error: BaseException) -> None:
        if self._sink is not None:
            self._sink.report(error)
        else:
            _log.warning("redis_feed_error", error=type(error).__name__, detail=str(error))

    async def _failed(self, exc: BaseException, failures: int) -> int:
        """A read failed: report Redis down (once), wait the backoff; return the failures so far."""
        self._down(exc)
        await asyncio.sleep(self._delay(failures + 1))
        return failures + 1

    def _answered(self, failures: int) -> int:
        """A read succeeded: after failures, count the reconnect and rewrite the holds; return 0."""
        if failures:
            self._came_back()
        self._up()
        return 0

    def _down(self, exc: BaseException) -> None:
        self._connected.clear()
        if self._healthy:
            self._healthy = False
            self._report(StreamingError(f"redis unreachable ({type(exc).__name__}); retrying, and resuming "
                                        "from the last entry read"))

    def _up(self) -> None:
        self._connected.set()
        self._healthy = True

    def _came_back(self) -> None:
        """Redis answers again: count the reconnect and rewrite the holds it may have lost."""
        if self._sink is not None:
            self._sink.count_reconnect()
        self._refresh.set()


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    current = asyncio.current_task()
    if current is not None and current.cancelling() > 0:
        raise asyncio.CancelledError
