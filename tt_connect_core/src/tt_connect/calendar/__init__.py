"""The market calendar: exchange holidays and sessions as dated data, read against the core's clock."""

from tt_connect.calendar.holidays import COVERED_YEARS, HOLIDAY_SOURCE, HOLIDAYS, UNVERIFIED, Holiday
from tt_connect.calendar.market import MarketCalendar, MarketPhase, MarketStatus, SessionWindow
from tt_connect.calendar.sessions import SESSIONS, SPECIAL_SESSIONS, Session, SpecialSession

__all__ = ["COVERED_YEARS", "HOLIDAYS", "HOLIDAY_SOURCE", "SESSIONS", "SPECIAL_SESSIONS", "UNVERIFIED", "Holiday",
           "MarketCalendar", "MarketPhase", "MarketStatus", "Session", "SessionWindow", "SpecialSession"]
