"""The feed hub: one account's broker sockets, published to Redis Streams for every consumer.

The hub is a :class:`~tt_connect.streaming.FeedSink` over a feed of the
broker's own sockets. What it subscribes is the union of what consumers hold:
each consumer keeps its holds in a key that expires unless renewed (so a
consumer that dies is forgotten after its lease), and nudges the hub through
the control stream when they change. Each instrument is on the broker's
socket once, in the highest mode anyone holds; it leaves the socket when the
last consumer lets it go. The holds keys are the truth, so a restarted hub
(or a hub started after its consumers) reads them and resubscribes
everything still held, and a periodic rescan repairs any nudge lost.

Ticks go to ``shards`` streams (an instrument always to the same one), each
capped with an approximate MAXLEN, each entry numbered per shard so
consumers can count what they missed. Order updates go to one stream, each
numbered per order (a Redis hash), so consumers reading it through consumer
groups deliver each update once per application.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError
from tt_connect.enums import StreamMode
from tt_connect.errors import StreamingError, TTConnectError
from tt_connect.instruments import Instrument
from tt_connect.logs import get_logger
from tt_connect.models import OrderUpdate, Tick
from tt_connect.streaming import FeedBackend, StreamEvent
from tt_connect.streaming.backoff import full_jitter

from tt_connect_redis.connection import bounded
from tt_connect_redis.keys import BusKeys
from tt_connect_redis.wire import (
    decode_holds,
    decode_instrument,
    encode_order_update,
    encode_tick_entry,
    keyed_tick,
)

__all__ = ["FeedHub", "HubStats"]

_log = get_logger("tt_connect.redis.hub")
_RANK = {StreamMode.LTP: 0, StreamMode.QUOTE: 1, StreamMode.FULL: 2}
_MAX_BUFFER = 200_000
"""Ticks waiting for Redis; past it they are dropped (consumers see the gap)."""
_SEEN_ORDERS = 50_000

# One call per batch: every shard's entry of a frame is appended server-side (a command per entry
# costs the client far more than the server's work).
_PUBLISH_TICKS = """
for i = 1, #KEYS do
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[1], '*', 'p', ARGV[i + 1])
end
return #KEYS
"""

# The per-order sequence and the entry are written in one step, so the numbers have no holes.
_PUBLISH_UPDATE = """
local seq = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'o', ARGV[1], 's', seq, 'p', ARGV[2])
"""


class HubStats(msgspec.Struct, frozen=True, kw_only=True):
    """Counters of a hub (``hub.stats``)."""

    consumers: int = 0
    instruments: int = 0
    ticks_published: int = 0
    updates_published: int = 0
    lost: int = 0
    """Entries that never reached Redis (it was down or the buffer overflowed)."""
    redis_errors: int = 0


class FeedHub:
    """Publish one account's feed to Redis and subscribe what consumers hold.

    Parameters
    ----------
    redis
        An asyncio Redis client (``redis.asyncio.Redis.from_url(...)``).
    keys
        The bus's key names (namespace and shard count; consumers must use the same).
    source
        The broker's feed (a :class:`~tt_connect.streaming.SocketFeed`); the hub binds itself to it.
    maxlen
        Approximate cap of every tick shard stream (bounded memory for slow consumers).
    order_maxlen
        Approximate cap of the order-update stream.
    lease
        Seconds a consumer's holds live without renewal; the hub also rescans every ``lease / 2``.
    """

    def __init__(
        self,
        *,
        redis: Redis,
        keys: BusKeys,
        source: FeedBackend,
        maxlen: int = 1_000,
        order_maxlen: int = 100_000,
        lease: float = 10.0,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._redis = redis
        self.keys = keys
        self._source = source
        self._maxlen = maxlen
        self._order_maxlen = order_maxlen
        self._lease = lease
        self._on_error = on_error
        self.epoch = secrets.token_hex(6)
        self._holds: dict[str, dict[bytes, StreamMode]] = {}
        self._instruments: dict[bytes, Instrument | None] = {}
        self._keys_of: dict[Instrument, bytes] = {}
        self._wanted: dict[Instrument, StreamMode] = {}
        self._seq = [0] * keys.shards
        self._pending: dict[int, list[tuple[bytes, tuple[Any, ...]]]] = {}
        self._pending_ticks = 0
        self._updates: list[OrderUpdate] = []
        self._last_update: OrderedDict[str, OrderUpdate] = OrderedDict()
        self._wake = asyncio.Event()
        self._rescan = asyncio.Event()
        self._sync_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._publish_update = redis.register_script(_PUBLISH_UPDATE)
        self._publish_entries = redis.register_script(_PUBLISH_TICKS)
        self._ticks_published = 0
        self._updates_published = 0
        self._lost = 0
        self._redis_errors = 0
        self._healthy = True
        self._retry_at = 0.0
        self._grace_until = 0.0
        source.bind(self)

    @property
    def stats(self) -> HubStats:
        """Return the hub's counters."""
        return HubStats(consumers=len(self._holds), instruments=len(self._wanted),
                        ticks_published=self._ticks_published, updates_published=self._updates_published,
                        lost=self._lost, redis_errors=self._redis_errors)

    @property
    def wanted(self) -> dict[Instrument, StreamMode]:
        """Return what the hub has the broker stream now (the union of every consumer's holds)."""
        return dict(self._wanted)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Read every consumer's holds, subscribe them, and start serving (returns once started)."""
        loop = asyncio.get_running_loop()
        await self._source.want({}, self._source.carries_order_updates)
        try:  # serve what consumers already hold before returning; the keeper retries if Redis is down
            await self._announce()
            await self.sync()
        except (RedisError, OSError) as exc:
            self._redis_down(exc)
        self._tasks = [loop.create_task(self._publisher(), name="tt-connect-hub-publish"),
                       loop.create_task(self._control(), name="tt-connect-hub-control"),
                       loop.create_task(self._keeper(), name="tt-connect-hub-keeper")]
        self._rescan.set()

    async def close(self) -> None:
        """Stop serving and close the broker's sockets (consumers' holds stay for the next hub)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self._source.close()
        with contextlib.suppress(RedisError, OSError):
            await bounded(self._redis.delete(self.keys.hub))

    async def __aenter__(self) -> FeedHub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- FeedSink: called by the broker's feed (hot path) ----------------------------------

    def deliver(self, events: Sequence[StreamEvent]) -> bool:
        """Group the broker's ticks by shard for the publisher task, which sends them in one call."""
        pending = self._pending
        keys_of = self._keys_of
        shard_of = self.keys.shard_of
        for event in events:
            if isinstance(event, Tick):
                key = keys_of.get(event.instrument)
                if key is None:
                    continue  # a tick of an instrument nobody holds any more
                shard = shard_of(key)
                batch = pending.get(shard)
                if batch is None:
                    batch = pending[shard] = []
                batch.append(keyed_tick(key, event))
                self._pending_ticks += 1
            elif isinstance(event, OrderUpdate):
                self._updates.append(event)
        if self._pending_ticks > _MAX_BUFFER:  # Redis cannot keep up: drop, and number the loss
            self._take_pending(lost=True)
        self._wake.set()
        return False

    def _take_pending(self, *, lost: bool = False) -> tuple[list[str], list[bytes], int]:
        """Number the waiting ticks' entries (per shard) and return their streams, payloads and count."""
        batch, self._pending = self._pending, {}
        count, self._pending_ticks = self._pending_ticks, 0
        streams: list[str] = []
        payloads: list[bytes] = []
        for shard, ticks in batch.items():
            self._seq[shard] += 1  # also for lost entries: consumers count the hole in the numbers
            if not lost:
                streams.append(self.keys.tick_stream(shard))
                payloads.append(encode_tick_entry(self.epoch, self._seq[shard], ticks))
        if lost:
            self._lost += count
        return streams, payloads, count

    def report(self, error: BaseException) -> None:
        """Log feed trouble (the broker's sockets retry by themselves)."""
        _log.warning("hub_feed_error", error=type(error).__name__, detail=str(error))
        if self._on_error is not None:
            self._on_error(error)

    def count_reconnect(self) -> None:
        """The broker's socket came back: nothing to do, it resubscribed by itself."""
        _log.info("hub_feed_reconnected")

    # -- publishing ------------------------------------------------------------------------

    async def _publisher(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            updates, self._updates = self._updates, []
            if self._pending:
                await self._publish_ticks()
            for update in updates:
                await self._publish_order_update(update)

    async def _publish_ticks(self) -> None:
        if not self._healthy and asyncio.get_running_loop().time() < self._retry_at:
            self._take_pending(lost=True)  # Redis is down: do not try once per frame
            return
        streams, payloads, count = self._take_pending()
        try:
            await bounded(self._publish_entries(keys=streams, args=[self._maxlen, *payloads]))
        except (RedisError, OSError) as exc:
            self._lost += count
            self._redis_down(exc)
            return
        self._ticks_published += count
        self._redis_up()

    async def _publish_order_update(self, update: OrderUpdate) -> None:
        """Publish an update unless it repeats the last one of its order (a broker resending it)."""
        order_id = update.order.order_id
        if self._last_update.get(order_id) == update:
            return
        while True:  # order updates are not dropped while Redis is down: they wait for it
            try:
                await bounded(self._publish_update(keys=[self.keys.orders, self.keys.order_seq],
                                                   args=[order_id, encode_order_update(update), self._order_maxlen]))
                break
            except (RedisError, OSError) as exc:
                self._redis_down(exc)
                await asyncio.sleep(full_jitter(1, base=0.5, cap=0.5))
        self._redis_up()
        self._updates_published += 1
        self._last_update[order_id] = update
        self._last_update.move_to_end(order_id)
        while len(self._last_update) > _SEEN_ORDERS:
            self._last_update.popitem(last=False)

    def _redis_down(self, exc: BaseException) -> None:
        self._redis_errors += 1
        self._retry_at = asyncio.get_running_loop().time() + 0.2
        if self._healthy:
            self._healthy = False
            self.report(StreamingError(f"redis unreachable ({type(exc).__name__}); retrying"))

    def _redis_up(self) -> None:
        if not self._healthy:
            self._healthy = True
            self._grace_until = asyncio.get_running_loop().time() + self._lease
            _log.info("hub_redis_back")
            self._rescan.set()  # a restarted Redis may have lost every key: read (and rewrite) them

    # -- what consumers hold ---------------------------------------------------------------

    async def _control(self) -> None:
        """Follow the nudges of the control stream; each one makes the hub rescan the holds."""
        last = "$"
        failures = 0
        while True:
            try:
                reply = await bounded(self._redis.xread({self.keys.control: last}, block=1000, count=1000), 1.0)
                failures = 0
            except (RedisError, OSError) as exc:
                failures += 1
                self._redis_down(exc)
                await asyncio.sleep(full_jitter(failures, base=0.2, cap=2.0))
                continue
            streams: Any = reply or ()
            for _, entries in streams:
                last = entries[-1][0]
                self._rescan.set()

    async def _keeper(self) -> None:
        """Renew the hub's own lease and rescan the holds every half lease (or when nudged)."""
        failures = 0
        while True:
            try:
                async with asyncio.timeout(self._lease / 2):
                    await self._rescan.wait()
            except TimeoutError:
                pass
            self._rescan.clear()
            try:
                await self._announce()
                await self.sync()
                failures = 0
                self._redis_up()
            except (RedisError, OSError) as exc:
                failures += 1
                self._redis_down(exc)
                await asyncio.sleep(full_jitter(failures, base=0.2, cap=2.0))
                self._rescan.set()

    async def _announce(self) -> None:
        pipe = self._redis.pipeline(transaction=False)
        pipe.set(self.keys.hub, self.epoch, px=int(self._lease * 1000))
        pipe.hset(self.keys.meta, mapping={"shards": self.keys.shards, "maxlen": self._maxlen})
        await bounded(pipe.execute())

    async def sync(self) -> None:
        """Read every consumer's holds now and subscribe the union (what the keeper does by itself)."""
        async with self._sync_lock:
            members: Any = await bounded(self._redis.smembers(self.keys.consumers))
            consumers = sorted(m.decode() for m in members)
            payloads: Any = await bounded(self._redis.mget([self.keys.holds(c) for c in consumers])) \
                if consumers else []
            holds: dict[str, dict[bytes, StreamMode]] = {}
            gone: list[str] = []
            for consumer, payload in zip(consumers, payloads):
                if payload is None:
                    gone.append(consumer)
                    continue
                try:
                    held = decode_holds(payload)
                except msgspec.DecodeError:
                    _log.warning("hub_holds_unreadable", consumer=consumer)
                    continue
                holds[consumer] = {key.encode(): StreamMode(mode) for key, mode in held.modes.items()}
            if asyncio.get_running_loop().time() < self._grace_until:
                # Redis came back empty a moment ago: consumers are rewriting their holds. Keep what
                # they held until one lease has passed instead of unsubscribing and resubscribing it.
                holds = {**self._holds, **holds}
            elif gone:
                await bounded(self._redis.srem(self.keys.consumers, *gone))
            self._holds = holds
            await self._apply()

    async def _apply(self) -> None:
        wanted: dict[Instrument, StreamMode] = {}
        keys_of: dict[Instrument, bytes] = {}
        for held in self._holds.values():
            for key, mode in held.items():
                instrument = self._instrument(key)
                if instrument is None:
                    continue
                keys_of[instrument] = key
                current = wanted.get(instrument)
                if current is None or _RANK[mode] > _RANK[current]:
                    wanted[instrument] = mode
        if wanted == self._wanted:
            self._keys_of = keys_of
            return
        try:
            self._source.check(wanted.keys())
        except TTConnectError as exc:
            self.report(exc)
            return
        self._keys_of = {**self._keys_of, **keys_of}  # ticks of leaving instruments may still be in flight
        await self._source.want(wanted, self._source.carries_order_updates)
        self._wanted = wanted
        self._keys_of = keys_of
        _log.info("hub_subscriptions", consumers=len(self._holds), instruments=len(wanted))

    def _instrument(self, key: bytes) -> Instrument | None:
        """The instrument a key names, or None for one the broker does not list (reported once)."""
        if key in self._instruments:
            return self._instruments[key]
        try:
            instrument: Instrument | None = decode_instrument(key)
        except (TTConnectError, msgspec.DecodeError, msgspec.ValidationError) as exc:
            self.report(StreamingError(f"a consumer holds an instrument this broker cannot stream: "
                                       f"{key.decode(errors='replace')} ({type(exc).__name__})"))
            instrument = None
        self._instruments[key] = instrument
        return instrument
