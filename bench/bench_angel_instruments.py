"""Benchmark: the AngelOne scrip-master SELECT on a full-size generated master, in DuckDB.

Run: ``python bench/bench_angel_instruments.py``. The master (~150k records, the real field
set) comes from bench/angel_scrip_master.py and is cached under bench/.cache. Each run is a
fresh subprocess so peak RSS is the load's own: DuckDB alone (the driver's SELECT over
``read_json``, materialised into a table), the core's ``Store.load`` (the SELECT plus the
core's normalisation and insert), and the full load a client does, ``InstrumentMaster.load``
(store plus the in-memory key set), the path ``bench_instruments.py`` times for Zerodha, in
memory (judged) and into a new DuckDB file, the default (reported: the commit compresses).
Five runs each; medians, worst peak RSS. Target: the full load <= 0.5 s, as for Zerodha.
Prints a table and one JSON line.
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


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_duckdb(path: str) -> None:
    import duckdb
    from tt_connect_angelone.instruments import ANGEL_READ_OPTIONS, ANGEL_SELECT

    con = duckdb.connect()
    quoted = path.replace("'", "''")
    select = ANGEL_SELECT.replace("{source}", f"read_json('{quoted}', {ANGEL_READ_OPTIONS})")
    before = _rss_mb()
    started = time.perf_counter()
    con.execute(f"CREATE TABLE canonical AS {select}")
    elapsed = time.perf_counter() - started
    rows = con.execute("SELECT count(*) FROM canonical").fetchone()
    print(json.dumps({"seconds": elapsed, "rows": rows[0] if rows else 0, "peak_rss_mb": _rss_mb(),
                      "rss_before_mb": before}))


def child_store(path: str) -> None:
    import datetime as dt

    from tt_connect.instruments_db.store import Store
    from tt_connect.timeutil import IST
    from tt_connect_angelone.instruments import angel_instrument_source

    data = Path(path).read_bytes()
    store = Store(":memory:")
    before = _rss_mb()
    started = time.perf_counter()
    rows = store.load("angelone", angel_instrument_source("https://example.test/master.json"), data,
                      dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST))
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "rows": rows, "peak_rss_mb": _rss_mb(), "rss_before_mb": before}))


def child_master(path: str, database: str = ":memory:") -> None:
    import asyncio
    import dataclasses
    import datetime as dt

    from tt_connect.instruments_db import InstrumentMaster
    from tt_connect.timeutil import IST, ManualClock
    from tt_connect_angelone.instruments import angel_instrument_source

    data = Path(path).read_bytes()
    source = angel_instrument_source("https://example.test/master.json")
    source = dataclasses.replace(source, files=tuple(dataclasses.replace(f, local=lambda: data) for f in source.files))
    master = InstrumentMaster(database, clock=ManualClock(dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST)))
    before = _rss_mb()
    started = time.perf_counter()
    report = asyncio.run(master.load("angelone", source, None))
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "rows": report.rows, "peak_rss_mb": _rss_mb(), "rss_before_mb": before}))


def main() -> None:
    sys.path.insert(0, str(HERE))
    from angel_scrip_master import write
    from load_runs import measure

    CACHE.mkdir(exist_ok=True)
    master = CACHE / "angel_scrip_master.json"
    if not master.exists():
        write(master)
    records = master.read_bytes().count(b'{"token"')
    summary: dict[str, object] = {"records": records, "file_mb": round(master.stat().st_size / 1e6, 1)}
    print(f"AngelOne scrip master: {records} records, {summary['file_mb']} MB")
    print(f"{'measure':<34}{'median s':>10}{'min s':>9}{'rows':>9}{'peak RSS MB':>13}")
    for kind, label in (("duckdb", "driver SELECT, one file, DuckDB"), ("store", "core Store.load (SELECT + insert)"),
                        ("master", "full load (InstrumentMaster.load)"),
                        ("master-file", "full load, file-backed (default)")):
        summary[kind] = measure(__file__, kind, [str(master)], RUNS, label, 34)
    full = summary["master"]
    assert isinstance(full, dict)
    verdict = "meets" if full["median_s"] <= TARGET_S else "MISSES"
    print(f"full load {verdict} the {TARGET_S} s target")
    print(json.dumps(summary))
    from results import load_figures, record

    record("angel_instruments", load_figures(summary, ["duckdb", "store", "master", "master-file"]), summary)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "duckdb":
        child_duckdb(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "store":
        child_store(sys.argv[2])
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "master":
        child_master(*sys.argv[2:])
    else:
        main()
