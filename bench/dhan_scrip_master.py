"""A deterministic, full-size Dhan scrip master in both published layouts, for benchmarks.

The compact file (``api-scrip-master.csv``: 16 ``SEM_*`` columns) and the detailed one
(``api-scrip-master-detailed.csv``: ``EXCH_ID``, ``SEGMENT``, ``SECURITY_ID``, ``ISIN``...)
carry the same rows, written the way the real files write them: lots as ``75.0``, ticks in
paise (``5.0000``), compact expiries ``2025-01-30 14:30:00``, ``-0.01000`` strikes on
non-options, ``XX`` option types, trading symbols ``NIFTY-Jan2025-24000-CE``. About 220k rows,
the real master's size (PROTOCOL.md: the count is an estimate); options dominate, as there.

Run ``python bench/dhan_scrip_master.py OUT_DIR`` to write both files.
"""

from __future__ import annotations

import datetime as _dt
import random
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "drivers/dhan/src"))
from tt_connect_dhan.instruments import COMPACT_COLUMNS, DETAILED_COLUMNS

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FIRST_EXPIRY = _dt.date(2025, 1, 7)

Row = tuple[str, str, int, str, str, str, str, str, str, int, str, str, float, str, float, str, str]
"""(exch, seg, security id, isin, instrument, trading symbol, underlying, display, company, lot, expiry
date, expiry time, strike, option type, tick in rupees, expiry flag, series)."""


