"""Benchmark: tick-to-handler latency of the streaming engine over loopback, and decoder throughput.

A feed process on 127.0.0.1 sends 10,000 ticks/s (10 ticks per frame, one frame per millisecond),
each stamped with ``time.perf_counter_ns()`` (CLOCK_MONOTONIC, comparable across processes).
The engine decodes them and calls a handler that records now - stamp. Target: p99 <= 1 ms.
Run: ``python bench/bench_streaming.py``. Prints a table and one JSON line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import struct
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

PACKET = struct.Struct(">IqQ")
SECONDS = 5.0
RATE = 10_000
PER_FRAME = 10

FEED = r"""
import asyncio, struct, sys, time
from aiohttp import web
PACKET = struct.Struct(">IqQ")
rate, per_frame, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])

async def handle(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.receive()  # the subscribe message
    interval = per_frame / rate
    start = time.perf_counter()
    sent = 0
    while time.perf_counter() - start < seconds:
        due = start + sent * interval
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.perf_counter_ns()
        await ws.send_bytes(b"".join(PACKET.pack(1 + i % 10, 2_500_00 + sent, now) for i in range(per_frame)))
        sent += 1
    await ws.close()
    return ws

async def main():
    app = web.Application()
    app.router.add_get("/ws", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.sleep(seconds + 30)

asyncio.run(main())
"""


def _percentile(values: list[int], q: float) -> float:
    values = sorted(values)
    return values[min(int(len(values) * q), len(values) - 1)] / 1e6


async def latency() -> dict[str, float]:
    from tt_connect import instruments
    from tt_connect.driver_api import BrokerSymbol, DriverContext, Session
    from tt_connect.enums import Exchange, StreamMode
    from tt_connect.instruments import Equity
    from tt_connect.models import OrderUpdate, Tick
    from tt_connect.streaming import StreamEngine
    from tt_connect.testing import StaticContext
    from tt_connect.transport import AiohttpTransport

    instruments.set_validator(lambda _i: None)
    items = [Equity(exchange=Exchange.NSE, symbol=f"S{i}") for i in range(1, 11)]
    ctx = StaticContext("bench", [(inst, BrokerSymbol(token=str(i), symbol=inst.symbol, exchange="NSE",
                                                      segment="B", lot_size=1, tick_size=0.05))
                                  for i, inst in enumerate(items, start=1)])
    stamps: dict[int, int] = {}

    class Decoder:
        def __init__(self, ctx: DriverContext) -> None:
            self.by_token = {i + 1: inst for i, inst in enumerate(items)}

        def decode(self, frame: str | bytes, received_at: dt.datetime) -> list[Tick | OrderUpdate]:
            out: list[Tick | OrderUpdate] = []
            for token, price, sent in PACKET.iter_unpack(frame):  # type: ignore[arg-type]
                tick = Tick(instrument=self.by_token[token], mode=StreamMode.LTP,  # type: ignore[arg-type]
                            last_price=price / 100, received_at=received_at)
                stamps[id(tick)] = sent
                out.append(tick)
            return out

    class Spec:
        max_instruments_per_connection = 100
        max_connections = 1
        stale_after = 10.0
        ping_interval = None
        carries_order_updates = False

        def __init__(self, url: str) -> None:
            self._url = url

        def url(self, session: Session | None) -> str:
            return self._url

        def headers(self, session: Session | None) -> Mapping[str, str]:
            return {}

        def ping(self) -> None:
            return None

        def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
            return ["sub"]

        def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
            return []

        def decoder(self, ctx: DriverContext) -> Decoder:
            return Decoder(ctx)

    feed = subprocess.Popen([sys.executable, "-c", FEED, str(RATE), str(PER_FRAME), str(SECONDS)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert feed.stdout is not None
        port = int(feed.stdout.readline())
        transport = AiohttpTransport()

        async def no_session() -> None:
            return None

        engine = StreamEngine(broker="bench", spec=Spec(f"ws://127.0.0.1:{port}/ws"), transport=transport,  # type: ignore[arg-type]
                              ctx=ctx, session=no_session)
        samples: list[int] = []

        def handler(tick: Tick) -> None:
            samples.append(time.perf_counter_ns() - stamps.pop(id(tick)))

        sub = await engine.subscribe(items, on_tick=handler, mode=StreamMode.LTP)
        await asyncio.sleep(SECONDS + 0.5)
        stats = sub.stats
        await engine.close()
        await transport.close()
    finally:
        feed.kill()
        feed.wait()
    return {"ticks_received": stats.ticks_received, "ticks_delivered": len(samples), "conflated": stats.conflated,
            "p50_ms": _percentile(samples, 0.50), "p99_ms": _percentile(samples, 0.99),
            "max_ms": _percentile(samples, 1.0)}


def decode_throughput() -> dict[str, float]:
    """Ticks/s of the paper driver's JSON decoder on full-mode frames."""
    import msgspec
    from tt_connect import instruments
    from tt_connect.driver_api import BrokerSymbol
    from tt_connect.enums import Exchange
    from tt_connect.instruments import Equity
    from tt_connect.paper import PaperEngine
    from tt_connect.paper.stream import PaperDecoder
    from tt_connect.paper.transport import PaperTransport
    from tt_connect.paper.universe import build_universe
    from tt_connect.testing import StaticContext

    instruments.set_validator(lambda _i: None)
    rows = [r for r in build_universe(dt.date(2026, 11, 25)) if r.kind == "EQ"][:50]
    engine = PaperEngine(rows)
    ctx = StaticContext("paper", [(Equity(exchange=Exchange.NSE, symbol=r.symbol),
                                   BrokerSymbol(token=str(r.token), symbol=r.symbol, exchange="NSE", segment="NSE_EQ",
                                                lot_size=1, tick_size=r.tick_size)) for r in rows])
    _ = PaperTransport
    frame = msgspec.json.encode({"type": "ticks", "data": [["full", engine.quote(r.token)] for r in rows]})
    decoder = PaperDecoder(ctx)
    now = dt.datetime.now(dt.UTC)
    decoder.decode(frame, now)
    n = 400
    started = time.perf_counter()
    for _ in range(n):
        decoder.decode(frame, now)
    elapsed = time.perf_counter() - started
    return {"paper_full_ticks_per_s": n * len(rows) / elapsed}


def main() -> None:
    lat = asyncio.run(latency())
    dec = decode_throughput()
    print(f"Streaming engine over loopback, {RATE:,} ticks/s for {SECONDS:g}s")
    print(f"  ticks delivered            {lat['ticks_delivered']:>10,} (conflated {lat['conflated']:,})")
    print(f"  tick-to-handler latency    p50 {lat['p50_ms']:.3f} ms   p99 {lat['p99_ms']:.3f} ms   "
          f"max {lat['max_ms']:.3f} ms   target p99 <= 1 ms")
    print(f"  paper decoder (FULL, JSON) {dec['paper_full_ticks_per_s']:>10,.0f} ticks/s")
    print(json.dumps({"latency": lat, "decode": dec}))


if __name__ == "__main__":
    main()
