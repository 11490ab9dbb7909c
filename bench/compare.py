"""Two bench results documents side by side: every figure of A and of B, and the change.

Run: ``python bench/compare.py A.json B.json`` (files written by ``nox -s bench`` or one
``bench_*.py``; see bench/results.py). The change is B against A, signed so that "+" is better
whichever way the figure improves; a figure only one side has is listed with "-" on the other.
Ratios to the same-run baseline (raw aiohttp, the official SDK, ...) are shown for both.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from results import load


def change(a: dict[str, Any] | None, b: dict[str, Any] | None) -> str:
    """B against A in percent, "+" meaning better."""
    if not a or not b or not a.get("value") or b.get("value") is None:
        return "-"
    ratio = b["value"] / a["value"]
    if (b.get("better") or a.get("better")) == "lower":
        ratio = a["value"] / b["value"] if b["value"] else float("inf")
    return f"{(ratio - 1) * 100:+.1f}%"


def cell(f: dict[str, Any] | None) -> str:
    if f is None or f.get("value") is None:
        return "-"
    v = f["value"]
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def rows(a: dict[tuple[str, str], dict[str, Any]], b: dict[tuple[str, str], dict[str, Any]]) -> list[list[str]]:
    keys = list(a) + [k for k in b if k not in a]
    out = []
    for key in keys:
        fa, fb = a.get(key), b.get(key)
        unit = (fa or fb or {}).get("unit", "")
        ra = f"{fa['ratio']:.2f}x" if fa and fa.get("ratio") else "-"
        rb = f"{fb['ratio']:.2f}x" if fb and fb.get("ratio") else "-"
        out.append([key[0], key[1], unit, cell(fa), cell(fb), change(fa, fb), ra, rb])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    table = [["benchmark", "figure", "unit", "A", "B", "change", "A ratio", "B ratio"], *rows(load(args.a),
                                                                                             load(args.b))]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        print("  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
