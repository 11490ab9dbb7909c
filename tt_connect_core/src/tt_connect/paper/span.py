"""A SPAN-like margin model for one underlying's futures and options, with its parameters as dated data.

Why a scenario scan rather than a flat percentage per contract: the exchange margins every
contract of one underlying together, so a hedge (a credit spread, a covered call, a future with a
protective option) needs far less than its legs apart. NSE Clearing does this with SPAN; this
module follows its published method (see docs/paper-margins.md for the figures and what is left
out):

* 16 scenarios: the underlying moves by 0, +-1/3, +-2/3, +-3/3 of the price scan range (PSR),
  each with the volatility up and down by the volatility scan range (VSR); and two extreme moves
  of +-2 PSR at unchanged volatility of which 35 % of the loss counts. Options are repriced with
  Black-76 on their forward; a future is worth its price.
* SPAN = max(0, max(worst scenario loss, short option minimum) - net option value), NOV being
  the long options' value minus the short options' value at the last price (so a short's
  premium is blocked until it is credited, and a long option needs only its premium).
* Exposure margin: a percentage of the notional of futures (futures price) and short options
  (underlying price), index or stock rate; 2 % more on short index options on their expiry day.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
from collections.abc import Sequence

import msgspec

from tt_connect.options.black76 import DEFAULT_RATE, black76_price, implied_volatility

__all__ = ["PARAMETERS_AS_OF", "PARAMETERS_SOURCE", "SCENARIOS", "SpanLeg", "SpanParameters", "SpanResult",
           "span_margin"]

PARAMETERS_AS_OF = _dt.date(2024, 7, 4)
PARAMETERS_SOURCE = ("NSE Clearing, 'SPAN Risk Parameters' (equity derivatives, updated 04-07-2024): price scan "
                     "range 6 sigma x sqrt(2) with floors 9.3 % (index), 17.7 % (index options over 9 months), "
                     "14.2 % (stock); volatility scan range 25 % of annualised volatility with floors 4 % "
                     "(index), 10 % (stock). Exposure margin: SEBI's rates, 2 % of notional for index "
                     "derivatives, higher of 3.5 % or 1.5 sigma for stock derivatives.")

SCENARIOS: tuple[tuple[float, int, float], ...] = (
    (0.0, 1, 1.0), (0.0, -1, 1.0),
    (1 / 3, 1, 1.0), (1 / 3, -1, 1.0), (-1 / 3, 1, 1.0), (-1 / 3, -1, 1.0),
    (2 / 3, 1, 1.0), (2 / 3, -1, 1.0), (-2 / 3, 1, 1.0), (-2 / 3, -1, 1.0),
    (1.0, 1, 1.0), (1.0, -1, 1.0), (-1.0, 1, 1.0), (-1.0, -1, 1.0),
    (2.0, 0, 0.35), (-2.0, 0, 0.35),
)
"""SPAN's 16 risk-array scenarios in their standard order: (price move in PSRs, volatility move in VSRs,
fraction of the loss that counts). The extreme moves' 35 % cover is SPAN's customary figure (approximate)."""


class SpanParameters(msgspec.Struct, frozen=True, kw_only=True):
    """The exchange's margin parameters; the defaults are NSE Clearing's (see :data:`PARAMETERS_SOURCE`)."""

    sigma_multiple: float = 6.0
    """PSR = sigma_multiple x daily sigma x sqrt(holding_days), floored below."""
    holding_days: float = 2.0
    psr_floor_index: float = 0.093
    psr_floor_index_long_dated: float = 0.177
    """Index options with more than nine months to expiry."""
    psr_floor_stock: float = 0.142
    vsr_fraction: float = 0.25
    vsr_floor_index: float = 0.04
    vsr_floor_stock: float = 0.10
    extreme_multiple: float = 2.0
    som_rate_index: float = 0.0
    """Short option minimum, a fraction of the short options' notional. NSE's current SPAN files carry
    zero (read from the published .spn files by a third party; unverified); the older circulars' 3 %."""
    som_rate_stock: float = 0.0
    """As above; the older circulars' 7.5 %."""
    exposure_index: float = 0.02
    exposure_stock: float = 0.035
    exposure_stock_sigmas: float = 1.5
    expiry_day_exposure_index: float = 0.02
    """Extra exposure margin on short index options on their expiry day (SEBI's October 2024 measures
    for index derivatives, in force from 20 November 2024)."""
    trading_days: float = 252.0
    rate: float = DEFAULT_RATE

    def daily_sigma(self, annual_vol: float) -> float:
        return annual_vol / math.sqrt(self.trading_days)

    def price_scan_range(self, annual_vol: float, *, index: bool, years: float = 0.0) -> float:
        """Return the PSR as a fraction of the underlying's price."""
        floor = self.psr_floor_stock
        if index:
            floor = self.psr_floor_index_long_dated if years > 0.75 else self.psr_floor_index
        return max(self.sigma_multiple * self.daily_sigma(annual_vol) * math.sqrt(self.holding_days), floor)

    def volatility_scan_range(self, annual_vol: float, *, index: bool) -> float:
        """Return the VSR in volatility points (0.04 = four points), applied up and down."""
        return max(self.vsr_fraction * annual_vol, self.vsr_floor_index if index else self.vsr_floor_stock)

    def exposure_rate(self, annual_vol: float, *, index: bool) -> float:
        if index:
            return self.exposure_index
        return max(self.exposure_stock, self.exposure_stock_sigmas * self.daily_sigma(annual_vol))

    def som_rate(self, *, index: bool) -> float:
        return self.som_rate_index if index else self.som_rate_stock


