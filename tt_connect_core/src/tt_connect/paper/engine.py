"""The paper trading engine: orders, matching, positions, holdings and funds.

Broker-neutral and synchronous (no event loop), so the paper driver hosts it
in-process and broker emulators host it behind real HTTP servers. It speaks in
its own tokens and plain strings; translating to canonical models is the
drivers' job.

Accounting (every identity is tested):

* ``available_margin == available_cash - used_margin``;
* cash moves with equity delivery (CNC) and option premiums at each fill;
  futures and intraday (MIS) equity move no cash at fill, their realised P&L
  is credited when a position is reduced;
* used margin (:mod:`tt_connect.paper.margins`): SPAN-like + exposure margin of the
  futures and options per underlying, MIS equity 20% of value, plus what open orders block.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from tt_connect.calendar import MarketCalendar
from tt_connect.paper import margins
from tt_connect.paper.prices import on_tick_grid
from tt_connect.paper.rules import FREEZE_QUANTITIES, band_on_grid
from tt_connect.paper.session import DEFAULT_SQUARE_OFF, PaperDay
from tt_connect.paper.triggers import GttBook, PaperGtt
from tt_connect.paper.universe import UniverseRow
from tt_connect.timeutil import Clock, SystemClock

if TYPE_CHECKING:
    from tt_connect.paper.market import MarketSource

__all__ = ["PaperEngine", "PaperFill", "PaperOrder", "PaperPosition", "PaperQuote", "PaperRejection"]

ORDER_TYPES = ("MARKET", "LIMIT", "SL", "SL_M")
SIDES = ("BUY", "SELL")
CASH_PRODUCTS = ("CNC", "MIS")
DERIVATIVE_PRODUCTS = ("NRML", "MIS")
VALIDITIES = ("DAY", "IOC")


class PaperRejection(Exception):
    """The paper broker refuses a request; ``code`` says why."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class PaperOrder(msgspec.Struct, kw_only=True):
    """An order in the paper book (mutable inside the engine; copies go out)."""

    order_id: str
    token: int
    side: str
    qty: int
    order_type: str
    product: str
    validity: str
    price: float
    trigger_price: float
    status: str
    tag: str
    placed_at: _dt.datetime
    updated_at: _dt.datetime
    filled_qty: int = 0
    average_price: float = 0.0
    cancelled_qty: int = 0
    message: str = ""
    exchange_order_id: str = ""
    variety: str = "REGULAR"
    rejection_code: str = ""
    """The refusal code of a REJECTED order (``FUNDS``, ``PRICE_BAND``...): emulators render it as
    their broker does."""


class PaperFill(msgspec.Struct, frozen=True, kw_only=True):
    """One execution."""

    trade_id: str
    order_id: str
    token: int
    side: str
    qty: int
    price: float
    product: str
    time: _dt.datetime
    exchange_order_id: str


class PaperPosition(msgspec.Struct, kw_only=True):
    """Net position of one token and product."""

    token: int
    product: str
    quantity: int = 0
    average_price: float = 0.0
    buy_quantity: int = 0
    buy_value: float = 0.0
    sell_quantity: int = 0
    sell_value: float = 0.0
    realised: float = 0.0


class PaperHolding(msgspec.Struct, kw_only=True):
    """A delivery holding carried from before today."""

    token: int
    quantity: int
    average_price: float


class PaperQuote(msgspec.Struct, frozen=True, kw_only=True):
    """A market snapshot of one token."""

    token: int
    last_price: float
    last_quantity: int
    volume: int
    open: float
    high: float
    low: float
    close: float
    oi: int
    bids: tuple[tuple[float, int, int], ...]
    asks: tuple[tuple[float, int, int], ...]
    timestamp: _dt.datetime
    lower_circuit: float = 0.0
    """The day's price band (0.0 where paper has none: options, indices), as exchanges publish in quotes."""
    upper_circuit: float = 0.0


