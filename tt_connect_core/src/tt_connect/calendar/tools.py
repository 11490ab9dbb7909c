"""The client's view of the market calendar, the same on every broker (mixed into both clients)."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from tt_connect.calendar.market import MarketCalendar, MarketStatus, SessionWindow
from tt_connect.enums import Exchange
from tt_connect.errors import InputError

if TYPE_CHECKING:
    from tt_connect.runtime import Runtime

__all__ = ["CalendarTools"]


class CalendarTools:
    """``market_status``, ``is_trading_day`` and ``next_session``, read against the client's clock."""

    _rt: Runtime
    _calendar: MarketCalendar | None = None

    def _market_calendar(self) -> MarketCalendar:
        if self._calendar is None:
            self._calendar = MarketCalendar(self._rt.clock)
        return self._calendar

    def market_status(self, exchange: Exchange | str = Exchange.NSE,
                      at: _dt.datetime | None = None) -> MarketStatus:
        """Return whether ``exchange`` is open at ``at`` (default: now), its session and the next open."""
        return self._market_calendar().market_status(exchange, at)

    def is_trading_day(self, day: _dt.date | None = None, exchange: Exchange | str = Exchange.NSE) -> bool:
        """True when ``exchange`` trades on ``day`` (default: today): not a weekend or an exchange holiday."""
        if day is not None and (isinstance(day, _dt.datetime) or not isinstance(day, _dt.date)):
            raise InputError(f"day must be a datetime.date, got {day!r}")
        return self._market_calendar().is_trading_day(day, exchange)

    def next_session(self, exchange: Exchange | str = Exchange.NSE,
                     after: _dt.datetime | None = None) -> SessionWindow:
        """Return the next continuous session of ``exchange`` starting after ``after`` (default: now)."""
        if after is not None and after.tzinfo is None:
            raise InputError("after must be an aware datetime")
        return self._market_calendar().next_session(exchange, after)
