"""A download that is not a usable master never replaces the one in use (allow_stale keeps it serving)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from tt_connect import instruments
from tt_connect.errors import InstrumentError
from tt_connect.instruments_db import InstrumentMaster
from tt_connect.timeutil import IST, ManualClock

from tests.instruments_db.test_loading_and_lookups import ALPHA, COLUMNS, local_source


@pytest.fixture(autouse=True)
def _restore_validator_and_registry() -> Iterator[None]:
    """Leave the process's active master as it was: a later test's misses are explained by the catalogue
    registered last that lists the symbol, which must not be one of these."""
    from tt_connect.instruments_db.registry import registrations_kept

    previous = instruments.get_validator()
    with registrations_kept():
        yield
    instruments.set_validator(previous)


def _master() -> InstrumentMaster:
    return InstrumentMaster(":memory:", clock=ManualClock(dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST)))


async def test_a_file_cut_after_its_header_is_refused_and_the_stale_master_stays() -> None:
    master = _master()
    good = (await master.load("damaged", local_source(ALPHA), None)).rows
    with pytest.raises(InstrumentError, match="lists no contract"):
        await master.load("damaged", local_source(COLUMNS), None, force=True)
    report = await master.load("damaged", local_source(COLUMNS), None, force=True, allow_stale=True)
    assert report.stale and report.rows == good
    assert master.view("damaged").by_token("NSE", "7").symbol == "SBIN"
    master.close()


async def test_non_finite_strikes_are_not_contracts_and_a_non_finite_tick_is_the_default() -> None:
    rows = COLUMNS + "".join(f"{token},NFO,NFO-OPT,OPT,BANKNIFTY,2025-01-15,{strike},CE,30,0.05,BANKNIFTY\n"
                             for token, strike in ((21, "inf"), (22, "NaN"), (23, "1e999"), (24, "50000")))
    rows += "25,NSE,NSE,EQ,SBIN,,,,1,inf,STATE BANK OF INDIA\n"
    master = _master()
    assert (await master.load("damaged", local_source(rows), None)).rows == 2
    assert master._store._query("SELECT broker_token, tick_size FROM broker_instruments ORDER BY 1", []) == [
        ("24", 0.05), ("25", 0.05)]
    master.close()
