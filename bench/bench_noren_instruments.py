"""Benchmark: the Noren symbol-file SELECT on full-size generated files (six exchanges, ~181k rows).

Run: ``python bench/bench_noren_instruments.py``. The files come from bench/noren_symbol_files.py (the
real layout: zipped CSVs with a header and a trailing comma per line) and are cached under bench/.cache.
Each run is a fresh subprocess so peak RSS is the load's own: DuckDB alone (unzip + the driver's SELECT
over the six CSVs, materialised), and the full load a client does (``InstrumentMaster.load``: download
stand-in, unzip, SELECT, the core's normalisation and insert, the key index), in memory (judged) and into
a new DuckDB file (the default). Five runs each; medians, worst peak RSS. Target: the full load <= 0.5 s
and <= 200 MB. Prints a table and one JSON line.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "noren"
RUNS = 5
TARGET_S = 0.5
TARGET_MB = 200


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_duckdb(directory: str) -> None:
    import io
    import zipfile

    import duckdb
    from tt_connect_noren.instruments import NOREN_SELECT, read_options

    zips = sorted(Path(directory).glob("*_symbols.txt.zip"))
    con = duckdb.connect()
    before = _rss_mb()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        readers = []
        for path in zips:  # as the core reads several files: one reader each, their union by column name
            exchange = path.name.split("_")[0]
            with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
                target = Path(work) / archive.namelist()[0]
                target.write_bytes(archive.read(archive.namelist()[0]))
            quoted = str(target).replace("'", "''")
            readers.append(f"SELECT *, '{exchange}' AS source_file FROM read_csv('{quoted}', {read_options(exchange)})")
        select = NOREN_SELECT.replace("{source}", "(" + " UNION ALL BY NAME ".join(readers) + ")")
        con.execute(f"CREATE TABLE canonical AS {select}")
    elapsed = time.perf_counter() - started
    rows = con.execute("SELECT count(*) FROM canonical").fetchone()
    print(json.dumps({"seconds": elapsed, "rows": rows[0] if rows else 0, "peak_rss_mb": _rss_mb(),
                      "rss_before_mb": before}))


def child_master(directory: str, database: str = ":memory:") -> None:
    import asyncio
    import dataclasses
    import datetime as dt

    from tt_connect.instruments_db import InstrumentMaster
    from tt_connect.timeutil import IST, ManualClock
    from tt_connect_noren.instruments import noren_instrument_source

    data = {path.name.split("_")[0]: path.read_bytes() for path in Path(directory).glob("*_symbols.txt.zip")}
    source = noren_instrument_source("https://example.test/")
    source = dataclasses.replace(source, files=tuple(
        dataclasses.replace(f, local=(lambda blob=data[f.name]: blob)) for f in source.files))
    master = InstrumentMaster(database, clock=ManualClock(dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST)))
    before = _rss_mb()
    started = time.perf_counter()
    report = asyncio.run(master.load("shoonya", source, None))
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "rows": report.rows, "peak_rss_mb": _rss_mb(), "rss_before_mb": before}))


def main() -> None:
    sys.path.insert(0, str(HERE))
    from load_runs import measure
    from noren_symbol_files import FILES, write

    if not all((CACHE / f"{exchange}_symbols.txt.zip").exists() for exchange in FILES):
        write(CACHE)
    size = sum(p.stat().st_size for p in CACHE.glob("*.zip")) / 1e6
    summary: dict[str, object] = {"zipped_mb": round(size, 1)}
    print(f"Noren symbol files: {len(FILES)} exchanges, {size:.1f} MB zipped")
    print(f"{'measure':<38}{'median s':>10}{'min s':>9}{'rows':>9}{'peak RSS MB':>13}")
    kinds = [("duckdb", "unzip + driver SELECT, DuckDB"), ("master", "full load (InstrumentMaster.load)"),
             ("master-file", "full load, file-backed (default)")]
    for kind, label in kinds:
        try:
            summary[kind] = measure(__file__, kind, [str(CACHE)], RUNS, label, 38)
        except subprocess.CalledProcessError as exc:
            print(f"{label:<38} failed: {exc.stderr.strip().splitlines()[-1] if exc.stderr else exc}")
    full = summary.get("master")
    if isinstance(full, dict):
        verdict = "meets" if full["median_s"] <= TARGET_S and full["peak_rss_mb"] <= TARGET_MB else "MISSES"
        print(f"full load {verdict} the {TARGET_S} s / {TARGET_MB} MB target")
    print(json.dumps(summary))
    from results import load_figures, record

    record("noren_instruments", load_figures(summary, ["duckdb", "master", "master-file"]), summary)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "duckdb":
        child_duckdb(sys.argv[2])
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "master":
        child_master(*sys.argv[2:])
    else:
        main()
