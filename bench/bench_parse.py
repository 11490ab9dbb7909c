"""Benchmark: REST book parsing, reply bytes to canonical models, on the Zerodha and AngelOne drivers.

Books: a 2,000-order order book and a 500-position position book per broker, rows shaped as the
drivers' fixtures (the official Kite mocks; SmartAPI's documented rows, numbers as text where
SmartAPI sends text), each row a distinct order on one of 500 listed instruments. Each figure is
the full path a client runs, ``call.parse(api.unwrap(response))``: envelope, JSON decode, rows to
models (instruments attached, ``raw`` kept). Beside it, in the same process, ``json.loads`` of the
same bytes (the dicts a hand-written client would then index): the floor of any parse that reads
every byte into Python objects. Times are the process's CPU time (``time.process_time``), so the
other work of a shared machine distorts them less than wall time would.

``--before PATH`` measures another checkout too (its ``tt_connect_core/src`` and the two drivers'
``src`` first on ``PYTHONPATH``; workers alternate), e.g. ``--before /work/main`` for today's parse.
Goal: >= 3x faster than the parse before typed decoding. Best of ``--repeat`` rounds.

Run: ``python bench/bench_parse.py [--before ../main] [--repeat 7]``. Prints a table; figures go
to the bench JSON (bench/results.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ORDERS, POSITIONS, INSTRUMENTS = 2000, 500, 500
BOOKS = (("zerodha", "orders", ORDERS), ("zerodha", "positions", POSITIONS),
         ("angelone", "orders", ORDERS), ("angelone", "positions", POSITIONS))


def _fixture_rows(path: Path, *keys: str) -> list[dict[str, Any]]:
    data: Any = json.loads(path.read_text())["data"]
    for key in keys:
        data = data[key]
    return list(data)


def _kite_time(second: int) -> str:
    """A distinct time per order: the ``second``-th second after 09:15 (a real book's orders differ)."""
    return f"2025-01-06 {9 + (15 * 60 + second) // 3600:02d}:{(15 * 60 + second) // 60 % 60:02d}:{second % 60:02d}"


def _angel_time(second: int) -> str:
    return f"06-Jan-2025 {9 + (15 * 60 + second) // 3600:02d}:{(15 * 60 + second) // 60 % 60:02d}:{second % 60:02d}"


def kite_books() -> dict[str, bytes]:
    mocks = ROOT / "drivers" / "zerodha" / "tests" / "kite_mocks"
    order = _fixture_rows(mocks / "orders.json")[0]
    position = _fixture_rows(mocks / "positions.json", "net")[0]
    statuses = ("COMPLETE", "OPEN", "CANCELLED", "REJECTED", "TRIGGER PENDING")
    orders = [{**order, "exchange": "NSE", "tradingsymbol": f"SYM{i % INSTRUMENTS}", "instrument_token": 1 + i % 500,
               "order_id": str(250106000000000 + i), "product": "CNC" if i % 2 else "MIS",
               "status": statuses[i % 5], "price": 100.5 + i % 97, "quantity": 1 + i % 10,
               "filled_quantity": i % 10, "pending_quantity": 1, "cancelled_quantity": 0, "tag": f"ttc{i:012d}",
               "order_timestamp": _kite_time(i), "exchange_timestamp": _kite_time(i),
               "exchange_update_timestamp": _kite_time(i + 1)} for i in range(ORDERS)]
    positions = [{**position, "exchange": "NSE", "tradingsymbol": f"SYM{i}", "instrument_token": 1 + i,
                  "product": "CNC", "quantity": i % 7, "average_price": 100.25 + i, "last_price": 101.5 + i,
                  "pnl": 1.25 * i} for i in range(POSITIONS)]
    return {"orders": json.dumps({"status": "success", "data": orders}).encode(),
            "positions": json.dumps({"status": "success", "data": {"net": positions, "day": []}}).encode()}


def angel_books() -> dict[str, bytes]:
    fixtures = ROOT / "drivers" / "angelone" / "tests" / "fixtures"
    order = _fixture_rows(fixtures / "order_book.json")[0]
    position = _fixture_rows(fixtures / "positions.json")[0]
    statuses = ("complete", "open", "cancelled", "rejected", "trigger pending")
    orders = [{**order, "exchange": "NSE", "tradingsymbol": f"SYM{i % INSTRUMENTS}-EQ",
               "symboltoken": str(1 + i % INSTRUMENTS), "orderid": str(250106000000000 + i),
               "status": statuses[i % 5], "orderstatus": statuses[i % 5], "price": 100.5 + i % 97,
               "quantity": str(1 + i % 10), "filledshares": str(i % 10), "unfilledshares": "1",
               "ordertag": f"ttc{i:012d}", "exchtime": _angel_time(i), "updatetime": _angel_time(i + 1),
               "exchorderupdatetime": _angel_time(i + 1)}
              for i in range(ORDERS)]
    positions = [{**position, "exchange": "NSE", "tradingsymbol": f"SYM{i}-EQ", "symboltoken": str(1 + i),
                  "producttype": "DELIVERY", "netqty": str(i % 7), "ltp": f"{101.5 + i:.2f}", "cfbuyqty": "0",
                  "cfsellqty": "0", "buyqty": str(i % 7), "sellqty": "0"} for i in range(POSITIONS)]
    return {"orders": json.dumps({"status": True, "message": "SUCCESS", "errorcode": "", "data": orders}).encode(),
            "positions": json.dumps({"status": True, "message": "SUCCESS", "errorcode": "",
                                     "data": positions}).encode()}


def _context(broker: str) -> Any:
    from tt_connect import instruments
    from tt_connect.driver_api import BrokerSymbol
    from tt_connect.enums import Exchange
    from tt_connect.instruments import Equity
    from tt_connect.testing import StaticContext

    instruments.set_validator(lambda _inst: None)
    suffix = "-EQ" if broker == "angelone" else ""
    listing = [(Equity(exchange=Exchange.NSE, symbol=f"SYM{i}"),
                BrokerSymbol(token=str(1 + i), symbol=f"SYM{i}{suffix}", exchange="NSE", segment="NSE", lot_size=1,
                             tick_size=0.05)) for i in range(INSTRUMENTS)]
    return StaticContext(broker, listing)


def _best_ms(run: Callable[[], Any], repeat: int) -> float:
    """The least CPU time of ``repeat`` runs: the process's own, so other load on the machine shows less."""
    run()
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best * 1000


def worker(repeat: int) -> dict[str, dict[str, float]]:
    """Milliseconds per book: {"<broker> <book>": {"parse_ms", "json_loads_ms", "models"}}."""
    from tt_connect.driver_api import HttpResponse
    from tt_connect_angelone.api import AngelOneApi
    from tt_connect_zerodha.api import ZerodhaApi

    apis = {"zerodha": ZerodhaApi("https://api.kite.trade"), "angelone": AngelOneApi()}
    bodies = {"zerodha": kite_books(), "angelone": angel_books()}
    out: dict[str, dict[str, float]] = {}
    for broker, book, rows in BOOKS:
        api, ctx, body = apis[broker], _context(broker), bodies[broker][book]
        call = api.orders(ctx) if book == "orders" else api.positions(ctx)
        response = HttpResponse(status=200, body=body)
        parsed = call.parse(api.unwrap(response))
        assert len(parsed) == rows, (broker, book, len(parsed))
        def parse(call: Any = call, api: Any = api, response: Any = response) -> Any:
            return call.parse(api.unwrap(response))

        out[f"{broker} {book}"] = {"parse_ms": _best_ms(parse, repeat),
                                   "json_loads_ms": _best_ms(lambda body=body: json.loads(body), repeat),
                                   "models": len(parsed)}
    return out


def run_worker(checkout: Path | None, repeat: int) -> dict[str, dict[str, float]]:
    env = dict(os.environ)
    if checkout is not None:
        paths = [checkout / "tt_connect_core" / "src", checkout / "drivers" / "zerodha" / "src",
                 checkout / "drivers" / "angelone" / "src"]
        env["PYTHONPATH"] = os.pathsep.join([*map(str, paths), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, __file__, "--worker", "--repeat", str(repeat)], env=env,
                          capture_output=True, text=True, check=True)
    result: dict[str, dict[str, float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _best(runs: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {k: {f: min(r[k][f] for r in runs) for f in runs[0][k]} for k in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="", help="another checkout to measure in the same run ('' for none)")
    parser.add_argument("--repeat", type=int, default=7, help="rounds per figure in a worker (the best is kept)")
    parser.add_argument("--workers", type=int, default=3, help="worker processes per checkout, alternating")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.worker:
        print(json.dumps(worker(args.repeat)))
        return
    before_path = Path(args.before).resolve() if args.before else None
    after_runs, before_runs = [], []
    for _ in range(args.workers):
        after_runs.append(run_worker(None, args.repeat))
        if before_path is not None:
            before_runs.append(run_worker(before_path, args.repeat))
    after = _best(after_runs)
    before = _best(before_runs) if before_runs else None
    print(f"REST book parsing, reply bytes -> models, CPU ms (best of {args.workers} x {args.repeat}; "
          f"goal: >= 3x faster than before)")
    print(f"{'book':<28}{'before':>9}{'after':>9}{'speedup':>9}{'json.loads':>12}{'after/json.loads':>18}")
    from results import figure, record

    figures = []
    for broker, book, rows in BOOKS:
        key = f"{broker} {book}"
        a, b = after[key], before[key] if before else None
        label = f"{key} ({rows})"
        speedup = b["parse_ms"] / a["parse_ms"] if b else None
        was = f"{b['parse_ms']:.2f}" if b else "-"
        gain = f"{speedup:.2f}x" if speedup else "-"
        print(f"{label:<28}{was:>9}{a['parse_ms']:>9.2f}{gain:>9}{a['json_loads_ms']:>12.2f}"
              f"{a['parse_ms'] / a['json_loads_ms']:>17.2f}x")
        figures.append(figure(f"{label} parse", a["parse_ms"], "ms", better="lower",
                              baseline=b["parse_ms"] if b else None, baseline_name=f"before ({before_path})"))
        figures.append(figure(f"{label} parse vs json.loads", a["parse_ms"], "ms", better="lower",
                              baseline=a["json_loads_ms"], baseline_name="json.loads of the same bytes"))
    record("parse", figures, {"after": after, "before": before, "before_checkout": str(before_path or "")})


if __name__ == "__main__":
    main()
