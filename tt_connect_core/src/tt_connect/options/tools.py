"""What an options trader reaches for on the client: the chain with Greeks, expiries by name, strikes by ATM offset.

A mixin of :class:`~tt_connect.client.AsyncTTConnect` (the blocking client forwards it): the methods
read the runtime's catalogue and market data, so they work on every driver that quotes options.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from tt_connect.enums import InstrumentKind, OptionType
from tt_connect.errors import BrokerUnavailableError, InputError, InstrumentNotFoundError
from tt_connect.instruments import Future, Instrument, Option
from tt_connect.options.black76 import DEFAULT_RATE
from tt_connect.request_builder.coerce import boolean, enum_value, number

if TYPE_CHECKING:
    from tt_connect.instruments_db import OptionChain
    from tt_connect.market_data import MarketData
    from tt_connect.runtime import Runtime

__all__ = ["EXPIRY_NAMES", "OptionTools"]

EXPIRY_NAMES = ("nearest", "weekly", "monthly", "next_monthly")
"""``weekly`` is the nearest expiry (this week's for weekly series); ``monthly`` the last of this month."""


class OptionTools:
    """Option-chain analytics and strike selection (mixed into the client)."""

    _rt: Runtime
    _market: MarketData

    def expiry(self, underlying: str, which: str = "nearest", kind: InstrumentKind | str = InstrumentKind.OPT
               ) -> _dt.date:
        """Return an expiry by name: ``nearest``/``weekly``, ``monthly`` or ``next_monthly``."""
        catalogue, today = self._rt.catalogue(), self._rt.clock.now().date()
        series = enum_value(InstrumentKind, kind, "kind")
        name = str(which).strip().lower() if isinstance(which, str) else which
        if name in ("nearest", "weekly"):
            return catalogue.nearest_expiry(underlying, kind=series, on_or_after=today)
        if name == "monthly":
            return catalogue.monthly_expiry(underlying, kind=series, on_or_after=today)
        if name == "next_monthly":
            this = catalogue.monthly_expiry(underlying, kind=series, on_or_after=today)
            return catalogue.monthly_expiry(underlying, kind=series, on_or_after=this + _dt.timedelta(days=1))
        raise InputError(f"which must be one of {', '.join(EXPIRY_NAMES)}, got {which!r}")

    def _expiry_arg(self, underlying: str, expiry: object) -> _dt.date:
        if isinstance(expiry, str) and expiry.strip().lower() in EXPIRY_NAMES:
            return self.expiry(underlying, expiry)
        from tt_connect.instruments import coerce_expiry

        return coerce_expiry(expiry)

    async def underlying_price(self, underlying: str, expiry: object = "nearest") -> float:
        """Return the underlying's live price: its index or stock, else the expiry's future."""
        catalogue = self._rt.catalogue()
        spot = catalogue.spot_of(underlying)
        if spot is not None:
            return await self._last_price(spot)
        future = self._future(underlying, self._expiry_arg(underlying, expiry))
        if future is None:
            raise InstrumentNotFoundError(f"{self._rt.name} lists no index, stock or future to price {underlying}",
                                          broker=self._rt.name)
        return await self._last_price(future)

    async def _last_price(self, instrument: Instrument) -> float:
        prices = await self._market.ltp(instrument)
        if instrument not in prices:  # a reply that left the instrument out: transient, never a KeyError
            raise BrokerUnavailableError(f"{self._rt.name} returned no last price for {instrument}",
                                         broker=self._rt.name)
        return prices[instrument]

    def _future(self, underlying: str, expiry: _dt.date) -> Future | None:
        try:
            futures = self._rt.catalogue().futures(underlying)
        except InstrumentNotFoundError:
            return None
        return next((f for f in futures if f.expiry == expiry), None)

    async def option(self, underlying: str, expiry: _dt.date | str = "nearest", offset: int = 0,
                     option_type: OptionType | str = OptionType.CE) -> Option:
        """Return the option ``offset`` listed strikes above (+) or below (-) the money.

        ATM is the listed strike nearest the underlying's live (spot) price; the chain's ``atm_strike``
        is the one nearest the forward, which carry puts a little higher. For a call +n is n strikes out
        of the money; for a put +n is n strikes in the money. ``expiry`` is a date or a name
        (``nearest``, ``weekly``, ``monthly``, ``next_monthly``).
        """
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise InputError(f"offset must be a whole number of strikes, got {offset!r}")
        kind = enum_value(OptionType, option_type, "option_type")
        day = self._expiry_arg(underlying, expiry)
        strikes = self._rt.catalogue().strikes(underlying, day)
        price = await self.underlying_price(underlying, day)
        atm = min(range(len(strikes)), key=lambda i: abs(strikes[i] - price))
        index = atm + offset
        if not 0 <= index < len(strikes):
            raise InstrumentNotFoundError(f"{underlying} {day} lists {len(strikes)} strikes; ATM is {strikes[atm]:g}, "
                                          f"so offset {offset:+d} is off the chain", broker=self._rt.name)
        return Option(exchange=self._exchange_of(underlying, day), symbol=underlying.strip().upper(), expiry=day,
                      strike=strikes[index], option_type=kind)

    def _exchange_of(self, underlying: str, expiry: _dt.date) -> Any:
        chain = self._rt.catalogue().option_chain(underlying, expiry)
        listed = next(leg for row in chain.rows for leg in (row.call, row.put) if leg is not None)
        return listed.exchange

    async def option_chain(self, underlying: str, expiry: _dt.date | str, with_quotes: bool = False,
                           with_greeks: bool = False, rate: float = DEFAULT_RATE) -> OptionChain:
        """Return the calls and puts of one expiry by strike; with quotes, and with Greeks when asked.

        ``with_greeks`` quotes every contract, the expiry's future and the underlying in one moment
        and adds each contract's IV, delta, gamma, theta (per day) and vega (per vol point) on
        Black-76 (see :mod:`tt_connect.options.black76`), plus the forward, ATM strike, PCR (open
        interest) and max pain. ``expiry`` is a date or a name (``monthly``...).
        """
        from tt_connect.options.chain import analysed

        day = self._expiry_arg(underlying, expiry)
        chain = self._rt.catalogue().option_chain(underlying, day)
        greeks = boolean(with_greeks, "with_greeks")
        if not (boolean(with_quotes, "with_quotes") or greeks):
            return chain
        contracts: list[Instrument] = [c for row in chain.rows for c in (row.call, row.put) if c is not None]
        future = self._future(underlying, day) if greeks else None
        spot = self._rt.catalogue().spot_of(underlying) if greeks else None
        extra = [i for i in (future, spot) if i is not None]
        quotes = await self._market.quote([*contracts, *extra]) if contracts else {}
        if not greeks:
            return chain.with_quotes(quotes)
        rate_value = number(rate, "rate", InputError, minimum=0.0)
        return analysed(chain, quotes, future_price=quotes[future].last_price if future in quotes else None,
                        spot=quotes[spot].last_price if spot in quotes else None, now=self._rt.clock.now(),
                        rate=rate_value)
