"""bench/results.py writes the figures document; bench/compare.py reads two of them side by side."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def bench_modules(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, ModuleType]]:
    monkeypatch.syspath_prepend(str(BENCH))
    for name in ("results", "compare"):
        sys.modules.pop(name, None)
    yield importlib.import_module("results"), importlib.import_module("compare")
    for name in ("results", "compare"):
        sys.modules.pop(name, None)


def test_two_runs_side_by_side(bench_modules: tuple[ModuleType, ModuleType], tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    results, compare = bench_modules
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    monkeypatch.setenv(results.ENV, str(a))
    results.record("order_path", [results.figure("place_order sequential", 2000, "calls/s", baseline=2500,
                                                 baseline_name="raw aiohttp"),
                                  results.figure("gone later", 1.0, "s", better="lower")], {"n": 1})
    results.record("parse", [results.figure("order book", 8.0, "ms", better="lower")])
    monkeypatch.setenv(results.ENV, str(b))
    results.record("order_path", [results.figure("place_order sequential", 2400, "calls/s", baseline=2500,
                                                 baseline_name="raw aiohttp")])
    results.record("parse", [results.figure("order book", 2.0, "ms", better="lower"),
                             results.figure("new figure", 3.0, "x")])

    table = {(r[0], r[1]): r[2:] for r in compare.rows(results.load(a), results.load(b))}
    assert table[("order_path", "place_order sequential")] == ["calls/s", "2,000", "2,400", "+20.0%", "0.80x",
                                                               "0.96x"]
    assert table[("parse", "order book")][3] == "+300.0%"  # lower is better: 8 ms -> 2 ms is 4x
    assert table[("order_path", "gone later")][1:4] == ["1", "-", "-"]
    assert table[("parse", "new figure")][1:4] == ["-", "3", "-"]
    assert compare.main([str(a), str(b)]) == 0
    printed = capsys.readouterr().out
    assert "place_order sequential" in printed and "+20.0%" in printed


def test_a_file_that_is_not_a_results_document_is_refused(bench_modules: tuple[ModuleType, ModuleType],
                                                          tmp_path: Path) -> None:
    _, compare = bench_modules
    other = tmp_path / "other.json"
    other.write_text('{"benchmark": "order_path"}')
    with pytest.raises(ValueError, match="not a bench results document"):
        compare.main([str(other), str(other)])
