"""The paper market's day: when it trades, and what the clock makes happen.

With a :class:`~tt_connect.calendar.MarketCalendar` the paper market opens and closes as the exchange
does, and as the engine's clock passes each point of a trading day the broker's end-of-day work runs,
in time order, however far the clock jumped:

* the start of a trading day (its first session): yesterday's delivery (CNC) buys settle T+1 into
  holdings and sales leave them, carried F&O (NRML) positions roll over, and the finished orders and
  trades of earlier days leave the books (brokers show today's);
* the auto square-off time (15:20 IST unless the broker says otherwise; ten minutes before the end of a
  shorter day such as muhurat): open intraday (MIS) orders are cancelled and MIS positions are closed
  with market orders tagged ``AUTO_SQUAREOFF``;
* the close (15:30): DAY orders still open expire (CANCELLED), and F&O positions in contracts expiring
  today are settled in cash at the final settlement price (the underlying's level; an option at its
  intrinsic value), as NSE settles index derivatives.

Without a calendar the market is always open and nothing is time-driven (emulators, whose tests run at
any hour, flip it with :meth:`PaperDay.force`).
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from tt_connect.calendar import MarketCalendar, MarketStatus
from tt_connect.paper.prices import on_tick_grid
from tt_connect.timeutil import IST

if TYPE_CHECKING:
    from collections.abc import Callable

    from tt_connect.paper.engine import PaperEngine, PaperPosition
    from tt_connect.paper.universe import UniverseRow
    from tt_connect.timeutil import Clock

    _Event = Callable[[_dt.datetime], None]

__all__ = ["DEFAULT_SQUARE_OFF", "PaperDay"]

DEFAULT_SQUARE_OFF = _dt.time(15, 20)
"""The usual broker square-off time for intraday NSE positions. Brokers differ (some square F&O off a
few minutes later; not verified per broker), so :class:`PaperDay` takes it as a parameter."""
_CLOSE = _dt.time(15, 30)
_HISTORY_CALENDAR = MarketCalendar()
_DAY_EXCHANGE = "NSE"
"""The exchange whose trading days drive settlement (NSE cash and F&O share their holidays)."""


class PaperDay:
    """The trading day of one :class:`PaperEngine`: open or closed now, and the day's events."""

    def __init__(self, engine: PaperEngine, calendar: MarketCalendar | None = None, *,
                 square_off_at: _dt.time = DEFAULT_SQUARE_OFF) -> None:
        self.engine = engine
        self.calendar = calendar
        self.square_off_at = square_off_at
        self.forced: bool | None = None
        """True/False: open/closed whatever the calendar says (a test's switch); None: follow it."""
        self.seen: _dt.datetime = engine.clock.now()
        self.trading_day: _dt.date | None = None
        """The trading day the books belong to (set at the first event; persisted with the state)."""
        self._busy = False

    # -- open or closed --------------------------------------------------------------------

    def force(self, is_open: bool | None) -> None:
        """Open or close the market regardless of the calendar (None: follow the calendar again)."""
        self.forced = is_open

    def status(self, exchange: str) -> MarketStatus | None:
        """Return the calendar's status of ``exchange`` now, or None when the market is always open."""
        if self.calendar is None:
            return None
        return self.calendar.market_status(exchange, self.engine.clock.now())

    def is_open(self, exchange: str = _DAY_EXCHANGE) -> bool:
        """True while orders on ``exchange`` trade continuously."""
        if self.forced is not None or self.calendar is None:
            return self.forced is not False
        window = self.calendar.session_at(exchange, self.engine.clock.now())
        return window is not None and window.matching

    def accepts(self, exchange: str) -> bool:
        """True when ``exchange`` takes regular orders now (the equity pre-open collects them).

        The closing session (15:40-16:00, trades at the closing price only) is not simulated: paper
        refuses regular orders in it, like the rest of the evening.
        """
        if self.forced is not None or self.calendar is None:
            return self.forced is not False
        window = self.calendar.session_at(exchange, self.engine.clock.now())
        return window is not None and window.accepts_orders and window.name != "closing"  # not simulated

    def closed_reason(self, exchange: str) -> str:
        """Say why a regular order is refused now, and when the market opens."""
        status = self.status(exchange)
        if status is None or self.forced is False:
            return f"the {exchange} market is closed"
        when = f"; it opens {status.next_open:%a %d %b %H:%M} IST" if status.next_open else ""
        return f"the {exchange} market is closed ({status.reason}){when}"

    def trades_on(self, day: _dt.date, exchange: str) -> bool:
        """True when ``exchange`` traded on ``day``: history skips holidays even in an always-open market."""
        return (self.calendar or _HISTORY_CALENDAR).is_trading_day(day, exchange)

    # -- the clock's events ----------------------------------------------------------------

    def catch_up(self) -> None:
        """Run every event between the last call and now, in time order."""
        if self.calendar is None or self._busy:
            return
        now = self.engine.clock.now().astimezone(IST)
        if now <= self.seen:
            return
        self._busy = True
        clock = self.engine.clock
        try:
            for when, event in self._events(self.seen, now):
                self.engine.clock = _At(when, clock)  # the event happens then, whenever the clock looked
                try:
                    event(when)
                finally:
                    self.engine.clock = clock
            self.seen = now
        finally:
            self._busy = False

    def _events(self, start: _dt.datetime, end: _dt.datetime) -> list[tuple[_dt.datetime, _Event]]:
        assert self.calendar is not None
        out: list[tuple[_dt.datetime, _Event]] = []
        day = start.astimezone(IST).date()
        while day <= end.date():
            sessions = [w for w in self.calendar.sessions(day, _DAY_EXCHANGE) if w.matching]
            if sessions:
                first = self.calendar.sessions(day, _DAY_EXCHANGE)[0].start
                out.append((first, self._roll))
                last_end = sessions[-1].end
                square = _dt.datetime.combine(day, self.square_off_at, IST)
                if square >= last_end:  # a short day (muhurat): ten minutes before its end
                    square = last_end - _dt.timedelta(minutes=10)
                out.append((square, self._square_off))
                out.append((max(_dt.datetime.combine(day, _CLOSE, IST), sessions[-1].end), self._close))
            day += _dt.timedelta(days=1)
        return [(when, event) for when, event in out if start < when <= end]

    def _roll(self, when: _dt.datetime) -> None:
        """A new trading day: settle yesterday's delivery trades, carry F&O, clear finished books."""
        engine = self.engine
        today = when.date()
        if self.trading_day is not None and self.trading_day >= today:
            return
        for key, pos in list(engine.positions.items()):
            row = engine.rows[pos.token]
            if row.kind == "EQ" and pos.product == "CNC":
                self._settle_delivery(pos)
                del engine.positions[key]
            elif pos.quantity == 0:
                del engine.positions[key]
            else:
                _carry(pos)
        for order_id, order in list(engine.orders.items()):
            if order.status not in ("OPEN", "TRIGGER_PENDING"):
                del engine.orders[order_id]
                engine.history.pop(order_id, None)
        engine.fills = [f for f in engine.fills if f.order_id in engine.orders]
        self.trading_day = today
        engine.persist()

    def _settle_delivery(self, pos: PaperPosition) -> None:
        """T+1: a day's CNC buys become holdings on the next trading day; its sales leave them."""
        holdings = self.engine.holdings
        held = holdings.get(pos.token)
        if pos.quantity > 0:
            from tt_connect.paper.engine import PaperHolding

            bought = pos.buy_value / pos.buy_quantity if pos.buy_quantity else pos.average_price
            old_qty, old_avg = (held.quantity, held.average_price) if held else (0, 0.0)
            total = old_qty + pos.quantity
            holdings[pos.token] = PaperHolding(token=pos.token, quantity=total,
                                               average_price=(old_avg * old_qty + bought * pos.quantity) / total)
        elif pos.quantity < 0 and held is not None:
            held.quantity += pos.quantity
            if held.quantity <= 0:
                del holdings[pos.token]

    def _square_off(self, when: _dt.datetime) -> None:
        """The broker's auto square-off of intraday positions."""
        from tt_connect.paper.engine import PaperRejection

        engine = self.engine
        for order in list(engine.orders.values()):
            if order.product == "MIS" and order.status in ("OPEN", "TRIGGER_PENDING"):
                engine.cancel_by_broker(order, "cancelled by the broker's intraday auto square-off")
        for pos in list(engine.positions.values()):
            if pos.product == "MIS" and pos.quantity:
                try:
                    engine.place(token=pos.token, side="SELL" if pos.quantity > 0 else "BUY",
                                 qty=abs(pos.quantity), order_type="MARKET", product="MIS", tag="AUTO_SQUAREOFF")
                except PaperRejection:
                    continue  # forced closed by a test: the position stays, as it would at a halted exchange

    def _close(self, when: _dt.datetime) -> None:
        """The close: DAY orders expire; contracts expiring today settle in cash."""
        engine = self.engine
        for order in list(engine.orders.values()):
            if order.status in ("OPEN", "TRIGGER_PENDING") and order.placed_at < when:
                engine.cancel_by_broker(order, "the order expired unfilled at the close")
        for pos in list(engine.positions.values()):
            row = engine.rows[pos.token]
            if row.expiry == when.date() and row.kind in ("FUT", "OPT") and pos.quantity:
                engine.settle(row, pos, settlement_price(engine, row))
        engine.persist()


def settlement_price(engine: PaperEngine, row: UniverseRow) -> float:
    """The final settlement price: the underlying's level for a future, the intrinsic value for an option."""
    spot = engine.market.underlying_level(row)
    if row.kind == "FUT":
        return on_tick_grid(spot, row.tick_size)
    assert row.strike is not None
    intrinsic = spot - row.strike if row.option_type == "CE" else row.strike - spot
    return on_tick_grid(max(intrinsic, 0.0), row.tick_size)


def _carry(pos: PaperPosition) -> None:
    """Roll an F&O position overnight: its quantity opens the new day at its average price."""
    qty = pos.quantity
    pos.buy_quantity, pos.buy_value = (qty, qty * pos.average_price) if qty > 0 else (0, 0.0)
    pos.sell_quantity, pos.sell_value = (-qty, -qty * pos.average_price) if qty < 0 else (0, 0.0)
    pos.realised = 0.0


class _At:
    """A clock stopped at one moment (an event's), whose monotonic time still runs."""

    def __init__(self, when: _dt.datetime, clock: Clock) -> None:
        self._when = when
        self._clock = clock

    def now(self) -> _dt.datetime:
        return self._when

    def monotonic(self) -> float:
        return self._clock.monotonic()
