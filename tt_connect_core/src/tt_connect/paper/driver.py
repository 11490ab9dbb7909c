"""The built-in ``paper`` driver: no credentials, no network, the same contract as any broker."""

from __future__ import annotations

import datetime as _dt
import functools
from typing import Literal

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
    GttNotFoundError,
    InsufficientFundsError,
    InvalidOrderError,
    OrderNotFoundError,
    OrderNotOpenError,
    OrderRejectedError,
)
from tt_connect.paper.api import REJECTION_REASONS, PaperApi
from tt_connect.paper.engine import PaperEngine
from tt_connect.paper.stream import PaperStream
from tt_connect.paper.transport import PaperTransport
from tt_connect.paper.universe import PAPER_SELECT, UniverseRow, build_universe, universe_csv
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
    square_off_at
        The intraday (MIS) auto square-off time, ``HH:MM`` IST.
    """

    seed: int = 7
    capital: float = 1_000_000.0
    state_file: str | None = None
    tick_interval: float = 0.25
    market_hours: Literal["exchange", "always"] = "always"
    square_off_at: str = "15:20"


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

    def api(self, config: PaperConfig) -> BrokerApi:
        return PaperApi()

    def error_map(self, config: PaperConfig) -> ErrorMap:
        return _ERRORS

    def rate_limits(self, config: PaperConfig) -> RateLimits:
        return RateLimits(classes=(RateClass(name="default", per_second=50),
                                   RateClass(name="orders", per_second=20, per_minute=600)))

    def stream(self, config: PaperConfig) -> BrokerStream:
        return PaperStream()

    def transport(self, config: PaperConfig) -> Transport:
        try:
            square_off = _dt.time.fromisoformat(config.square_off_at)
        except ValueError:
            raise BrokerInputError(f"square_off_at must be HH:MM, got {config.square_off_at!r}") from None
        calendar = MarketCalendar() if config.market_hours == "exchange" else None
        engine = PaperEngine(list(_universe(_today(), config.seed)), seed=config.seed, capital=config.capital,
                             state_file=config.state_file, calendar=calendar, square_off_at=square_off)
        return PaperTransport(engine, tick_interval=config.tick_interval)
