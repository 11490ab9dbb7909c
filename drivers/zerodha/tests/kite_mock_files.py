"""Zerodha's official mock payloads and the contracts they mention (shared by the driver's tests).

A module of its own, not ``conftest``: a bare ``from conftest import`` resolves to whichever
test directory's conftest Python imported first when several drivers' tests run together.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import msgspec
from tt_connect.enums import Exchange, OptionType
from tt_connect.instruments import Equity, Future, Index, Option
from zerodha_fakes import Listing

MOCKS = Path(__file__).parent / "kite_mocks"

def mock_bytes(name: str) -> bytes:
    """Return one official mock file as bytes."""
    return (MOCKS / name).read_bytes()


def mock_json(name: str) -> Any:
    """Return one official mock file, JSON-decoded."""
    return msgspec.json.decode(mock_bytes(name))



def kite_listing() -> list[Listing]:
    """Every contract the official mocks mention, with its Kite token, symbol and segment."""
    nse = Exchange.NSE
    return [
        (Equity(exchange=nse, symbol="INFY"), "408065", "INFY", "NSE", "NSE"),
        (Equity(exchange=nse, symbol="SBIN"), "779521", "SBIN", "NSE", "NSE"),
        (Equity(exchange=nse, symbol="IOC"), "415745", "IOC", "NSE", "NSE"),
        (Equity(exchange=nse, symbol="TATASTEEL"), "895745", "TATASTEEL", "NSE", "NSE"),
        (Equity(exchange=nse, symbol="BHEL"), "112129", "BHEL", "NSE", "NSE"),
        (Equity(exchange=nse, symbol="AARON"), "263681", "AARON", "NSE", "NSE"),
        (Equity(exchange=Exchange.BSE, symbol="SBIN"), "128028676", "SBIN", "BSE", "BSE"),
        (Index(exchange=nse, symbol="NIFTY 50"), "256265", "NIFTY 50", "NSE", "INDICES"),
        (Future(exchange=Exchange.CDS, symbol="USDINR", expiry=_dt.date(2021, 6, 28)), "412675",
         "USDINR21JUNFUT", "CDS", "CDS-FUT"),
        (Future(exchange=Exchange.MCX, symbol="GOLDPETAL", expiry=_dt.date(2021, 6, 4)), "58424839",
         "GOLDPETAL21JUNFUT", "MCX", "MCX-FUT"),
        (Future(exchange=Exchange.MCX, symbol="LEADMINI", expiry=_dt.date(2017, 12, 29)), "53496327",
         "LEADMINI17DECFUT", "MCX", "MCX-FUT"),
        (Future(exchange=Exchange.MCX, symbol="GOLDGUINEA", expiry=_dt.date(2017, 12, 29)), "53505799",
         "GOLDGUINEA17DECFUT", "MCX", "MCX-FUT"),
        (Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 8, 7), strike=24400,
                option_type=OptionType.CE), "10189826", "NIFTY2580724400CE", "NFO", "NFO-OPT"),
        (Future(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 8, 28)), "13238786",
         "NIFTY25AUGFUT", "NFO", "NFO-FUT"),
    ]
