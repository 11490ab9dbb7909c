"""The figures every benchmark reports, in one JSON file that two commits can be compared by.

Each ``bench_*.py`` ends with :func:`record`: its name, its figures (a name, a value, a unit, and
when it measured something beside it, that baseline and the ratio), and its full summary. They are
merged into the file named by ``TTC_BENCH_JSON`` (``nox -s bench`` sets it; one file for the whole
run) or, run alone, into ``bench/results/<benchmark>.json``. ``bench/compare.py A.json B.json``
prints two such files side by side.

The document: ``{"schema": 1, "python": ..., "benchmarks": {name: {"figures": [...], "summary": ...}}}``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ENV = "TTC_BENCH_JSON"
SCHEMA = 1
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Figure:
    """One measured number; ``better`` says which way is an improvement ("higher" or "lower")."""

    name: str
    value: float | None
    unit: str
    better: str = "higher"
    baseline: float | None = None  # what the same run measured beside it (raw aiohttp, the official SDK, ...)
    baseline_name: str | None = None
    ratio: float | None = None  # value / baseline when higher is better, baseline / value when lower is

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def figure(name: str, value: float | None, unit: str, *, better: str = "higher", baseline: float | None = None,
           baseline_name: str | None = None) -> Figure:
    """A figure, its ratio to ``baseline`` computed so that a ratio above 1 always means "ours is better"."""
    ratio = None
    if value is not None and baseline is not None and value and baseline:
        ratio = round(value / baseline if better == "higher" else baseline / value, 3)
    return Figure(name, None if value is None else round(float(value), 6), unit, better,
                  None if baseline is None else round(float(baseline), 6), baseline_name, ratio)


def target() -> Path:
    """Where this run's figures go (the shared file of a ``nox -s bench`` run, else one per benchmark)."""
    shared = os.environ.get(ENV)
    return Path(shared) if shared else RESULTS


def record(benchmark: str, figures: list[Figure], summary: Any = None) -> Path:
    """Merge ``benchmark``'s figures into the run's JSON document and return its path."""
    where = target()
    path = where if where.suffix == ".json" else where / f"{benchmark}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document: dict[str, Any] = {}
    if path.exists():
        try:
            document = json.loads(path.read_text())
        except ValueError:
            document = {}
    if document.get("schema") != SCHEMA:
        document = {"schema": SCHEMA, "python": platform.python_version(), "platform": sys.platform,
                    "cpus": os.cpu_count(), "benchmarks": {}}
    document["benchmarks"][benchmark] = {"figures": [f.to_json() for f in figures], "summary": summary}
    path.write_text(json.dumps(document, indent=1))
    return path


def load(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Every figure of a results document, keyed by (benchmark, figure name)."""
    document = json.loads(path.read_text())
    if document.get("schema") != SCHEMA:
        raise ValueError(f"{path}: not a bench results document (schema {SCHEMA})")
    return {(bench, f["name"]): f for bench, body in document["benchmarks"].items() for f in body["figures"]}


def load_figures(summary: dict[str, Any], kinds: list[str], prefix: str = "") -> list[Figure]:
    """The figures of an instrument-master bench: each measured load's median seconds and peak RSS."""
    out: list[Figure] = []
    for kind in kinds:
        found = summary.get(kind)
        if isinstance(found, dict):
            out.append(figure(f"{prefix}{kind} median", found["median_s"], "s", better="lower"))
            out.append(figure(f"{prefix}{kind} peak RSS", found["peak_rss_mb"], "MB", better="lower"))
    return out
