"""A deterministic, full-size stand-in for Fyers' seven symbol masters (headerless, 21 columns each).

``python bench/fyers_symbol_master.py DIR`` writes ``NSE_CM.csv``, ``NSE_FO.csv``, ``NSE_CD.csv``,
``NSE_COM.csv``, ``BSE_CM.csv``, ``BSE_FO.csv`` and ``MCX_COM.csv`` into ``DIR``. The layout is the v3
reference's (fyToken, symbol details, instrument type, lot, tick, ISIN, session, last update, expiry
epoch, ticker, exchange, segment, scrip code, underlying, underlying scrip code, strike, option type,
underlying fyToken, three reserved columns); the row counts are our estimate of the live files
(~160k rows: Fyers does not publish sizes, PROTOCOL.md "unverified"), with the share of rows per kind
(weekly index options dominate) the live files show in third-party dumps.
"""

from __future__ import annotations

import datetime as _dt
import random
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = ["ROWS", "write"]

ROWS = {"NSE_CM": 9_000, "NSE_FO": 95_000, "NSE_CD": 9_000, "NSE_COM": 1_500, "BSE_CM": 12_500,
        "BSE_FO": 22_000, "MCX_COM": 11_000}
"""Rows per file (estimates of the live masters)."""

_CODES = {"NSE_CM": (10, 10), "NSE_FO": (10, 11), "NSE_CD": (10, 12), "NSE_COM": (10, 20), "BSE_CM": (12, 10),
          "BSE_FO": (12, 11), "MCX_COM": (11, 20)}
_PREFIX = {10: "NSE", 11: "MCX", 12: "BSE"}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_IST = _dt.timezone(_dt.timedelta(hours=5, minutes=30))
_SERIES = ("EQ",) * 14 + ("BE", "BZ", "SM", "ST", "GS", "N1")


def _name(rng: random.Random, length: int = 7) -> str:
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(length))


def _expiries(today: _dt.date, count: int) -> list[_dt.date]:
    first = today + _dt.timedelta(days=(3 - today.weekday()) % 7)
    return [first + _dt.timedelta(weeks=i) for i in range(count)]


def _line(fy: str, details: str, inst: int, lot: int, tick: float, isin: str, expiry: str, ticker: str, exch: int,
          seg: int, scrip: str, under: str, strike: str, opt: str, under_fy: str) -> str:
    return (f"{fy},{details},{inst},{lot},{tick},{isin},0915-1530|1815-1915:,2025-01-06,{expiry},{ticker},{exch},"
            f"{seg},{scrip},{under},-1,{strike},{opt},{under_fy},None,0,0.0")


def _cash(name: str, count: int, rng: random.Random) -> Iterator[str]:
    exch, seg = _CODES[name]
    prefix = _PREFIX[exch]
    for i in range(count):
        scrip = str(1000 + i)
        fy = f"{exch}{seg}000000{scrip}"
        if i < 120:
            symbol = f"IDX{i}"
            yield _line(fy, f"Index {i}", 10, 1, 0.05, "", "", f"{prefix}:{symbol}-INDEX", exch, seg, scrip, symbol,
                        "-1.0", "XX", fy)
            continue
        symbol = _name(rng)
        series = rng.choice(_SERIES) if prefix == "NSE" else rng.choice(("A", "B", "T", "X", "XT"))
        yield _line(fy, f"{symbol} LIMITED", 0, 1, 0.05, f"INE{rng.randrange(10**8):08d}01", "",
                    f"{prefix}:{symbol}-{series}", exch, seg, scrip, symbol, "-1.0", "XX", fy)


def _derivatives(name: str, count: int, rng: random.Random, today: _dt.date) -> Iterator[str]:
    exch, seg = _CODES[name]
    prefix = _PREFIX[exch]
    underlyings = [_name(rng, 6) for _ in range(max(count // 400, 5))]
    expiries = _expiries(today, 12)
    fut_type, opt_type = {11: (13, 15), 12: (16, 19), 20: (30, 32)}[seg]
    i = 0
    while i < count:
        under = underlyings[i % len(underlyings)]
        expiry = expiries[(i // len(underlyings)) % len(expiries)]
        epoch = str(int(_dt.datetime.combine(expiry, _dt.time(15, 30), _IST).timestamp()))
        stamp = f"{expiry:%y}{_MONTHS[expiry.month - 1]}"
        scrip = str(35000 + i)
        fy = f"{exch}{seg}{expiry:%y%m%d}{scrip}"
        under_fy = f"{exch}10000000{1000 + i % 900}"
        if i % 60 == 0:
            yield _line(fy, f"{under} {expiry:%y %b %d} FUT", fut_type, 50, 0.05, "", epoch,
                        f"{prefix}:{under}{stamp}FUT", exch, seg, scrip, under, "-1.0", "XX", under_fy)
        else:
            strike = 100 + (i % 59) * 50
            kind = "CE" if i % 2 else "PE"
            yield _line(fy, f"{under} {expiry:%y %b %d} {strike} {kind}", opt_type, 50, 0.05, "", epoch,
                        f"{prefix}:{under}{stamp}{strike}{kind}", exch, seg, scrip, under, f"{strike:.1f}", kind,
                        under_fy)
        i += 1


def write(directory: Path, today: _dt.date = _dt.date(2025, 1, 6)) -> dict[str, Path]:
    """Write the seven masters into ``directory``; return segment -> path."""
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, count in ROWS.items():
        rng = random.Random(f"fyers-{name}")
        lines = _cash(name, count, rng) if name.endswith("_CM") else _derivatives(name, count, rng, today)
        path = directory / f"{name}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out[name] = path
    return out


if __name__ == "__main__":
    write(Path(sys.argv[1]))
