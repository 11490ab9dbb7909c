"""Benchmark: the Upstox BOD-file SELECT on a full-size generated ``complete.json.gz``, in DuckDB.

Run: ``python bench/bench_upstox_instruments.py``. The file (~140k records, the real layout)
comes from bench/upstox_master.py and is cached under bench/.cache. Each run is a fresh
subprocess so peak RSS is the load's own. Every measure starts from the gzipped bytes as they
are downloaded, so the decompression (the core's, for a gzip ``InstrumentFile``) is inside the
time: DuckDB alone (the driver's SELECT over
``read_json``, materialised), the core's ``Store.load`` (the SELECT plus the core's
normalisation and insert) and the full load a client does, ``InstrumentMaster.load`` (store
plus the in-memory key set), in memory (judged) and into a new DuckDB file (the default).
Five runs each; medians, worst peak RSS. Target: the full load <= 0.5 s and <= 200 MB peak RSS.
Prints a table and one JSON line.
"""

from __future__ import annotations

import gzip
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
RUNS = 5
TARGET_S = 0.5
TARGET_MB = 200


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_duckdb(path: str) -> None:
    import os

    import duckdb
    from tt_connect.instruments_db.master import _decompressed
    from tt_connect_upstox.instruments import UPSTOX_READ_OPTIONS, UPSTOX_SELECT, upstox_instrument_source

    raw = Path(path).read_bytes()
    (file,) = upstox_instrument_source("https://example.test/complete.json.gz").files
    con = duckdb.connect()
    before = _rss_mb()
    started = time.perf_counter()
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        handle.write(_decompressed("upstox", file, raw))
    quoted = handle.name.replace("'", "''")
    select = UPSTOX_SELECT.replace("{source}", f"read_json('{quoted}', {UPSTOX_READ_OPTIONS})")
    con.execute(f"CREATE TABLE canonical AS {select}")
    elapsed = time.perf_counter() - started
    os.unlink(handle.name)
    rows = con.execute("SELECT count(*) FROM canonical").fetchone()
    print(json.dumps({"seconds": elapsed, "rows": rows[0] if rows else 0, "peak_rss_mb": _rss_mb(),
                      "rss_before_mb": before}))


def child_store(path: str) -> None:
    import datetime as dt

    from tt_connect.instruments_db.master import _decompressed
    from tt_connect.instruments_db.store import Store
    from tt_connect.timeutil import IST
    from tt_connect_upstox.instruments import upstox_instrument_source

    raw = Path(path).read_bytes()
    source = upstox_instrument_source("https://example.test/complete.json.gz")
    store = Store(":memory:")
    before = _rss_mb()
    started = time.perf_counter()
    rows = store.load("upstox", source, _decompressed("upstox", source.files[0], raw),
                      dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST))
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "rows": rows, "peak_rss_mb": _rss_mb(), "rss_before_mb": before}))


def child_master(path: str, database: str = ":memory:") -> None:
    import asyncio
    import dataclasses
    import datetime as dt

    from tt_connect.instruments_db import InstrumentMaster
    from tt_connect.timeutil import IST, ManualClock
    from tt_connect_upstox.instruments import upstox_instrument_source

    raw = Path(path).read_bytes()
    source = upstox_instrument_source("https://example.test/complete.json.gz")
    source = dataclasses.replace(source, files=(dataclasses.replace(source.files[0], local=lambda: raw),))
    master = InstrumentMaster(database, clock=ManualClock(dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST)))
    before = _rss_mb()
    started = time.perf_counter()
    report = asyncio.run(master.load("upstox", source, None))
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "rows": report.rows, "peak_rss_mb": _rss_mb(), "rss_before_mb": before}))


def main() -> None:
    sys.path.insert(0, str(HERE))
    from load_runs import measure
    from upstox_master import write

    CACHE.mkdir(exist_ok=True)
    master = CACHE / "upstox_complete.json.gz"
    if not master.exists():
        write(master)
    records = gzip.decompress(master.read_bytes()).count(b'"instrument_key"')
    summary: dict[str, object] = {"records": records, "gzip_mb": round(master.stat().st_size / 1e6, 1)}
    print(f"Upstox complete.json.gz: {records} records, {summary['gzip_mb']} MB gzipped")
    print(f"{'measure (from the .gz bytes)':<36}{'median s':>10}{'min s':>9}{'rows':>9}{'peak RSS MB':>13}")
    for kind, label in (("duckdb", "driver SELECT, one file, DuckDB"), ("store", "core Store.load (SELECT + insert)"),
                        ("master", "full load (InstrumentMaster.load)"),
                        ("master-file", "full load, file-backed (default)")):
        summary[kind] = measure(__file__, kind, [str(master)], RUNS, label, 36)
    for kind in ("master", "master-file"):
        full = summary[kind]
        assert isinstance(full, dict)
        verdict = "meets" if full["median_s"] <= TARGET_S and full["peak_rss_mb"] <= TARGET_MB else "MISSES"
        print(f"{kind}: {verdict} the {TARGET_S} s / {TARGET_MB} MB target")
    print(json.dumps(summary))
    from results import load_figures, record

    record("upstox_instruments", load_figures(summary, ["duckdb", "store", "master", "master-file"]), summary)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "duckdb":
        child_duckdb(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "store":
        child_store(sys.argv[2])
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "master":
        child_master(*sys.argv[2:])
    else:
        main()
