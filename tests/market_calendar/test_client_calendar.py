"""Both clients answer calendar questions from the client's clock, on any broker."""

from __future__ import annotations

import datetime as dt

import pytest
from tt_connect import AsyncTTConnect, TTConnect
from tt_connect.calendar import MarketPhase
from tt_connect.enums import Exchange
from tt_connect.errors import InputError
from tt_connect.timeutil import IST, ManualClock


async def test_the_async_client_reads_the_calendar_against_its_clock() -> None:
    clock = ManualClock(dt.datetime(2026, 3, 2, 17, 0, tzinfo=IST))
    async with AsyncTTConnect("paper", instruments_db=":memory:", clock=clock) as broker:
        status = broker.market_status()
        assert status.phase is MarketPhase.CLOSED and status.reason == "after the close"
        assert broker.next_session().start == dt.datetime(2026, 3, 4, 9, 15, tzinfo=IST)
        assert not broker.is_trading_day(dt.date(2026, 3, 3))
        assert broker.market_status(Exchange.MCX).is_open
        clock.set(dt.datetime(2026, 3, 4, 9, 20, tzinfo=IST))
        assert broker.market_status("NFO").is_open and broker.is_trading_day()
        with pytest.raises(InputError, match=r"datetime\.date"):
            broker.is_trading_day(dt.datetime(2026, 3, 4, 10, 0, tzinfo=IST))


def test_the_sync_client_answers_the_same() -> None:
    clock = ManualClock(dt.datetime(2026, 3, 3, 11, 0, tzinfo=IST))
    with TTConnect("paper", instruments_db=":memory:", clock=clock) as broker:
        assert broker.market_status().reason == "holiday: Holi"
        assert broker.is_trading_day(dt.date(2026, 3, 2))
        assert broker.next_session(Exchange.CDS).start == dt.datetime(2026, 3, 4, 9, 0, tzinfo=IST)
