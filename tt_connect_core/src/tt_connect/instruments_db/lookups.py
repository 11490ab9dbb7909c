"""The client's instrument lookups: search, expiries, strikes, lot, tick and freeze sizes.

Synchronous on purpose: they read the instrument master the client loaded at ``connect()``,
so a strategy can build orders without awaiting anything.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from tt_connect.enums import InstrumentKind
from tt_connect.errors import InvalidOrderError
from tt_connect.instruments import Future, Instrument
from tt_connect.request_builder.coerce import InstrumentArg, enum_value, instrument_value

if TYPE_CHECKING:
    from tt_connect.runtime import Runtime

__all__ = ["InstrumentLookups"]


class InstrumentLookups:
    """Instrument lookups (mixed into the client)."""

    _rt: Runtime

    # -- instruments -----------------------------------------------------------------------

    def search(self, text: str, limit: int = 20) -> list[Instrument]:
        """Find instruments whose symbol or name matches ``text``: the exact symbol and the indices
        named after it (``NIFTY 50`` for ``NIFTY``) first."""
        return self._rt.catalogue().search(text, limit=limit)

    def search_count(self, text: str) -> int:
        """Return how many instruments :meth:`search` would find for ``text`` with no limit."""
        return self._rt.catalogue().search_count(text)

    def expiries(self, underlying: str, kind: InstrumentKind | str = InstrumentKind.OPT) -> list[_dt.date]:
        """Return the live expiries of an underlying's options (or futures), soonest first."""
        return self._rt.catalogue().expiries(underlying, kind=enum_value(InstrumentKind, kind, "kind"))

    def strikes(self, underlying: str, expiry: _dt.date | str) -> list[float]:
        """Return the strikes listed for an underlying and expiry, ascending."""
        return self._rt.catalogue().strikes(underlying, expiry)

    def futures(self, underlying: str) -> list[Future]:
        """Return the live futures of an underlying, nearest first."""
        return self._rt.catalogue().futures(underlying)

    def nearest_expiry(self, underlying: str, kind: InstrumentKind | str = InstrumentKind.OPT) -> _dt.date:
        """Return the nearest live expiry (the current week's, for weekly options)."""
        return self._rt.catalogue().nearest_expiry(underlying, kind=enum_value(InstrumentKind, kind, "kind"),
                                                   on_or_after=self._rt.clock.now().date())

    def monthly_expiry(self, underlying: str, kind: InstrumentKind | str = InstrumentKind.OPT) -> _dt.date:
        """Return the current month's expiry (the last expiry of the month)."""
        return self._rt.catalogue().monthly_expiry(underlying, kind=enum_value(InstrumentKind, kind, "kind"),
                                                   on_or_after=self._rt.clock.now().date())

    def lot_size(self, instrument: InstrumentArg) -> int:
        """Return the lot size: quantities must be a multiple of it."""
        return self._rt.catalogue().lot_size(instrument_value(instrument, "instrument", InvalidOrderError))

    def tick_size(self, instrument: InstrumentArg) -> float:
        """Return the tick size: prices must be a multiple of it."""
        return self._rt.catalogue().tick_size(instrument_value(instrument, "instrument", InvalidOrderError))

    def freeze_quantity(self, instrument: InstrumentArg) -> int | None:
        """Return the most units one order may carry (the broker's master, else the exchange's table)."""
        return self._rt.catalogue().freeze_quantity(instrument_value(instrument, "instrument", InvalidOrderError))
