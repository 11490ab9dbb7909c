"""How the instrument-load benchmarks measure: each run in a fresh child process, a row per measure.

A ``bench_*_instruments.py`` script runs itself as the child (``python <script> <kind> <args>``),
which prints one JSON line ``{"seconds", "rows", "peak_rss_mb"}``; a fresh process per run keeps
one run's memory and caches out of the next one's figures.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["measure", "run_child", "run_load"]


def run_child(script: str, args: Sequence[str]) -> dict[str, float]:
    """Run ``script`` with ``args`` in a fresh interpreter and return its last line's JSON figures."""
    out = subprocess.run([sys.executable, script, *args], check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run_load(script: str, kind: str, args: Sequence[str]) -> dict[str, float]:
    """One run of ``kind``; ``master-file`` is ``master`` into a DuckDB file (the default: a file in the
    cache dir, loaded for the first time today), made in a temporary directory."""
    if kind == "master-file":
        with tempfile.TemporaryDirectory() as work:
            return run_child(script, ["master", *args, str(Path(work) / "instruments.duckdb")])
    return run_child(script, [kind, *args])


def measure(script: str, kind: str, args: Sequence[str], runs: int, label: str, width: int) -> dict[str, float]:
    """Run ``kind`` ``runs`` times, print its table row under ``label`` and return its summary figures."""
    results = [run_load(script, kind, args) for _ in range(runs)]
    seconds = [r["seconds"] for r in results]
    peak = max(r["peak_rss_mb"] for r in results)
    median = statistics.median(seconds)
    rows = int(results[0]["rows"])
    print(f"{label:<{width}}{median:>10.3f}{min(seconds):>9.3f}{rows:>9}{peak:>13.0f}")
    return {"median_s": round(median, 4), "min_s": round(min(seconds), 4), "rows": rows, "peak_rss_mb": round(peak)}
