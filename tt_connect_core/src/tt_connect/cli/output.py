"""What the command prints: tables, JSON, ticks by stream mode, and the download bar (stderr)."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from collections.abc import Sequence
from typing import Any

import msgspec

__all__ = ["ProgressBar", "emit", "plain", "render_table", "tick_fields", "tick_line"]


def plain(value: Any) -> Any:
    """Make models, instruments and enums JSON-friendly (instruments as their printed form)."""
    from tt_connect.instruments import Instrument

    if isinstance(value, Instrument):
        return str(value)
    if isinstance(value, msgspec.Struct):
        return {f: plain(getattr(value, f)) for f in value.__struct_fields__ if f != "raw"}
    if isinstance(value, dict):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return value


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, _dt.datetime):
        return value.strftime("%H:%M:%S")
    return str(value)


def render_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str = "") -> str:
    """Render rows as an aligned text table (numbers right-aligned)."""
    cells = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [
        all(isinstance(row.get(c), (int, float)) or row.get(c) is None for row in rows) for c in columns
    ]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)]
        return "  ".join(parts).rstrip()

    out = []
    if title:
        out.append(title)
    out.append(line([c.upper() for c in columns]))
    out.append(line(["-" * w for w in widths]))
    out.extend(line(r) for r in cells)
    if not rows:
        out.append("(none)")
    return "\n".join(out)


def emit(args: argparse.Namespace, value: Any, columns: Sequence[str], title: str = "") -> None:
    if args.json:
        print(json.dumps(plain(value), indent=2))
        return
    items = value if isinstance(value, list) else [value]
    rows = [plain(v) for v in items]
    print(render_table(rows, columns, title))


class ProgressBar:
    """A one-line download bar on stderr (only when stderr is a terminal).

    Each line is drawn once: a repeated report of the same progress is ignored, a finished
    download ends its line, and :meth:`finish` ends a line whose total was never known.
    """

    def __init__(self, label: str, stream: Any = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._last: tuple[int, int | None] | None = None
        self._open = False

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled or (done, total) == self._last:
            return
        if self._last is not None and done < self._last[0] and self._open:
            self.stream.write("\n")  # a new download (another file, a retry) starts a new line
        self._last = (done, total)
        if total:
            filled = int(30 * min(done, total) / total)
            line = f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done / 1e6:6.1f}/{total / 1e6:.1f} MB"
        else:
            line = f"\r{self.label} {done / 1e6:6.1f} MB"
        self.stream.write(line)
        self._open = True
        if total and done >= total:
            self.stream.write("\n")
            self._open = False
        self.stream.flush()

    def finish(self) -> None:
        """End the current line, if one is still open (a download without a known size)."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False


_TICK_FIELDS = {
    "LTP": ("instrument", "mode", "last_price", "received_at"),
    "QUOTE": ("instrument", "mode", "last_price", "received_at", "last_quantity", "average_price", "volume",
              "buy_quantity", "sell_quantity", "open", "high", "low", "close", "change", "oi", "oi_day_high",
              "oi_day_low"),
}
"""What each stream mode carries; FULL carries every field. A field a mode lacks is left out, not 0."""


def tick_fields(tick: Any) -> dict[str, Any]:
    fields = _TICK_FIELDS.get(tick.mode.value, tick.__struct_fields__)
    return {name: plain(getattr(tick, name)) for name in fields}


def tick_line(tick: Any) -> str:
    line = f"{tick.received_at:%H:%M:%S.%f}  {tick.instrument!s:<36} {tick.last_price:>12,.2f}"
    return line if tick.mode.value == "LTP" else f"{line}  vol {tick.volume:,}"