NSE = SpanParameters()


class SpanLeg(msgspec.Struct, frozen=True, kw_only=True):
    """One contract's net quantity (long +, short -) with what it takes to reprice it."""

    quantity: int
    price: float
    """Last price: the future's, or the option's premium."""
    forward: float
    """The future's price, or the option's forward (the same-expiry future, else spot carried)."""
    years: float
    strike: float | None = None
    call: bool = True
    fallback_vol: float = 0.2
    """Used when no volatility reprices ``price`` (a premium below intrinsic, on its tick floor)."""
    expires_today: bool = False

    @property
    def is_option(self) -> bool:
        return self.strike is not None


class SpanResult(msgspec.Struct, frozen=True, kw_only=True):
    """One underlying's requirement and how it was reached (rupees)."""

    losses: tuple[float, ...]
    """The portfolio's loss in each of the 16 scenarios (gains negative), cover fraction applied."""
    scan_risk: float
    short_option_minimum: float
    net_option_value: float
    span: float
    exposure: float
    psr: float
    vsr: float

    @property
    def total(self) -> float:
        return self.span + self.exposure


EMPTY = SpanResult(losses=(0.0,) * len(SCENARIOS), scan_risk=0.0, short_option_minimum=0.0, net_option_value=0.0,
                   span=0.0, exposure=0.0, psr=0.0, vsr=0.0)


@functools.lru_cache(maxsize=8192)
def _unit_losses(price: float, forward: float, years: float, strike: float | None, call: bool, fallback_vol: float,
                 psr: float, vsr: float, rate: float) -> tuple[float, ...]:
    """One long unit's loss in each scenario (its risk array), memoised: a used-margin sum rescans the
    same contracts once per open order."""
    vol = 0.0
    if strike is not None:
        implied = implied_volatility(price, forward, strike, years, call=call, rate=rate)
        vol = implied if implied is not None else fallback_vol
    losses = []
    for move, vol_move, cover in SCENARIOS:
        moved = forward * (1.0 + move * psr)
        value = moved if strike is None else black76_price(moved, strike, years, max(vol + vol_move * vsr, 1e-4),
                                                           call=call, rate=rate)
        losses.append(cover * (price - value))
    return tuple(losses)


def span_margin(legs: Sequence[SpanLeg], *, spot: float, annual_vol: float, index: bool,
                params: SpanParameters = NSE) -> SpanResult:
    """Return the SPAN and exposure margin of one underlying's net positions ``legs``."""
    legs = [leg for leg in legs if leg.quantity]
    if not legs:
        return EMPTY
    vsr = params.volatility_scan_range(annual_vol, index=index)
    losses = [0.0] * len(SCENARIOS)
    nov = som_units = exposure_notional = expiry_notional = 0.0
    widest = 0.0
    for leg in legs:
        psr = params.price_scan_range(annual_vol, index=index, years=leg.years)
        widest = max(widest, psr)
        unit = _unit_losses(leg.price, leg.forward, leg.years, leg.strike, leg.call, leg.fallback_vol, psr, vsr,
                            params.rate)
        for j, loss in enumerate(unit):
            losses[j] += leg.quantity * loss
        if leg.is_option:
            nov += leg.quantity * leg.price
            if leg.quantity < 0:
                som_units += -leg.quantity
                exposure_notional += -leg.quantity * spot
                if leg.expires_today and index:
                    expiry_notional += -leg.quantity * spot
        else:
            exposure_notional += abs(leg.quantity) * leg.price
    scan = max(0.0, *losses)
    som = params.som_rate(index=index) * som_units * spot
    span = max(0.0, max(scan, som) - nov)
    exposure = (params.exposure_rate(annual_vol, index=index) * exposure_notional
                + params.expiry_day_exposure_index * expiry_notional)
    return SpanResult(losses=tuple(losses), scan_risk=scan, short_option_minimum=som, net_option_value=nov,
                      span=span, exposure=exposure, psr=widest, vsr=vsr)
