"""Live-data paper: the paper account on a real driver's instruments, quotes, depth and ticks.

:class:`LiveMarket` is the :class:`~tt_connect.paper.market.MarketSource` over a live
runtime. The engine is synchronous, so the market keeps the latest snapshot of every
instrument the account touches and the transport refreshes it before each request
(:meth:`LiveMarket.prepare`: a REST quote of whatever is older than ``max_age``);
instruments with resting orders or active GTTs are also streamed, and every tick works
the resting orders at once (a limit rests until the live price crosses it).

:class:`LiveTokens` numbers the live broker's instruments for the engine (whose tokens
are ints, unique across segments) and keeps the numbering beside the state file, so a
restart finds its positions' instruments again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from tt_connect.driver_api import BrokerSymbol, Capabilities, HttpRequest, HttpResponse, Operation, SegmentCapabilities
from tt_connect.enums import OrderType, ProductType, StreamMode, Validity, Variety
from tt_connect.exchange_rules import FREEZE_QUANTITIES
from tt_connect.instruments import AnyInstrument, Instrument
from tt_connect.logs import get_logger
from tt_connect.models import Quote, Tick
from tt_connect.paper.engine import PaperEngine, PaperQuote, PaperRejection
from tt_connect.paper.fills import crossed, walk
from tt_connect.paper.market import Execution
from tt_connect.paper.transport import PaperTransport
from tt_connect.paper.universe import UniverseRow
from tt_connect.timeutil import Clock, SystemClock

if TYPE_CHECKING:
    from tt_connect.runtime import Runtime
    from tt_connect.streaming import Subscription

__all__ = ["LIVE_INDEX_VOLATILITY", "LIVE_STOCK_VOLATILITY", "LiveMarket", "LivePaperTransport", "LiveTokens",
           "live_capabilities"]

LIVE_INDEX_VOLATILITY = 0.15
"""Annual volatility live-data paper assumes for an index (its F&O underlyings are the freeze-quantity table's)."""
LIVE_STOCK_VOLATILITY = 0.30
"""Annual volatility live-data paper assumes for a stock underlying."""

_log = get_logger("tt_connect.paper")
_PRODUCTS = frozenset({ProductType.CNC, ProductType.MIS, ProductType.NRML})
_ORDER_TYPES = frozenset(OrderType)
_VALIDITIES = frozenset({Validity.DAY, Validity.IOC})
_MARKET_OPERATIONS = (Operation.QUOTE, Operation.LTP, Operation.HISTORY, Operation.STREAM)


def live_capabilities(paper: Capabilities, live: Capabilities) -> Capabilities:
    """Paper's account operations on the live broker's exchanges, market data and stream modes.

    Each live segment keeps what the paper engine can simulate: its order types, the CNC/MIS/NRML
    products, DAY and IOC validity (TTL emulated) and the regular variety.
    """
    operations = dict(paper.operations)
    operations.update({op: live.support(op) for op in _MARKET_OPERATIONS})
    segments = []
    for segment in live.segments:
        products = segment.products & _PRODUCTS
        if not products:
            continue
        segments.append(SegmentCapabilities(
            exchange=segment.exchange, order_types=segment.order_types & _ORDER_TYPES, products=products,
            validities=segment.validities & _VALIDITIES, varieties=frozenset({Variety.REGULAR}),
            emulated_validities=frozenset({Validity.TTL})))
    return msgspec.structs.replace(paper, operations=operations, segments=tuple(segments),
                                   stream_modes=live.stream_modes, history_intervals=live.history_intervals,
                                   history_oi=live.history_oi)


class Catalogue(Protocol):
    """The part of a live instrument catalogue the token book needs (a DriverContext or BrokerInstruments)."""

    def resolve(self, instrument: Instrument) -> BrokerSymbol: ...

    def by_token(self, segment: str, token: str) -> AnyInstrument: ...


def _row(token: int, instrument: AnyInstrument, symbol: BrokerSymbol) -> UniverseRow:
    """The engine's row of a live instrument: its kind, contract terms, lot and tick, no synthetic price."""
    option_type = getattr(instrument, "option_type", None)
    return UniverseRow(
        token=token, exchange=str(instrument.exchange), segment=symbol.segment, kind=instrument.kind.value,
        symbol=instrument.symbol, underlying=instrument.underlying, expiry=getattr(instrument, "expiry", None),
        strike=getattr(instrument, "strike", None), option_type=None if option_type is None else str(option_type),
        lot_size=max(symbol.lot_size, 1), tick_size=symbol.tick_size or 0.05, isin="", name=instrument.symbol,
        broker_symbol=symbol.symbol, base_price=0.0, volatility=0.0)


class _Entry(msgspec.Struct, array_like=True):
    token: int
    segment: str
    broker_token: str


class LiveTokens:
    """Engine tokens for a live broker's instruments, and the engine rows behind them.

    ``path`` (beside the engine's state file) keeps the numbering across restarts.
    """

    def __init__(self, path: str | None = None) -> None:
        self.rows: dict[int, UniverseRow] = {}
        self._path = Path(path) if path else None
        self._keys: dict[int, tuple[str, str]] = {}
        self._ids: dict[tuple[str, str], int] = {}
        self._instruments: dict[int, AnyInstrument] = {}
        self.by_instrument: dict[Instrument, int] = {}
        if self._path is not None and self._path.exists():
            for entry in msgspec.json.decode(self._path.read_bytes(), type=list[_Entry]):
                self._keys[entry.token] = (entry.segment, entry.broker_token)
                self._ids[(entry.segment, entry.broker_token)] = entry.token

    def token_of(self, ctx: Catalogue, instrument: Instrument) -> int:
        symbol = ctx.resolve(instrument)
        key = (symbol.segment, symbol.token)
        token = self._ids.get(key)
        if token is None:
            token = max(self._keys, default=0) + 1
            self._keys[token], self._ids[key] = key, token
            self._save()
        if token not in self.rows:
            self._register(token, ctx.by_token(*key), symbol)
        return token

    def instrument(self, ctx: Catalogue, token: Any) -> AnyInstrument:
        number = int(token)
        found = self._instruments.get(number)
        if found is None:
            key = self._keys.get(number)
            if key is None:
                raise PaperRejection("NOT_FOUND", f"unknown instrument token {number}", 404)
            found = ctx.by_token(*key)
            self._register(number, found, ctx.resolve(found))
        return found

    def restore(self, ctx: Catalogue) -> None:
        """Build the rows of every numbered instrument (after a restart, before the engine is asked)."""
        for token in list(self._keys):
            if token not in self.rows:
                self.instrument(ctx, token)

    def _register(self, token: int, instrument: AnyInstrument, symbol: BrokerSymbol) -> None:
        self.rows[token] = _row(token, instrument, symbol)
        self._instruments[token] = instrument
        self.by_instrument[instrument] = token

    def _save(self) -> None:
        if self._path is None:
            return
        entries = [_Entry(token=t, segment=s, broker_token=b) for t, (s, b) in sorted(self._keys.items())]
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_name(self._path.name + ".tmp")
        tmp.write_bytes(msgspec.json.encode(entries))
        tmp.replace(self._path)


def _levels(levels: Iterable[Any]) -> tuple[tuple[float, int, int], ...]:
    return tuple((float(level.price), int(level.quantity), int(level.orders)) for level in levels)


class LiveMarket:
    """The market of a live runtime, as the engine's synchronous :class:`MarketSource`.

    Parameters
    ----------
    tokens
        The token book (shared with the paper API, which numbers instruments as it sends them).
    slippage_bps
        Basis points every book price moves against an order (see :mod:`tt_connect.paper.fills`).
    max_age
        Seconds a snapshot stays fresh; older ones are quoted again before a request uses them.
    """

    def __init__(self, tokens: LiveTokens, *, slippage_bps: float = 0.0, max_age: float = 1.0,
                 clock: Clock | None = None) -> None:
        self.tokens = tokens
        self.slippage_bps = slippage_bps
        self.max_age = max_age
        self.engine: PaperEngine | None = None
        self._clock: Clock = clock or SystemClock()
        self._quotes: dict[int, PaperQuote] = {}
        self._updated: dict[int, float] = {}
        self._client: Runtime | None = None
        self._subscriptions: dict[int, Subscription] = {}
        self._watching: asyncio.Task[None] | None = None

    def bind(self, client: Runtime) -> None:
        """Take the paper client's runtime: ``client.market`` is the live one, ``client`` streams."""
        self._client = client

    def runtime(self) -> Runtime:
        if self._client is None:
            raise PaperRejection("MARKET_DATA", "live-data paper is not connected to its market yet", 503)
        return self._client

    # -- MarketSource ----------------------------------------------------------------------

    def _snapshot(self, token: int) -> PaperQuote:
        found = self._quotes.get(token)
        if found is None:
            raise PaperRejection("MARKET_DATA", f"no live quote of token {token} yet", 503)
        return found

    def ltp(self, token: int) -> float:
        return self._snapshot(token).last_price

    def touch(self, token: int) -> tuple[float, float]:
        quote = self._snapshot(token)
        bid = quote.bids[0][0] if quote.bids else quote.last_price
        ask = quote.asks[0][0] if quote.asks else quote.last_price
        return bid, ask

    def quote(self, token: int) -> PaperQuote:
        return self._snapshot(token)

    def previous_close(self, token: int) -> float:
        return self._snapshot(token).close

    def underlying_level(self, row: UniverseRow) -> float:
        """The underlying's last price when the account quoted it (spot first, then a future), else the strike."""
        best: tuple[int, float] | None = None
        for token, quote in self._quotes.items():
            other = self.tokens.rows.get(token)
            if other is None or other.underlying != row.underlying or other.kind == "OPT":
                continue
            rank = 0 if other.kind in ("IDX", "EQ") else 1
            if best is None or rank < best[0]:
                best = (rank, quote.last_price)
        if best is not None:
            return best[1]
        return row.strike or self.ltp(row.token)

    def underlying_volatility(self, row: UniverseRow) -> float:
        """A fixed annual volatility by class (quotes carry none): it sets SPAN's scan ranges only where
        they exceed NSE's floors, and the option volatility where an option's price implies none."""
        return LIVE_INDEX_VOLATILITY if row.underlying in FREEZE_QUANTITIES else LIVE_STOCK_VOLATILITY

    def executions(self, token: int, side: str, qty: int, limit: float | None, arriving: bool) -> list[Execution]:
        quote = self._snapshot(token)
        book = quote.asks if side == "BUY" else quote.bids
        tick = self.tokens.rows[token].tick_size
        if arriving or limit is None:
            return walk(book, side, qty, limit, last_price=quote.last_price, tick=tick,
                        slippage_bps=self.slippage_bps)
        best = book[0][0] if book else None
        return [(qty, limit)] if crossed(side, limit, best_opposite=best, last_price=quote.last_price) else []

    def step(self, seconds: float) -> None:
        """The live market moves by itself."""

    def traded(self, token: int, qty: int) -> None:
        """A paper fill does not move the live market."""

    def candles(self, token: int, interval: int, start: Any, end: Any) -> list[tuple[Any, ...]]:
        raise PaperRejection("NOT_SUPPORTED", "history of live-data paper is the live broker's: the client reads "
                                              "it there (broker.history)", 400)

    # -- keeping snapshots fresh -----------------------------------------------------------

    def _store(self, token: int, quote: PaperQuote) -> None:
        self._quotes[token] = quote
        self._updated[token] = time.monotonic()

    def _from_quote(self, token: int, quote: Quote) -> PaperQuote:
        depth = quote.depth
        return PaperQuote(token=token, last_price=quote.last_price, last_quantity=quote.last_quantity,
                          volume=quote.volume, open=quote.open, high=quote.high, low=quote.low, close=quote.close,
                          oi=quote.oi, bids=_levels(depth.bids) if depth else (),
                          asks=_levels(depth.asks) if depth else (),
                          timestamp=quote.timestamp or self._clock.now())

    def _from_tick(self, token: int, tick: Tick) -> PaperQuote:
        """A tick over the last snapshot: fields the tick's mode does not carry keep their last value."""
        before = self._quotes.get(token)
        full = tick.mode is StreamMode.FULL and tick.depth is not None
        quoted = tick.mode is not StreamMode.LTP
        depth = tick.depth
        return PaperQuote(
            token=token, last_price=tick.last_price,
            last_quantity=tick.last_quantity if quoted else (before.last_quantity if before else 0),
            volume=tick.volume if quoted else (before.volume if before else 0),
            open=tick.open if quoted else (before.open if before else tick.last_price),
            high=tick.high if quoted else (before.high if before else tick.last_price),
            low=tick.low if quoted else (before.low if before else tick.last_price),
            close=tick.close if quoted and tick.close else (before.close if before else 0.0),
            oi=tick.oi if quoted else (before.oi if before else 0),
            bids=_levels(depth.bids) if full and depth else (before.bids if before else ()),
            asks=_levels(depth.asks) if full and depth else (before.asks if before else ()),
            timestamp=tick.exchange_timestamp or tick.received_at)

    async def prepare(self, tokens: Iterable[int]) -> None:
        """Quote (over REST, in one batched call) every token whose snapshot is missing or stale."""
        now = time.monotonic()
        stale = [t for t in set(tokens)
                 if t in self.tokens.rows and now - self._updated.get(t, float("-inf")) > self.max_age]
        if not stale:
            return
        from tt_connect.market_data import MarketData

        client = self.runtime()
        instruments = {t: self.tokens.instrument(client.market.catalogue(), t) for t in stale}
        mode = StreamMode.FULL
        quotes = await MarketData(client.market).quote(list(instruments.values()), mode)
        for token, instrument in instruments.items():
            quote = quotes.get(instrument)
            if quote is not None:
                self._store(token, self._from_quote(token, quote))

    def on_tick(self, tick: Tick) -> None:
        """A live tick: store it and work the resting orders against it."""
        token = self.tokens.by_instrument.get(tick.instrument)
        if token is None:
            return
        self._store(token, self._from_tick(token, tick))
        if self.engine is not None:
            self.engine.step(0.0)

    def watch(self, tokens: Iterable[int]) -> None:
        """Stream these tokens' ticks (in the background) so resting orders fill as the price crosses."""
        wanted = [t for t in tokens if t not in self._subscriptions and t in self.tokens.rows]
        if not wanted or self._client is None:
            return
        previous = self._watching

        async def subscribe() -> None:
            if previous is not None:
                with contextlib.suppress(BaseException):
                    await previous
            client = self.runtime()
            todo = [t for t in wanted if t not in self._subscriptions]
            if not todo:
                return
            modes = client.market.capabilities.stream_modes
            mode = StreamMode.FULL if StreamMode.FULL in modes else StreamMode.QUOTE
            instruments = [self.tokens.instrument(client.market.catalogue(), t) for t in todo]
            try:
                engine = await client.stream_engine()
                subscription = await engine.subscribe(instruments, on_tick=self.on_tick, mode=mode)
            except Exception as exc:  # the stream is optional: fills fall back to REST refreshes
                _log.warning("paper_watch_failed", error=type(exc).__name__, message=str(exc))
                return
            for token in todo:
                self._subscriptions[token] = subscription

        self._watching = asyncio.get_running_loop().create_task(subscribe(), name="tt-connect-paper-watch")

    async def close(self) -> None:
        if self._watching is not None:
            self._watching.cancel()
            with contextlib.suppress(BaseException):
                await self._watching
            self._watching = None
        self._subscriptions.clear()


def _request_tokens(request: HttpRequest) -> set[int]:
    """Engine tokens a paper request names (an order's, a GTT's, a margin basket's, a quote's)."""
    out: set[int] = set()
    body = request.json if isinstance(request.json, Mapping) else {}
    if "token" in body:
        out.add(int(body["token"]))
    for order in body.get("orders", ()) if isinstance(body.get("orders"), list) else ():
        if isinstance(order, Mapping) and "token" in order:
            out.add(int(order["token"]))
    tokens = (request.params or {}).get("tokens")
    if tokens:
        out.update(int(t) for t in str(tokens).split(",") if t)
    return out


class LivePaperTransport(PaperTransport):
    """The paper transport of live-data paper: snapshots are refreshed before the engine answers."""

    def __init__(self, engine: PaperEngine, market: LiveMarket, *, tick_interval: float = 0.25) -> None:
        super().__init__(engine, tick_interval=tick_interval)
        self.market = market
        market.engine = engine
        self._restored = False

    def bind_market(self, client: Runtime) -> None:
        """Called by the runtime once its live market is connected: resting orders start working."""
        self.market.bind(client)
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # wired without a loop (login_url): the first request starts the market
            return
        self._ensure_ticker()

    def _restore(self) -> None:
        """Number the instruments of a restored account (once, when the live master is there)."""
        if not self._restored:
            self.market.tokens.restore(self.market.runtime().market.catalogue())
            self._restored = True

    def _account_tokens(self) -> set[int]:
        engine = self.engine
        tokens = {o.token for o in engine.orders.values() if o.status in ("OPEN", "TRIGGER_PENDING")}
        tokens.update(token for (token, _), p in engine.positions.items() if p.quantity or p.buy_quantity)
        tokens.update(engine.holdings)
        tokens.update(g.token for g in engine.triggers.gtts.values() if g.status == "active")
        return tokens

    def _resting_tokens(self) -> set[int]:
        engine = self.engine
        tokens = {o.token for o in engine.orders.values() if o.status in ("OPEN", "TRIGGER_PENDING")}
        tokens.update(g.token for g in engine.triggers.gtts.values() if g.status == "active")
        return tokens

    async def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        self._restore()
        try:
            await self.market.prepare(_request_tokens(request) | self._account_tokens())
        except PaperRejection as exc:
            return HttpResponse(status=exc.status, headers={"Content-Type": "application/json"},
                                body=msgspec.json.encode({"error": {"code": exc.code, "message": exc.message}}))
        response = await super().send(request, timeout=timeout)
        self.market.watch(self._resting_tokens())
        return response

    async def _tick_loop(self) -> None:
        """Every ``tick_interval``: refresh stale snapshots of resting orders (a quiet or unstreamed
        instrument still fills) and work them."""
        while True:
            await asyncio.sleep(self.tick_interval)
            try:
                self._restore()
                resting = self._resting_tokens()
                await self.market.prepare(resting)
                self.market.watch(resting)
                self.engine.step(self.tick_interval)
            except Exception as exc:  # the loop outlives a failed refresh; the next request reports it
                _log.info("paper_refresh_failed", error=type(exc).__name__)
            self.publish()

    async def close(self) -> None:
        await self.market.close()
        await super().close()
