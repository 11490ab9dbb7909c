"""Bursts against every emulator: 429s the broker's own windows send, and wall time against the ideal.

Each broker's emulator counts arrivals in its published windows (strict, 1.0 s). A burst of N reads of
one rate class (``funds``) goes out through ``asyncio.gather``; the client must keep every window on
arrival, so the emulator sends no 429, and should finish close to the fastest its windows allow: the
ideal is the same calls (warm-up included) through the same windows on a virtual clock with replies
that take no time. Prints one row per driver
and writes ``bench/results/rate_windows.json``.

    python bench/bench_rate_windows.py [--calls 500] [--brokers zerodha,upstox,...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from tt_connect import AsyncTTConnect
from tt_connect.drivers import emulator_class
from tt_connect.transport.rate_limit import MemoryWindowStore, take, windows_of

BROKERS = ("zerodha", "angelone", "upstox", "dhan", "shoonya", "flattrade", "noren")


async def funds_windows(client: AsyncTTConnect) -> tuple[tuple[float, float], ...]:
    """The windows of the class the driver sends ``funds`` under (as its request declares it)."""
    runtime = client._rt  # the benchmark reads the driver's declared class, through the runtime
    _, ctx = await runtime.ready()
    request = runtime.api.funds(ctx).request
    limits = runtime.pm.hook.ttc_rate_limits(config=runtime.config)
    spec = limits.get(request.rate_class) if limits else None
    if spec is None:
        raise SystemExit(f"{runtime.name}: funds has no rate class")
    return windows_of(spec)


async def ideal_seconds(windows: tuple[tuple[float, float], ...], warm_up: int, gap: float, calls: int) -> float:
    """The fastest ``calls`` may go through ``windows`` after ``warm_up`` calls ``gap`` seconds before."""
    now = [0.0]
    store = MemoryWindowStore(lambda: now[0])

    async def through() -> None:
        ticket = await take(store, "k", windows, 1, sleep)
        await store.settle("k", ticket)

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    for _ in range(warm_up):
        await through()
    now[0] += gap
    start = now[0]
    for _ in range(calls):
        await through()
    return now[0] - start


async def burst(broker: str, calls: int) -> dict[str, Any]:
    with emulator_class(broker)(tick_interval=1.0) as emulator:
        async with AsyncTTConnect(broker, emulator.driver_config(), instruments_db=":memory:",
                                  session_store="memory") as client:
            await client.funds()  # log in and warm up outside the measurement
            windows = await funds_windows(client)
            await asyncio.sleep(1.1)  # the warm-up leaves the window
            refused = emulator.rate_limited
            started = time.perf_counter()
            await asyncio.gather(*(client.funds() for _ in range(calls)))
            wall = time.perf_counter() - started
        ideal = round(await ideal_seconds(windows, 1, 1.1, calls), 2)
        limit = min((limit for limit, span in windows if span == 1.0), default=0.0)
        return {"broker": broker, "calls": calls, "per_second": limit, "rate_limited": emulator.rate_limited - refused,
                "wall_s": round(wall, 2), "ideal_s": ideal, "ratio": round(wall / ideal, 3) if ideal else None}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--brokers", default=",".join(BROKERS))
    args, _ = parser.parse_known_args()
    rows = [await burst(b, args.calls) for b in args.brokers.split(",") if b]
    print(f"{'broker':<10} {'calls':>5} {'limit/s':>7} {'429s':>5} {'wall s':>7} {'ideal s':>7} {'ratio':>6}")
    for r in rows:
        print(f"{r['broker']:<10} {r['calls']:>5} {r['per_second']:>7.0f} {r['rate_limited']:>5} {r['wall_s']:>7.2f} "
              f"{r['ideal_s']:>7} {r['ratio'] if r['ratio'] is not None else '-':>6}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "rate_windows.json").write_text(json.dumps(rows, indent=2))
    from results import figure, record

    figures = []
    for r in rows:
        figures.append(figure(f"{r['broker']} burst wall", r["wall_s"], "s", better="lower", baseline=r["ideal_s"],
                              baseline_name="ideal (virtual clock)"))
        figures.append(figure(f"{r['broker']} 429s", r["rate_limited"], "responses", better="lower"))
    record("rate_windows", figures, rows)


if __name__ == "__main__":
    asyncio.run(main())