class _State(msgspec.Struct, kw_only=True):
    """What persists between runs."""

    cash: float
    capital: float
    counter: int
    orders: list[PaperOrder]
    fills: list[PaperFill]
    positions: list[PaperPosition]
    holdings: list[PaperHolding]
    gtts: list[PaperGtt] = msgspec.field(default_factory=list)
    """GTTs live for a year, so they must outlive the process (absent from older state files)."""
    gtt_counter: int = 0
    seen: _dt.datetime | None = None
    """The last moment the day's events ran to (a restart replays the square-offs and settlements since)."""
    trading_day: _dt.date | None = None


Listener = Callable[[str, Any], None]


class PaperEngine:
    """An in-process market and account.

    Parameters
    ----------
    rows
        The universe (see :func:`tt_connect.paper.universe.build_universe`).
    seed
        Seeds the price process: the same seed gives the same market.
    capital
        Opening cash balance in rupees.
    clock
        Wall clock for timestamps and time to expiry.
    state_file
        When set, the account is loaded from and saved to this JSON file.
    calendar
        Open and close with this exchange calendar, read against ``clock``, and run the day's
        square-off, expiry and settlement (:mod:`tt_connect.paper.session`); None: always open.
    square_off_at
        The broker's intraday (MIS) auto square-off time, IST.
    market
        Where prices, books and candles come from (default: the seeded synthetic market).
    charges
        Debit each fill's brokerage, taxes and fees (:func:`tt_connect.paper.margins.charges`) from cash.
    """

    def __init__(self, rows: list[UniverseRow], *, seed: int = 7, capital: float = 1_000_000.0,
                 clock: Clock | None = None, state_file: str | None = None, calendar: MarketCalendar | None = None,
                 square_off_at: _dt.time = DEFAULT_SQUARE_OFF, market: MarketSource | None = None,
                 charges: bool = False) -> None:
        self.rows = {row.token: row for row in rows}
        self.clock: Clock = clock or SystemClock()
        if market is None:
            from tt_connect.paper.synthetic import SyntheticMarket

            market = SyntheticMarket(self.rows, seed, self.clock, sequence=lambda: self._counter,
                                     trades_on=lambda day, exchange: self.day.trades_on(day, exchange))
        self.market: MarketSource = market
        self.charges = charges
        self._seed = seed
        self._state_file = state_file
        self._listeners: list[Listener] = []
        self.orders: dict[str, PaperOrder] = {}
        self.history: dict[str, list[PaperOrder]] = {}
        self.fills: list[PaperFill] = []
        self.positions: dict[tuple[int, str], PaperPosition] = {}
        self.holdings: dict[int, PaperHolding] = {}
        self.capital = capital
        self.cash = capital
        self._counter = 0
        self.triggers = GttBook(self)
        self.day = PaperDay(self, calendar, square_off_at=square_off_at)
        if state_file and Path(state_file).exists():
            self._restore(Path(state_file))
        elif not self.holdings:
            self._seed_holdings()

    @property
    def market_open(self) -> bool:
        """False: the market is closed; regular orders are refused (MARKET_CLOSED), AMO ones wait."""
        return self.day.is_open()

    # -- events ----------------------------------------------------------------------------

    def listen(self, listener: Listener) -> None:
        """Call ``listener("order", PaperOrder)`` on every order state change."""
        self._listeners.append(listener)

    def unlisten(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, kind: str, payload: Any) -> None:
        for listener in list(self._listeners):
            listener(kind, payload)

    # -- lookups ---------------------------------------------------------------------------

    def row(self, token: int) -> UniverseRow:
        row = self.rows.get(token)
        if row is None:
            raise PaperRejection("NOT_FOUND", f"unknown instrument token {token}", 404)
        return row

    def ltp(self, token: int) -> float:
        return self.market.ltp(token)

    def touch(self, token: int) -> tuple[float, float]:
        """Return (best bid, best ask) around the current price."""
        self.row(token)
        return self.market.touch(token)

    def quote(self, token: int) -> PaperQuote:
        """Return a full snapshot with depth (five levels each side on the synthetic market)."""
        self.row(token)
        return self.market.quote(token)

    # -- the market moves ------------------------------------------------------------------

    def step(self, seconds: float) -> None:
        """Advance prices by ``seconds`` and fill or trigger resting orders."""
        self.day.catch_up()
        self.market.step(seconds)
        for order in list(self.orders.values()):
            if order.status in ("OPEN", "TRIGGER_PENDING") and self.day.is_open(self.rows[order.token].exchange):
                self._work(order)
        if not self.market_open:
            return
        self.triggers.evaluate()

    # -- orders ----------------------------------------------------------------------------

    def _next_id(self) -> str:
        self._counter += 1
        return f"{self.clock.now():%y%m%d}{self._counter:08d}"

    def place_or_reject(self, *, token: int, side: str, qty: int, order_type: str, product: str,
                        price: float = 0.0, trigger_price: float = 0.0, validity: str = "DAY",
                        tag: str = "", amo: bool = False) -> PaperOrder:
        """Like :meth:`place`, but a refusal becomes a REJECTED order in the book, with its reason.

        That is how most brokers report risk refusals (funds, lot size, holdings):
        the placement call succeeds and the order shows up rejected. An unknown
        instrument still raises.
        """
        try:
            return self.place(token=token, side=side, qty=qty, order_type=order_type, product=product, price=price,
                              trigger_price=trigger_price, validity=validity, tag=tag, amo=amo)
        except PaperRejection as rejection:
            if rejection.code == "NOT_FOUND":
                raise
            now = self.clock.now()
            order = PaperOrder(order_id=self._next_id(), token=token, side=side, qty=qty, order_type=order_type,
                               product=product, validity=validity, price=price, trigger_price=trigger_price,
                               status="REJECTED", tag=tag, placed_at=now, updated_at=now, message=rejection.message,
                               rejection_code=rejection.code)
            self.orders[order.order_id] = order
            self.history[order.order_id] = []
            self._record(order)
            self._save()
            return msgspec.structs.replace(order)

    def place(self, *, token: int, side: str, qty: int, order_type: str, product: str, price: float = 0.0,
              trigger_price: float = 0.0, validity: str = "DAY", tag: str = "", amo: bool = False) -> PaperOrder:
        """Validate and accept an order; market and marketable orders fill at once.

        While the market is closed a regular order is refused (``MARKET_CLOSED``); an AMO
        (``amo=True``) is accepted and waits, unworked, until the market opens.
        """
        self.day.catch_up()
        row = self.row(token)
        if not amo and not self.day.accepts(row.exchange):
            raise PaperRejection("MARKET_CLOSED", f"{self.day.closed_reason(row.exchange)}; place an after-market "
                                                  "order (AMO) or wait for the session to open")
        self._validate(row, side, qty, order_type, product, price, trigger_price, validity)
        now = self.clock.now()
        order = PaperOrder(order_id=self._next_id(), token=token, side=side, qty=qty, order_type=order_type,
                           product=product, validity=validity, price=price if order_type in ("LIMIT", "SL") else 0.0,
                           trigger_price=trigger_price if order_type in ("SL", "SL_M") else 0.0,
                           status="OPEN", tag=tag, placed_at=now, updated_at=now,
                           exchange_order_id=f"1{self._counter:015d}", variety="AMO" if amo else "REGULAR")
        required = self._required_margin(row, order)
        if required > self.available_margin() + 1e-6:
            raise PaperRejection(
                "FUNDS", f"insufficient funds: required {required:,.2f}, available {self.available_margin():,.2f}")
        if order_type in ("SL", "SL_M"):
            last = self.ltp(token)
            if (side == "BUY" and trigger_price <= last) or (side == "SELL" and trigger_price >= last):
                raise PaperRejection(
                    "TRIGGER", f"trigger {trigger_price} must be {'above' if side == 'BUY' else 'below'} the "
                    f"last price {last} for a stop-loss {side.lower()}")
            order.status = "TRIGGER_PENDING"
        self.orders[order.order_id] = order
        self.history[order.order_id] = []
        self._record(order)
        if self.day.is_open(row.exchange):
            self._work(order, arriving=True)
        if order.validity == "IOC" and order.status in ("OPEN", "TRIGGER_PENDING"):
            self._finish(order, "CANCELLED", "IOC order not filled at once")
        self._save()
        return msgspec.structs.replace(order)

    def _validate(self, row: UniverseRow, side: str, qty: int, order_type: str, product: str,
                  price: float, trigger_price: float, validity: str) -> None:
        if row.kind == "IDX":
            raise PaperRejection("NOT_TRADABLE", f"{row.symbol} is an index and cannot be traded")
        if side not in SIDES:
            raise PaperRejection("INPUT", f"side must be BUY or SELL, got {side!r}")
        if order_type not in ORDER_TYPES:
            raise PaperRejection("INPUT", f"order type must be one of {ORDER_TYPES}, got {order_type!r}")
        if validity not in VALIDITIES:
            raise PaperRejection("INPUT", f"validity must be one of {VALIDITIES}, got {validity!r}")
        allowed = CASH_PRODUCTS if row.kind == "EQ" else DERIVATIVE_PRODUCTS
        if product not in allowed:
            raise PaperRejection("PRODUCT", f"product {product} is not allowed for {row.kind} (use {allowed})")
        if not isinstance(qty, int) or qty <= 0:
            raise PaperRejection("BAD_QTY", f"quantity must be a positive integer, got {qty!r}")
        if qty % row.lot_size:
            raise PaperRejection("LOT_SIZE", f"quantity {qty} is not a multiple of the lot size {row.lot_size}")
        if order_type in ("LIMIT", "SL") and not price > 0:
            raise PaperRejection("INPUT", f"a {order_type} order needs a positive price")
        if order_type in ("SL", "SL_M") and not trigger_price > 0:
            raise PaperRejection("INPUT", f"a {order_type} order needs a positive trigger price")
        for name, value in (("price", price), ("trigger price", trigger_price)):
            if value and abs(value / row.tick_size - round(value / row.tick_size)) > 1e-6:
                raise PaperRejection("TICK_SIZE", f"{name} {value} is not a multiple of the tick size {row.tick_size}")
        freeze = FREEZE_QUANTITIES.get(row.underlying) if row.kind in ("FUT", "OPT") else None
        if freeze is not None and qty > freeze:
            raise PaperRejection("FREEZE", f"quantity {qty} is above the freeze quantity {freeze} of "
                                           f"{row.underlying}; split the order")
        band = band_on_grid(row, self.market.previous_close(row.token))
        if band is not None:
            low, high = band
            for name, value in (("price", price), ("trigger price", trigger_price)):
                if value and not low - 1e-9 <= value <= high + 1e-9:
                    raise PaperRejection("PRICE_BAND", f"{name} {value} is outside the price band "
                                                       f"{low:.2f}-{high:.2f} of {row.symbol}")
        if product == "CNC" and side == "SELL":
            holding = self.holdings.get(row.token)
            position = self.positions.get((row.token, "CNC"))
            available = (holding.quantity if holding else 0) + (position.quantity if position else 0)
            if qty > available:
                raise PaperRejection("NO_HOLDINGS", f"cannot sell {qty} {row.symbol} for delivery: only "
                                                    f"{max(available, 0)} held")

    def modify(self, order_id: str, *, qty: int | None = None, price: float | None = None,
               trigger_price: float | None = None, order_type: str | None = None) -> PaperOrder:
        """Change an open order; a modification that makes it marketable fills it."""
        order = self._order(order_id)
        if order.status not in ("OPEN", "TRIGGER_PENDING"):
            raise PaperRejection("ORDER_STATE", f"order {order_id} is {order.status} and cannot be modified")
        row = self.rows[order.token]
        new_type = order_type or order.order_type
        new_qty = qty if qty is not None else order.qty
        new_price = price if price is not None else order.price
        new_trigger = trigger_price if trigger_price is not None else order.trigger_price
        if new_qty < order.filled_qty:
            raise PaperRejection("BAD_QTY", f"cannot reduce quantity below the filled {order.filled_qty}")
        self._validate(row, order.side, new_qty, new_type, order.product, new_price if new_type in
                       ("LIMIT", "SL") else 0.0, new_trigger if new_type in ("SL", "SL_M") else 0.0, order.validity)
        order.qty, order.order_type = new_qty, new_type
        order.price = new_price if new_type in ("LIMIT", "SL") else 0.0
        order.trigger_price = new_trigger if new_type in ("SL", "SL_M") else 0.0
        order.updated_at = self.clock.now()
        self._record(order)
        self._work(order, arriving=True)
        self._save()
        return msgspec.structs.replace(order)

    def cancel(self, order_id: str) -> PaperOrder:
        order = self._order(order_id)
        if order.status not in ("OPEN", "TRIGGER_PENDING"):
            raise PaperRejection("ORDER_STATE", f"order {order_id} is {order.status} and cannot be cancelled")
        self._finish(order, "CANCELLED", "cancelled by the user")
        self._save()
        return msgspec.structs.replace(order)

    def _order(self, order_id: str) -> PaperOrder:
        order = self.orders.get(order_id)
        if order is None:
            raise PaperRejection("NOT_FOUND", f"order {order_id} not found", 404)
        return order

    def order_history(self, order_id: str) -> list[PaperOrder]:
        self._order(order_id)
        return list(self.history[order_id])

    def _record(self, order: PaperOrder) -> None:
        snapshot = msgspec.structs.replace(order)
        self.history[order.order_id].append(snapshot)
        self._emit("order", snapshot)

    def _finish(self, order: PaperOrder, status: str, message: str) -> None:
        order.status = status
        order.message = message
        if status == "CANCELLED":
            order.cancelled_qty = order.qty - order.filled_qty
        order.updated_at = self.clock.now()
        self._record(order)

    def open_market(self) -> None:
        """Open the session whatever the calendar says (a test's or emulator's switch); AMO orders start working."""
        self.day.force(True)
        for order in list(self.orders.values()):
            if order.status in ("OPEN", "TRIGGER_PENDING"):
                self._work(order)

    def close_market(self) -> None:
        """Close the session whatever the calendar says: regular orders are refused until :meth:`open_market`."""
        self.day.force(False)

    def cancel_by_broker(self, order: PaperOrder, message: str) -> None:
        """Cancel an open order on the broker's own account (square-off, expiry at the close)."""
        self._finish(order, "CANCELLED", message)

    def settle(self, row: UniverseRow, pos: PaperPosition, price: float) -> None:
        """Close a derivative position at its final settlement price (expiry day): no order, no trade."""
        self._book(row, pos.product, "SELL" if pos.quantity > 0 else "BUY", abs(pos.quantity), price)

    def persist(self) -> None:
        """Save the account now (the day's events call it)."""
        self._save()

    def _work(self, order: PaperOrder, arriving: bool = False) -> None:
        """Trigger and fill one resting order against the current market (``arriving``: it just entered)."""
        last = self.ltp(order.token)
        buy = order.side == "BUY"
        if order.status == "TRIGGER_PENDING":
            if (buy and last >= order.trigger_price) or (not buy and last <= order.trigger_price):
                order.status = "OPEN"
                order.updated_at = self.clock.now()
                self._record(order)
                arriving = True
            else:
                return
        if order.status != "OPEN":
            return
        limit = None if order.order_type in ("MARKET", "SL_M") else order.price
        for qty, price in self.market.executions(order.token, order.side, order.qty - order.filled_qty, limit,
                                                 arriving):
            self._fill(order, qty, price)

    def _fill(self, order: PaperOrder, qty: int, price: float) -> None:
        row = self.rows[order.token]
        now = self.clock.now()
        fill = PaperFill(trade_id=f"T{self._next_id()}", order_id=order.order_id, token=order.token,
                         side=order.side, qty=qty, price=price, product=order.product, time=now,
                         exchange_order_id=order.exchange_order_id)
        self.fills.append(fill)
        self.market.traded(order.token, qty)
        order.average_price = (order.average_price * order.filled_qty + price * qty) / (order.filled_qty + qty)
        order.filled_qty += qty
        order.status = "COMPLETE" if order.filled_qty >= order.qty else "OPEN"
        order.updated_at = now
        self._book(row, order.product, order.side, qty, price)
        if self.charges:
            self.cash -= margins.charges(row.kind, order.product, order.side, qty, price)
        self._record(order)

    def convert(self, *, token: int, side: str, qty: int, from_product: str, to_product: str) -> None:
        """Move ``qty`` of today's position to another product; cash follows the products' rules."""
        row = self.row(token)
        allowed = CASH_PRODUCTS if row.kind == "EQ" else DERIVATIVE_PRODUCTS
        if from_product not in allowed or to_product not in allowed or from_product == to_product:
            raise PaperRejection("PRODUCT", f"cannot convert {row.symbol} from {from_product} to {to_product} "
                                            f"(products: {allowed})")
        source = self.positions.get((token, from_product))
        held = source.quantity if source else 0
        wanted = qty if side == "BUY" else -qty
        if qty <= 0 or held == 0 or (held > 0) != (wanted > 0) or abs(held) < qty:
            raise PaperRejection("NO_POSITION", f"no {side.lower()} position of {qty} {row.symbol} in "
                                                f"{from_product} to convert (open: {held})")
        assert source is not None
        price = source.average_price
        target = self.positions.setdefault((token, to_product), PaperPosition(token=token, product=to_product))
        total = abs(target.quantity) + qty
        target.average_price = (target.average_price * abs(target.quantity) + price * qty) / total
        target.quantity += wanted
        for pos, sign in ((source, -1), (target, 1)):
            if side == "BUY":
                pos.buy_quantity += sign * qty
                pos.buy_value += sign * qty * price
            else:
                pos.sell_quantity += sign * qty
                pos.sell_value += sign * qty * price
        source.quantity -= wanted
        if source.quantity == 0:
            source.average_price = 0.0
        moves_from, moves_to = self._moves_cash(row, from_product), self._moves_cash(row, to_product)
        if moves_to and not moves_from:
            self.cash -= wanted * price
        elif moves_from and not moves_to:
            self.cash += wanted * price
        self._save()

    # -- accounting ------------------------------------------------------------------------

    def _moves_cash(self, row: UniverseRow, product: str) -> bool:
        return row.kind == "OPT" or (row.kind == "EQ" and product == "CNC")

    def _book(self, row: UniverseRow, product: str, side: str, qty: int, price: float) -> None:
        pos = self.positions.setdefault((row.token, product), PaperPosition(token=row.token, product=product))
        signed = qty if side == "BUY" else -qty
        if side == "BUY":
            pos.buy_quantity += qty
            pos.buy_value += qty * price
        else:
            pos.sell_quantity += qty
            pos.sell_value += qty * price
        realised = 0.0
        if pos.quantity == 0 or (pos.quantity > 0) == (signed > 0):
            total = abs(pos.quantity) + qty
            pos.average_price = (pos.average_price * abs(pos.quantity) + price * qty) / total
            pos.quantity += signed
        else:
            closing = min(qty, abs(pos.quantity))
            direction = 1 if pos.quantity > 0 else -1
            realised = (price - pos.average_price) * closing * direction
            pos.quantity += signed
            if pos.quantity == 0:
                pos.average_price = 0.0
            elif (pos.quantity > 0) != (direction > 0):
                pos.average_price = price  # flipped: the remainder opened at this price
        pos.realised += realised
        if self._moves_cash(row, product):
            self.cash -= (1 if side == "BUY" else -1) * price * qty
        else:
            self.cash += realised

    def _required_margin(self, row: UniverseRow, order: PaperOrder) -> float:
        """Margin an order blocks (the margin calculator's figure): zero for what reduces a position."""
        return margins.order_requirement(self, order)["total"]

    def used_margin(self) -> float:
        return margins.used_margin(self)

    def available_margin(self) -> float:
        return round(self.cash - self.used_margin(), 2)

    def funds(self) -> dict[str, float]:
        self.day.catch_up()
        used = self.used_margin()
        return {"opening_balance": round(self.capital, 2), "available_cash": round(self.cash, 2),
                "used_margin": used, "available_margin": round(self.cash - used, 2),
                "realised_pnl": round(sum(p.realised for p in self.positions.values()), 2)}

    def position_rows(self) -> list[tuple[PaperPosition, float]]:
        """Return every position touched today with its last price."""
        self.day.catch_up()
        return [(msgspec.structs.replace(p), self.ltp(p.token)) for p in self.positions.values()]

    def holding_rows(self) -> list[tuple[PaperHolding, float]]:
        """Return holdings net of today's delivery sales, with last prices."""
        self.day.catch_up()
        out = []
        for token, holding in self.holdings.items():
            sold = self.positions.get((token, "CNC"))
            quantity = holding.quantity + min(sold.quantity, 0) if sold else holding.quantity
            if quantity > 0:
                out.append((PaperHolding(token=token, quantity=quantity, average_price=holding.average_price),
                            self.ltp(token)))
        return out

    def _seed_holdings(self) -> None:
        by_symbol = {row.symbol: row for row in self.rows.values() if row.kind == "EQ"}
        for symbol, quantity, discount in (("INFY", 20, 0.92), ("TCS", 10, 0.95), ("HDFCBANK", 15, 0.97)):
            row = by_symbol.get(symbol)
            if row is not None:
                self.holdings[row.token] = PaperHolding(
                    token=row.token, quantity=quantity, average_price=on_tick_grid(row.base_price * discount,
                                                                                   row.tick_size))

    # -- history ---------------------------------------------------------------------------

    def candles(self, token: int, interval: int, start: _dt.datetime, end: _dt.datetime) -> list[tuple[Any, ...]]:
        """Candles (timestamp, o, h, l, c, volume, oi) from the market source, never after now."""
        self.row(token)
        return self.market.candles(token, interval, start, end)

    # -- persistence -----------------------------------------------------------------------

    def _save(self) -> None:
        if not self._state_file:
            return
        state = _State(cash=self.cash, capital=self.capital, counter=self._counter,
                       orders=list(self.orders.values()), fills=self.fills,
                       positions=list(self.positions.values()), holdings=list(self.holdings.values()),
                       gtts=list(self.triggers.gtts.values()), gtt_counter=self.triggers.counter,
                       seen=self.day.seen, trading_day=self.day.trading_day)
        target = Path(self._state_file)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".paper-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(msgspec.json.encode(state))
        os.replace(tmp, target)

    def _restore(self, path: Path) -> None:
        try:
            state = msgspec.json.decode(path.read_bytes(), type=_State)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError, json.JSONDecodeError) as exc:
            raise PaperRejection("STATE", f"cannot read paper state file {path}: {exc}") from None
        self.cash, self.capital, self._counter = state.cash, state.capital, state.counter
        self.orders = {o.order_id: o for o in state.orders}
        self.history = {o.order_id: [msgspec.structs.replace(o)] for o in state.orders}
        self.fills = state.fills
        self.positions = {(p.token, p.product): p for p in state.positions}
        self.holdings = {h.token: h for h in state.holdings}
        self.triggers.restore(state.gtts, state.gtt_counter)
        if state.seen is not None:
            self.day.seen, self.day.trading_day = state.seen, state.trading_day
