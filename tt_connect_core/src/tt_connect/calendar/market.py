"""The market calendar: is a day a trading day, what session is on now, when is the next one.

Pure functions of the shipped data and a :class:`~tt_connect.timeutil.Clock`, so a test moves a
:class:`~tt_connect.timeutil.ManualClock` and the answers follow. Brokers that serve their own holiday
list can add to the shipped one with :meth:`MarketCalendar.with_holidays`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from enum import StrEnum

import msgspec

from tt_connect.calendar.holidays import COVERED_YEARS, HOLIDAYS, Holiday
from tt_connect.calendar.sessions import SPECIAL_SESSIONS, Session, SpecialSession, sessions_on
from tt_connect.errors import InputError
from tt_connect.timeutil import IST, Clock, SystemClock

__all__ = ["MarketCalendar", "MarketPhase", "MarketStatus", "SessionWindow"]

_SEARCH_DAYS = 30
"""The longest run of closed days searched for the next session (Diwali week plus weekends is ~5)."""


_REASONS = {"pre_open": "pre-open order entry", "pre_open_matching": "pre-open matching",
            "closing": "closing session"}


class MarketPhase(StrEnum):
    """Where an exchange's trading day is at one moment."""

    PRE_OPEN = "PRE_OPEN"
    OPEN = "OPEN"
    CLOSING = "CLOSING"
    """The closing session: trades at the closing price only."""
    CLOSED = "CLOSED"


class SessionWindow(msgspec.Struct, frozen=True, kw_only=True):
    """One session on one day, as aware IST datetimes."""

    exchange: str
    name: str
    start: _dt.datetime
    end: _dt.datetime
    matching: bool
    accepts_orders: bool


class MarketStatus(msgspec.Struct, frozen=True, kw_only=True):
    """The answer of :meth:`MarketCalendar.market_status`."""

    exchange: str
    at: _dt.datetime
    phase: MarketPhase
    session: str | None
    """The session on now (``normal``, ``pre_open``, ``muhurat``, ``evening``...), or None."""
    is_open: bool
    """True while orders trade continuously: what a strategy means by "the market is open"."""
    accepts_orders: bool
    """True when the exchange takes regular orders now (the pre-open collects them too)."""
    trading_day: bool
    reason: str
    """Why it is closed (``weekend``, ``holiday: Holi``, ``after the close``), or the session."""
    closes_at: _dt.datetime | None
    next_open: _dt.datetime | None
    """The start of the next continuous session (None only beyond the search horizon)."""
    holidays_known: bool
    """False outside the years the shipped holiday tables cover: only weekends are known closures."""


def _exchange(value: object) -> str:
    name = str(getattr(value, "value", value)).upper()
    if name not in HOLIDAYS:
        raise InputError(f"exchange must be one of {sorted(HOLIDAYS)}, got {value!r}")
    return name


