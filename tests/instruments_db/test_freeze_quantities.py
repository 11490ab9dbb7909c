"""Freeze quantities: the broker's master's figure where its file has one, else the exchange's dated table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from tt_connect import instruments
from tt_connect.driver_api import InstrumentSource
from tt_connect.enums import Exchange
from tt_connect.errors import DriverError
from tt_connect.exchange_rules import FREEZE_QUANTITIES
from tt_connect.instruments import Equity, Future
from tt_connect.instruments_db import InstrumentMaster
from tt_connect.timeutil import IST, ManualClock

MASTER = """tok,kind,exch,sym,exp,lot,frz
7,EQ,NSE,SBIN,,1,
35001,FUT,NFO,NIFTY,2025-01-30,75,2400
35002,FUT,NFO,BANKNIFTY,2025-01-30,35,0
35003,FUT,NFO,RELIANCE,2025-01-30,500,
"""
COLUMNS = """exch AS exchange, exch AS segment, kind, sym AS symbol, sym AS underlying,
    TRY_CAST(exp AS DATE) AS expiry, NULL::DOUBLE AS strike, NULL AS option_type, CAST(lot AS INTEGER) AS lot_size,
    0.05 AS tick_size, NULL AS isin, sym AS name, tok AS broker_token, sym AS broker_symbol,
    exch AS broker_exchange, exch AS broker_segment"""
OPTIONS = "header=true, all_varchar=true"


@pytest.fixture(autouse=True)
def _restore_validator() -> Iterator[None]:
    previous = instruments.get_validator()
    yield
    instruments.set_validator(previous)


def _master() -> InstrumentMaster:
    return InstrumentMaster(":memory:", clock=ManualClock(dt.datetime(2025, 1, 6, 9, 0, tzinfo=IST)))


def _future(symbol: str) -> Future:
    return Future(exchange=Exchange.NFO, symbol=symbol, expiry=dt.date(2025, 1, 30))


async def test_the_brokers_figure_wins_and_the_exchange_table_fills_the_gaps() -> None:
    source = InstrumentSource.one_file(f"SELECT {COLUMNS}, frz AS freeze_qty FROM {{source}}", read_options=OPTIONS,
                                       local=MASTER.encode, optional_columns=frozenset({"freeze_qty"}))
    master = _master()
    await master.load("frz", source, None)
    view = master.view("frz")
    assert view.freeze_quantity(_future("NIFTY")) == 2400, "the broker's file, not the table's 1800"
    assert view.freeze_quantity(_future("BANKNIFTY")) == FREEZE_QUANTITIES["BANKNIFTY"], "0 means not given"
    assert view.freeze_quantity(_future("RELIANCE")) is None, "no figure anywhere: no freeze quantity"
    assert view.freeze_quantity(Equity(exchange=Exchange.NSE, symbol="SBIN")) is None


async def test_a_master_without_the_column_uses_the_exchange_table() -> None:
    source = InstrumentSource.one_file(f"SELECT {COLUMNS} FROM {{source}}", read_options=OPTIONS,
                                       local=MASTER.encode)
    master = _master()
    await master.load("plain", source, None)
    assert master.view("plain").freeze_quantity(_future("NIFTY")) == FREEZE_QUANTITIES["NIFTY"]


async def test_a_declared_column_the_select_does_not_emit_is_the_drivers_error() -> None:
    source = InstrumentSource.one_file(f"SELECT {COLUMNS} FROM {{source}}", read_options=OPTIONS,
                                       local=MASTER.encode, optional_columns=frozenset({"freeze_qty"}))
    with pytest.raises(DriverError, match="freeze_qty"):
        await _master().load("broken", source, None)


def test_an_unknown_optional_column_is_refused_when_the_source_is_declared() -> None:
    with pytest.raises(ValueError, match="unknown optional instrument columns"):
        InstrumentSource.one_file("SELECT 1", optional_columns=frozenset({"circuit_limit"}))
