"""The market calendar against the exchanges' published days and hours."""

from __future__ import annotations

import datetime as dt

import pytest
from tt_connect.calendar import HOLIDAYS, MarketCalendar, MarketPhase
from tt_connect.errors import InputError
from tt_connect.timeutil import IST, ManualClock


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=IST)


@pytest.fixture
def cal() -> MarketCalendar:
    return MarketCalendar(ManualClock(at("2026-03-02T10:00")))


def test_the_equity_list_holds_the_circulars_dates(cal: MarketCalendar) -> None:
    nse_2026 = sorted(d for d in HOLIDAYS["NSE"] if d.year == 2026)
    assert len(nse_2026) == 16 and dt.date(2026, 1, 15) in nse_2026 and dt.date(2026, 11, 24) in nse_2026
    assert len([d for d in HOLIDAYS["NSE"] if d.year == 2025]) == 14
    assert HOLIDAYS["NFO"] == HOLIDAYS["NSE"] == HOLIDAYS["BSE"]
    assert all(d.weekday() < 5 for d in HOLIDAYS["NSE"])  # the circulars list weekday closures only


def test_trading_days_skip_weekends_and_holidays(cal: MarketCalendar) -> None:
    assert cal.is_trading_day(dt.date(2026, 3, 2))
    assert not cal.is_trading_day(dt.date(2026, 3, 3))  # Holi
    assert not cal.is_trading_day(dt.date(2026, 3, 7))  # Saturday
    assert cal.next_trading_day(dt.date(2026, 4, 2)) == dt.date(2026, 4, 6)  # Good Friday then a weekend
    assert cal.is_trading_day(dt.date(2025, 2, 1))  # the budget Saturday
    assert cal.is_trading_day(dt.date(2025, 10, 21))  # Diwali: the muhurat session only


def test_phases_of_an_equity_day(cal: MarketCalendar) -> None:
    expect = {"08:59": (MarketPhase.CLOSED, None), "09:00": (MarketPhase.PRE_OPEN, "pre_open"),
              "09:10": (MarketPhase.PRE_OPEN, "pre_open_matching"), "09:15": (MarketPhase.OPEN, "normal"),
              "15:29": (MarketPhase.OPEN, "normal"), "15:30": (MarketPhase.CLOSED, None),
              "15:45": (MarketPhase.CLOSING, "closing"), "17:00": (MarketPhase.CLOSED, None)}
    for hhmm, (phase, session) in expect.items():
        status = cal.market_status("NSE", at(f"2026-03-02T{hhmm}"))
        assert (status.phase, status.session) == (phase, session), hhmm
    assert not cal.market_status("NSE", at("2026-03-02T09:10")).accepts_orders
    assert cal.market_status("NSE", at("2026-03-02T09:05")).accepts_orders
    evening = cal.market_status("NSE", at("2026-03-02T17:00"))
    assert evening.reason == "after the close" and evening.next_open == at("2026-03-04T09:15")  # over Holi
    assert cal.market_status("NFO", at("2026-03-02T09:05")).phase is MarketPhase.CLOSED  # no F&O pre-open


def test_the_status_names_the_holiday_and_the_weekend(cal: MarketCalendar) -> None:
    assert cal.market_status("NSE", at("2026-03-03T11:00")).reason == "holiday: Holi"
    saturday = cal.market_status("BSE", at("2026-03-07T11:00"))
    assert saturday.reason == "weekend" and not saturday.trading_day
    assert saturday.holidays_known and not cal.market_status("NSE", at("2027-01-04T11:00")).holidays_known


def test_the_clock_drives_the_defaults() -> None:
    clock = ManualClock(at("2026-03-02T10:00"))
    cal = MarketCalendar(clock)
    assert cal.market_status().is_open and cal.is_trading_day()
    clock.set(at("2026-03-03T10:00"))
    assert not cal.market_status().is_open and not cal.is_trading_day()
    assert cal.next_session().start == at("2026-03-04T09:15")


def test_currency_hours(cal: MarketCalendar) -> None:
    assert cal.market_status("CDS", at("2026-03-02T16:30")).is_open
    assert not cal.market_status("CDS", at("2026-03-02T17:00")).is_open


def test_mcx_closes_later_in_the_northern_winter_and_trades_holiday_evenings(cal: MarketCalendar) -> None:
    summer = cal.sessions(dt.date(2026, 7, 1), "MCX")
    winter = cal.sessions(dt.date(2026, 12, 1), "MCX")
    assert summer[-1].end.time() == dt.time(23, 30) and winter[-1].end.time() == dt.time(23, 55)
    assert cal.sessions(dt.date(2026, 3, 6), "MCX")[-1].end.time() == dt.time(23, 55)  # before US DST
    assert cal.sessions(dt.date(2026, 3, 9), "MCX")[-1].end.time() == dt.time(23, 30)  # the Monday after
    holi = cal.market_status("MCX", at("2026-03-03T19:00"))
    assert holi.is_open and holi.session == "evening"
    assert not cal.market_status("MCX", at("2026-03-03T11:00")).is_open
    assert cal.market_status("MCX", at("2026-03-03T11:00")).next_open == at("2026-03-03T17:00")
    assert cal.sessions(dt.date(2026, 12, 25), "MCX") == []
    assert [w.name for w in cal.sessions(dt.date(2026, 1, 1), "MCX")] == ["morning"]


def test_muhurat_is_a_dated_evening_session(cal: MarketCalendar) -> None:
    day = dt.date(2025, 10, 21)
    assert [(w.name, w.start.time(), w.end.time()) for w in cal.sessions(day, "NSE")] == [
        ("muhurat", dt.time(13, 45), dt.time(14, 45))]
    assert cal.market_status("NSE", at("2025-10-21T14:00")).session == "muhurat"
    assert cal.next_session("NSE", at("2025-10-20T16:00")).name == "muhurat"


def test_t_plus_one_skips_holidays(cal: MarketCalendar) -> None:
    assert cal.settlement_day(dt.date(2026, 3, 2)) == dt.date(2026, 3, 4)
    assert cal.settlement_day(dt.date(2026, 3, 4)) == dt.date(2026, 3, 5)


def test_a_brokers_list_adds_to_the_shipped_one(cal: MarketCalendar) -> None:
    from tt_connect.calendar import Holiday

    extra = cal.with_holidays("NSE", [Holiday(day=dt.date(2026, 3, 4), name="special closure")])
    assert not extra.is_trading_day(dt.date(2026, 3, 4)) and cal.is_trading_day(dt.date(2026, 3, 4))
    assert extra.is_trading_day(dt.date(2025, 10, 21))  # the special sessions survive


def test_bad_input_is_refused_by_name(cal: MarketCalendar) -> None:
    with pytest.raises(InputError, match="exchange must be one of"):
        cal.market_status("NASDAQ")
    with pytest.raises(InputError, match="aware"):
        cal.market_status("NSE", dt.datetime(2026, 3, 2, 10, 0))
