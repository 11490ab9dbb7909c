"""A DriverContext over a fixed list of instruments, for static request/response tests."""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable

from tt_connect.driver_api import BrokerSymbol
from tt_connect.errors import InstrumentNotFoundError
from tt_connect.instruments import AnyInstrument, Instrument
from tt_connect.models import Gtt, Order
from tt_connect.timeutil import IST

__all__ = ["StaticContext"]


class StaticContext:
    """Resolves instruments through an explicit mapping; the clock is fixed.

    ``token_lookups`` counts ``by_token`` calls per (segment, token), so a driver can
    prove its decoder caches instruments instead of resolving every tick. ``orders`` and
    ``gtts`` play the core's order registry (``known_order``/``known_gtt``): put in them
    what a request case's driver needs to know.
    """

    def __init__(
        self,
        broker: str,
        listing: Iterable[tuple[Instrument, BrokerSymbol]] = (),
        now: _dt.datetime | None = None,
    ) -> None:
        self.broker = broker
        self._now = now or _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)
        self._forward: dict[Instrument, BrokerSymbol] = {}
        self._by_token: dict[tuple[str, str], AnyInstrument] = {}
        self._by_symbol: dict[tuple[str, str], AnyInstrument] = {}
        self.token_lookups: Counter[tuple[str, str]] = Counter()
        self.orders: dict[str, Order] = {}
        self.gtts: dict[str, Gtt] = {}
        for instrument, symbol in listing:
            self.list(instrument, symbol)

    def list(self, instrument: Instrument, symbol: BrokerSymbol) -> None:
        """Add one instrument to the listing (replacing an earlier entry of it)."""
        self._forward[instrument] = symbol
        self._by_token[(symbol.segment, symbol.token)] = instrument  # type: ignore[assignment]
        self._by_symbol[(symbol.exchange, symbol.symbol)] = instrument  # type: ignore[assignment]

    def resolve(self, instrument: Instrument) -> BrokerSymbol:
        try:
            return self._forward[instrument]
        except KeyError:
            raise InstrumentNotFoundError(f"{instrument} is not listed", broker=self.broker) from None

    def by_token(self, segment: str, token: str) -> AnyInstrument:
        self.token_lookups[(segment, token)] += 1
        try:
            return self._by_token[(segment, token)]
        except KeyError:
            raise InstrumentNotFoundError(f"no instrument with token {segment}:{token}", broker=self.broker) from None

    def by_symbol(self, exchange: str, symbol: str) -> AnyInstrument:
        try:
            return self._by_symbol[(exchange, symbol)]
        except KeyError:
            raise InstrumentNotFoundError(f"no instrument {exchange}:{symbol}", broker=self.broker) from None

    def now(self) -> _dt.datetime:
        return self._now

    def known_order(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    def known_gtt(self, gtt_id: str) -> Gtt | None:
        return self.gtts.get(gtt_id)
