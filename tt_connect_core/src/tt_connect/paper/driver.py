"""The built-in ``paper`` driver: no credentials, no network, the same contract as any broker."""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from tt_connect.calendar import MarketCalendar
from tt_connect.driver_api import (
    BrokerApi,
    BrokerStream,
    Capabilities,
    DriverConfig,
    DriverPlugin,
    ErrorMap,
    InstrumentFile,
    InstrumentSource,
    MarketLink,
    Operation,
    RateClass,
    RateLimits,
    SegmentCapabilities,
    Support,
    Transport,
)
from tt_connect.enums import Exchange, OrderType, ProductType, StreamMode, Validity, Variety
from tt_connect.errors import (
    BrokerInputError,
    ConfigurationError,
    GttNotFoundError,
    InsufficientFundsError,
    InvalidOrderError,
    OrderNotFoundError,
    OrderNotOpenError,
    OrderRejectedError,
)
from tt_connect.paper.api import REJECTION_REASONS, PaperApi
from tt_connect.paper.engine import PaperEngine
from tt_connect.paper.live import LiveMarket, LivePaperTransport, LiveTokens, live_capabilities
from tt_connect.paper.stream import PaperStream
from tt_connect.paper.transport import PaperTransport
from tt_connect.paper.universe import PAPER_SELECT, UniverseRow, build_universe, universe_csv
from tt_connect.redact import REDACTED, is_secret_key, register_secret
from tt_connect.timeutil import now_ist

__all__ = ["PaperConfig", "PaperDriver"]


class PaperConfig(DriverConfig, frozen=True, kw_only=True):
    """Settings of the paper broker.

    Attributes
    ----------
    seed
        Seeds the market: the same seed gives the same prices.
    capital
        Opening cash, in rupees.
    state_file
        Persist the account (orders, positions, funds) to this JSON file between runs.
    tick_interval
        Seconds between market steps (and streamed ticks).
    market_hours
        ``"exchange"``: open and close with the NSE/BSE calendar (holidays, sessions), refuse regular
        orders outside them (AMOs wait for the open), square off MIS, settle T+1 and expiries
        (docs/calendar.md). ``"always"``: a market that never closes, for tests and demos at any hour.
        Unset: ``"exchange"`` on a live broker's market (its data stops at the close too), ``"always"``
        on the synthetic one (the demo runs at any hour).
    square_off_at
        The intraday (MIS) auto square-off time, ``HH:MM`` IST.
    market
        ``"synthetic"`` (the seeded in-process market) or the name of a live driver (``"zerodha"``,
        ``"angelone"``...) whose instruments, quotes, depth, ticks and history the account trades
        on; that driver's settings go under its own name: ``{"market": "zerodha", "zerodha": {...}}``.
    market_config
        The live driver's settings (filled from the key named by ``market``).
    slippage_bps
        Basis points every book price moves against an order as it fills (live-data paper).
    charges
        Debit each fill's brokerage, taxes and fees from cash (the schedule in docs/paper.md).
    max_quote_age
        Seconds a live snapshot stays fresh before it is quoted again (live-data paper).
    """

    seed: int = 7
    capital: float = 1_000_000.0
    state_file: str | None = None
    tick_interval: float = 0.25
    market_hours: Literal["exchange", "always"] | None = None
    square_off_at: str = "15:20"
    market: str = "synthetic"
    market_config: dict[str, Any] = msgspec.field(default_factory=dict)
    slippage_bps: float = 0.0
    charges: bool = False
    max_quote_age: float = 1.0

    def hours(self) -> str:
        """``market_hours`` as set, else the market's default: the exchange's on live data, always on synthetic."""
        return self.market_hours or ("always" if self.market == "synthetic" else "exchange")

    @classmethod
    def normalise(cls, raw: Mapping[str, Any]) -> Mapping[str, Any]:
        """Move the live driver's settings (under the key ``market`` names) to ``market_config``."""
        market = raw.get("market")
        if not isinstance(market, str) or market == "synthetic" or market not in raw:
            return raw
        settings = dict(raw)
        nested = settings.pop(market)
        if isinstance(nested, Mapping):
            for key, value in nested.items():
                if isinstance(value, str) and value and is_secret_key(str(key)):
                    register_secret(value)  # redacted from logs before the live driver ever parses them
        settings["market_config"] = nested
        return settings

    def __repr__(self) -> str:
        shown = {k: (REDACTED if is_secret_key(k) and v not in (None, "") else v)
                 for k, v in self.market_config.items()}
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__struct_fields__
                           if name != "market_config")
        return f"PaperConfig({fields}, market_config={shown!r})"


@functools.lru_cache(maxsize=4)
def _universe(day: _dt.date, seed: int) -> tuple[UniverseRow, ...]:
    return tuple(build_universe(day, seed))


def _today() -> _dt.date:
    return now_ist().date()


_EQUITY = SegmentCapabilities(
    exchange=Exchange.NSE, order_types=frozenset(OrderType), products=frozenset({ProductType.CNC, ProductType.MIS}),
    validities=frozenset({Validity.DAY, Validity.IOC}), varieties=frozenset({Variety.REGULAR, Variety.AMO}),
    emulated_validities=frozenset({Validity.TTL}))
_FNO = SegmentCapabilities(
    exchange=Exchange.NFO, order_types=frozenset(OrderType), products=frozenset({ProductType.NRML, ProductType.MIS}),
    validities=frozenset({Validity.DAY, Validity.IOC}), varieties=frozenset({Variety.REGULAR, Variety.AMO}),
    emulated_validities=frozenset({Validity.TTL}))

