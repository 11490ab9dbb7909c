"""Benchmark: from process start to the first validated instrument, on Kite's and AngelOne's full-size masters.

What a program pays before its first ``Equity(...)`` is checked against today's master, with the default
file-backed store (a DuckDB file), in a fresh process each run:

- ``cold``: the day's first start: the master (the bench's full-size Kite dump, ~95k rows, and AngelOne
  scrip master, ~150k records; bench/kite_dump.py, bench/angel_scrip_master.py) is loaded into a new file
  through the driver's own ``InstrumentSource``;
- ``warm``: a later start the same day: the file already holds today's load, so nothing is parsed again.

Each child reports its checkpoints on the shared monotonic clock (``perf_counter`` is CLOCK_MONOTONIC on
Linux): the interpreter up (the parent's clock from ``Popen``), the imports done, the master file read (the
download's stand-in) and the store opened, the master loaded (``InstrumentMaster.load``: the first load's
own time), the first instrument constructed and validated (the first check builds the validator's index).
Medians of ``--runs`` fresh processes. Goal: the file-backed first load <= 0.5 s.

Run: ``python bench/bench_first_instrument.py [--runs 5]``. Figures go to the bench JSON (bench/results.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
TARGET_S = 0.5


def child(broker: str, master_path: str, database: str) -> None:
    """Run in a fresh process: import, load the master file-backed, construct one validated instrument."""
    began = time.perf_counter()
    import asyncio
    import dataclasses
    import datetime as dt

    from tt_connect.enums import Exchange
    from tt_connect.instruments import Equity
    from tt_connect.instruments_db import InstrumentMaster
    from tt_connect.timeutil import IST, ManualClock

    if broker == "zerodha":
        from tt_connect_zerodha.instruments import kite_instrument_source as make_source
    else:
        from tt_connect_angelone.instruments import angel_instrument_source as make_source
    imported = time.perf_counter()
    data = Path(master_path).read_bytes()  # the download's stand-in
    source = make_source("https://example.test/master")
    source = dataclasses.replace(source, files=tuple(dataclasses.replace(f, local=lambda: data) for f in source.files))
    opened = time.perf_counter()
    master = InstrumentMaster(database, clock=ManualClock(dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST)))
    started = time.perf_counter()
    report = asyncio.run(master.load(broker, source, None))
    loaded = time.perf_counter()
    Equity(exchange=Exchange.NSE, symbol="STK0000")  # validated against today's master
    first = time.perf_counter()
    try:
        Equity(exchange=Exchange.NSE, symbol="NO-SUCH-STOCK")
        refused = False
    except Exception:  # the validator refuses an unlisted symbol: validation is on
        refused = True
    print(json.dumps({"began": began, "imported": imported, "opened": opened, "load_started": started,
                      "loaded": loaded,
                      "first": first, "rows": report.rows, "validated": refused}))


def run_child(broker: str, master: Path, database: Path) -> dict[str, float]:
    spawned = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", broker, str(master), str(database)], check=True,
                          capture_output=True, text=True)
    marks: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert marks["validated"], "the first instrument was not validated against the master"
    return {"interpreter_s": marks["began"] - spawned, "imports_s": marks["imported"] - marks["began"],
            "read_open_s": marks["load_started"] - marks["imported"], "load_s": marks["loaded"] - marks["load_started"],
            "validate_s": marks["first"] - marks["loaded"], "first_instrument_s": marks["first"] - spawned,
            "rows": marks["rows"]}


def masters() -> dict[str, Path]:
    sys.path.insert(0, str(HERE))
    from angel_scrip_master import write
    from kite_dump import generate

    CACHE.mkdir(exist_ok=True)
    kite, angel = CACHE / "kite_instruments.csv", CACHE / "angel_scrip_master.json"
    if not kite.exists():
        kite.write_bytes(generate())
    if not angel.exists():
        write(angel)
    return {"zerodha": kite, "angelone": angel}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.child:
        child(*args.child)
        return
    summary: dict[str, dict[str, Any]] = {}
    for broker, path in masters().items():
        for start in ("cold", "warm"):
            runs = []
            for _ in range(args.runs):
                with tempfile.TemporaryDirectory() as work:
                    database = Path(work) / "instruments.duckdb"
                    if start == "warm":
                        run_child(broker, path, database)  # the day's first start fills the file
                    runs.append(run_child(broker, path, database))
            summary[f"{broker} {start}"] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"From process start to the first validated instrument, file-backed master (median of {args.runs} "
          f"fresh processes; goal: first load <= {TARGET_S} s)")
    print(f"{'master, start':<20}{'rows':>9}{'interpreter':>13}{'imports':>9}{'read+open':>11}{'load':>7}"
          f"{'1st check':>11}{'total s':>9}")
    for name, s in summary.items():
        print(f"{name:<20}{int(s['rows']):>9,}{s['interpreter_s']:>13.3f}{s['imports_s']:>9.3f}{s['read_open_s']:>11.3f}"
              f"{s['load_s']:>7.3f}{s['validate_s']:>11.3f}{s['first_instrument_s']:>9.3f}")
    from results import figure, record

    figures = []
    for name, s in summary.items():
        figures.append(figure(f"{name}: master load (file-backed)", s["load_s"], "s", better="lower"))
        figures.append(figure(f"{name}: process start to first validated instrument", s["first_instrument_s"],
                              "s", better="lower"))
        figures.append(figure(f"{name}: imports", s["imports_s"], "s", better="lower"))
    record("first_instrument", figures, summary)


if __name__ == "__main__":
    main()
