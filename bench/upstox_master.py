"""A deterministic, full-size Upstox BOD instrument file (``complete.json.gz``) for benchmarks.

Same fields, types and conventions as the real file (drivers/upstox/PROTOCOL.md, "Instrument
file"): one JSON array of records, ``tick_size`` in paise, ``expiry`` in epoch milliseconds
(the last moment of the expiry day, IST), ``instrument_key`` as ``SEGMENT|ISIN`` for cash,
``SEGMENT|Name`` for indices and ``SEGMENT|exchange_token`` for derivatives, debt series in the
cash segments (which the driver drops), NSE commodity rows (no canonical exchange). About 150k
records; the composition mirrors the real file (F&O options dominate).

Run ``python bench/upstox_master.py OUT.json.gz`` to write one.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FIRST_EXPIRY = _dt.date(2025, 1, 7)
_IST = _dt.timezone(_dt.timedelta(hours=5, minutes=30))
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def _expiry_ms(day: _dt.date) -> int:
    return int(_dt.datetime.combine(day, _dt.time(23, 59, 59), _IST).timestamp() * 1000)


def _isin(rng: random.Random, prefix: str = "INE") -> str:
    return prefix + "".join(rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(6)) + "01" + \
        str(rng.randrange(10))


def _cash(rng: random.Random, segment: str, symbol: str, name: str, itype: str, token: int) -> dict[str, Any]:
    isin = _isin(rng)
    return {"segment": segment, "name": name, "exchange": segment[:3], "isin": isin, "instrument_type": itype,
            "instrument_key": f"{segment}|{isin}", "lot_size": 1, "freeze_quantity": 100000.0,
            "exchange_token": str(token), "tick_size": rng.choice((1.0, 5.0, 5.0, 10.0)), "trading_symbol": symbol,
            "short_name": symbol, "security_type": "NORMAL"}


def _index(segment: str, name: str, symbol: str, token: int) -> dict[str, Any]:
    return {"segment": segment, "name": name, "exchange": segment[:3], "instrument_type": "INDEX",
            "instrument_key": f"{segment}|{name}", "exchange_token": str(token), "trading_symbol": symbol}


def _derivative(segment: str, underlying: str, name: str, kind: str, expiry: _dt.date, strike: float | None,
                lot: int, tick: float, token: int, weekly: bool, underlying_key: str) -> dict[str, Any]:
    month = _MONTHS[expiry.month - 1]
    if kind == "FUT":
        symbol = f"{underlying} FUT {expiry.day:02d} {month} {expiry.year % 100:02d}"
    else:
        symbol = f"{underlying} {strike:g} {kind} {expiry.day:02d} {month} {expiry.year % 100:02d}"
    record: dict[str, Any] = {
        "weekly": weekly, "segment": segment, "name": name, "exchange": segment[:3], "expiry": _expiry_ms(expiry),
        "instrument_type": kind, "asset_symbol": underlying, "underlying_symbol": underlying,
        "instrument_key": f"{segment}|{token}", "lot_size": lot, "freeze_quantity": float(lot * 24),
        "exchange_token": str(token), "minimum_lot": lot, "asset_key": underlying_key,
        "underlying_key": underlying_key, "tick_size": tick, "asset_type": "INDEX" if "INDEX" in underlying_key
        else "EQUITY", "underlying_type": "INDEX" if "INDEX" in underlying_key else "EQUITY",
        "trading_symbol": symbol, "qty_multiplier": 1.0}
    if strike is not None:
        record["strike_price"] = strike
    return record


def _expiries(weekly: int, monthly: int) -> list[tuple[_dt.date, bool]]:
    days = [(FIRST_EXPIRY + _dt.timedelta(weeks=w), True) for w in range(weekly)]
    for m in range(monthly):
        month_end = _dt.date(2025 + (m + 1) // 12, (m + 1) % 12 + 1, 1) - _dt.timedelta(days=1)
        last_tuesday = month_end - _dt.timedelta(days=(month_end.weekday() - 1) % 7)
        days.append((last_tuesday, False))
    return sorted(set(days))


def records(seed: int = 7) -> Iterator[dict[str, Any]]:
    """Yield the records of one synthetic BOD file (~150k)."""
    rng = random.Random(seed)
    token = 100
    stocks = [f"STK{i:04d}" for i in range(2300)]
    for i, symbol in enumerate(stocks):  # NSE cash: shares, a few BE/SM series, then debt series
        itype = "EQ" if i < 1900 else rng.choice(("BE", "SM", "ST", "BZ"))
        token += 1
        yield _cash(rng, "NSE_EQ", symbol, f"{symbol} LIMITED", itype, token)
    for i in range(4200):
        token += 1
        yield _cash(rng, "NSE_EQ", f"{800 + i % 90}NCD{i:04d}", f"DEBT {i}", rng.choice(("N1", "N5", "GB", "SG", "TB")),
                    token)
    for i in range(9000):  # BSE cash: groups A/B/T/X/Z and debt
        token += 1
        itype = rng.choice(("A", "B", "B", "T", "X", "Z")) if i < 6500 else rng.choice(("F", "G", "GB"))
        yield _cash(rng, "BSE_EQ", stocks[i % len(stocks)] if i < 2300 else f"BSE{i:05d}", f"BSE CO {i}", itype,
                    token)
    for segment, names in (("NSE_INDEX", 140), ("BSE_INDEX", 110), ("MCX_INDEX", 6)):
        for i in range(names):
            token += 1
            name = {0: "Nifty 50", 1: "Nifty Bank", 2: "Nifty Fin Service"}.get(i, f"Nifty Index {i}") \
                if segment == "NSE_INDEX" else f"{segment[:3]} Index {i}"
            yield _index(segment, name, name.upper().replace(" ", ""), token)
    # Index options: weeklies on NIFTY and SENSEX, monthlies on the rest, ~200 strikes a side.
    for segment, underlying, name, key, lot, weekly in (
            ("NSE_FO", "NIFTY", "NIFTY", "NSE_INDEX|Nifty 50", 75, 10),
            ("NSE_FO", "BANKNIFTY", "BANKNIFTY", "NSE_INDEX|Nifty Bank", 35, 0),
            ("NSE_FO", "FINNIFTY", "FINNIFTY", "NSE_INDEX|Nifty Fin Service", 65, 0),
            ("NSE_FO", "MIDCPNIFTY", "MIDCPNIFTY", "NSE_INDEX|NIFTY MID SELECT", 140, 0),
            ("BSE_FO", "SENSEX", "SENSEX", "BSE_INDEX|SENSEX", 20, 10),
            ("BSE_FO", "BANKEX", "BANKEX", "BSE_INDEX|BANKEX", 30, 0)):
        spot = rng.uniform(10_000, 80_000)
        step = 50.0 if spot < 30_000 else 100.0
        for expiry, is_weekly in _expiries(weekly, 3):
            token += 1
            if not is_weekly:
                yield _derivative(segment, underlying, name, "FUT", expiry, None, lot, 10.0, token, False, key)
            for k in range(-180, 181):
                strike = round(spot / step) * step + k * step
                for kind in ("CE", "PE"):
                    token += 1
                    yield _derivative(segment, underlying, name, kind, expiry, strike, lot, 5.0, token, is_weekly, key)
    # Stock options: 240 underlyings x 3 monthlies x 51 strikes x CE/PE, plus stock futures.
    for symbol in stocks[:240]:
        spot = rng.uniform(100, 5000)
        step = max(round(spot * 0.0125 / 5) * 5, 2.5)
        lot = rng.choice((250, 300, 500, 550, 700, 1000, 1250, 1500))
        key = f"NSE_EQ|{symbol}"
        for expiry, _ in _expiries(0, 3):
            token += 1
            yield _derivative("NSE_FO", symbol, symbol, "FUT", expiry, None, lot, 10.0, token, False, key)
            for k in range(-25, 26):
                for kind in ("CE", "PE"):
                    token += 1
                    yield _derivative("NSE_FO", symbol, symbol, kind, expiry, round(spot / step) * step + k * step,
                                      lot, 5.0, token, False, key)
    # Currency (NSE and BSE) and commodities (MCX options and futures, NSE commodity rows).
    for segment, count in (("NCD_FO", 7000), ("BCD_FO", 2500), ("MCX_FO", 12000), ("NSE_COM", 300)):
        pairs = ("USDINR", "EURINR", "GBPINR", "JPYINR") if segment.endswith("CD_FO") else \
            ("CRUDEOIL", "GOLD", "SILVER", "NATURALGAS", "COPPER", "ZINC")
        for i in range(count):
            token += 1
            underlying = pairs[i % len(pairs)]
            expiry = FIRST_EXPIRY + _dt.timedelta(days=7 * (i % 26))
            kind = "FUT" if i % 20 == 0 else ("CE" if i % 2 else "PE")
            strike = None if kind == "FUT" else round(80 + (i % 300) * 0.25, 2) if segment.endswith("CD_FO") \
                else float(1000 + (i % 400) * 50)
            tick = 0.25 if segment.endswith("CD_FO") else 100.0
            yield _derivative(segment, underlying, underlying, kind, expiry, strike, 1, tick, token, False,
                              f"{segment}|{underlying}")


def write(path: Path, seed: int = 7) -> int:
    """Write the gzipped file; return how many records it holds."""
    rows = list(records(seed))
    path.write_bytes(gzip.compress(json.dumps(rows, separators=(",", ":")).encode(), compresslevel=6))
    return len(rows)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "complete.json.gz")
    print(f"{write(target)} records -> {target}")