_SUPPORTED = (
    Operation.PROFILE, Operation.FUNDS, Operation.HOLDINGS, Operation.POSITIONS, Operation.ORDERS,
    Operation.ORDER_HISTORY, Operation.TRADES, Operation.ORDER_TRADES, Operation.PLACE_ORDER,
    Operation.MODIFY_ORDER, Operation.CANCEL_ORDER, Operation.QUOTE, Operation.HISTORY,
    Operation.STREAM, Operation.ORDER_UPDATES, Operation.GTT, Operation.MARGINS, Operation.CONVERT_POSITION,
)
_EMULATED = (Operation.ORDER, Operation.LTP)
"""One order's state comes from its history, the LTP from a quote: the core derives both."""

_ERRORS = ErrorMap(
    codes={
        "TICK_SIZE": InvalidOrderError, "LOT_SIZE": InvalidOrderError, "BAD_QTY": InvalidOrderError,
        "TRIGGER": OrderRejectedError, "PRODUCT": InvalidOrderError, "NOT_TRADABLE": OrderRejectedError,
        "NO_HOLDINGS": OrderRejectedError, "FUNDS": InsufficientFundsError, "NOT_FOUND": OrderNotFoundError,
        "GTT_NOT_FOUND": GttNotFoundError, "ORDER_STATE": OrderNotOpenError, "INPUT": BrokerInputError,
        "PRICE_BAND": OrderRejectedError, "FREEZE": OrderRejectedError, "MARKET_CLOSED": OrderRejectedError,
        "NO_POSITION": OrderRejectedError,
    },
    code_reasons=REJECTION_REASONS,
)


class PaperDriver(DriverPlugin[PaperConfig]):
    """The built-in paper broker: an in-process market behind the same contract as any broker."""

    name = "paper"
    title = "Paper trading (built in, no credentials)"
    package = "tt-connect"
    config_type = PaperConfig

    def capabilities(self) -> Capabilities:
        operations = {op: Support.UNSUPPORTED for op in Operation}
        operations.update({op: Support.SUPPORTED for op in _SUPPORTED})
        operations.update({op: Support.EMULATED for op in _EMULATED})
        return Capabilities(operations=operations, segments=(_EQUITY, _FNO), stream_modes=frozenset(StreamMode),
                            history_oi=True)

    def instrument_source(self, config: PaperConfig) -> InstrumentSource:
        day = _today()
        return InstrumentSource(
            select_sql=PAPER_SELECT, publish_time=_dt.time(0, 0),
            files=(InstrumentFile(url=f"paper://local/instruments/{day}", format="csv",
                                  read_options="header=true, all_varchar=true",
                                  local=lambda: universe_csv(list(_universe(day, config.seed)))),))

    def market_link(self, config: PaperConfig) -> MarketLink | None:
        if config.market == "synthetic":
            return None
        if config.market.lower() == self.name:
            raise ConfigurationError('market = "paper" is the synthetic market: write market = "synthetic" or '
                                     "a live broker's name", broker=self.name)
        own = self.capabilities()
        return MarketLink(broker=config.market, settings=config.market_config,
                          capabilities=lambda live: live_capabilities(own, live))

    def _tokens(self, config: PaperConfig) -> LiveTokens:
        """The one token book of this client (its API numbers instruments, its transport reads them)."""
        book: LiveTokens | None = getattr(self, "_book", None)
        if book is None:
            book = self._book = LiveTokens(f"{config.state_file}.instruments.json" if config.state_file else None)
        return book

    def api(self, config: PaperConfig) -> BrokerApi:
        return PaperApi() if config.market == "synthetic" else PaperApi(self._tokens(config))

    def error_map(self, config: PaperConfig) -> ErrorMap:
        return _ERRORS

    def rate_limits(self, config: PaperConfig) -> RateLimits:
        return RateLimits(classes=(RateClass(name="default", per_second=50),
                                   RateClass(name="orders", per_second=20, per_minute=600)))

    def stream(self, config: PaperConfig) -> BrokerStream:
        if config.market == "synthetic":
            return PaperStream()
        return PaperStream(find=self._tokens(config).instrument)

    def transport(self, config: PaperConfig) -> Transport:
        try:
            square_off = _dt.time.fromisoformat(config.square_off_at)
        except ValueError:
            raise BrokerInputError(f"square_off_at must be HH:MM, got {config.square_off_at!r}") from None
        calendar = MarketCalendar() if config.hours() == "exchange" else None
        if config.market == "synthetic":
            engine = PaperEngine(list(_universe(_today(), config.seed)), seed=config.seed, capital=config.capital,
                                 state_file=config.state_file, charges=config.charges, calendar=calendar,
                                 square_off_at=square_off)
            return PaperTransport(engine, tick_interval=config.tick_interval)
        tokens = self._tokens(config)
        market = LiveMarket(tokens, slippage_bps=config.slippage_bps, max_age=config.max_quote_age)
        engine = PaperEngine([], seed=config.seed, capital=config.capital, state_file=config.state_file,
                             market=market, charges=config.charges, calendar=calendar, square_off_at=square_off)
        engine.rows = tokens.rows  # one dict: the token book adds a row as it numbers an instrument
        return LivePaperTransport(engine, market, tick_interval=config.tick_interval)
