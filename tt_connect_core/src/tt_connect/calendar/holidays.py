"""Exchange holidays, shipped as dated data with their source (2025-2026).

The equity and equity-derivative lists (NSE, NFO, BSE, BFO) were checked date by date against two
independent compilations of the exchanges' circulars: ``exchange_calendars`` 4.13.2 (``XBOM``) and
``pandas_market_calendars`` 5.5.0 (``NSE``, ``BSE``). They agree on every date below. The MCX list
and the currency segment's extra closures are not in either package: what is shipped for them is
marked in :data:`UNVERIFIED` (and listed in docs/calendar.md), so a user can see what to distrust.

A holiday closes every session of the day unless ``sessions`` names the ones it closes (MCX shuts
its morning session on most exchange holidays and trades the evening one).
"""

from __future__ import annotations

import datetime as _dt

import msgspec

__all__ = ["COVERED_YEARS", "HOLIDAYS", "HOLIDAY_SOURCE", "UNVERIFIED", "Holiday"]

HOLIDAY_SOURCE = (
    "NSE and BSE trading-holiday circulars for 2025 and 2026 (equity, equity derivatives), as compiled in "
    "exchange_calendars 4.13.2 (XBOM) and pandas_market_calendars 5.5.0 (NSE, BSE), which agree on every "
    "date; MCX 2026 from a broker's published copy of the MCX circular (rupeezy.in/mcx-holiday); MCX 2025 "
    "and the currency segment's extra bank-holiday closures are unverified"
)
COVERED_YEARS = frozenset({2025, 2026})
"""Years the tables cover; outside them only weekends are known closures (the status says so)."""


class Holiday(msgspec.Struct, frozen=True, kw_only=True):
    """One exchange holiday."""

    day: _dt.date
    name: str
    sessions: tuple[str, ...] = ()
    """The sessions it closes; empty means all of them."""

    def closes(self, session: str) -> bool:
        return not self.sessions or session in self.sessions


def _days(rows: tuple[tuple[str, str], ...], sessions: tuple[str, ...] = ()) -> tuple[Holiday, ...]:
    return tuple(Holiday(day=_dt.date.fromisoformat(day), name=name, sessions=sessions) for day, name in rows)


_EQUITY: tuple[tuple[str, str], ...] = (
    ("2025-02-26", "Mahashivratri"),
    ("2025-03-14", "Holi"),
    ("2025-03-31", "Id-Ul-Fitr (Ramadan Eid)"),
    ("2025-04-10", "Shri Mahavir Jayanti"),
    ("2025-04-14", "Dr. Baba Saheb Ambedkar Jayanti"),
    ("2025-04-18", "Good Friday"),
    ("2025-05-01", "Maharashtra Day"),
    ("2025-08-15", "Independence Day / Parsi New Year"),
    ("2025-08-27", "Shri Ganesh Chaturthi"),
    ("2025-10-02", "Mahatma Gandhi Jayanti / Dussehra"),
    ("2025-10-21", "Diwali Laxmi Pujan (muhurat session only)"),
    ("2025-10-22", "Diwali Balipratipada"),
    ("2025-11-05", "Prakash Gurpurb Sri Guru Nanak Dev"),
    ("2025-12-25", "Christmas"),
    ("2026-01-15", "Maharashtra Municipal Corporation elections"),
    ("2026-01-26", "Republic Day"),
    ("2026-03-03", "Holi"),
    ("2026-03-26", "Shri Ram Navami"),
    ("2026-03-31", "Shri Mahavir Jayanti"),
    ("2026-04-03", "Good Friday"),
    ("2026-04-14", "Dr. Baba Saheb Ambedkar Jayanti"),
    ("2026-05-01", "Maharashtra Day"),
    ("2026-05-28", "Bakri Id"),
    ("2026-06-26", "Muharram"),
    ("2026-09-14", "Ganesh Chaturthi"),
    ("2026-10-02", "Mahatma Gandhi Jayanti"),
    ("2026-10-20", "Dussehra"),
    ("2026-11-10", "Diwali Balipratipada"),
    ("2026-11-24", "Prakash Gurpurb Sri Guru Nanak Dev"),
    ("2026-12-25", "Christmas"),
)
"""NSE and BSE, cash and F&O: the same days (the currency segments close on these too)."""

_MCX_ALL_DAY: tuple[tuple[str, str], ...] = (
    ("2025-04-18", "Good Friday"),
    ("2025-08-15", "Independence Day"),
    ("2025-10-02", "Mahatma Gandhi Jayanti"),
    ("2025-12-25", "Christmas"),
    ("2026-01-26", "Republic Day"),
    ("2026-04-03", "Good Friday"),
    ("2026-10-02", "Mahatma Gandhi Jayanti"),
    ("2026-12-25", "Christmas"),
)
_MCX_MORNING: tuple[tuple[str, str], ...] = (
    ("2025-02-26", "Mahashivratri"),
    ("2025-03-14", "Holi"),
    ("2025-03-31", "Id-Ul-Fitr (Ramadan Eid)"),
    ("2025-04-10", "Shri Mahavir Jayanti"),
    ("2025-04-14", "Dr. Baba Saheb Ambedkar Jayanti"),
    ("2025-05-01", "Maharashtra Day"),
    ("2025-08-27", "Shri Ganesh Chaturthi"),
    ("2025-10-22", "Diwali Balipratipada"),
    ("2025-11-05", "Guru Nanak Jayanti"),
    ("2026-03-03", "Holi"),
    ("2026-03-31", "Shri Mahavir Jayanti"),
    ("2026-04-14", "Dr. Baba Saheb Ambedkar Jayanti"),
    ("2026-05-01", "Maharashtra Day"),
    ("2026-05-28", "Bakri Id (Id-Ul-Zuha)"),
    ("2026-06-26", "Moharram"),
    ("2026-09-14", "Ganesh Chaturthi"),
    ("2026-10-20", "Dussehra"),
    ("2026-11-10", "Diwali Balipratipada"),
    ("2026-11-24", "Guru Nanak Jayanti"),
)
_MCX_EVENING: tuple[tuple[str, str], ...] = (
    ("2026-01-01", "New Year Day"),
)

_equity = _days(_EQUITY)
_mcx = _days(_MCX_ALL_DAY) + _days(_MCX_MORNING, ("morning",)) + _days(_MCX_EVENING, ("evening",))

HOLIDAYS: dict[str, dict[_dt.date, Holiday]] = {
    exchange: {h.day: h for h in (_mcx if exchange == "MCX" else _equity)}
    for exchange in ("NSE", "BSE", "NFO", "BFO", "CDS", "BCD", "MCX")
}
"""Exchange -> day -> holiday. Clearing (settlement) holidays are the trading holidays; the extra bank
holidays on which the exchanges trade but do not settle are not shipped (see :data:`UNVERIFIED`)."""

UNVERIFIED: dict[str, str] = {
    "MCX 2025": "every MCX 2025 date and its morning/evening split: neither fact source covers MCX; the "
                "dates are the equity holidays with MCX's usual rule (national holidays close all day)",
    "MCX 2026": "taken from a broker's copy of the MCX circular, not checked against the exchange",
    "CDS/BCD extra closures": "the currency segments also close on some bank holidays (e.g. Chhatrapati "
                              "Shivaji Maharaj Jayanti); those are not shipped",
    "clearing holidays": "bank holidays on which the exchanges trade but do not settle are not shipped; "
                         "T+1 settlement skips trading holidays only",
}
"""What the shipped data could not verify, by table."""
