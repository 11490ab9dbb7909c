"""A deterministic, full-size AngelOne scrip master (``OpenAPIScripMaster.json``) for benchmarks.

Same fields, types and conventions as the real file (reference 2.12): every value a
string, strikes and ticks in paise (x10^7 for currency), ``DDMONYYYY`` expiries,
NSE cash symbols with series suffixes, AMXIDX index rows, NCDEX rows the driver drops.
About 155k records; the composition mirrors the real master (F&O options dominate).

Run ``python bench/angel_scrip_master.py OUT.json`` to write one.
"""

from __future__ import annotations

import datetime as _dt
import random
import sys
from collections.abc import Iterator
from pathlib import Path

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
FIRST_EXPIRY = _dt.date(2025, 1, 2)


def _expiry(day: _dt.date) -> str:
    return f"{day.day:02d}{_MONTHS[day.month - 1]}{day.year}"


def _short(day: _dt.date) -> str:
    return f"{day.day:02d}{_MONTHS[day.month - 1]}{day.year % 100:02d}"


def _record(token: int | str, symbol: str, name: str, expiry: str, strike: str, lot: int, itype: str, seg: str,
            tick: str) -> str:
    return (f'{{"token":"{token}","symbol":"{symbol}","name":"{name}","expiry":"{expiry}","strike":"{strike}",'
            f'"lotsize":"{lot}","instrumenttype":"{itype}","exch_seg":"{seg}","tick_size":"{tick}"}}')


def _paise(value: float, scale: int = 100) -> str:
    return f"{value * scale:.6f}"


def _thursdays(count: int, step_days: int) -> list[_dt.date]:
    return [FIRST_EXPIRY + _dt.timedelta(days=step_days * i) for i in range(count)]


def records(seed: int = 20250106) -> Iterator[str]:
    """Yield the master's records as JSON object texts, always the same for one seed."""
    rng = random.Random(seed)
    token = 100_000
    stocks = [f"STK{i:04d}" for i in range(2400)]
    for i, name in enumerate(stocks):
        yield _record(1000 + i, f"{name}-EQ", name, "", "-1.000000", 1, "", "NSE", "5.000000")
    for i, name in enumerate(stocks[:600]):
        series = ("BE", "BZ", "SM", "BL")[i % 4]
        yield _record(50_000 + i, f"{name}-{series}", name, "", "-1.000000", 1, "", "NSE", "1.000000")
    for i in range(400):
        yield _record(60_000 + i, f"{700 + i}GS20{30 + i % 20}-GS", f"{700 + i}GS", "", "-1.000000", 1, "", "NSE",
                      "1.000000")
    for i in range(130):
        yield _record(99_926_000 + i, f"Nifty Index {i}", f"NIFTYIDX{i}", "", "0.000000", 1, "AMXIDX", "NSE",
                      "0.000000")
    for i in range(6000):
        yield _record(500_000 + i, f"BSTK{i:04d}", f"BSTK{i:04d}", "", "-1.000000", 1, "", "BSE", "1.000000")
    for i in range(30):
        yield _record(99_919_000 + i, f"BSE INDEX {i}", f"BSEIDX{i}", "", "0.000000", 1, "AMXIDX", "BSE", "0.000000")

    def derivatives(name: str, seg: str, itype_fut: str, itype_opt: str, expiries: list[_dt.date], spot: float,
                    step: float, strikes: int, lot: int, scale: int, tick: str) -> Iterator[str]:
        nonlocal token
        for day in expiries:
            token += 1
            yield _record(token, f"{name}{_short(day)}FUT", name, _expiry(day), "-1.000000", lot, itype_fut, seg,
                          tick)
            base = max(round(spot / step) * step - step * (strikes // 2), step)
            for k in range(strikes):
                strike = base + k * step
                strike_text = f"{strike:g}"
                for side in ("CE", "PE"):
                    token += 1
                    yield _record(token, f"{name}{_short(day)}{strike_text}{side}", name, _expiry(day),
                                  _paise(strike, scale), lot, itype_opt, seg, tick)

    monthly = _thursdays(3, 28)
    for name in stocks[:180]:
        spot = rng.uniform(100, 5000)
        yield from derivatives(name, "NFO", "FUTSTK", "OPTSTK", monthly, spot, max(round(spot / 100), 1) * 2.5,
                               75, rng.choice((250, 500, 1000, 1500)), 100, "5.000000")
    for name, spot, step in (("NIFTY", 23600, 50), ("BANKNIFTY", 50500, 100), ("FINNIFTY", 23000, 50),
                             ("MIDCPNIFTY", 12000, 25)):
        yield from derivatives(name, "NFO", "FUTIDX", "OPTIDX", _thursdays(10, 7), spot, step, 300, 75, 100,
                               "5.000000")
    for name, spot, step in (("SENSEX", 78000, 100), ("BANKEX", 57000, 100)):
        yield from derivatives(name, "BFO", "FUTIDX", "OPTIDX", _thursdays(10, 7), spot, step, 300, 20, 100,
                               "5.000000")
    for i in range(40):
        yield from derivatives(f"COMM{i:02d}", "MCX", "FUTCOM", "OPTFUT", _thursdays(6, 30), rng.uniform(100, 90000),
                               50, 30, rng.choice((1, 10, 100)), 100, "100.000000")
    for name, spot in (("USDINR", 85.5), ("EURINR", 89.0), ("GBPINR", 107.0), ("JPYINR", 55.0)):
        yield from derivatives(name, "CDS", "FUTCUR", "OPTCUR", _thursdays(12, 30), spot, 0.25, 80, 1, 10_000_000,
                               "25000.000000")
    for i in range(2000):
        yield _record(f"NCDEX{i}", f"AGRI{i}25FEB", f"AGRI{i}", "25FEB2025", "-1.000000", 5, "FUTCOM", "NCDEX",
                      "100.000000")


def write(path: Path, seed: int = 20250106) -> int:
    """Write the master to ``path``; return the number of records."""
    count = 0
    with path.open("w", encoding="ascii") as out:
        out.write("[")
        for record in records(seed):
            out.write(("," if count else "") + record)
            count += 1
        out.write("]")
    return count


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "OpenAPIScripMaster.json")
    print(f"{write(target)} records -> {target}")
