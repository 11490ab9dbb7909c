"""Deterministic, full-size Noren symbol files (``<EXCH>_symbols.txt``, zipped) for benchmarks.

The real layout (reference 3.10): a header row, a trailing comma on every line, cash
files with ``Exchange,Token,LotSize,Symbol,TradingSymbol,Instrument,TickSize`` and
derivative files adding ``Expiry`` (``DD-MON-YYYY``), ``OptionType`` (``XX`` on
futures) and ``StrikePrice`` (``-0.01`` on futures). Row counts follow the real files'
composition (F&O options dominate; about 186k rows in all; the per-file counts are
estimates, see PROTOCOL.md).

Run ``python bench/noren_symbol_files.py OUT_DIR`` to write the six zips.
"""

from __future__ import annotations

import datetime as _dt
import io
import random
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

CASH_HEADER = "Exchange,Token,LotSize,Symbol,TradingSymbol,Instrument,TickSize,"
DERIVATIVE_HEADER = "Exchange,Token,LotSize,Symbol,TradingSymbol,Expiry,Instrument,OptionType,StrikePrice,TickSize,"
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
FIRST_EXPIRY = _dt.date(2025, 1, 2)


def _expiry(day: _dt.date) -> str:
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


def _short(day: _dt.date) -> str:
    return f"{day.day:02d}{_MONTHS[day.month - 1]}{day.year % 100:02d}"


def nse(rng: random.Random) -> Iterator[str]:
    for i in range(2400):
        yield f"NSE,{1000 + i},1,STK{i:04d},STK{i:04d}-EQ,EQ,0.05,"
    for i in range(1800):
        series = ("BE", "BZ", "SM", "ST", "BL", "IV")[i % 6]
        yield f"NSE,{20000 + i},1,STK{i:04d},STK{i:04d}-{series},{series},0.01,"
    for i in range(5100):
        yield f"NSE,{40000 + i},1,{700 + i}GS20{30 + i % 20},{700 + i}GS20{30 + i % 20}-GS,GS,0.01,"
    for i in range(130):
        yield f"NSE,{26000 + i},1,NIFTYIDX{i},Nifty Index {i},INDEX,0.05,"


def bse(rng: random.Random) -> Iterator[str]:
    groups = ("A", "B", "T", "X", "XT", "Z", "M")
    for i in range(12900):
        yield f"BSE,{500000 + i},1,BSTK{i:05d},BSTK{i:05d},{groups[i % len(groups)]},{0.05 if i % 3 else 0.01},"
    for i in range(60):
        yield f"BSE,{1 + i},1,BSEIDX{i},BSE INDEX {i},INDEX,0.01,"


