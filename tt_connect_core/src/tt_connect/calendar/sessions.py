"""Trading sessions per exchange segment, and the dated special sessions (muhurat, budget Saturday).

Times are IST wall times. ``matching`` sessions trade continuously; the equity pre-open collects
orders (09:00-09:08) and matches them in a call auction before 09:15; the closing session (15:40-16:00)
trades only at the closing price. MCX's evening close follows US daylight saving: 23:30 while the US
is on summer time (second Sunday of March to first Sunday of November), 23:55 otherwise.
"""

from __future__ import annotations

import datetime as _dt

import msgspec

__all__ = ["SESSIONS", "SPECIAL_SESSIONS", "Session", "SpecialSession", "sessions_on"]


class Session(msgspec.Struct, frozen=True, kw_only=True):
    """One session of a trading day."""

    name: str
    """``pre_open``, ``normal``, ``closing``, ``morning``/``evening`` (MCX), ``muhurat``, ``special``."""
    start: _dt.time
    end: _dt.time
    matching: bool
    """True when orders trade continuously (what "the market is open" means)."""
    accepts_orders: bool = True


def _t(text: str) -> _dt.time:
    return _dt.time.fromisoformat(text)


_PRE_OPEN = Session(name="pre_open", start=_t("09:00"), end=_t("09:08"), matching=False)
_PRE_OPEN_MATCH = Session(name="pre_open_matching", start=_t("09:08"), end=_t("09:15"), matching=False,
                          accepts_orders=False)
_NORMAL = Session(name="normal", start=_t("09:15"), end=_t("15:30"), matching=True)
_CLOSING = Session(name="closing", start=_t("15:40"), end=_t("16:00"), matching=False)
_CURRENCY = Session(name="normal", start=_t("09:00"), end=_t("17:00"), matching=True)

SESSIONS: dict[str, tuple[Session, ...]] = {
    "NSE": (_PRE_OPEN, _PRE_OPEN_MATCH, _NORMAL, _CLOSING),
    "BSE": (_PRE_OPEN, _PRE_OPEN_MATCH, _NORMAL, _CLOSING),
    "NFO": (_NORMAL,),
    "BFO": (_NORMAL,),
    "CDS": (_CURRENCY,),
    "BCD": (_CURRENCY,),
}
"""The regular day of each exchange except MCX (whose close moves: see :func:`sessions_on`)."""


class SpecialSession(msgspec.Struct, frozen=True, kw_only=True):
    """A dated session outside the regular week or hours."""

    day: _dt.date
    name: str
    exchanges: tuple[str, ...]
    start: _dt.time
    end: _dt.time
    source: str


SPECIAL_SESSIONS: tuple[SpecialSession, ...] = (
    SpecialSession(day=_dt.date(2025, 2, 1), name="special", exchanges=("NSE", "BSE", "NFO", "BFO"),
                   start=_t("09:15"), end=_t("15:30"),
                   source="Union Budget Saturday session (exchange_calendars 4.13.2, XBOM special weekmask)"),
    SpecialSession(day=_dt.date(2025, 10, 21), name="muhurat", exchanges=("NSE", "BSE", "NFO", "BFO"),
                   start=_t("13:45"), end=_t("14:45"),
                   source="Diwali muhurat 2025 (pandas_market_calendars 5.5.0, NSE special open/close; BSE "
                          "assumed the same)"),
)
"""2026's muhurat (Diwali Laxmi Pujan, Sunday 8 November 2026) is not shipped: its hours were not in
either fact source."""


def _us_summer_time(day: _dt.date) -> bool:
    """True between the second Sunday of March and the first Sunday of November (US rule since 2007)."""
    march = _dt.date(day.year, 3, 8)
    start = march + _dt.timedelta(days=(6 - march.weekday()) % 7)
    november = _dt.date(day.year, 11, 1)
    end = november + _dt.timedelta(days=(6 - november.weekday()) % 7)
    return start < day <= end


def _mcx(day: _dt.date) -> tuple[Session, ...]:
    close = _t("23:30") if _us_summer_time(day) else _t("23:55")
    return (Session(name="morning", start=_t("09:00"), end=_t("17:00"), matching=True),
            Session(name="evening", start=_t("17:00"), end=close, matching=True))


def sessions_on(exchange: str, day: _dt.date) -> tuple[Session, ...]:
    """Return the regular sessions of ``exchange`` on a weekday ``day`` (holidays not applied)."""
    if exchange == "MCX":
        return _mcx(day)
    return SESSIONS[exchange]
