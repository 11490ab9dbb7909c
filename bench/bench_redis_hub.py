"""Benchmark: one feed hub over Redis Streams for 10 consumer processes, against a direct socket.

Everything runs as separate processes on 127.0.0.1, in one run:

- the Kite emulator, sending 10,000 ticks/s on every socket (100 NSE equities in QUOTE mode, one
  frame every 10 ms, drift-free), each packet stamped with its send time (microseconds of
  ``perf_counter``, CLOCK_MONOTONIC on Linux, one clock for every process) in its volume field;
- a real ``redis-server`` (no persistence) and ``tt-connect hub`` (the CLI, zerodha, web login);
- 10 bus consumers: each an ordinary tt-connect client with ``feed=`` and ``account_store=`` set
  (10 of the 100 instruments each, so the hub's socket carries all 100: 10,000 ticks/s through the
  bus; one login serves the hub and all ten);
- 1 direct consumer: a tt-connect client on its own Kite socket, subscribed to all 100 instruments
  (the same 10,000 ticks/s the hub's socket carries).

Each handler records ``now - stamp``: emulator send to handler, the whole path. Meanwhile the 10
bus consumers place orders: first all together through the shared rate-limit windows in Redis
(``RedisWindowStore``), then each through a second client with only its own limiter; the emulator
records when every order request arrived, so the busiest second of each phase shows what reached
the broker.

Goals (issue 21): bus p99 <= 2 ms and <= 3x the direct p99; at most 10 orders in any second with the
shared window. Run: ``python bench/bench_redis_hub.py [--seconds 8]`` (needs redis-server on PATH).
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CONSUMERS = 10
INSTRUMENTS = 100
FRAME_INTERVAL = 0.01  # 100 instruments every 10 ms: 10,000 ticks/s per socket
ORDERS_PER_CONSUMER = 3
WARMUP = 1.5
_VOLUME_AT = 16  # byte offset of the volume field in a 44-byte quote packet
_STAMP = struct.Struct(">I")


def _now_us() -> int:
    return time.perf_counter_ns() // 1000


def _percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * q), len(ordered) - 1)] / 1000 if ordered else float("nan")


def _busiest_second(stamps: list[float]) -> int:
    stamps = sorted(stamps)
    return max((sum(1 for s in stamps[i:] if s < t + 1.0) for i, t in enumerate(stamps)), default=0)


# -- the emulator process ----------------------------------------------------------------------


def _serve_emulator() -> None:
    from aiohttp import web
    from tt_connect.emulation import StreamClient
    from tt_connect_zerodha.emulator import KiteEmulator

    try:  # the packet writers moved with the Zerodha driver's move to contract v2
        from tt_connect_zerodha.emulator.stream import frame, market_packet
    except ImportError:
        from tt_connect_zerodha.emulator.frames import frame, market_packet  # type: ignore[no-redef]

    class StampingKite(KiteEmulator):
        """Kite's wire protocol with a send stamp in every quote packet; every order request recorded."""

        orders_at: dict[str, list[float]]
        refused_at: dict[str, list[float]]
        arrived_at: dict[str, list[float]]

        def add_routes(self, app: web.Application) -> None:
            super().add_routes(app)
            self.orders_at, self.refused_at, self.arrived_at = {}, {}, {}
            app.router.add_get("/bench/stats", self._stats)
            app.middlewares.insert(0, self._count_orders)  # outermost: it sees the 429s too

        async def _stats(self, request: web.Request) -> web.Response:
            return web.json_response({"orders_at": self.orders_at, "refused_at": self.refused_at,
                                      "arrived_at": self.arrived_at, "sessions_live": self.sessions.live()})

        @web.middleware
        async def _count_orders(self, request: web.Request, handler: Any) -> web.StreamResponse:
            if request.method != "POST" or not request.path.startswith("/orders/"):
                return await handler(request)
            arrived = time.monotonic()
            phase = "shared" if str((await request.post()).get("tag", "")).startswith("shared") else "own"
            self.arrived_at.setdefault(phase, []).append(arrived)
            response = await handler(request)
            kept = self.refused_at if response.status == 429 else self.orders_at if response.status == 200 else {}
            kept.setdefault(phase, []).append(arrived)
            return response

        async def publish(self, client: StreamClient) -> None:
            if not client.subscriptions:
                await super().publish(client)
                return
            # The paper market's quote() costs ~0.1 ms: packets are rebuilt when prices step (below),
            # and each frame only stamps them, so the emulator itself keeps up with 10,000 ticks/s.
            cache = self.packets
            packets = []
            for token in client.subscriptions:
                packet = cache.get(token)
                if packet is None:
                    packet = cache[token] = bytearray(
                        market_packet(self.listing.kite_token[token], self.engine.quote(token), "quote"))
                _STAMP.pack_into(packet, _VOLUME_AT, _now_us() & 0xFFFFFFFF)
                packets.append(bytes(packet))
            client.push(frame(packets))

        async def _market_loop(self) -> None:
            self.packets: dict[int, bytearray] = {}
            started, sent = time.perf_counter(), 0
            while True:
                sent += 1
                await asyncio.sleep(max(started + sent * FRAME_INTERVAL - time.perf_counter(), 0))
                if sent % 50 == 0:  # prices move every half second
                    self.engine.step(FRAME_INTERVAL * 50)
                    self.packets = {}
                for client in list(self.streams):
                    await self.publish(client)

    async def serve() -> None:
        host = StampingKite()
        await host.start_serving()
        print(json.dumps(host.announcement()), flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


# -- consumer processes ------------------------------------------------------------------------


def _kite_config(found: dict[str, Any]) -> dict[str, Any]:
    names = ("api_url", "login_url", "web_url", "ws_url", "instruments_url", "api_key", "api_secret", "user_id",
             "password", "totp_secret")
    return {**{n: found[n] for n in names}, "web_login": True}


async def _consume(kind: str, index: int, seconds: float) -> dict[str, Any]:
    from tt_connect import AsyncTTConnect
    from tt_connect.enums import OrderType, ProductType, Side, StreamMode
    from tt_connect.instruments import parse_instrument
    from tt_connect_redis import RedisWindowStore
    from tt_connect_redis.connection import connect

    found = json.loads(os.environ["BENCH_KITE"])
    symbols = json.loads(os.environ["BENCH_SYMBOLS"])
    redis_url = os.environ["BENCH_REDIS"]
    config = _kite_config(found)
    samples: list[int] = []
    measuring = False
    granted: list[float] = []
    redis = connect(redis_url)

    class GrantLog(RedisWindowStore):
        """The shared windows, noting when they let an order go (to tell transit delay from the window)."""

        async def reserve(self, key: str, windows: Any, cost: int) -> float:
            wait = await super().reserve(key, windows, cost)
            if wait <= 0 and key.endswith(":orders"):  # Kite's order class (SEBI's per-exchange one too)
                granted.append(time.monotonic())
            return wait

    def on_tick(tick: Any) -> None:
        if measuring:
            samples.append((_now_us() - tick.volume) & 0xFFFFFFFF)

    own: Any = None
    if kind == "direct":
        client = AsyncTTConnect("zerodha", config, instruments_db=":memory:", session_store="memory")
        mine = symbols
    else:
        # The strategy's ordinary client, with the bus: ticks from the hub, the session and the
        # order windows shared with every other process of the account.
        client = AsyncTTConnect("zerodha", config, feed=redis_url, feed_group=f"bench-{index}",
                                account_store=redis_url, instruments_db=":memory:",
                                window_store=GrantLog(redis, margin=float(os.environ["BENCH_MARGIN"])))
        mine = symbols[index::CONSUMERS]
        # For the second order phase: the same process with only its own limiter (no shared windows).
        own = AsyncTTConnect("zerodha", config, instruments_db=":memory:", session_store="memory")
        await own.connect()
    await client.connect()
    instruments = [parse_instrument(s) for s in mine]
    sub = await client.subscribe(instruments, on_tick=on_tick, mode=StreamMode.QUOTE)
    await asyncio.sleep(WARMUP)
    print(json.dumps({"ready": index}), flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # every process starts measuring at the parent's word
    measuring = True
    loop = asyncio.get_running_loop()
    ends = loop.time() + seconds
    failures: list[str] = []
    if own is not None:
        await asyncio.sleep(1.0)
        for placing, tag in ((client, "shared"), (own, "own")):
            for _ in range(ORDERS_PER_CONSUMER):
                try:
                    await placing.place_order(instrument=instruments[0], qty=1, side=Side.BUY,
                                              product=ProductType.MIS, order_type=OrderType.MARKET, tag=tag)
                except Exception as exc:  # an order refused is counted, the benchmark goes on
                    failures.append(type(exc).__name__)
            await asyncio.sleep(1.5)  # the two phases' requests never share a second
    await asyncio.sleep(max(ends - loop.time(), 0))
    measuring = False
    stats = sub.stats
    await sub.unsubscribe()
    await client.close()
    if own is not None:
        await own.close()
    await redis.aclose()
    return {"kind": kind, "index": index, "samples": samples, "conflated": stats.conflated,
            "order_failures": failures, "granted": granted}


# -- the run -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _symbols(found: dict[str, Any]) -> list[str]:
    import csv
    import io
    import urllib.request

    with urllib.request.urlopen(found["instruments_url"], timeout=10) as reply:  # 127.0.0.1 only
        rows = csv.DictReader(io.StringIO(reply.read().decode()))
        picked = [f"NSE:{row['tradingsymbol']}" for row in rows
                  if row["exchange"] == "NSE" and row["segment"] == "NSE" and row["instrument_type"] == "EQ"]
    return picked[:INSTRUMENTS]


def _json_line(stream: Any, marker: str) -> dict[str, Any]:
    """Return the first line of ``stream`` that is a JSON object holding ``marker`` (log lines are skipped)."""
    for line in stream:
        with contextlib.suppress(ValueError):
            found = json.loads(line)
            if isinstance(found, dict) and marker in found:
                return found
    raise SystemExit(f"the process exited before printing its {marker!r} line")


def _fetch_json(url: str) -> Any:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as reply:  # the emulator, on 127.0.0.1
        return json.loads(reply.read())


def _hub_config(directory: Path, found: dict[str, Any], redis_url: str) -> Path:
    settings = _kite_config(found)
    lines = ['broker = "zerodha"', "", "[zerodha]"]
    for key, value in settings.items():
        if key in ("api_secret", "password", "totp_secret"):
            lines.append(f'{key} = {{ env = "BENCH_HUB_{key.upper()}" }}')
        elif isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower()}")
        else:
            lines.append(f'{key} = "{value}"')
    lines += ["", "[client]", 'instruments_db = ":memory:"', f'account_store = "{redis_url}"']
    path = directory / "hub.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def run(seconds: float) -> dict[str, Any]:
    binary = shutil.which("redis-server")
    if binary is None:  # nox -s bench on a machine without Redis: say so, and let the other benches run
        print("bench_redis_hub skipped: redis-server is not on PATH (apt-get install redis-server)")
        raise SystemExit(0)
    processes: list[subprocess.Popen[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        env = {**os.environ, "TT_CONNECT_CONFIG_DIR": str(directory)}
        try:
            port = _free_port()
            processes.append(subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                               "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL,
                                              text=True))
            redis_url = f"redis://127.0.0.1:{port}/0"
            emulator = subprocess.Popen([sys.executable, __file__, "--serve-emulator"], stdout=subprocess.PIPE,
                                        text=True, env=env)
            processes.append(emulator)
            assert emulator.stdout is not None
            found = _json_line(emulator.stdout, "api_url")
            symbols = _symbols(found)
            env.update({"BENCH_KITE": json.dumps(found), "BENCH_SYMBOLS": json.dumps(symbols),
                        "BENCH_REDIS": redis_url, "BENCH_HUB_API_SECRET": found["api_secret"],
                        "BENCH_HUB_PASSWORD": found["password"], "BENCH_HUB_TOTP_SECRET": found["totp_secret"]})
            hub = subprocess.Popen([sys.executable, "-c", "from tt_connect.cli import main; raise SystemExit(main())",
                                    "hub", "--config", str(_hub_config(directory, found, redis_url)), "--redis",
                                    redis_url], stdout=subprocess.PIPE, text=True, env=env)
            processes.append(hub)
            assert hub.stdout is not None
            await asyncio.to_thread(_json_line, hub.stdout, "hub")
            consumers = [subprocess.Popen([sys.executable, __file__, "--consume", kind, str(i), str(seconds)],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
                         for kind, i in [("direct", 0)] + [("bus", i) for i in range(CONSUMERS)]]
            processes.extend(consumers)
            await asyncio.gather(*(asyncio.to_thread(_json_line, c.stdout, "ready") for c in consumers))
            for consumer in consumers:  # all started, all subscribed: measure together
                assert consumer.stdin is not None
                consumer.stdin.write("go\n")
                consumer.stdin.flush()
            results = await asyncio.gather(*(asyncio.to_thread(_json_line, c.stdout, "samples")
                                             for c in consumers))
            emulated = await asyncio.to_thread(_fetch_json, f"{found['api_url']}/bench/stats")
        finally:
            for process in reversed(processes):
                if process.poll() is None:
                    process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(10)
                if process.poll() is None:
                    process.kill()
    return _summarise(results, emulated, seconds)


def _summarise(results: list[dict[str, Any]], emulated: dict[str, Any], seconds: float) -> dict[str, Any]:
    direct = next(r for r in results if r["kind"] == "direct")
    bus = [r for r in results if r["kind"] == "bus"]
    pooled = [s for r in bus for s in r["samples"]]
    per_consumer_p99 = [_percentile(r["samples"], 0.99) for r in bus]
    def phase(kind: str, name: str) -> list[float]:
        found: list[float] = emulated[kind].get(name, [])
        return found
    return {
        "seconds": seconds,
        "direct": {"ticks": len(direct["samples"]), "p50_ms": _percentile(direct["samples"], 0.5),
                   "p99_ms": _percentile(direct["samples"], 0.99), "conflated": direct["conflated"]},
        "bus": {"consumers": len(bus), "ticks": len(pooled), "p50_ms": _percentile(pooled, 0.5),
                "p99_ms": _percentile(pooled, 0.99), "p999_ms": _percentile(pooled, 0.999),
                "consumer_p99_min_ms": min(per_consumer_p99), "consumer_p99_max_ms": max(per_consumer_p99),
                "conflated": sum(r["conflated"] for r in bus)},
        "orders": {**{name: {"placed": len(phase("orders_at", tag)),
                             "busiest_second": _busiest_second(phase("orders_at", tag)),
                             "requests_busiest_second": _busiest_second(phase("arrived_at", tag)),
                             "refused_429": len(phase("refused_at", tag))}
                      for name, tag in (("shared_window", "shared"), ("own_limiters", "own"))},
                   "granted_busiest_second": _busiest_second([t for r in bus for t in r["granted"]]),
                   "failures": [f for r in bus for f in r["order_failures"]]},
        # one shared login (hub + 10 bus consumers), the direct consumer's, and the 10 own-limiter clients'
        "sessions_live_at_emulator": emulated["sessions_live"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="how long the consumers measure (default 8)")
    parser.add_argument("--margin", type=float, default=0.25,
                        help="seconds the shared order window is counted longer than Kite's (default 0.25)")
    parser.add_argument("--serve-emulator", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--consume", nargs=3, metavar=("KIND", "INDEX", "SECONDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_emulator:
        _serve_emulator()
        return
    if args.consume:
        kind, index, seconds = args.consume
        print(json.dumps(asyncio.run(_consume(kind, int(index), float(seconds)))), flush=True)
        return
    os.environ["BENCH_MARGIN"] = str(args.margin)
    summary = asyncio.run(run(args.seconds))
    direct, bus, orders = summary["direct"], summary["bus"], summary["orders"]
    print(f"Feed hub over Redis Streams: {CONSUMERS} consumer processes + 1 direct socket, "
          f"{int(INSTRUMENTS / FRAME_INTERVAL):,} ticks/s from the Kite emulator for {args.seconds:g}s, "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs")
    print(f"{'path':<22}{'ticks':>10}{'p50 ms':>9}{'p99 ms':>9}  per-consumer p99")
    print(f"{'direct socket':<22}{direct['ticks']:>10,}{direct['p50_ms']:>9.3f}{direct['p99_ms']:>9.3f}")
    print(f"{'bus (10 consumers)':<22}{bus['ticks']:>10,}{bus['p50_ms']:>9.3f}{bus['p99_ms']:>9.3f}  "
          f"{bus['consumer_p99_min_ms']:.3f}-{bus['consumer_p99_max_ms']:.3f}")
    ratio = bus["p99_ms"] / direct["p99_ms"] if direct["p99_ms"] else float("nan")
    print(f"bus p99 / direct p99 = {ratio:.2f} (goal: bus p99 <= 2 ms and <= 3x direct)")
    for name, label in (("shared_window", "one shared window"), ("own_limiters", "own limiters only")):
        phase = orders[name]
        print(f"orders, 10 processes at once, {label:<18}: {phase['placed']} placed; at the emulator, busiest "
              f"second {phase['requests_busiest_second']} requests, {phase['busiest_second']} placed; "
              f"refused with 429: {phase['refused_429']}")
    print(f"  the shared window let at most {orders['granted_busiest_second']} orders go in any "
          "second (what arrives closer together at the emulator is transit delay)")
    print("goal: with the shared window, at most 10 requests in any second (so no 429)")
    print(json.dumps({"bench": "redis_hub", **summary}))
    from results import figure, record

    record("redis_hub", [figure("direct p50", direct["p50_ms"], "ms", better="lower"),
                         figure("direct p99", direct["p99_ms"], "ms", better="lower"),
                         figure("bus p50", bus["p50_ms"], "ms", better="lower"),
                         figure("bus p99", bus["p99_ms"], "ms", better="lower", baseline=direct["p99_ms"],
                                baseline_name="direct socket p99"),
                         figure("shared window, busiest second", orders["shared_window"]["requests_busiest_second"],
                                "requests", better="lower"),
                         figure("shared window, 429s", orders["shared_window"]["refused_429"], "responses",
                                better="lower")], summary)


if __name__ == "__main__":
    main()
