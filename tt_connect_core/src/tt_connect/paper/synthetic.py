"""The synthetic market: seeded prices, a five-level book and candles, all in process.

The :class:`~tt_connect.paper.market.MarketSource` of the built-in paper broker and of
every emulator. Prices come from :class:`~tt_connect.paper.prices.PriceModel`; an order
fills in full at the touch (the book's sizes are decoration), which keeps the account's
accounting easy to check.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Callable
from typing import Any

from tt_connect.paper.engine import PaperQuote
from tt_connect.paper.market import Execution
from tt_connect.paper.prices import PriceModel, on_tick_grid
from tt_connect.paper.rules import band_on_grid
from tt_connect.paper.universe import UniverseRow
from tt_connect.timeutil import IST, Clock

__all__ = ["SyntheticMarket"]


class SyntheticMarket:
    """A seeded market over a universe of rows.

    ``sequence`` returns a number that changes as the account trades (the engine's order
    counter): the book's sizes are redrawn from it, so they vary but stay reproducible.
    ``trades_on(day, exchange)`` says which days have candles (the engine's calendar; default
    Monday to Friday).
    """

    def __init__(self, rows: dict[int, UniverseRow], seed: int, clock: Clock,
                 sequence: Callable[[], int] = lambda: 0,
                 trades_on: Callable[[_dt.date, str], bool] = lambda day, exchange: day.weekday() < 5) -> None:
        self.rows = rows
        self.prices = PriceModel(list(rows.values()), seed)
        self._rng = random.Random(seed)
        self._seed = seed
        self._clock = clock
        self._sequence = sequence
        self._trades_on = trades_on
        self._day_ohlc: dict[int, list[float]] = {}
        self._prev_close: dict[int, float] = {}

    def ltp(self, token: int) -> float:
        price = self.prices.fair(token, self._clock.now())
        ohlc = self._day_ohlc.get(token)
        if ohlc is None:
            self._day_ohlc[token] = [price, price, price]
            self._prev_close[token] = on_tick_grid(price * (1 - self._rng.uniform(-0.01, 0.01)),
                                                   self.rows[token].tick_size)
        else:
            ohlc[1] = max(ohlc[1], price)
            ohlc[2] = min(ohlc[2], price)
        return price

    def touch(self, token: int) -> tuple[float, float]:
        row = self.rows[token]
        last = self.ltp(token)
        half = self.prices.spread_ticks(token) * row.tick_size
        bid = max(on_tick_grid(last - half, row.tick_size), row.tick_size)
        return bid, on_tick_grid(last + half, row.tick_size)

    def previous_close(self, token: int) -> float:
        self.ltp(token)  # seeds the previous close
        return self._prev_close.get(token, 0.0)

    def underlying_level(self, row: UniverseRow) -> float:
        return self.prices.levels[row.underlying]

    def underlying_volatility(self, row: UniverseRow) -> float:
        return self.prices.vols[row.underlying]

    def quote(self, token: int) -> PaperQuote:
        row = self.rows[token]
        bid, ask = self.touch(token)
        tick = row.tick_size
        lot = row.lot_size
        level = int(self.prices.levels[row.underlying] * 100)
        rng = random.Random(hash((self._seed, token, self._sequence(), level)))
        bids = tuple((on_tick_grid(bid - i * tick, tick), rng.randrange(1, 40) * lot, rng.randrange(1, 12))
                     for i in range(5) if bid - i * tick > 0)
        asks = tuple((on_tick_grid(ask + i * tick, tick), rng.randrange(1, 40) * lot, rng.randrange(1, 12))
                     for i in range(5))
        last = self.ltp(token)
        o, h, low = self._day_ohlc[token]
        oi = 0 if row.kind in ("EQ", "IDX") else 1000 * lot + (token * 7919) % (500 * lot)
        band = band_on_grid(row, self._prev_close[token])
        return PaperQuote(token=token, last_price=last, last_quantity=lot, volume=self.prices.drift_volume(token)
                          if row.kind != "IDX" else 0, open=o, high=h, low=low, close=self._prev_close[token],
                          oi=oi, bids=bids if row.kind != "IDX" else (), asks=asks if row.kind != "IDX" else (),
                          timestamp=self._clock.now(), lower_circuit=band[0] if band else 0.0,
                          upper_circuit=band[1] if band else 0.0)

    def executions(self, token: int, side: str, qty: int, limit: float | None, arriving: bool) -> list[Execution]:
        """All of ``qty`` at the touch, when the order is a market one or its limit is marketable."""
        bid, ask = self.touch(token)
        touch = ask if side == "BUY" else bid
        if limit is not None and not (touch <= limit if side == "BUY" else touch >= limit):
            return []
        return [(qty, touch)]

    def step(self, seconds: float) -> None:
        self.prices.step(seconds)

    def traded(self, token: int, qty: int) -> None:
        self.prices.trade(token, qty)

    # -- history ---------------------------------------------------------------------------

    def candles(self, token: int, interval: int, start: _dt.datetime, end: _dt.datetime) -> list[tuple[Any, ...]]:
        """Deterministic synthetic candles (timestamp, o, h, l, c, volume, oi) in market hours, never after now."""
        row = self.rows[token]
        out: list[tuple[Any, ...]] = []
        end = min(end, self._now_like(end))
        day = start.date()
        while day <= end.date():
            if self._trades_on(day, row.exchange):
                out.extend(self._day_candles(row, day, interval, start, end))
            day += _dt.timedelta(days=1)
        return out

    def _now_like(self, moment: _dt.datetime) -> _dt.datetime:
        """Now, naive IST when ``moment`` is naive (emulators pass the broker's naive IST stamps)."""
        now = self._clock.now().astimezone(IST)
        return now.replace(tzinfo=None) if moment.tzinfo is None else now

    def _day_candles(self, row: UniverseRow, day: _dt.date, interval: int, start: _dt.datetime,
                     end: _dt.datetime) -> list[tuple[Any, ...]]:
        rng = random.Random(hash((self._seed, row.token, day.toordinal())))
        days_back = (self._clock.now().date() - day).days
        drift = random.Random(hash((self._seed, row.token, 7777))).uniform(-0.0004, 0.0006)
        level = row.base_price * (1 - drift * days_back) * (1 + rng.uniform(-0.01, 0.01))
        tz = start.tzinfo
        open_at = _dt.datetime.combine(day, _dt.time(9, 15), tz)
        minutes = min(375, int((self._now_like(open_at) - open_at).total_seconds() // 60))  # today: what has traded
        if minutes <= 0:
            return []
        step = max(interval // 60, 1)
        vol = row.volatility / (252 * 375) ** 0.5
        out = []
        price = level
        oi_base = 0 if row.kind in ("EQ", "IDX") else 1000 * row.lot_size
        for begin in range(0, minutes, step if interval < 86400 else minutes):
            span = min(step if interval < 86400 else minutes, minutes - begin)
            o = price
            hi = lo = o
            for _ in range(span):
                price *= 1 + rng.gauss(0, vol)
                hi, lo = max(hi, price), min(lo, price)
            stamp = open_at + _dt.timedelta(minutes=begin)
            if interval >= 86400:
                stamp = _dt.datetime.combine(day, _dt.time(0, 0), tz)
            daily = interval >= 86400
            if (start.date() <= day <= end.date()) if daily else (start <= stamp <= end):
                tick = row.tick_size
                out.append((stamp, on_tick_grid(o, tick), on_tick_grid(hi, tick), on_tick_grid(lo, tick),
                            on_tick_grid(price, tick), 0 if row.kind == "IDX" else rng.randrange(1, 500) * 100,
                            oi_base + rng.randrange(0, 100) * row.lot_size if oi_base else 0))
        return out
