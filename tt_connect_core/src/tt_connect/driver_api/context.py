"""What the core lends a driver while it builds requests and parses replies."""

from __future__ import annotations

import datetime as _dt
from typing import Protocol

from tt_connect.driver_api.instruments import BrokerSymbol
from tt_connect.instruments import AnyInstrument, Instrument
from tt_connect.models import Gtt, Order

__all__ = ["DriverContext"]


class DriverContext(Protocol):
    """The instrument catalogue, the clock and the core's order state, read-only for the driver."""

    broker: str

    def resolve(self, instrument: Instrument) -> BrokerSymbol:
        """Return the broker's token and symbol for a canonical instrument."""
        ...

    def by_token(self, segment: str, token: str) -> AnyInstrument:
        """Return the instrument behind a broker token (tokens are unique per ``broker_segment``)."""
        ...

    def by_symbol(self, exchange: str, symbol: str) -> AnyInstrument:
        """Return the instrument behind a broker trading symbol on a ``broker_exchange``."""
        ...

    def now(self) -> _dt.datetime:
        """Return the current time (aware, IST); a test clock in tests."""
        ...

    def known_order(self, order_id: str) -> Order | None:
        """Return the last state the core saw of an order (from any read or update), or None.

        For the operations a driver lists in ``BrokerApi.needs_known_order`` the core
        guarantees an answer: it reads the order first when it has not seen it.
        """
        ...

    def known_gtt(self, gtt_id: str) -> Gtt | None:
        """Return the last state the core saw of a GTT trigger, or None (see :meth:`known_order`)."""
        ...
