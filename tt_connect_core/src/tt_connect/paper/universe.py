"""A synthetic but realistic NSE universe, dated relative to "today".

Equities (real NIFTY-100 names and seeded synthetic mid/small caps), the
NIFTY 50 / NIFTY BANK / NIFTY FIN SERVICE indices, index futures for three
months, NIFTY weekly options (Tuesday expiries) and monthly options for every
index (last Tuesday of the month), plus RELIANCE stock futures and options.
Strike grids, lot sizes and tick sizes follow NSE's conventions.
The file is CSV in the paper broker's own columns; :data:`PAPER_SELECT` maps it
to canonical rows, exactly like a real broker's master.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import random

import msgspec

__all__ = ["PAPER_SELECT", "UniverseRow", "build_universe", "expiry_calendar", "universe_csv"]

EXPIRY_WEEKDAY = 1  # Tuesday: NSE's index-derivative expiry day since September 2025


class UniverseRow(msgspec.Struct, frozen=True, kw_only=True):
    """One listed contract, as the paper broker knows it."""

    token: int
    exchange: str
    segment: str
    kind: str
    symbol: str
    underlying: str
    expiry: _dt.date | None
    strike: float | None
    option_type: str | None
    lot_size: int
    tick_size: float
    isin: str
    name: str
    broker_symbol: str
    base_price: float
    volatility: float


# (symbol, company name, reference price, annual volatility, tick size)
_LARGE_CAPS: tuple[tuple[str, str, float, float, float], ...] = (
    ("RELIANCE", "RELIANCE INDUSTRIES", 2905.0, 0.22, 0.05),
    ("TCS", "TATA CONSULTANCY SERVICES", 4110.0, 0.20, 0.05),
    ("HDFCBANK", "HDFC BANK", 1655.0, 0.19, 0.05),
    ("INFY", "INFOSYS", 1810.0, 0.24, 0.05),
    ("ICICIBANK", "ICICI BANK", 1280.0, 0.21, 0.05),
    ("HINDUNILVR", "HINDUSTAN UNILEVER", 2460.0, 0.17, 0.05),
    ("ITC", "ITC", 470.0, 0.18, 0.05),
    ("SBIN", "STATE BANK OF INDIA", 815.0, 0.26, 0.05),
    ("BHARTIARTL", "BHARTI AIRTEL", 1590.0, 0.21, 0.05),
    ("KOTAKBANK", "KOTAK MAHINDRA BANK", 1760.0, 0.22, 0.05),
    ("LT", "LARSEN & TOUBRO", 3620.0, 0.23, 0.05),
    ("AXISBANK", "AXIS BANK", 1160.0, 0.24, 0.05),
    ("ASIANPAINT", "ASIAN PAINTS", 2450.0, 0.20, 0.05),
    ("MARUTI", "MARUTI SUZUKI INDIA", 11240.0, 0.22, 0.05),
    ("TITAN", "TITAN COMPANY", 3380.0, 0.24, 0.05),
    ("SUNPHARMA", "SUN PHARMACEUTICAL", 1780.0, 0.21, 0.05),
    ("BAJFINANCE", "BAJAJ FINANCE", 6900.0, 0.28, 0.05),
    ("WIPRO", "WIPRO", 295.0, 0.25, 0.05),
    ("ULTRACEMCO", "ULTRATECH CEMENT", 11150.0, 0.22, 0.05),
    ("NESTLEIND", "NESTLE INDIA", 2240.0, 0.16, 0.05),
    ("HCLTECH", "HCL TECHNOLOGIES", 1720.0, 0.23, 0.05),
    ("TATAMOTORS", "TATA MOTORS", 780.0, 0.32, 0.05),
    ("POWERGRID", "POWER GRID CORPORATION", 310.0, 0.22, 0.05),
    ("NTPC", "NTPC", 355.0, 0.24, 0.05),
    ("ONGC", "OIL AND NATURAL GAS CORPORATION", 265.0, 0.28, 0.05),
    ("JSWSTEEL", "JSW STEEL", 930.0, 0.29, 0.05),
    ("TATASTEEL", "TATA STEEL", 148.0, 0.31, 0.01),
    ("ADANIENT", "ADANI ENTERPRISES", 2470.0, 0.40, 0.05),
    ("ADANIPORTS", "ADANI PORTS AND SEZ", 1230.0, 0.33, 0.05),
    ("COALINDIA", "COAL INDIA", 390.0, 0.27, 0.05),
    ("BAJAJFINSV", "BAJAJ FINSERV", 1690.0, 0.25, 0.05),
    ("TECHM", "TECH MAHINDRA", 1560.0, 0.26, 0.05),
    ("GRASIM", "GRASIM INDUSTRIES", 2600.0, 0.22, 0.05),
    ("HDFCLIFE", "HDFC LIFE INSURANCE", 640.0, 0.23, 0.05),
    ("SBILIFE", "SBI LIFE INSURANCE", 1490.0, 0.22, 0.05),
    ("DIVISLAB", "DIVI'S LABORATORIES", 5900.0, 0.25, 0.05),
    ("DRREDDY", "DR. REDDY'S LABORATORIES", 1250.0, 0.21, 0.05),
    ("CIPLA", "CIPLA", 1480.0, 0.22, 0.05),
    ("EICHERMOT", "EICHER MOTORS", 5100.0, 0.24, 0.05),
    ("HEROMOTOCO", "HERO MOTOCORP", 4300.0, 0.24, 0.05),
    ("BRITANNIA", "BRITANNIA INDUSTRIES", 5050.0, 0.19, 0.05),
    ("APOLLOHOSP", "APOLLO HOSPITALS ENTERPRISE", 6900.0, 0.25, 0.05),
    ("INDUSINDBK", "INDUSIND BANK", 980.0, 0.33, 0.05),
    ("M&M", "MAHINDRA & MAHINDRA", 2950.0, 0.26, 0.05),
    ("HINDALCO", "HINDALCO INDUSTRIES", 640.0, 0.30, 0.05),
    ("BPCL", "BHARAT PETROLEUM", 300.0, 0.29, 0.05),
    ("SHRIRAMFIN", "SHRIRAM FINANCE", 600.0, 0.30, 0.05),
    ("TRENT", "TRENT", 6100.0, 0.34, 0.05),
    ("BEL", "BHARAT ELECTRONICS", 290.0, 0.33, 0.05),
    ("ZOMATO", "ZOMATO", 250.0, 0.42, 0.01),
    ("MRF", "MRF", 126500.0, 0.20, 5.00),
    ("PAGEIND", "PAGE INDUSTRIES", 44200.0, 0.22, 1.00),
    ("BOSCHLTD", "BOSCH", 33500.0, 0.22, 1.00),
    ("DMART", "AVENUE SUPERMARTS", 3700.0, 0.26, 0.10),
    ("IRCTC", "INDIAN RAILWAY CATERING AND TOURISM", 780.0, 0.30, 0.05),
    ("PIDILITIND", "PIDILITE INDUSTRIES", 2950.0, 0.20, 0.05),
    ("HAVELLS", "HAVELLS INDIA", 1650.0, 0.25, 0.05),
    ("DABUR", "DABUR INDIA", 500.0, 0.19, 0.05),
    ("GODREJCP", "GODREJ CONSUMER PRODUCTS", 1200.0, 0.22, 0.05),
    ("SIEMENS", "SIEMENS", 6500.0, 0.30, 0.05),
)

_PREFIXES = ("ARVIND", "BHARAT", "CHAMBAL", "DEEPAK", "GUJARAT", "HIND", "INDO", "JAI", "KAVERI", "LAKSHMI",
             "MAHA", "NAVA", "ORIENT", "PRAKASH", "RAJ", "SHREE", "SURYA", "TRIVENI", "UTKAL", "VARDHMAN")
_SUFFIXES = ("CHEM", "STEEL", "TEX", "POLY", "PHARMA", "AUTO", "INFRA", "FIN", "POWER", "AGRO", "CERAM",
             "CABLES", "PAPER", "SUGAR")
_SUFFIX_NAMES = {"CHEM": "CHEMICALS", "STEEL": "STEELS", "TEX": "TEXTILES", "POLY": "POLYMERS",
                 "PHARMA": "PHARMACEUTICALS", "AUTO": "AUTO COMPONENTS", "INFRA": "INFRASTRUCTURE",
                 "FIN": "FINANCE", "POWER": "POWER", "AGRO": "AGRO INDUSTRIES", "CERAM": "CERAMICS",
                 "CABLES": "CABLES", "PAPER": "PAPER MILLS", "SUGAR": "SUGAR MILLS"}

# (index symbol, underlying symbol, reference level, volatility, strike step, lot size, weekly?)
_INDICES = (
    ("NIFTY 50", "NIFTY", 24350.0, 0.13, 50.0, 75, True),
    ("NIFTY BANK", "BANKNIFTY", 52400.0, 0.16, 100.0, 35, False),
    ("NIFTY FIN SERVICE", "FINNIFTY", 23600.0, 0.15, 50.0, 65, False),
)

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def _last_weekday(year: int, month: int, weekday: int) -> _dt.date:
    day = _dt.date(year + (month == 12), month % 12 + 1, 1) - _dt.timedelta(days=1)
    return day - _dt.timedelta(days=(day.weekday() - weekday) % 7)


def expiry_calendar(today: _dt.date, *, weeks: int = 4, months: int = 3) -> tuple[list[_dt.date], list[_dt.date]]:
    """Return (weekly expiries, monthly expiries) on or after ``today``.

    An expiry that falls on an exchange holiday moves to the trading day before it, as NSE moves it.
    """
    monthly: list[_dt.date] = []
    year, month = today.year, today.month
    while len(monthly) < months:
        last = _trading_day_on_or_before(_last_weekday(year, month, EXPIRY_WEEKDAY))
        if last >= today:
            monthly.append(last)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    first = today + _dt.timedelta(days=(EXPIRY_WEEKDAY - today.weekday()) % 7)
    weekly = [day for day in (_trading_day_on_or_before(first + _dt.timedelta(weeks=i)) for i in range(weeks + 1))
              if day >= today][:weeks]
    return weekly, monthly


def _trading_day_on_or_before(day: _dt.date) -> _dt.date:
    from tt_connect.calendar.holidays import HOLIDAYS

    while day.weekday() >= 5 or day in HOLIDAYS["NFO"]:
        day -= _dt.timedelta(days=1)
    return day


def _isin(rng: random.Random) -> str:
    return "INE" + "".join(rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(6)) + "01" + \
        str(rng.randrange(10))


def _strikes(spot: float, step: float, near: int, far: int) -> list[float]:
    """A dense grid of ``step`` around the money, then double steps out to ``far`` strikes away."""
    atm = round(spot / step) * step
    grid = {atm + i * step for i in range(-near, near + 1)}
    wide = step * 2
    base = round(atm / wide) * wide
    grid.update(base + i * wide for i in range(-far, far + 1))
    return sorted(k for k in grid if k > 0)


def _fno_symbol(underlying: str, expiry: _dt.date, monthly: bool, tail: str) -> str:
    if monthly:
        return f"{underlying}{expiry:%y}{_MONTHS[expiry.month - 1]}{tail}"
    code = "123456789OND"[expiry.month - 1]
    return f"{underlying}{expiry:%y}{code}{expiry:%d}{tail}"


def build_universe(today: _dt.date, seed: int = 7, equities: int = 250) -> list[UniverseRow]:
    """Build the universe for ``today``; the same inputs give the same rows."""
    rng = random.Random(seed)
    rows: list[UniverseRow] = []

    def add(**fields: object) -> UniverseRow:
        row = UniverseRow(token=len(rows) + 1, **fields)  # type: ignore[arg-type]
        rows.append(row)
        return row

    for symbol, name, price, vol, tick in _LARGE_CAPS:
        add(exchange="NSE", segment="NSE_EQ", kind="EQ", symbol=symbol, underlying=symbol, expiry=None,
            strike=None, option_type=None, lot_size=1, tick_size=tick, isin=_isin(rng), name=name,
            broker_symbol=f"{symbol}-EQ", base_price=price, volatility=vol)
    names = [(p, s) for p in _PREFIXES for s in _SUFFIXES]
    rng.shuffle(names)
    for prefix, suffix in names[: max(equities - len(_LARGE_CAPS), 0)]:
        symbol = prefix + suffix
        price = round(rng.uniform(40, 3000), 1)
        tick = 0.01 if price < 100 else 0.05
        add(exchange="NSE", segment="NSE_EQ", kind="EQ", symbol=symbol, underlying=symbol, expiry=None,
            strike=None, option_type=None, lot_size=1, tick_size=tick, isin=_isin(rng),
            name=f"{prefix} {_SUFFIX_NAMES[suffix]}", broker_symbol=f"{symbol}-EQ", base_price=price,
            volatility=round(rng.uniform(0.22, 0.45), 3))

    weekly, monthly = expiry_calendar(today)
    for index, underlying, level, vol, step, lot, has_weekly in _INDICES:
        add(exchange="NSE", segment="NSE_INDEX", kind="IDX", symbol=index, underlying=underlying, expiry=None,
            strike=None, option_type=None, lot_size=1, tick_size=0.05, isin="", name=index,
            broker_symbol=index, base_price=level, volatility=vol)
        _derivatives(add, underlying, level, vol, step, lot, weekly if has_weekly else [], monthly)
    _derivatives(add, "RELIANCE", 2905.0, 0.22, 20.0, 500, [], monthly, near=15, far=10)
    return rows


def _derivatives(add: object, underlying: str, level: float, vol: float, step: float, lot: int,
                 weekly: list[_dt.date], monthly: list[_dt.date], near: int = 40, far: int = 70) -> None:
    assert callable(add)
    for expiry in monthly:
        add(exchange="NFO", segment="NFO", kind="FUT", symbol=underlying, underlying=underlying, expiry=expiry,
            strike=None, option_type=None, lot_size=lot, tick_size=0.05, isin="", name=underlying,
            broker_symbol=_fno_symbol(underlying, expiry, True, "FUT"), base_price=level, volatility=vol)
    series = [(e, e in monthly) for e in sorted(set(weekly) | set(monthly))]
    for expiry, is_monthly in series:
        strikes = _strikes(level, step, near, far if is_monthly else near // 2)
        for strike in strikes:
            for option_type in ("CE", "PE"):
                tail = f"{strike:g}{option_type}"
                add(exchange="NFO", segment="NFO", kind="OPT", symbol=underlying, underlying=underlying,
                    expiry=expiry, strike=strike, option_type=option_type, lot_size=lot, tick_size=0.05,
                    isin="", name=underlying, broker_symbol=_fno_symbol(underlying, expiry, is_monthly, tail),
                    base_price=level, volatility=vol)


_COLUMNS = ("token", "exchange", "segment", "kind", "symbol", "underlying", "expiry", "strike", "option_type",
            "lot_size", "tick_size", "isin", "name", "broker_symbol")


def universe_csv(rows: list[UniverseRow]) -> bytes:
    """Render the universe as the paper broker's instrument file."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for row in rows:
        writer.writerow([
            row.token, row.exchange, row.segment, row.kind, row.symbol, row.underlying,
            row.expiry.isoformat() if row.expiry else "", "" if row.strike is None else repr(row.strike),
            row.option_type or "", row.lot_size, row.tick_size, row.isin, row.name, row.broker_symbol,
        ])
    return out.getvalue().encode()


PAPER_SELECT = """
SELECT exchange, segment, kind, symbol, underlying,
       TRY_CAST(expiry AS DATE) AS expiry,
       TRY_CAST(strike AS DOUBLE) AS strike,
       NULLIF(option_type, '') AS option_type,
       CAST(lot_size AS INTEGER) AS lot_size,
       CAST(tick_size AS DOUBLE) AS tick_size,
       NULLIF(isin, '') AS isin, name,
       CAST(token AS VARCHAR) AS broker_token,
       broker_symbol,
       exchange AS broker_exchange,
       segment AS broker_segment
FROM {source}
"""
