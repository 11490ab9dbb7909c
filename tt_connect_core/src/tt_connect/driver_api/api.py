"""``BrokerApi``: the REST translator of a driver, request builders and response parsers.

Every method is pure: it returns a :class:`~tt_connect.driver_api.Call` and never does I/O.
Requests arrive valid and canonical (the core checked the arguments, the capabilities, lots,
ticks and tags); a method translates, nothing more. The class attributes declare what the core
must do around the calls (tag shape, batch sizes, history range limits, order state needed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from tt_connect.driver_api.capabilities import Operation
from tt_connect.driver_api.context import DriverContext
from tt_connect.driver_api.wire import Call, HttpResponse
from tt_connect.enums import CandleInterval, StreamMode
from tt_connect.errors import UnsupportedOperationError
from tt_connect.instruments import Instrument
from tt_connect.models import (
    BasketMargin,
    CancelRequest,
    Candle,
    ConvertRequest,
    Funds,
    Gtt,
    GttRequest,
    HistoryRequest,
    Holding,
    MarginRequirement,
    ModifyRequest,
    Order,
    OrderRequest,
    Position,
    Profile,
    Quote,
    StaticIp,
    Trade,
)

__all__ = ["BrokerApi"]


class BrokerApi:
    """Request builders and response parsers for the REST side of a broker.

    Subclass it and override what the broker supports; a method not overridden raises
    :class:`UnsupportedOperationError`, so a template driver is simply this class. The capability
    matrix must agree with what is overridden (the conformance suite checks it).
    """

    broker: ClassVar[str] = "template"
    tag_max_length: ClassVar[int] = 20
    """Longest order tag the broker accepts; the core sizes its unique tags to fit."""
    tag_alphabet: ClassVar[str] = "0123456789abcdefghijklmnopqrstuvwxyz"
    """Characters the broker accepts in a tag; the core's unique suffix uses only these."""
    quote_batch_size: ClassVar[int] = 0
    """Most instruments one quote/ltp request may carry (0: no limit); the core batches."""
    margin_batch_size: ClassVar[int] = 0
    """Most orders one ``order_margins`` request may carry (0: no limit); the core batches."""
    history_max_days: ClassVar[Mapping[CandleInterval, int]] = {}
    """Longest range one ``history`` request may span per interval, in days; the core splits longer
    ranges into chunks and merges them. An interval absent here is sent as one request."""
    algo_id_field: ClassVar[bool] = False
    """True when the broker's order endpoints take an exchange algo ID (``OrderRequest.algo_id``); the core
    refuses an order naming one for a broker without the field."""
    native_slicing: ClassVar[bool] = False
    """True when :meth:`place_sliced` places an order above the freeze quantity as the broker's own child
    orders (Kite's autoslice, Upstox v3's slice); else the core slices it into orders of its own."""
    needs_known_order: ClassVar[frozenset[Operation]] = frozenset()
    """Operations whose request needs more than the id (``MODIFY_ORDER``, ``CANCEL_ORDER``, ``GTT`` for
    modify/cancel of a trigger): the core makes ``ctx.known_order``/``ctx.known_gtt`` answer first."""

    def _unsupported(self, operation: str) -> UnsupportedOperationError:
        return UnsupportedOperationError(f"{self.broker} does not support {operation}", broker=self.broker)

    def unwrap(self, response: HttpResponse) -> Any:
        """Return the payload of a successful reply, or raise :class:`~tt_connect.driver_api.BrokerFailure`."""
        raise self._unsupported("REST calls")

    # -- account and portfolio -------------------------------------------------------------

    def profile(self, ctx: DriverContext) -> Call[Profile]:
        raise self._unsupported("profile")

    def funds(self, ctx: DriverContext) -> Call[Funds]:
        raise self._unsupported("funds")

    def holdings(self, ctx: DriverContext) -> Call[list[Holding]]:
        raise self._unsupported("holdings")

    def positions(self, ctx: DriverContext) -> Call[list[Position]]:
        raise self._unsupported("positions")

    def day_positions(self, ctx: DriverContext) -> Call[list[Position]]:
        """Today's activity only: what was bought and sold today, carried-forward quantity left out."""
        raise self._unsupported("day positions")

    # -- order book ------------------------------------------------------------------------

    def orders(self, ctx: DriverContext) -> Call[list[Order]]:
        raise self._unsupported("orders")

    def order(self, ctx: DriverContext, order_id: str) -> Call[Order]:
        """One order's latest state (Operation.ORDER SUPPORTED); else the core derives it."""
        raise self._unsupported("order")

    def order_history(self, ctx: DriverContext, order_id: str) -> Call[list[Order]]:
        """Every state of one order, oldest first; an empty list means no such order."""
        raise self._unsupported("order_history")

    def trades(self, ctx: DriverContext) -> Call[list[Trade]]:
        raise self._unsupported("trades")

    def order_trades(self, ctx: DriverContext, order_id: str) -> Call[list[Trade]]:
        raise self._unsupported("order_trades")

    # -- orders ----------------------------------------------------------------------------

    def place_order(self, ctx: DriverContext, request: OrderRequest) -> Call[str]:
        """Return the call that places ``request``; it parses to the broker's order id."""
        raise self._unsupported("place_order")

    def place_sliced(self, ctx: DriverContext, request: OrderRequest) -> Call[list[str]]:
        """Place ``request`` as the broker's own child orders (``native_slicing``); parses to their ids."""
        raise self._unsupported("native order slicing")

    def modify_order(self, ctx: DriverContext, request: ModifyRequest) -> Call[str]:
        raise self._unsupported("modify_order")

    def cancel_order(self, ctx: DriverContext, request: CancelRequest) -> Call[str]:
        raise self._unsupported("cancel_order")

    # -- market data -----------------------------------------------------------------------

    def quote(self, ctx: DriverContext, instruments: Sequence[Instrument],
              mode: StreamMode) -> Call[dict[Instrument, Quote]]:
        """One batch of at most ``quote_batch_size`` instruments; the core merges the batches."""
        raise self._unsupported("quote")

    def ltp(self, ctx: DriverContext, instruments: Sequence[Instrument]) -> Call[dict[Instrument, float]]:
        """One batch of at most ``quote_batch_size`` instruments (LTP EMULATED: the core uses quote)."""
        raise self._unsupported("ltp")

    def history(self, ctx: DriverContext, request: HistoryRequest) -> Call[list[Candle]]:
        """One chunk within ``history_max_days``; the core concatenates the chunks."""
        raise self._unsupported("history")

    # -- GTT triggers (Operation.GTT) ------------------------------------------------------

    def place_gtt(self, ctx: DriverContext, request: GttRequest) -> Call[str]:
        """Return the call that creates a GTT; it parses to the broker's trigger id."""
        raise self._unsupported("gtt")

    def modify_gtt(self, ctx: DriverContext, gtt_id: str, request: GttRequest) -> Call[str]:
        raise self._unsupported("gtt")

    def cancel_gtt(self, ctx: DriverContext, gtt_id: str) -> Call[str]:
        raise self._unsupported("gtt")

    def gtts(self, ctx: DriverContext) -> Call[list[Gtt]]:
        raise self._unsupported("gtt")

    def gtt(self, ctx: DriverContext, gtt_id: str) -> Call[Gtt]:
        raise self._unsupported("gtt")

    # -- margin calculator (Operation.MARGINS) and conversion (Operation.CONVERT_POSITION) --

    def order_margins(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[list[MarginRequirement]]:
        """Price each order of one batch on its own, in order."""
        raise self._unsupported("margins")

    def basket_margin(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[BasketMargin]:
        """Price the orders together (with hedge benefit)."""
        raise self._unsupported("margins")

    def convert_position(self, ctx: DriverContext, request: ConvertRequest) -> Call[bool]:
        raise self._unsupported("convert_position")

    # -- the whitelisted static IP (Operation.STATIC_IP) -----------------------------------

    def static_ip(self, ctx: DriverContext) -> Call[StaticIp]:
        """The account's registered static IPs."""
        raise self._unsupported("static IP management")

    def set_static_ip(self, ctx: DriverContext, current: StaticIp, primary: str,
                      secondary: str | None) -> Sequence[Call[object]]:
        """The writes that register (or change) the static IPs, sent in order.

        ``current`` is what the broker holds now (the core reads it first), so a broker with one
        endpoint to set an IP and another to change it picks the right one; a broker that takes
        one IP per request returns one call per IP. The core reads the IPs back afterwards.
        """
        raise self._unsupported("static IP management")
