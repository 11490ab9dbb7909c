"""Benchmark: the Fyers symbol-master SELECT on seven full-size generated masters (~160k rows), in DuckDB.

Run: ``python bench/bench_fyers_instruments.py``. The files come from bench/fyers_symbol_master.py (the
real layout: headerless 21-column CSVs, one per segment) and are cached under bench/.cache/fyers. Each
run is a fresh subprocess so peak RSS is the load's own: the core's ``Store.load`` (the driver's SELECT
over the seven files plus the core's normalisation and insert) and the full load a client does
(``InstrumentMaster.load``: store plus the in-memory key set), in memory and into a new DuckDB file (the
default). Five runs each; medians, worst peak RSS. Target: full load <= 0.5 s and <= 200 MB peak RSS.
Prints a table and one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "fyers"
RUNS = 5
TARGET_S = 0.5
TARGET_MB = 200


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _source(directory: str) -> object:
    import dataclasses

    from tt_connect_fyers.config import MASTER_FIELDS
    from tt_connect_fyers.instruments import fyers_instrument_source

    data = {path.stem: path.read_bytes() for path in Path(directory).glob("*.csv")}
    source = fyers_instrument_source({segment: f"https://example.test/{segment}.csv" for segment in MASTER_FIELDS})
    return dataclasses.replace(source, files=tuple(
        dataclasses.replace(f, local=(lambda blob=data[f.name]: blob)) for f in source.files))


def child_store(directory: str) -> None:
    import datetime as dt

    from tt_connect.instruments_db.store import Store
    from tt_connect.timeutil import IST

    source = _source(directory)
    blobs = [file.local() for file in source.files]  # type: ignore[attr-defined]
    store = Store(":memory:")
    started = time.perf_counter()
    rows = store.load("fyers", source, blobs, dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST))  # type: ignore[arg-type]
    print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows, "peak_rss_mb": _rss_mb()}))


def child_master(directory: str, database: str = ":memory:") -> None:
    import asyncio
    import datetime as dt

    from tt_connect.instruments_db import InstrumentMaster
    from tt_connect.timeutil import IST, ManualClock

    source = _source(directory)
    master = InstrumentMaster(database, clock=ManualClock(dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST)))
    started = time.perf_counter()
    report = asyncio.run(master.load("fyers", source, None))  # type: ignore[arg-type]
    print(json.dumps({"seconds": time.perf_counter() - started, "rows": report.rows, "peak_rss_mb": _rss_mb()}))


def main() -> None:
    sys.path.insert(0, str(HERE))
    from fyers_symbol_master import ROWS, write
    from load_runs import measure

    if not all((CACHE / f"{name}.csv").exists() for name in ROWS):
        write(CACHE)
    summary: dict[str, object] = {
        "files_mb": round(sum((CACHE / f"{name}.csv").stat().st_size for name in ROWS) / 1e6, 1),
        "file_rows": sum(ROWS.values())}
    print(f"{'measure':<40}{'median s':>10}{'min s':>9}{'rows':>9}{'peak RSS MB':>13}")
    for kind, label in (("store", "core Store.load"), ("master", "full load, in memory"),
                        ("master-file", "full load, file-backed (default)")):
        summary[kind] = measure(__file__, kind, [str(CACHE)], RUNS, label, 40)
    for kind in ("master", "master-file"):
        full = summary[kind]
        assert isinstance(full, dict)
        verdict = "meets" if full["median_s"] <= TARGET_S and full["peak_rss_mb"] <= TARGET_MB else "MISSES"
        print(f"{kind}: full load {verdict} the {TARGET_S} s / {TARGET_MB} MB target")
    print(json.dumps(summary))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "store":
        child_store(sys.argv[2])
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "master":
        child_master(*sys.argv[2:])
    else:
        main()