def _rows(seed: int) -> Iterator[Row]:
    rng = random.Random(seed)
    sid = 1
    stocks = [f"STK{i:04d}" for i in range(2400)]
    for name in stocks:
        sid += 1
        yield ("NSE", "E", sid, f"INE{sid:06d}01", "EQUITY", name, name, name.title(), f"{name} LIMITED", 1, "", "",
               -0.01, "XX", 0.05, "NA", "EQ")
    for i, name in enumerate(stocks[:900]):
        sid += 1
        yield ("NSE", "E", sid, f"INE{sid:06d}02", "EQUITY", f"{name}{i % 7}", f"{name}{i % 7}", name.title(),
               f"{name} LIMITED", 1, "", "", -0.01, "XX", 0.01, "NA", ("BE", "SM", "GS", "N1")[i % 4])
    for i in range(9000):
        sid += 1
        yield ("BSE", "E", 500_000 + i, f"INE{sid:06d}03", "EQUITY", f"BSTK{i:04d}", f"BSTK{i:04d}", f"Bstk{i}",
               f"BSTK {i} LTD", 1, "", "", -0.01, "XX", 0.01, "NA", ("A", "B", "T", "X")[i % 4])
    for i in range(190):
        yield ("NSE", "I", 13 + i, "NA", "INDEX", f"NIDX{i}", f"NIDX{i}", f"Nifty Index {i}", f"NIFTY INDEX {i}", 1,
               "", "", -0.01, "XX", 0.05, "NA", "X")
    for i in range(60):
        yield ("BSE", "I", 51 + 1000 + i, "NA", "INDEX", f"BIDX{i}", f"BIDX{i}", f"Bse Index {i}", f"BSE INDEX {i}",
               1, "", "", -0.01, "XX", 0.05, "NA", "X")

    def series(exch: str, seg: str, fut: str, opt: str, name: str, expiries: list[_dt.date], spot: float,
               step: float, strikes: int, lot: int, tick: float, close: str, flag: str) -> Iterator[Row]:
        nonlocal sid
        for day in expiries:
            stamp = f"{_MONTHS[day.month - 1]}{day.year}"
            sid += 1
            yield (exch, seg, sid, "NA", fut, f"{name}-{stamp}-FUT", name,
                   f"{name} {_MONTHS[day.month - 1].upper()} FUT", name, lot, day.isoformat(), close, -0.01, "XX",
                   tick, "M", "NA")
            base = max(round(spot / step) * step - step * (strikes // 2), step)
            for k in range(strikes):
                strike = base + k * step
                for side, word in (("CE", "CALL"), ("PE", "PUT")):
                    sid += 1
                    yield (exch, seg, sid, "NA", opt, f"{name}-{stamp}-{strike:g}-{side}", name,
                           f"{name} {day.day:02d} {_MONTHS[day.month - 1].upper()} {strike:g} {word}", name, lot,
                           day.isoformat(), close, strike, side, tick, flag, "NA")

    monthly = [FIRST_EXPIRY + _dt.timedelta(days=28 * i) for i in range(3)]
    weekly = [FIRST_EXPIRY + _dt.timedelta(days=7 * i) for i in range(10)]
    for name in stocks[:240]:
        spot = rng.uniform(100, 5000)
        yield from series("NSE", "D", "FUTSTK", "OPTSTK", name, monthly, spot, max(round(spot / 100), 1) * 2.5, 90,
                          rng.choice((250, 500, 1000, 1500)), 0.05, "14:30:00", "M")
    for name, spot, step in (("NIFTY", 23600, 50), ("BANKNIFTY", 50500, 100), ("FINNIFTY", 23000, 50),
                             ("MIDCPNIFTY", 12000, 25)):
        yield from series("NSE", "D", "FUTIDX", "OPTIDX", name, weekly, spot, step, 300, 75, 0.05, "14:30:00", "W")
    for name, spot, step in (("SENSEX", 78000, 100), ("BANKEX", 57000, 100)):
        yield from series("BSE", "D", "FUTIDX", "OPTIDX", name, weekly, spot, step, 300, 20, 0.05, "14:30:00", "W")
    for i in range(60):
        yield from series("MCX", "M", "FUTCOM", "OPTFUT", f"COMM{i:02d}",
                          [FIRST_EXPIRY + _dt.timedelta(days=30 * k) for k in range(6)], rng.uniform(100, 90000), 50,
                          30, rng.choice((1, 10, 100)), 1.0, "23:30:00", "M")
    for name, spot in (("USDINR", 85.5), ("EURINR", 89.0), ("GBPINR", 107.0), ("JPYINR", 55.0)):
        for exch in ("NSE", "BSE"):
            yield from series(exch, "C", "FUTCUR", "OPTCUR", name,
                              [FIRST_EXPIRY + _dt.timedelta(days=30 * k) for k in range(12)], spot, 0.25, 60, 1,
                              0.0025, "12:00:00", "M")


def _paise(rupees: float) -> str:
    return f"{rupees * 100:.4f}"


def compact_line(row: Row) -> str:
    exch, seg, sid, _isin, instrument, tsym, _under, display, company, lot, day, close, strike, opt, tick, flag, \
        series = row
    expiry = f"{day} {close}" if day else ""
    return (f"{exch},{seg},{sid},{instrument},{'0' if day else ''},{tsym},{lot}.0,{display},{expiry},{strike:.5f},"
            f"{opt},{_paise(tick)},{flag},{instrument[:3] if day else 'ES'},{series},{company}\n")


def detailed_line(row: Row) -> str:
    exch, seg, sid, isin, instrument, tsym, under, display, company, lot, day, _close, strike, opt, tick, flag, \
        series = row
    derivative = bool(day)
    symbol_name = tsym if derivative else company
    return (f"{exch},{seg},{sid},{isin},{instrument},{'13' if derivative else ''},{under},{symbol_name},{display},"
            f"{instrument[:3] if derivative else 'ES'},{series},{lot}.0,{day or '0001-01-01'},{strike:.5f},{opt},"
            f"{_paise(tick)},{flag},N,N,N,NA,A,0.0,0.0,0.0,0.0,0.0,0.0,1.0,0.0,0.0,{lot * 36 if derivative else 0}\n")


def write(directory: Path, seed: int = 20250106) -> tuple[Path, Path, int]:
    """Write both layouts into ``directory``; return their paths and the row count."""
    directory.mkdir(parents=True, exist_ok=True)
    compact, detailed = directory / "api-scrip-master.csv", directory / "api-scrip-master-detailed.csv"
    count = 0
    with compact.open("w", encoding="ascii") as c, detailed.open("w", encoding="ascii") as d:
        c.write(",".join(COMPACT_COLUMNS) + "\n")
        d.write(",".join(DETAILED_COLUMNS) + "\n")
        for row in _rows(seed):
            c.write(compact_line(row))
            d.write(detailed_line(row))
            count += 1
    return compact, detailed, count


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    compact_path, detailed_path, rows = write(out)
    print(f"{rows} rows -> {compact_path}, {detailed_path}")
