from __future__ import annotations

import datetime as dt

import msgspec
import pytest
from tt_connect.enums import Exchange, OptionType
from tt_connect.errors import InstrumentError, InstrumentNotFoundError, InstrumentsNotReadyError
from tt_connect.instruments import (
    Equity,
    Future,
    Index,
    Instrument,
    Option,
    instrument_from_key,
    parse_instrument,
    set_validator,
)

pytestmark = pytest.mark.usefixtures("static_instruments")


def nifty_call() -> Option:
    return Option(exchange=Exchange.NFO, symbol="NIFTY", expiry="2025-01-30", strike=18000,
                  option_type=OptionType.CE)


def test_instruments_are_immutable_hashable_dict_keys() -> None:
    a = Equity(exchange=Exchange.NSE, symbol="RELIANCE")
    b = Equity(exchange=Exchange.NSE, symbol="RELIANCE")
    assert a == b and hash(a) == hash(b)
    assert {a: 1}[b] == 1
    with pytest.raises(AttributeError):
        a.symbol = "INFY"  # type: ignore[misc]


def test_option_accepts_iso_string_or_date_and_int_or_float_strike() -> None:
    other = Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=dt.date(2025, 1, 30), strike=18000.0,
                   option_type=OptionType.CE)
    assert nifty_call() == other
    assert nifty_call().expiry == dt.date(2025, 1, 30)


def test_instruments_print_in_nse_form() -> None:
    assert str(Equity(exchange=Exchange.NSE, symbol="RELIANCE")) == "NSE:RELIANCE"
    assert str(Index(exchange=Exchange.NSE, symbol="NIFTY 50")) == "NSE:NIFTY 50"
    assert str(Future(exchange=Exchange.NFO, symbol="NIFTY", expiry="2025-01-30")) == "NFO:NIFTY 30-JAN-2025 FUT"
    assert str(nifty_call()) == "NFO:NIFTY 30-JAN-2025 18000 CE"
    half = Option(exchange=Exchange.NFO, symbol="USDINR", expiry="2025-01-30", strike=83.25,
                  option_type=OptionType.PE)
    assert str(half).endswith("83.25 PE")


def test_printed_form_parses_back_to_the_same_instrument() -> None:
    for inst in (
        Equity(exchange=Exchange.NSE, symbol="INFY"),
        Future(exchange=Exchange.NFO, symbol="BANKNIFTY", expiry="2025-02-27"),
        nifty_call(),
    ):
        assert parse_instrument(str(inst)) == inst
    assert parse_instrument("NFO:NIFTY 2025-01-30 18000 CE") == nifty_call()


@pytest.mark.parametrize("text", ["RELIANCE", "XYZ:RELIANCE", "NFO:NIFTY 32-JAN-2025 FUT", "NFO:", 42])
def test_unreadable_instrument_text_is_an_instrument_error(text: object) -> None:
    with pytest.raises(InstrumentError):
        parse_instrument(text)  # type: ignore[arg-type]


def test_strings_for_enums_are_normalised() -> None:
    inst = Option(exchange="nfo", symbol=" nifty ", expiry="2025-01-30", strike=18000,  # type: ignore[arg-type]
                  option_type="ce")  # type: ignore[arg-type]
    assert inst == nifty_call()
    assert inst.exchange is Exchange.NFO and inst.option_type is OptionType.CE


@pytest.mark.parametrize(
    "kwargs",
    [
        {"exchange": "NASDAQ", "symbol": "NIFTY", "expiry": "2025-01-30", "strike": 1, "option_type": "CE"},
        {"exchange": Exchange.NFO, "symbol": "", "expiry": "2025-01-30", "strike": 1, "option_type": "CE"},
        {"exchange": Exchange.NFO, "symbol": "NIFTY", "expiry": "30/01/2025", "strike": 1, "option_type": "CE"},
        {"exchange": Exchange.NFO, "symbol": "NIFTY", "expiry": "2025-01-30", "strike": -5, "option_type": "CE"},
        {"exchange": Exchange.NFO, "symbol": "NIFTY", "expiry": "2025-01-30", "strike": "x", "option_type": "CE"},
        {"exchange": Exchange.NFO, "symbol": "NIFTY", "expiry": "2025-01-30", "strike": 1, "option_type": "XX"},
        {"exchange": Exchange.NFO, "symbol": 5, "expiry": "2025-01-30", "strike": 1, "option_type": "CE"},
    ],
)
def test_bad_fields_raise_instrument_error_with_a_message(kwargs: dict[str, object]) -> None:
    with pytest.raises(InstrumentError) as info:
        Option(**kwargs)  # type: ignore[arg-type]
    assert str(info.value)


def test_instruments_round_trip_through_json_as_a_tagged_union() -> None:
    for inst in (Equity(exchange=Exchange.NSE, symbol="TCS"), Index(exchange=Exchange.NSE, symbol="NIFTY BANK"),
                 Future(exchange=Exchange.NFO, symbol="NIFTY", expiry="2025-01-30"), nifty_call()):
        data = msgspec.json.encode(inst)
        assert msgspec.json.decode(data, type=Equity | Index | Future | Option) == inst
    assert b'"kind":"OPT"' in msgspec.json.encode(nifty_call())


def test_instrument_from_key_inverts_key() -> None:
    for inst in (Equity(exchange=Exchange.NSE, symbol="TCS"), nifty_call(),
                 Future(exchange=Exchange.NFO, symbol="NIFTY", expiry="2025-01-30")):
        assert instrument_from_key(inst.key) == inst


def test_underlying_of_a_derivative_is_its_symbol() -> None:
    assert nifty_call().underlying == "NIFTY"
    assert isinstance(nifty_call(), Instrument)


def test_construction_before_any_master_is_loaded_says_what_to_do() -> None:
    previous = set_validator(None)
    try:
        with pytest.raises(InstrumentsNotReadyError, match="Create a client first"):
            Equity(exchange=Exchange.NSE, symbol="RELIANCE")
    finally:
        set_validator(previous)


def test_the_installed_validator_decides_at_construction() -> None:
    def only_reliance(inst: Instrument) -> None:
        if inst.symbol != "RELIANCE":
            raise InstrumentNotFoundError(f"{inst} is not listed", suggestions=("NSE:RELIANCE",))

    previous = set_validator(only_reliance)
    try:
        assert Equity(exchange=Exchange.NSE, symbol="RELIANCE").symbol == "RELIANCE"
        with pytest.raises(InstrumentNotFoundError) as info:
            Equity(exchange=Exchange.NSE, symbol="RELIANCEX")
        assert info.value.suggestions == ("NSE:RELIANCE",)
    finally:
        set_validator(previous)