def _derivatives(exch: str, name: str, fut: str, opt: str, expiries: list[_dt.date], spot: float, step: float,
                 strikes: int, lot: int, tick: str, token: list[int], mcx: bool = False,
                 bse_style: bool = False) -> Iterator[str]:
    for day in expiries:
        token[0] += 1
        tsym = f"{name}{_short(day)}" + ("" if mcx else "F")
        if bse_style:
            tsym = f"{name}{day.year % 100:02d}{_MONTHS[day.month - 1]}FUT"
        yield f"{exch},{token[0]},{lot},{name},{tsym},{_expiry(day)},{fut},XX,-0.01,{tick},"
        base = max(round(spot / step) * step - step * (strikes // 2), step)
        for k in range(strikes):
            strike = f"{base + k * step:g}"
            for side in ("CE", "PE"):
                token[0] += 1
                if bse_style:
                    tsym = f"{name}{day.year % 100:02d}{_MONTHS[day.month - 1][:3]}{strike}{side}"
                else:
                    tsym = f"{name}{_short(day)}{side[0]}{strike}"
                yield f"{exch},{token[0]},{lot},{name},{tsym},{_expiry(day)},{opt},{side},{strike},{tick},"


def nfo(rng: random.Random) -> Iterator[str]:
    token = [35000]
    weekly = [FIRST_EXPIRY + _dt.timedelta(days=7 * i) for i in range(10)]
    monthly = [FIRST_EXPIRY + _dt.timedelta(days=28 * i) for i in range(3)]
    for name, spot, step, lot in (("NIFTY", 24000.0, 50.0, 75), ("BANKNIFTY", 52000.0, 100.0, 35),
                                  ("FINNIFTY", 23500.0, 50.0, 65), ("MIDCPNIFTY", 12500.0, 25.0, 120),
                                  ("NIFTYNXT50", 68000.0, 100.0, 25)):
        yield from _derivatives("NFO", name, "FUTIDX", "OPTIDX", weekly if name == "NIFTY" else monthly, spot, step,
                                240 if name == "NIFTY" else 300, lot, "0.05", token)
    for i in range(200):
        spot = rng.uniform(100, 5000)
        yield from _derivatives("NFO", f"FNO{i:03d}", "FUTSTK", "OPTSTK", monthly, spot, max(round(spot / 50), 1), 62,
                                rng.choice((250, 500, 1000, 1500)), "0.05", token)


def bfo(rng: random.Random) -> Iterator[str]:
    token = [800000]
    weekly = [FIRST_EXPIRY + _dt.timedelta(days=7 * i) for i in range(8)]
    for name, spot, step, lot in (("SENSEX", 80000.0, 100.0, 20), ("BANKEX", 58000.0, 100.0, 30)):
        yield from _derivatives("BFO", name, "FUTIDX", "OPTIDX", weekly, spot, step, 1400, lot, "0.05", token,
                                bse_style=True)
    monthly = [FIRST_EXPIRY + _dt.timedelta(days=28 * i) for i in range(3)]
    for i in range(30):
        yield from _derivatives("BFO", f"BFNO{i:02d}", "FUTSTK", "OPTSTK", monthly, 1000.0, 20.0, 32, 500, "0.05",
                                token, bse_style=True)


def cds(rng: random.Random) -> Iterator[str]:
    token = [1000]
    weekly = [FIRST_EXPIRY + _dt.timedelta(days=7 * i) for i in range(12)]
    for name, spot, step in (("USDINR", 84.0, 0.25), ("EURINR", 90.0, 0.25), ("GBPINR", 106.0, 0.25),
                             ("JPYINR", 56.0, 0.25)):
        yield from _derivatives("CDS", name, "FUTCUR", "OPTCUR", weekly, spot, step, 124, 1, "0.0025", token)


def mcx(rng: random.Random) -> Iterator[str]:
    token = [420000]
    monthly = [FIRST_EXPIRY + _dt.timedelta(days=30 * i) for i in range(6)]
    for name, spot, step, lot in (("CRUDEOIL", 6000.0, 50.0, 100), ("GOLD", 76000.0, 100.0, 1),
                                  ("SILVER", 90000.0, 250.0, 30), ("NATURALGAS", 250.0, 5.0, 1250),
                                  ("COPPER", 800.0, 5.0, 2500), ("ZINC", 270.0, 2.5, 5000)):
        yield from _derivatives("MCX", name, "FUTCOM", "OPTFUT", monthly, spot, step, 124, lot, "1", token, mcx=True)


FILES = {"NSE": (CASH_HEADER, nse), "BSE": (CASH_HEADER, bse), "NFO": (DERIVATIVE_HEADER, nfo),
         "BFO": (DERIVATIVE_HEADER, bfo), "CDS": (DERIVATIVE_HEADER, cds), "MCX": (DERIVATIVE_HEADER, mcx)}


def symbol_file(exchange: str, seed: int = 20250106) -> bytes:
    """Return one exchange's CSV text (header + rows), the same bytes for the same seed."""
    header, rows = FILES[exchange]
    out = io.StringIO()
    out.write(header + "\n")
    for line in rows(random.Random(f"{seed}-{exchange}")):
        out.write(line + "\n")
    return out.getvalue().encode()


def zipped(exchange: str, data: bytes) -> bytes:
    """Return ``data`` as ``<EXCH>_symbols.txt`` inside a zip, as the broker serves it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(f"{exchange}_symbols.txt", date_time=(2025, 1, 6, 8, 0, 0))
        archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def write(directory: Path) -> dict[str, Path]:
    """Write the six zips into ``directory``; return exchange -> path."""
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for exchange in FILES:
        path = directory / f"{exchange}_symbols.txt.zip"
        path.write_bytes(zipped(exchange, symbol_file(exchange)))
        out[exchange] = path
    return out


if __name__ == "__main__":
    for exchange, path in write(Path(sys.argv[1] if len(sys.argv) > 1 else "noren-masters")).items():
        print(exchange, path)
