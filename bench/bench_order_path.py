"""Benchmark: the order path of ``AsyncTTConnect`` on the Zerodha driver against raw aiohttp, in one run.

A fixed-reply Kite-shaped server (:mod:`order_server`, its own process) answers instantly, so what
differs between the clients is their own cost. Each figure is measured by a *worker* process that runs,
interleaved, on the same server:

- ``raw``: one ``aiohttp.ClientSession`` (reused), the same method, URL, headers and form body the
  driver sends, the reply read with ``response.json()`` (plus the one dict lookup a caller needs), over
  the same pool as tt-connect's transport (20 connections per host; with 50 in flight, also over
  aiohttp's default pool, reported beside it);
- ``async``: ``AsyncTTConnect('zerodha', ...)``: request builder, checks, tag, journal, executor,
  transport, parse, order-event hook; the driver's client-side rate classes are lifted by the
  benchmark-only extension :class:`Unlimited` (a ``ttc_rate_limits`` hook answering "no classes",
  the documented way an extension replaces a driver's part) and SEBI's per-exchange order rate by
  ``order_rate_per_exchange=0``;
- ``sync``: the blocking ``TTConnect`` over the same calls (sequential only).

for ``place_order``, ``modify_order``, ``cancel_order`` and ``positions()``, one call at a time and with
50 in flight. A worker measures ``--rounds`` short rounds, raw and ours in turn; each figure is the best
of the rounds of ``--repeat`` workers (noise on a shared machine only slows a run). Beside each rate, the
client's CPU microseconds per call (``time.process_time`` of the worker: the server is another process,
so it is the client's own cost, which other load on the machine disturbs far less than the wall clock).

``--before PATH`` also runs the worker against another checkout (e.g. a worktree of the commit before a
change), by putting its ``tt_connect_core/src`` and ``drivers/zerodha/src`` first
on ``PYTHONPATH``; workers alternate, so "before" and "after" share the machine's state.

Targets: async >= 0.9x raw sequentially, >= 0.8x with 50 in flight; sync >= 0.8x async sequentially.
Run: ``python bench/bench_order_path.py [--n 1000] [--repeat 3] [--before ../other-checkout] [--profile]``.
Prints a table and writes ``--json`` (default ``bench/results/order_path.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from order_server import ORDER_ID, SYMBOLS, ServerProcess  # noqa: E402
from tt_connect.hookspecs import hookimpl  # noqa: E402

OPS = ("place_order", "modify_order", "cancel_order", "positions")
INFLIGHT = 50
POOL = 20
"""Connections per host of tt-connect's transport (``AiohttpTransport(limit_per_host=20)``); raw aiohttp gets the
same pool, so 50 in flight compares the clients' cost, not their pool sizes. ``raw_50_own_pool`` is raw aiohttp
with its default pool (100 connections, no per-host limit), reported beside it."""
API_KEY = "benchkey"
TOKEN = "benchtoken"


# -- the clients measured ----------------------------------------------------------------------


class Unlimited:
    """Benchmark-only extension: no client-side rate classes (the fixed server has no limits to respect)."""

    @hookimpl(tryfirst=True)
    def ttc_rate_limits(self, config: Any) -> Any:
        from tt_connect.driver_api import RateLimits

        return RateLimits(classes=())


def ttc_arguments(url: str, journal: str) -> tuple[dict[str, Any], dict[str, Any]]:
    config = {"api_key": API_KEY, "access_token": TOKEN, "api_url": url, "instruments_url": f"{url}/instruments"}
    options = {"instruments_db": ":memory:", "session_store": "memory", "journal": journal,
               "order_rate_per_exchange": 0, "extensions": [Unlimited()]}
    return config, options


def order_arguments() -> dict[str, Any]:
    from tt_connect import Equity, Exchange, OrderType, ProductType, Side

    return {"instrument": Equity(exchange=Exchange.NSE, symbol=SYMBOLS[0]), "qty": 1, "side": Side.BUY,
            "product": ProductType.CNC, "order_type": OrderType.LIMIT, "price": 100.0}


def ttc_calls(client: Any) -> dict[str, Callable[[], Any]]:
    """The four calls of one client (async or sync): each returns what the caller would use."""
    place = order_arguments()
    return {
        "place_order": lambda: client.place_order(**place),
        "modify_order": lambda: client.modify_order(ORDER_ID, price=101.0),
        "cancel_order": lambda: client.cancel_order(ORDER_ID),
        "positions": lambda: client.positions(),
    }


class RawKite:
    """What a hand-written client does for the same calls: one session, a form body, ``json()``."""

    def __init__(self, url: str, limit_per_host: int = POOL) -> None:
        import aiohttp

        self._url = url
        self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit_per_host=limit_per_host),
                                           headers={"X-Kite-Version": "3",
                                                    "Authorization": f"token {API_KEY}:{TOKEN}"})

    async def close(self) -> None:
        await self._http.close()

    async def _order(self, method: str, path: str, form: dict[str, str]) -> str:
        async with self._http.request(method, f"{self._url}{path}", data=form) as reply:
            body = await reply.json()
        return str(body["data"]["order_id"])

    def calls(self) -> dict[str, Callable[[], Awaitable[Any]]]:
        place = {"tradingsymbol": SYMBOLS[0], "exchange": "NSE", "transaction_type": "BUY", "order_type": "LIMIT",
                 "quantity": "1", "product": "CNC", "validity": "DAY", "price": "100", "tag": "bench0000000001"}

        async def positions() -> Any:
            async with self._http.get(f"{self._url}/portfolio/positions") as reply:
                return (await reply.json())["data"]["net"]

        return {
            "place_order": lambda: self._order("POST", "/orders/regular", place),
            "modify_order": lambda: self._order("PUT", f"/orders/regular/{ORDER_ID}",
                                                {"order_type": "LIMIT", "quantity": "1", "price": "101",
                                                 "validity": "DAY"}),
            "cancel_order": lambda: self._order("DELETE", f"/orders/regular/{ORDER_ID}", {}),
            "positions": positions,
        }


# -- timing ------------------------------------------------------------------------------------


async def rate(call: Callable[[], Awaitable[Any]], n: int, inflight: int) -> tuple[float, float]:
    """Calls per second and client CPU microseconds per call: ``n`` calls, ``inflight`` at a time.

    The CPU time is this process's own (``time.process_time``): the server is another process, so it
    is what the client itself costs, and a busy machine disturbs it far less than the wall clock.
    """
    async def worker(count: int) -> None:
        for _ in range(count):
            await call()

    share = n // inflight
    cpu, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(share) for _ in range(inflight)))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return share * inflight / wall, cpu / (share * inflight) * 1e6


def sync_rate(call: Callable[[], Any], n: int) -> tuple[float, float]:
    cpu, started = time.process_time(), time.perf_counter()
    for _ in range(n):
        call()
    return n / (time.perf_counter() - started), (time.process_time() - cpu) / n * 1e6


def keep(figures: dict[str, float], key: str, measured: tuple[float, float]) -> None:
    """Keep the best of the rounds: the highest rate and the least CPU per call."""
    figures[key] = max(figures.get(key, 0.0), measured[0])
    figures[f"{key}_cpu_us"] = min(figures.get(f"{key}_cpu_us", float("inf")), measured[1])


async def measure(url: str, n: int, rounds: int, journal: str) -> dict[str, dict[str, float]]:
    """Every figure of one worker: {op: {raw_seq, async_seq, raw_50, async_50, sync_seq (+ _cpu_us)}}.

    ``rounds`` short rounds of ``n // rounds`` calls, raw and ours in turn, so both see the same moments.
    """
    from tt_connect import AsyncTTConnect

    config, options = ttc_arguments(url, journal)
    raw, raw_own = RawKite(url), RawKite(url, limit_per_host=0)
    results: dict[str, dict[str, float]] = {op: {} for op in OPS}
    size = max(n // rounds, INFLIGHT)
    async with AsyncTTConnect("zerodha", config, **options) as client:
        await client.order(ORDER_ID)  # the core knows the order, as it would after placing it
        mine, theirs, own = ttc_calls(client), raw.calls(), raw_own.calls()
        for op in OPS:
            await rate(theirs[op], 50, 1)
            await rate(own[op], 100, INFLIGHT)
            await rate(mine[op], 50, 1)  # warm up the pool and the caches
            for _ in range(rounds):
                for key, call, inflight in (("raw_seq", theirs[op], 1), ("async_seq", mine[op], 1),
                                            ("raw_50", theirs[op], INFLIGHT), ("async_50", mine[op], INFLIGHT),
                                            ("raw_50_own_pool", own[op], INFLIGHT)):
                    count = size if inflight == 1 else size * 2
                    keep(results[op], key, await rate(call, count, inflight))
    await raw.close()
    await raw_own.close()
    return results


def measure_sync(url: str, n: int, rounds: int, journal: str, results: dict[str, dict[str, float]]) -> None:
    from tt_connect import TTConnect

    config, options = ttc_arguments(url, journal)
    client = TTConnect("zerodha", config, **options)
    try:
        client.order(ORDER_ID)
        calls = ttc_calls(client)
        for op in OPS:
            sync_rate(calls[op], 50)
            for _ in range(rounds):
                keep(results[op], "sync_seq", sync_rate(calls[op], max(n // rounds, 50)))
    finally:
        client.close()


def profile(url: str, n: int, journal: str, op: str) -> None:
    """cProfile of ``op`` through AsyncTTConnect, sequentially; prints the top of the cumulative list."""
    import cProfile
    import pstats

    from tt_connect import AsyncTTConnect

    async def run() -> None:
        config, options = ttc_arguments(url, journal)
        async with AsyncTTConnect("zerodha", config, **options) as client:
            await client.order(ORDER_ID)
            call = ttc_calls(client)[op]
            await rate(call, 50, 1)
            profiler = cProfile.Profile()
            profiler.enable()
            await rate(call, n, 1)
            profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats("tt_connect", 45)
        stats.sort_stats("tottime").print_callers("isinstance")

    asyncio.run(run())


# -- workers and the report --------------------------------------------------------------------


def worker_main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as journal:
        where = journal if args.journal == "on" else "off"
        if args.profile:
            profile(args.url, args.n, where, args.profile)
            return
        results = asyncio.run(measure(args.url, args.n, args.rounds, where))
        measure_sync(args.url, args.n, args.rounds, where, results)
    print(json.dumps(results))


def run_worker(checkout: Path | None, url: str, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    env = dict(os.environ)
    if checkout is not None:
        paths = [str(checkout / "tt_connect_core" / "src"), str(checkout / "drivers" / "zerodha" / "src")]
        env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")])
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--url", url, "--n", str(args.n),
               "--rounds", str(args.rounds), "--journal", args.journal]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    result: dict[str, dict[str, float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def best(runs: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {op: {key: (min if key.endswith("_cpu_us") else max)(run[op][key] for run in runs) for key in runs[0][op]}
            for op in runs[0]}


def ratios(figures: dict[str, float]) -> dict[str, float]:
    return {"seq_vs_raw": figures["async_seq"] / figures["raw_seq"],
            "inflight_vs_raw": figures["async_50"] / figures["raw_50"],
            "sync_vs_async": figures["sync_seq"] / figures["async_seq"],
            "cpu_seq_vs_raw": figures["raw_seq_cpu_us"] / figures["async_seq_cpu_us"],
            "cpu_50_vs_raw": figures["raw_50_cpu_us"] / figures["async_50_cpu_us"],
            "inflight_vs_raw_own_pool": figures["async_50"] / figures["raw_50_own_pool"]}


def report(label: str, results: dict[str, dict[str, float]]) -> dict[str, Any]:
    print(f"\n{label}")
    print(f"{'call':<14}{'raw seq':>10}{'async seq':>11}{'ratio':>7}{'raw 50':>10}{'async 50':>10}{'ratio':>7}"
          f"{'sync seq':>10}{'sync/async':>11}")
    out: dict[str, Any] = {}
    for op, f in results.items():
        r = ratios(f)
        print(f"{op:<14}{f['raw_seq']:>10,.0f}{f['async_seq']:>11,.0f}{r['seq_vs_raw']:>6.2f}x{f['raw_50']:>10,.0f}"
              f"{f['async_50']:>10,.0f}{r['inflight_vs_raw']:>6.2f}x{f['sync_seq']:>10,.0f}"
              f"{r['sync_vs_async']:>10.2f}x")
        out[op] = {**{k: round(v, 1) for k, v in f.items()}, **{k: round(v, 3) for k, v in r.items()}}
    print("50 in flight against raw aiohttp with its default pool: " + ", ".join(
        f"{op} {ratios(f)['inflight_vs_raw_own_pool']:.2f}x" for op, f in results.items()))
    print(f"client CPU us per call (this process's own; ratio = raw / ours)\n{'call':<14}{'raw seq':>10}"
          f"{'async seq':>11}{'ratio':>7}{'raw 50':>10}{'async 50':>10}{'ratio':>7}{'sync seq':>10}")
    for op, f in results.items():
        r = ratios(f)
        print(f"{op:<14}{f['raw_seq_cpu_us']:>10.1f}{f['async_seq_cpu_us']:>11.1f}{r['cpu_seq_vs_raw']:>6.2f}x"
              f"{f['raw_50_cpu_us']:>10.1f}{f['async_50_cpu_us']:>10.1f}{r['cpu_50_vs_raw']:>6.2f}x"
              f"{f['sync_seq_cpu_us']:>10.1f}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="calls per sequential run (twice that with 50 in flight)")
    parser.add_argument("--repeat", type=int, default=3, help="worker processes per checkout (the best is kept)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds of n/rounds calls in a worker, raw and ours in turn (the best is kept)")
    parser.add_argument("--before", default="",
                        help="another checkout to measure in the same run ('' for none)")
    parser.add_argument("--journal", choices=("on", "off"), default="on", help="the order journal (default on)")
    parser.add_argument("--json", default=str(HERE / "results" / "order_path.json"))
    parser.add_argument("--profile", choices=OPS, help="print a cProfile of one call instead of measuring")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args)
        return
    server = ServerProcess()
    try:
        if args.profile:
            args.url = server.url
            worker_main(args)
            return
        before = Path(args.before) if args.before else None
        after_runs, before_runs = [], []
        for _ in range(args.repeat):  # alternate, so both see the same machine
            after_runs.append(run_worker(None, server.url, args))
            if before is not None:
                before_runs.append(run_worker(before, server.url, args))
    finally:
        server.stop()
    print(f"order path, calls/s (best of {args.repeat}; {args.n} calls sequentially, {2 * args.n} with "
          f"{INFLIGHT} in flight; journal {args.journal}; targets: seq >= 0.9x, 50 in flight >= 0.8x raw; "
          "sync >= 0.8x async)")
    document: dict[str, Any] = {"benchmark": "order_path", "python": sys.version.split()[0], "n": args.n,
                                "journal": args.journal, "after": report("this checkout", best(after_runs))}
    if before_runs:
        document["before"] = report(f"before ({before})", best(before_runs))
        print("\nafter / before, async calls/s")
        for op in OPS:
            a, b = document["after"][op], document["before"][op]
            print(f"{op:<14} seq {a['async_seq'] / b['async_seq']:.2f}x   50 in flight "
                  f"{a['async_50'] / b['async_50']:.2f}x   sync {a['sync_seq'] / b['sync_seq']:.2f}x")
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2))
    print(json.dumps({"order_path": document}))
    from results import record

    record("order_path", figures(document), document)


def figures(document: dict[str, Any]) -> list[Any]:
    """The bench JSON's figures: each call's async and sync rates beside raw aiohttp (and "before", if run)."""
    from results import figure

    out = []
    for side in ("after", "before"):
        if side not in document:
            continue
        label = "" if side == "after" else "before: "
        for op, f in document[side].items():
            out += [figure(f"{label}{op} sequential", f["async_seq"], "calls/s", baseline=f["raw_seq"],
                           baseline_name="raw aiohttp"),
                    figure(f"{label}{op} {INFLIGHT} in flight", f["async_50"], "calls/s", baseline=f["raw_50"],
                           baseline_name="raw aiohttp"),
                    figure(f"{label}{op} {INFLIGHT} in flight vs raw's own pool", f["async_50"], "calls/s",
                           baseline=f["raw_50_own_pool"], baseline_name="raw aiohttp, default pool"),
                    figure(f"{label}{op} sync sequential", f["sync_seq"], "calls/s", baseline=f["async_seq"],
                           baseline_name="async sequential"),
                    figure(f"{label}{op} client CPU sequential", f["async_seq_cpu_us"], "us/call", better="lower",
                           baseline=f["raw_seq_cpu_us"], baseline_name="raw aiohttp"),
                    figure(f"{label}{op} client CPU {INFLIGHT} in flight", f["async_50_cpu_us"], "us/call",
                           better="lower", baseline=f["raw_50_cpu_us"], baseline_name="raw aiohttp"),
                    figure(f"{label}{op} sync client CPU", f["sync_seq_cpu_us"], "us/call", better="lower",
                           baseline=f["async_seq_cpu_us"], baseline_name="async sequential")]
    return out


if __name__ == "__main__":
    main()
