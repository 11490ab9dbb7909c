"""The issue's fault scenarios against a real redis-server: Redis restarted, the hub killed and
restarted, a slow consumer, a consumer started before the hub."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
from redis.asyncio import Redis
from redis_bus import Bus, RedisServer
from tt_connect.enums import Exchange, StreamMode
from tt_connect.errors import StreamingError
from tt_connect.instruments import Equity
from tt_connect.models import Tick
from tt_connect.testing import eventually
from tt_connect_redis import FeedGapError


def equity(symbol: str) -> Equity:
    return Equity(exchange=Exchange.NSE, symbol=symbol)


def _errors_of(errors: list[BaseException], kind: type[BaseException], text: str = "") -> list[BaseException]:
    return [e for e in errors if isinstance(e, kind) and text in str(e)]


async def test_redis_restarted_mid_stream_consumers_and_hub_resume_and_the_gap_is_reported(
        bus: Bus, redis_server: RedisServer) -> None:
    infy = equity("INFY")
    hub = await bus.hub()
    errors: list[BaseException] = []
    feed = bus.feed()
    engine = bus.engine(feed, errors)
    ticks: list[Tick] = []
    await engine.subscribe([infy], mode=StreamMode.LTP, on_tick=ticks.append, on_error=errors.append)
    await eventually(lambda: len(ticks) >= 5, what="ticks before the restart")

    redis_server.stop()
    await eventually(lambda: _errors_of(errors, StreamingError, "redis unreachable"), what="the outage is reported")
    await asyncio.sleep(0.2)  # the hub keeps reading the broker: what it cannot publish becomes the gap
    redis_server.start()
    before = len(ticks)
    await eventually(lambda: len(ticks) >= before + 5, timeout=10.0, what="ticks again after the restart")
    await eventually(lambda: _errors_of(errors, FeedGapError), what="the missed ticks are reported")
    assert feed.gaps > 0 and hub.stats.lost > 0
    assert engine.stats.reconnects >= 1
    assert hub.wanted == {infy: StreamMode.LTP}, "the hub kept INFY while the consumer rewrote its holds"
    async with Redis.from_url(redis_server.url) as client:
        await eventually(lambda: client.exists(bus.keys.holds(feed.consumer)), what="the consumer rewrote its holds")


def _start_hub(server: RedisServer, bus: Bus) -> subprocess.Popen[str]:
    """Run ``tt-connect hub`` on the paper broker in a process of its own."""
    process = subprocess.Popen(
        [sys.executable, "-c", "from tt_connect.cli import main; raise SystemExit(main())", "hub",
         "--broker", "paper", "--redis", server.url, "--namespace", bus.keys.namespace, "--shards",
         str(bus.keys.shards), "--lease", "2", "--tick-interval", "0.02"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "TT_CONNECT_CONFIG_DIR": str(server.directory)})
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, "the hub process exited before serving"
    assert json.loads(line)["hub"] == bus.keys.namespace
    return process


@pytest.fixture
def hub_processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


async def test_the_hub_killed_and_restarted_resubscribes_what_consumers_still_hold(
        bus: Bus, redis_server: RedisServer, hub_processes: list[subprocess.Popen[str]]) -> None:
    tcs = equity("TCS")
    errors: list[BaseException] = []
    feed = bus.feed()
    engine = bus.engine(feed)
    ticks: list[Tick] = []
    await engine.subscribe([tcs], mode=StreamMode.QUOTE, on_tick=ticks.append, on_error=errors.append)
    hub_processes.append(await asyncio.to_thread(_start_hub, redis_server, bus))
    await eventually(lambda: len(ticks) >= 3, timeout=10.0, what="ticks from the first hub")

    hub_processes[0].send_signal(signal.SIGKILL)
    await asyncio.to_thread(hub_processes[0].wait, 10)
    hub_processes.append(await asyncio.to_thread(_start_hub, redis_server, bus))
    before = len(ticks)
    await eventually(lambda: len(ticks) >= before + 3, timeout=10.0, what="ticks from the restarted hub")
    assert feed.hub_restarts >= 1 and _errors_of(errors, StreamingError, "hub restarted")
    assert all(t.instrument == tcs and t.mode is StreamMode.QUOTE for t in ticks)


async def test_a_slow_consumer_holds_one_tick_per_instrument_and_the_streams_stay_bounded(
        bus: Bus, redis_server: RedisServer) -> None:
    watch = [equity(s) for s in ("INFY", "TCS", "SBIN", "RELIANCE")]
    await bus.hub(maxlen=50)
    engine = bus.engine()
    handled: list[Tick] = []
    most_waiting = 0

    async def slow(tick: Tick) -> None:
        nonlocal most_waiting
        most_waiting = max(most_waiting, sub.queued_ticks)
        handled.append(tick)
        await asyncio.sleep(0.05)

    sub = await engine.subscribe(watch, mode=StreamMode.LTP, on_tick=slow)
    await eventually(lambda: sub.stats.conflated > 100, timeout=10.0, what="the handler falls behind")
    assert most_waiting <= len(watch), "never more waiting ticks than instruments"
    async with Redis.from_url(redis_server.url) as client:
        lengths = [await client.xlen(bus.keys.tick_stream(s)) for s in range(bus.keys.shards)]
    assert max(lengths) <= 50 + 100, f"approximate MAXLEN keeps every stream near 50 entries: {lengths}"
    newest = handled[-1]
    assert (newest.received_at - handled[0].received_at).total_seconds() > 0.1


async def test_a_consumer_started_before_the_hub_is_served_once_the_hub_starts(bus: Bus) -> None:
    hdfc = equity("HDFCBANK")
    errors: list[BaseException] = []
    engine = bus.engine()
    ticks: list[Tick] = []
    await engine.subscribe([hdfc], mode=StreamMode.LTP, on_tick=ticks.append, on_error=errors.append)
    await eventually(lambda: _errors_of(errors, StreamingError, "no hub is serving"), what="told there is no hub")
    assert ticks == []
    await bus.hub()
    await eventually(lambda: len(ticks) >= 3, timeout=5.0, what="served by the hub that started later")
