"""The process-wide set of loaded catalogues, and the validator instruments call.

See :mod:`tt_connect.instruments_db.master` for what "active master" means
with several clients and brokers in one process.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tt_connect.errors import InstrumentNotFoundError, InstrumentsNotReadyError
from tt_connect.instruments import Instrument, InstrumentKey, Option, set_validator
from tt_connect.instruments_db.keyindex import SeriesKey

if TYPE_CHECKING:
    from tt_connect.instruments_db.catalogue import BrokerInstruments

__all__ = ["active_brokers", "register_catalogue", "registrations_kept"]

_lock = threading.Lock()
_catalogues: dict[str, BrokerInstruments] = {}
_ordered: tuple[BrokerInstruments, ...] = ()
_indexes: tuple[tuple[frozenset[InstrumentKey], dict[SeriesKey, frozenset[float]]], ...] = ()


def _validate(instrument: Instrument) -> None:
    # The KeyIndex test inlined: plain dict/set lookups, no method call per construction, and an
    # option's series read from its fields (building its key tuple first would cost ~10%).
    if isinstance(instrument, Option):
        series = (instrument.exchange._value_, instrument.symbol, instrument.expiry, instrument.option_type._value_)
        strike = instrument.strike
        for _plain, by_series in _indexes:
            strikes = by_series.get(series)
            if strikes is not None and strike in strikes:
                return
    else:
        key = instrument.key
        for plain, _by_series in _indexes:
            if key in plain:
                return
    catalogues = _ordered
    if not catalogues:
        raise InstrumentsNotReadyError(f"cannot validate {instrument}: no instrument master is loaded")
    # Explain the miss with the catalogue that lists this symbol, so suggestions make sense.
    symbol = instrument.symbol
    best = next((c for c in reversed(catalogues) if c.lists_symbol(symbol)), None)
    if best is not None:
        raise best.explain_miss(instrument)
    similar = sorted({s for c in catalogues for s in c.explain_miss(instrument).suggestions})[:5]
    hint = f"; similar: {', '.join(similar)}" if similar else ""
    brokers = ", ".join(c.broker for c in catalogues)
    raise InstrumentNotFoundError(f"{instrument} is not in the instrument master (loaded: {brokers}){hint}",
                                  suggestions=tuple(similar))


def register_catalogue(catalogue: BrokerInstruments) -> None:
    """Make a broker's (re)loaded catalogue part of the active master."""
    with _lock:
        _catalogues.pop(catalogue.broker, None)  # a reload moves to the end: misses are explained by the latest
        _catalogues[catalogue.broker] = catalogue
        _publish()
        set_validator(_validate)


def _publish() -> None:
    global _ordered, _indexes
    _ordered = tuple(_catalogues.values())
    _indexes = tuple((c.keys.plain, c.keys.series) for c in _ordered)


@contextlib.contextmanager
def registrations_kept() -> Iterator[None]:
    """Register catalogues freely inside, and find the active master as it was after (a test's throwaway
    masters, the fuzz tier's: a later miss is explained by the catalogue registered last)."""
    with _lock:
        saved = dict(_catalogues)
    try:
        yield
    finally:
        with _lock:
            _catalogues.clear()
            _catalogues.update(saved)
            _publish()


def active_brokers() -> list[str]:
    """Return the brokers whose catalogues validate constructions."""
    return list(_catalogues)
