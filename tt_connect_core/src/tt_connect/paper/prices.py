"""The paper market's price process: seeded GBM for underlyings, derived derivatives.

Only equities and index levels move on their own (geometric Brownian motion,
one seeded RNG). Futures follow spot with carry; options are priced from the
underlying with Black-Scholes at a volatility smile, floored at one tick, so
a chain is always internally consistent. Everything snaps to the tick grid.
"""

from __future__ import annotations

import datetime as _dt
import math
import random

from tt_connect.paper.universe import UniverseRow
from tt_connect.timeutil import IST

__all__ = ["PriceModel", "on_tick_grid"]

_YEAR = 365.0 * 24 * 3600
_RATE = 0.065
_EXPIRY_TIME = _dt.time(15, 30)


def on_tick_grid(price: float, tick: float) -> float:
    """Round a price to the nearest multiple of the tick size."""
    return round(round(price / tick) * tick, 4)


def _norm_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def black_scholes(spot: float, strike: float, years: float, vol: float, call: bool) -> float:
    """European option value (no dividends)."""
    if years <= 0 or vol <= 0:
        return max(spot - strike, 0.0) if call else max(strike - spot, 0.0)
    sq = vol * math.sqrt(years)
    d1 = (math.log(spot / strike) + (_RATE + 0.5 * vol * vol) * years) / sq
    d2 = d1 - sq
    disc = math.exp(-_RATE * years)
    if call:
        return spot * _norm_cdf(d1) - strike * disc * _norm_cdf(d2)
    return strike * disc * _norm_cdf(-d2) - spot * _norm_cdf(-d1)


class PriceModel:
    """Prices of every token at the engine's current time."""

    def __init__(self, rows: list[UniverseRow], seed: int) -> None:
        self._rng = random.Random(seed * 7919 + 17)
        self.rows = {row.token: row for row in rows}
        # Underlying levels are keyed by underlying symbol: an index and its futures share one.
        self.levels: dict[str, float] = {}
        self.vols: dict[str, float] = {}
        for row in rows:
            if row.kind in ("EQ", "IDX"):
                self.levels.setdefault(row.underlying, row.base_price)
                self.vols.setdefault(row.underlying, row.volatility)
        self.volume: dict[int, int] = {}

    def step(self, seconds: float) -> None:
        """Advance every underlying by ``seconds`` of market time."""
        if seconds <= 0:
            return
        dt = seconds / (252 * 6.25 * 3600)  # trading-time fraction of a year
        gauss = self._rng.gauss
        for name, level in self.levels.items():
            vol = self.vols[name]
            self.levels[name] = level * math.exp(-0.5 * vol * vol * dt + vol * math.sqrt(dt) * gauss(0.0, 1.0))

    def years_to_expiry(self, expiry: _dt.date, now: _dt.datetime) -> float:
        return years_to_expiry(expiry, now)

    def fair(self, token: int, now: _dt.datetime) -> float:
        """Return the model price of a token, on its tick grid and at least one tick."""
        row = self.rows[token]
        spot = self.levels[row.underlying]
        if row.kind in ("EQ", "IDX"):
            price = spot
        elif row.kind == "FUT":
            assert row.expiry is not None
            price = spot * math.exp(_RATE * self.years_to_expiry(row.expiry, now))
        else:
            assert row.expiry is not None and row.strike is not None
            moneyness = math.log(row.strike / spot)
            smile = row.volatility * (1.0 + 1.8 * moneyness * moneyness - 0.25 * moneyness)
            price = black_scholes(spot, row.strike, self.years_to_expiry(row.expiry, now), smile,
                                  row.option_type == "CE")
        return max(on_tick_grid(price, row.tick_size), row.tick_size)

    def spread_ticks(self, token: int) -> int:
        """Half-spread in ticks: wider for options and thin names."""
        row = self.rows[token]
        return 2 if row.kind == "OPT" else 1

    def trade(self, token: int, quantity: int) -> None:
        self.volume[token] = self.volume.get(token, 0) + quantity

    def drift_volume(self, token: int) -> int:
        """Simulated exchange volume, growing as the market trades."""
        base = self.volume.get(token, 0) + self._rng.randrange(1, 50) * self.rows[token].lot_size
        self.volume[token] = base
        return base


def years_to_expiry(expiry: _dt.date, now: _dt.datetime) -> float:
    """Years from ``now`` to the contract's close on ``expiry`` (at least an hour: no zero-time repricing)."""
    close = _dt.datetime.combine(expiry, _EXPIRY_TIME, IST)
    return max((close - now).total_seconds(), 3600.0) / _YEAR
