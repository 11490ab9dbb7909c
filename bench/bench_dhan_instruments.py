"""Benchmark: the Dhan scrip-master SELECT on a full-size generated master, both layouts, in DuckDB.

Run: ``python bench/bench_dhan_instruments.py``. The masters (~212k rows each, the real files'
columns) come from bench/dhan_scrip_master.py and are cached under bench/.cache. Each run is a fresh
subprocess so peak RSS is the load's own: the core's ``Store.load`` (the driver's SELECT plus the
core's normalisation and insert) and the full load a client does, ``InstrumentMaster.load`` (store
plus the in-memory key set), in memory and into a new DuckDB file (the default). The driver loads the
detailed file when configured (the default) and the compact one otherwise: both are measured. Five
runs each; medians, worst peak RSS. Target: full load <= 0.5 s and <= 200 MB peak RSS. Prints a table
and one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
RUNS = 5
TARGET_S = 0.5
TARGET_MB = 200


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _source(layout: str, data: bytes) -> object:
    import dataclasses

    from tt_connect_dhan.instruments import dhan_instrument_source

    detailed = "https://example.test/d.csv" if layout == "detailed" else ""
    source = dhan_instrument_source("https://example.test/c.csv", detailed)
    (file,) = source.files
    return dataclasses.replace(source, files=(dataclasses.replace(file, local=lambda: data),))


def child_store(layout: str, path: str) -> None:
    import datetime as dt

    from tt_connect.instruments_db.store import Store
    from tt_connect.timeutil import IST

    data = Path(path).read_bytes()
    store = Store(":memory:")
    source = _source(layout, data)
    started = time.perf_counter()
    rows = store.load("dhan", source, data, dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST))  # type: ignore[arg-type]
    print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows, "peak_rss_mb": _rss_mb()}))


def child_master(layout: str, path: str, database: str = ":memory:") -> None:
    import asyncio
    import datetime as dt

    from tt_connect.instruments_db import InstrumentMaster
    from tt_connect.timeutil import IST, ManualClock

    data = Path(path).read_bytes()
    source = _source(layout, data)
    master = InstrumentMaster(database, clock=ManualClock(dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST)))
    started = time.perf_counter()
    report = asyncio.run(master.load("dhan", source, None))  # type: ignore[arg-type]
    print(json.dumps({"seconds": time.perf_counter() - started, "rows": report.rows, "peak_rss_mb": _rss_mb()}))


def main() -> None:
    sys.path.insert(0, str(HERE))
    from dhan_scrip_master import write
    from load_runs import measure

    CACHE.mkdir(exist_ok=True)
    compact, detailed = CACHE / "api-scrip-master.csv", CACHE / "api-scrip-master-detailed.csv"
    if not (compact.exists() and detailed.exists()):
        write(CACHE)
    summary: dict[str, object] = {}
    print(f"{'measure':<44}{'median s':>10}{'min s':>9}{'rows':>9}{'peak RSS MB':>13}")
    for layout, path in (("detailed", detailed), ("compact", compact)):
        summary[f"{layout}_file_mb"] = round(path.stat().st_size / 1e6, 1)
        for kind, label in (("store", "core Store.load"), ("master", "full load, in memory"),
                            ("master-file", "full load, file-backed (default)")):
            summary[f"{layout}_{kind}"] = measure(__file__, kind, [layout, str(path)], RUNS, f"{layout}: {label}", 44)
    for layout in ("detailed", "compact"):
        full = summary[f"{layout}_master"]
        assert isinstance(full, dict)
        verdict = "meets" if full["median_s"] <= TARGET_S and full["peak_rss_mb"] <= TARGET_MB else "MISSES"
        print(f"{layout}: full load {verdict} the {TARGET_S} s / {TARGET_MB} MB target")
    print(json.dumps(summary))
    from results import load_figures, record

    kinds = ["store", "master", "master-file"]
    record("dhan_instruments", load_figures(summary, [f"detailed_{k}" for k in kinds])
           + load_figures(summary, [f"compact_{k}" for k in kinds]), summary)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "store":
        child_store(sys.argv[2], sys.argv[3])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "master":
        child_master(*sys.argv[2:])
    else:
        main()
