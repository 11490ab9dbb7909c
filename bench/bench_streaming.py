"""Benchmark: tick-to-handler latency of the streaming engine over loopback, and decoder throughput.

A local aiohttp WebSocket feed on 127.0.0.1 sends 10,000 ticks/s (10 ticks per frame, one frame per
millisecond), each tick stamped with ``time.perf_counter_ns()`` at send time. The engine reads the
frames through the real ``AiohttpTransport``, decodes them with a fake ``struct`` decoder and calls a
handler that records ``perf_counter_ns() - stamp``. Two set-ups:

- ``feed process``: the feed runs in a child process (the realistic case: the broker is elsewhere).
  ``perf_counter_ns`` is CLOCK_MONOTONIC on Linux, one clock for every process of the machine.
- ``same process``: the feed shares the engine's event loop, so it also competes with it for the CPU.

At scale (issue 22), feed process only: 50,000 ticks/s over 1,000 instruments on one socket, the same
over ``--shards`` sockets (each carrying its instruments' share), and the same with a slow handler (an
``async def`` taking 1 ms per tick: the engine conflates to the latest tick per instrument, so memory stays
bounded). Each row also gives the client's CPU seconds per million ticks received (``process_time``) and
its peak RSS growth while streaming.

Target: p99 <= 1 ms. Run: ``python bench/bench_streaming.py [--seconds 3] [--shards 4]``. Prints a table and
one JSON line; figures go to the bench JSON (bench/results.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import struct
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web

PACKET = struct.Struct(">IqQ")  # token, price in paise, send time (perf_counter_ns)
RATE = 10_000
PER_FRAME = 10
TOKENS = 10


async def serve_feed(rate: int, per_frame: int, seconds: float, on_port: Callable[[int], Awaitable[None]],
                     instruments: int = TOKENS) -> None:
    """Run a feed that paces frames against the clock (no drift) until ``seconds`` have passed.

    Each socket's subscribe message names its tokens (comma-separated); the socket carries its share of
    ``rate`` (``rate * its tokens / instruments``), cycling through them, so shards split the load.
    """
    done = asyncio.Event()
    open_sockets = [0]

    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        open_sockets[0] += 1
        message = await ws.receive()  # the subscribe message
        tokens = [int(x) for x in str(message.data).split(",") if x.isdigit()] or list(range(1, instruments + 1))
        interval = per_frame / (rate * len(tokens) / instruments)
        start = time.perf_counter()
        sent = 0
        try:
            while time.perf_counter() - start < seconds and not ws.closed:
                delay = start + sent * interval - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                now = time.perf_counter_ns()
                base = sent * per_frame
                await ws.send_bytes(b"".join(PACKET.pack(tokens[(base + i) % len(tokens)], 2_500_00 + sent, now)
                                             for i in range(per_frame)))
                sent += 1
            await ws.close()
        except ConnectionError:
            pass  # the engine hung up first: it has measured enough
        finally:
            open_sockets[0] -= 1
            if open_sockets[0] == 0:
                done.set()
        return ws

    app = web.Application()
    app.router.add_get("/ws", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        await on_port(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.wait_for(done.wait(), seconds + 30)
    finally:
        await runner.cleanup()


def _feed_process_main(rate: int, per_frame: int, seconds: float, instruments: int) -> None:
    async def announce(port: int) -> None:
        print(port, flush=True)

    asyncio.run(serve_feed(rate, per_frame, seconds, announce, instruments))


def _percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * q), len(ordered) - 1)] / 1e6


def _fixture(tokens: int = TOKENS) -> tuple[list[Any], Any, type]:
    """Instruments, a DriverContext and the fake decoder class (the tests' wire format)."""
    from tt_connect import instruments
    from tt_connect.driver_api import BrokerSymbol, DriverContext
    from tt_connect.enums import Exchange, StreamMode
    from tt_connect.instruments import Equity
    from tt_connect.models import OrderUpdate, Tick
    from tt_connect.testing import StaticContext

    instruments.set_validator(lambda _i: None)
    items = [Equity(exchange=Exchange.NSE, symbol=f"S{i}") for i in range(1, tokens + 1)]
    ctx = StaticContext("bench", [(inst, BrokerSymbol(token=str(i), symbol=inst.symbol, exchange="NSE",
                                                      segment="B", lot_size=1, tick_size=0.05))
                                  for i, inst in enumerate(items, start=1)])

    class FakeDecoder:
        """Precompiled struct, one dict lookup per packet; the send stamp travels in ``volume``."""

        def __init__(self, ctx: DriverContext) -> None:
            self._by_token = {int(ctx.resolve(i).token): i for i in items}

        def decode(self, frame: str | bytes, received_at: dt.datetime) -> list[Tick | OrderUpdate]:
            by_token = self._by_token
            return [Tick(instrument=by_token[token], mode=StreamMode.LTP, last_price=paise / 100,
                         volume=sent_ns, received_at=received_at)
                    for token, paise, sent_ns in PACKET.iter_unpack(frame)]  # type: ignore[arg-type]

    return items, ctx, FakeDecoder


async def measure_latency(seconds: float, separate_process: bool, *, rate: int = RATE, instruments: int = TOKENS,
                          shards: int = 1, slow_handler_ms: float = 0.0) -> dict[str, float]:
    """One set-up's figures: latency percentiles, CPU per million ticks, peak RSS growth, the stream's counters.

    ``shards`` sockets carry ``instruments / shards`` each. ``slow_handler_ms`` makes the handler an
    ``async def`` that takes that long per tick: the engine then conflates (the latest tick per instrument
    waits), so memory stays bounded by the instruments, not by the backlog.
    """
    from tt_connect.driver_api import BrokerStream, BrokerSymbol, DriverContext, Session
    from tt_connect.enums import StreamMode
    from tt_connect.models import Tick
    from tt_connect.streaming import StreamEngine
    from tt_connect.transport import AiohttpTransport

    items, ctx, decoder_class = _fixture(instruments)

    class Spec(BrokerStream):
        """The contract's defaults (no handshake, no ping, no order socket); subscribes by token list."""

        max_instruments_per_connection = -(-instruments // shards)
        max_connections = shards
        stale_after = 10.0

        def __init__(self, url: str) -> None:
            self._url = url

        def url(self, session: Session | None) -> str:
            return self._url

        def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
            return [",".join(s.token for s in symbols)]

        def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
            return []

        def decoder(self, ctx: DriverContext) -> Any:
            return decoder_class(ctx)

    samples: list[int] = []
    # the last frames may still be in flight when the feed stops; a slow handler sees far fewer ticks
    target = int(seconds * rate * 0.98) if not slow_handler_ms else 1 << 62
    enough = asyncio.Event()

    def handler(tick: Tick) -> None:
        samples.append(time.perf_counter_ns() - tick.volume)
        if len(samples) == target:
            enough.set()

    async def slow(tick: Tick) -> None:
        samples.append(time.perf_counter_ns() - tick.volume)
        await asyncio.sleep(slow_handler_ms / 1000)

    async def no_session() -> None:
        return None

    usage: dict[str, float] = {}

    async def run_engine(port: int) -> dict[str, int]:
        transport = AiohttpTransport()
        engine = StreamEngine(broker="bench", spec=Spec(f"ws://127.0.0.1:{port}/ws"),  # type: ignore[arg-type]
                              transport=transport, ctx=ctx, session=no_session)
        peak = [0.0]

        async def sample() -> None:  # the resident set now and then: its growth over the start is the stream's
            while True:
                peak[0] = max(peak[0], _rss_mb())
                await asyncio.sleep(0.05)

        try:
            rss, cpu = _rss_mb(), time.process_time()
            sampler = asyncio.get_running_loop().create_task(sample())
            sub = await engine.subscribe(items, on_tick=slow if slow_handler_ms else handler, mode=StreamMode.LTP)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(enough.wait(), seconds + (1 if slow_handler_ms else 5))
            sampler.cancel()
            usage.update(cpu_s=time.process_time() - cpu, rss_growth_mb=max(peak[0], _rss_mb()) - rss)
            stats = sub.stats
            return {"ticks_received": stats.ticks_received, "conflated": stats.conflated}
        finally:
            await engine.close()
            await transport.close()

    if separate_process:
        feed = subprocess.Popen(
            [sys.executable, __file__, "--serve-feed", str(rate), str(PER_FRAME), str(seconds), str(instruments)],
            stdout=subprocess.PIPE, text=True)
        try:
            assert feed.stdout is not None
            counters = await run_engine(int(feed.stdout.readline()))
        finally:
            feed.kill()
            feed.wait()
    else:
        result: dict[str, int] = {}

        async def start_engine(port: int) -> None:
            async def run() -> None:
                result.update(await run_engine(port))
            engine_task.append(asyncio.get_running_loop().create_task(run()))

        engine_task: list[asyncio.Task[None]] = []
        await serve_feed(rate, PER_FRAME, seconds, start_engine, instruments)
        await engine_task[0]
        counters = result
    received = max(counters["ticks_received"], 1)
    return {**counters, "ticks_delivered": len(samples), "p50_ms": _percentile(samples, 0.50),
            "p99_ms": _percentile(samples, 0.99), "p999_ms": _percentile(samples, 0.999),
            "max_ms": _percentile(samples, 1.0), "cpu_s_per_million_ticks": usage["cpu_s"] / received * 1e6,
            "peak_rss_growth_mb": usage["rss_growth_mb"]}


def _rss_mb() -> float:
    """The resident set now (Linux ``/proc/self/statm``; the peak so far elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def decode_throughput(frames: int = 20_000) -> dict[str, float]:
    """Ticks/s of the fake struct decoder (the drivers' real decoders have their own benches)."""
    _, ctx, decoder_class = _fixture()
    decoder = decoder_class(ctx)
    frame = b"".join(PACKET.pack(1 + i % TOKENS, 2_500_00 + i, time.perf_counter_ns()) for i in range(PER_FRAME))
    now = dt.datetime.now(dt.UTC)
    decoder.decode(frame, now)
    started = time.perf_counter()
    for _ in range(frames):
        decoder.decode(frame, now)
    elapsed = time.perf_counter() - started
    return {"fake_decoder_ticks_per_s": frames * PER_FRAME / elapsed,
            "fake_decoder_us_per_frame": elapsed / frames * 1e6}


SCALE = 50_000
SCALE_INSTRUMENTS = 1_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="how long the feed sends (default 3)")
    parser.add_argument("--shards", type=int, default=4, help="sockets for the sharded 50,000 ticks/s run")
    parser.add_argument("--serve-feed", nargs=4, metavar=("RATE", "PER_FRAME", "SECONDS", "INSTRUMENTS"),
                        help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.serve_feed:
        rate, per_frame, seconds, instruments = args.serve_feed
        _feed_process_main(int(rate), int(per_frame), float(seconds), int(instruments))
        return
    scale = {"rate": SCALE, "instruments": SCALE_INSTRUMENTS}
    runs = {"feed process": asyncio.run(measure_latency(args.seconds, separate_process=True)),
            "same process": asyncio.run(measure_latency(args.seconds, separate_process=False)),
            "50k/s, 1000 instr, 1 socket": asyncio.run(measure_latency(args.seconds, True, **scale)),
            f"50k/s, 1000 instr, {args.shards} sockets": asyncio.run(
                measure_latency(args.seconds, True, **scale, shards=args.shards)),
            "50k/s, slow handler (1 ms)": asyncio.run(
                measure_latency(args.seconds, True, **scale, slow_handler_ms=1.0))}
    decode = decode_throughput()
    print(f"Streaming engine over loopback, {PER_FRAME} ticks per frame, feed for {args.seconds:g}s, "
          f"Python {platform.python_version()} (first two rows: {RATE:,} ticks/s over {TOKENS} instruments)")
    print(f"{'set-up':<32}{'received':>10}{'delivered':>11}{'conflated':>11}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'p99.9 ms':>10}{'max ms':>9}{'CPU s/M':>9}{'RSS +MB':>9}")
    for name, run in runs.items():
        print(f"{name:<32}{run['ticks_received']:>10,}{run['ticks_delivered']:>11,}{run['conflated']:>11,}"
              f"{run['p50_ms']:>9.3f}{run['p99_ms']:>9.3f}{run['p999_ms']:>10.3f}{run['max_ms']:>9.3f}"
              f"{run['cpu_s_per_million_ticks']:>9.2f}{run['peak_rss_growth_mb']:>9.1f}")
    print("target: p99 <= 1 ms; CPU s/M = the client's CPU seconds per million ticks received; RSS +MB = peak RSS "
          "growth while streaming, sampled every 50 ms (with a slow handler, bounded by conflation)")
    print(f"fake struct decoder: {decode['fake_decoder_ticks_per_s']:,.0f} ticks/s "
          f"({decode['fake_decoder_us_per_frame']:.2f} us per {PER_FRAME}-tick frame)")
    print(json.dumps({"bench": "streaming", "rate": RATE, "seconds": args.seconds, "latency": runs,
                      "decode": decode}))
    from results import figure, record

    figures = []
    for name, run in runs.items():
        for q in ("p50", "p99", "p999"):
            figures.append(figure(f"{name}, {q}", run[f"{q}_ms"], "ms", better="lower"))
        figures.append(figure(f"{name}, CPU per million ticks", run["cpu_s_per_million_ticks"], "s",
                              better="lower"))
        figures.append(figure(f"{name}, peak RSS growth", run["peak_rss_growth_mb"], "MB", better="lower"))
    figures.append(figure("fake decoder", decode["fake_decoder_ticks_per_s"], "ticks/s"))
    record("streaming", figures, {"rate": RATE, "seconds": args.seconds, "latency": runs, "decode": decode})


if __name__ == "__main__":
    main()