class MarketCalendar:
    """Holidays and sessions of the Indian exchanges, read against a clock."""

    def __init__(self, clock: Clock | None = None, *,
                 holidays: Mapping[str, Mapping[_dt.date, Holiday]] | None = None,
                 special_sessions: Iterable[SpecialSession] = SPECIAL_SESSIONS) -> None:
        self.clock: Clock = clock or SystemClock()
        self._holidays = {ex: dict(days) for ex, days in (holidays or HOLIDAYS).items()}
        self._special: dict[tuple[str, _dt.date], list[SpecialSession]] = {}
        self._days: dict[tuple[str, _dt.date], tuple[SessionWindow, ...]] = {}
        for special in special_sessions:
            for ex in special.exchanges:
                self._special.setdefault((ex, special.day), []).append(special)

    def with_holidays(self, exchange: str, holidays: Iterable[Holiday]) -> MarketCalendar:
        """Return a calendar with ``holidays`` added to ``exchange`` (a broker's own list, say)."""
        ex = _exchange(exchange)
        merged = {name: dict(days) for name, days in self._holidays.items()}
        merged[ex].update({h.day: h for h in holidays})
        specials = [s for group in self._special.values() for s in group]
        return MarketCalendar(self.clock, holidays=merged, special_sessions=specials)

    def holiday(self, day: _dt.date, exchange: str) -> Holiday | None:
        """Return the holiday of ``exchange`` on ``day``, or None."""
        return self._holidays[_exchange(exchange)].get(day)

    def session_at(self, exchange: str, at: _dt.datetime) -> SessionWindow | None:
        """Return the session on at ``at`` (aware), or None: the cheap question a matching loop asks."""
        moment = at.astimezone(IST)
        return next((w for w in self.sessions(moment.date(), exchange) if w.start <= moment < w.end), None)

    def sessions(self, day: _dt.date, exchange: str) -> list[SessionWindow]:
        """Return the sessions ``exchange`` holds on ``day``, in order (empty when it is closed)."""
        ex = _exchange(exchange)
        cached = self._days.get((ex, day))
        if cached is None:
            cached = self._days[(ex, day)] = tuple(self._sessions(day, ex))
        return list(cached)

    def _sessions(self, day: _dt.date, ex: str) -> list[SessionWindow]:
        special = self._special.get((ex, day), [])
        regular: tuple[Session, ...] = () if day.weekday() >= 5 else sessions_on(ex, day)
        holiday = self._holidays[ex].get(day)
        out = [self._window(ex, day, s.name, s.start, s.end, s.matching, s.accepts_orders)
               for s in regular if holiday is None or not holiday.closes(s.name)]
        out += [self._window(ex, day, s.name, s.start, s.end, True, True) for s in special]
        return sorted(out, key=lambda w: w.start)

    @staticmethod
    def _window(ex: str, day: _dt.date, name: str, start: _dt.time, end: _dt.time, matching: bool,
                accepts: bool) -> SessionWindow:
        return SessionWindow(exchange=ex, name=name, start=_dt.datetime.combine(day, start, IST),
                             end=_dt.datetime.combine(day, end, IST), matching=matching, accepts_orders=accepts)

    def is_trading_day(self, day: _dt.date | None = None, exchange: str = "NSE") -> bool:
        """True when ``exchange`` holds a continuous session on ``day`` (default: today)."""
        when = day or self.clock.now().astimezone(IST).date()
        return any(w.matching for w in self.sessions(when, exchange))

    def next_trading_day(self, after: _dt.date, exchange: str = "NSE") -> _dt.date:
        """Return the first trading day strictly after ``after``."""
        day = after
        for _ in range(_SEARCH_DAYS):
            day += _dt.timedelta(days=1)
            if self.is_trading_day(day, exchange):
                return day
        raise InputError(f"no {exchange} trading day within {_SEARCH_DAYS} days after {after}")

    def next_session(self, exchange: str = "NSE", after: _dt.datetime | None = None) -> SessionWindow:
        """Return the next continuous session starting strictly after ``after`` (default: now)."""
        moment = (after or self.clock.now()).astimezone(IST)
        day = moment.date()
        for _ in range(_SEARCH_DAYS):
            for window in self.sessions(day, exchange):
                if window.matching and window.start > moment:
                    return window
            day += _dt.timedelta(days=1)
        raise InputError(f"no {exchange} session within {_SEARCH_DAYS} days after {moment:%Y-%m-%d}")

    def market_status(self, exchange: str = "NSE", at: _dt.datetime | None = None) -> MarketStatus:
        """Return what ``exchange`` is doing at ``at`` (default: now)."""
        ex = _exchange(exchange)
        if at is not None and at.tzinfo is None:
            raise InputError("market_status needs an aware datetime (IST or any other zone)")
        moment = (at or self.clock.now()).astimezone(IST)
        day = moment.date()
        windows = self.sessions(day, ex)
        current = next((w for w in windows if w.start <= moment < w.end), None)
        try:
            upcoming: _dt.datetime | None = self.next_session(ex, moment).start
        except InputError:
            upcoming = None
        trading_day = any(w.matching for w in windows)
        if current is not None:
            phase = (MarketPhase.OPEN if current.matching else
                     MarketPhase.CLOSING if current.name == "closing" else MarketPhase.PRE_OPEN)
            return MarketStatus(exchange=ex, at=moment, phase=phase, session=current.name, is_open=current.matching,
                                accepts_orders=current.accepts_orders, trading_day=trading_day,
                                reason=_REASONS.get(current.name, current.name), closes_at=current.end,
                                next_open=upcoming,
                                holidays_known=day.year in COVERED_YEARS)
        holiday = self._holidays[ex].get(day)
        if day.weekday() >= 5 and not windows:
            reason = "weekend"
        elif holiday is not None and not windows:
            reason = f"holiday: {holiday.name}"
        elif windows and moment < windows[0].start:
            reason = "before the open"
        elif windows and moment >= windows[-1].end:
            reason = "after the close"
        else:
            reason = "between sessions"
        return MarketStatus(exchange=ex, at=moment, phase=MarketPhase.CLOSED, session=None, is_open=False,
                            accepts_orders=False, trading_day=trading_day, reason=reason, closes_at=None,
                            next_open=upcoming, holidays_known=day.year in COVERED_YEARS)

    def settlement_day(self, trade_day: _dt.date, exchange: str = "NSE", cycle: int = 1) -> _dt.date:
        """Return the day a trade of ``trade_day`` settles: ``cycle`` trading days later (T+1 by default)."""
        day = trade_day
        for _ in range(cycle):
            day = self.next_trading_day(day, exchange)
        return day
