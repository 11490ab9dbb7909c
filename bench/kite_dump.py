"""A deterministic, full-size (~95k rows) Kite-format instrument dump for benchmarks.

Same column set and tradingsymbol forms as Kite's ``/instruments`` CSV: monthly
``NIFTY25JAN18000CE``, weekly ``NIFTY2513018000CE``, futures ``NIFTY25JANFUT``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

COLUMNS = ("instrument_token", "exchange_token", "tradingsymbol", "name", "last_price", "expiry", "strike",
           "tick_size", "lot_size", "instrument_type", "segment", "exchange")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
TODAY = dt.date(2025, 1, 6)


def _last_thursday(year: int, month: int) -> dt.date:
    day = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() - 3) % 7)


def _monthlies(n: int) -> list[dt.date]:
    out: list[dt.date] = []
    year, month = TODAY.year, TODAY.month
    while len(out) < n:
        out.append(_last_thursday(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _weeklies(n: int) -> list[dt.date]:
    first = TODAY + dt.timedelta(days=(3 - TODAY.weekday()) % 7)
    return [first + dt.timedelta(weeks=i) for i in range(n)]


def _option_symbol(name: str, expiry: dt.date, monthly: bool, strike: float, kind: str) -> str:
    k = f"{strike:g}"
    if monthly:
        return f"{name}{expiry:%y}{MONTHS[expiry.month - 1]}{k}{kind}"
    return f"{name}{expiry:%y}{'123456789OND'[expiry.month - 1]}{expiry:%d}{k}{kind}"


def generate(target_rows: int = 95_000, seed: int = 1) -> bytes:
    """Return the CSV bytes of a full-size dump."""
    rng = random.Random(seed)
    rows: list[tuple[object, ...]] = []
    token = [256]

    def add(symbol: str, name: str, price: float, expiry: str, strike: float, tick: float, lot: int,
            itype: str, segment: str, exchange: str) -> None:
        token[0] += 1
        rows.append((token[0] * 256 + {"NSE": 1, "BSE": 3, "NFO": 2, "BFO": 4, "CDS": 3, "MCX": 5,
                                       "BCD": 6}[exchange], token[0], symbol, name, price, expiry, strike, tick,
                     lot, itype, segment, exchange))

    for index, level in (("NIFTY 50", 24000), ("NIFTY BANK", 51000), ("NIFTY FIN SERVICE", 23500),
                         ("NIFTY MID SELECT", 12500)):
        add(index, index, level, "", 0, 0.0, 0, "EQ", "INDICES", "NSE")
    for i in range(120):
        add(f"NIFTY IDX{i:03d}", f"NIFTY IDX{i:03d}", 1000 + i, "", 0, 0.0, 0, "EQ", "INDICES", "NSE")
    add("SENSEX", "SENSEX", 79000, "", 0, 0.0, 0, "EQ", "INDICES", "BSE")
    stocks = [f"STK{i:04d}" for i in range(10_000)]
    for name in stocks:
        add(name, f"{name} LIMITED", round(rng.uniform(20, 5000), 2), "", 0, 0.05, 1, "EQ", "NSE", "NSE")
    monthly = _monthlies(3)
    weekly = _weeklies(4)
    for name, spot, step, lot, exchange, weeks in (("NIFTY", 24000, 50, 75, "NFO", weekly),
                                                   ("BANKNIFTY", 51000, 100, 30, "NFO", []),
                                                   ("FINNIFTY", 23500, 50, 65, "NFO", []),
                                                   ("MIDCPNIFTY", 12500, 25, 120, "NFO", []),
                                                   ("SENSEX", 79000, 100, 20, "BFO", weekly)):
        seg = "BFO" if exchange == "BFO" else "NFO"
        for expiry in monthly:
            add(f"{name}{expiry:%y}{MONTHS[expiry.month - 1]}FUT", name, spot, expiry.isoformat(), 0, 0.05, lot,
                "FUT", f"{seg}-FUT", exchange)
        for expiry in sorted(set(monthly) | set(weeks)):
            for i in range(-100, 101):
                strike: float = spot + i * step
                for kind in ("CE", "PE"):
                    add(_option_symbol(name, expiry, expiry in monthly, strike, kind), name, 0.0,
                        expiry.isoformat(), strike, 0.05, lot, kind, f"{seg}-OPT", exchange)
    for name in stocks[:180]:
        spot = rng.choice((250, 500, 1000, 1500, 2500, 4000))
        stock_step = spot / 100
        lot = rng.choice((250, 500, 700, 1000, 1500))
        for expiry in monthly:
            add(f"{name}{expiry:%y}{MONTHS[expiry.month - 1]}FUT", name, spot, expiry.isoformat(), 0, 0.05, lot,
                "FUT", "NFO-FUT", "NFO")
            for i in range(-20, 21):
                strike = spot + i * stock_step
                for kind in ("CE", "PE"):
                    add(_option_symbol(name, expiry, True, strike, kind), name, 0.0, expiry.isoformat(), strike,
                        0.05, lot, kind, "NFO-OPT", "NFO")
    for name in ("USDINR", "EURINR", "GBPINR", "JPYINR"):
        for expiry in _monthlies(6):
            for i in range(-25, 26):
                strike = round(83 + i * 0.25, 2)
                for kind in ("CE", "PE"):
                    add(_option_symbol(name, expiry, True, strike, kind), name, 0.0, expiry.isoformat(), strike,
                        0.0025, 1, kind, "CDS-OPT", "CDS")
    commodity = 0
    while len(rows) < target_rows - 200:
        name = f"COMM{commodity:02d}"
        commodity += 1
        for expiry in _monthlies(4):
            add(f"{name}{expiry:%y}{MONTHS[expiry.month - 1]}FUT", name, 5000, expiry.isoformat(), 0, 1.0, 1, "FUT",
                "MCX-FUT", "MCX")
            for i in range(-40, 41):
                for kind in ("CE", "PE"):
                    add(_option_symbol(name, expiry, True, 5000 + i * 50, kind), name, 0.0, expiry.isoformat(),
                        5000 + i * 50, 0.5, 1, kind, "MCX-OPT", "MCX")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows[:target_rows])
    return out.getvalue().encode()
