"""The built-in ``paper`` driver: no credentials, no network, the same contract as any broker."""

from __future__ import annotations

import datetime as _dt
import functools

from tt_connect.driver_api import (
    DRIVER_API_VERSION,
    BrokerApi,
    Capabilities,
    DriverConfig,
    DriverDescription,
    ErrorMap,
    InstrumentSource,
    Operation,
    RateClass,
    RateLimits,
    SegmentCapabilities,
    StreamSpec,
    Support,
    Transport,
)
from tt_connect.enums import Exchange, OrderType, ProductType, StreamMode, Validity, Variety
from tt_connect.errors import (
    InputError,
    InsufficientFundsError,
    InvalidOrderError,
    OrderNotFoundError,
    OrderRejectedError,
)
from tt_connect.hookspecs import hookimpl
from tt_connect.paper.api import PaperApi
from tt_connect.paper.engine import PaperEngine
from tt_connect.paper.stream import PaperStreamSpec
from tt_connect.paper.transport import PaperTransport
from tt_connect.paper.universe import PAPER_SELECT, UniverseRow, build_universe, universe_csv
from tt_connect.timeutil import now_ist

__all__ = ["PaperConfig"]


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
    """

    seed: int = 7
    capital: float = 1_000_000.0
    state_file: str | None = None
    tick_interval: float = 0.25


@functools.lru_cache(maxsize=4)
def _universe(day: _dt.date, seed: int) -> tuple[UniverseRow, ...]:
    return tuple(build_universe(day, seed))


def _today() -> _dt.date:
    return now_ist().date()


def _config(config: DriverConfig) -> PaperConfig:
    assert isinstance(config, PaperConfig)
    return config


@hookimpl
def ttc_describe() -> DriverDescription:
    return DriverDescription(name="paper", api_version=DRIVER_API_VERSION, config_type=PaperConfig,
                             title="Paper trading (built in, no credentials)", package="tt-connect")


_EQUITY = SegmentCapabilities(
    exchange=Exchange.NSE, order_types=frozenset(OrderType), products=frozenset({ProductType.CNC, ProductType.MIS}),
    validities=frozenset({Validity.DAY, Validity.IOC}), varieties=frozenset({Variety.REGULAR}))
_FNO = SegmentCapabilities(
    exchange=Exchange.NFO, order_types=frozenset(OrderType), products=frozenset({ProductType.NRML, ProductType.MIS}),
    validities=frozenset({Validity.DAY, Validity.IOC}), varieties=frozenset({Variety.REGULAR}))

_SUPPORTED = (
    Operation.PROFILE, Operation.FUNDS, Operation.HOLDINGS, Operation.POSITIONS, Operation.ORDERS,
    Operation.ORDER_HISTORY, Operation.TRADES, Operation.ORDER_TRADES, Operation.PLACE_ORDER,
    Operation.MODIFY_ORDER, Operation.CANCEL_ORDER, Operation.QUOTE, Operation.LTP, Operation.HISTORY,
    Operation.STREAM, Operation.ORDER_UPDATES, Operation.GTT, Operation.MARGINS, Operation.CONVERT_POSITION,
)


@hookimpl
def ttc_capabilities(config: DriverConfig) -> Capabilities:
    operations = {op: Support.UNSUPPORTED for op in Operation}
    operations.update({op: Support.SUPPORTED for op in _SUPPORTED})
    return Capabilities(operations=operations, segments=(_EQUITY, _FNO), stream_modes=frozenset(StreamMode))


@hookimpl
def ttc_auth(config: DriverConfig) -> None:
    return None


@hookimpl
def ttc_instrument_source(config: DriverConfig) -> InstrumentSource:
    cfg = _config(config)
    day = _today()
    return InstrumentSource(select_sql=PAPER_SELECT, format="csv", url=f"paper://local/instruments/{day}",
                            read_options="header=true, all_varchar=true", publish_time=_dt.time(0, 0),
                            local=lambda: universe_csv(list(_universe(day, cfg.seed))))


@hookimpl
def ttc_api(config: DriverConfig) -> BrokerApi:
    return PaperApi()


@hookimpl
def ttc_error_map(config: DriverConfig) -> ErrorMap:
    return ErrorMap(codes={
        "TICK_SIZE": InvalidOrderError, "LOT_SIZE": InvalidOrderError, "BAD_QTY": InvalidOrderError,
        "TRIGGER": InvalidOrderError, "PRODUCT": InvalidOrderError, "NOT_TRADABLE": InvalidOrderError,
        "NO_HOLDINGS": OrderRejectedError, "FUNDS": InsufficientFundsError, "NOT_FOUND": OrderNotFoundError,
        "ORDER_STATE": OrderRejectedError, "INPUT": InputError,
    })


@hookimpl
def ttc_rate_limits(config: DriverConfig) -> RateLimits:
    return RateLimits(classes=(RateClass(name="default", per_second=50),
                               RateClass(name="orders", per_second=20, per_minute=600)))


@hookimpl
def ttc_stream(config: DriverConfig) -> StreamSpec:
    return PaperStreamSpec()


@hookimpl
def ttc_transport(config: DriverConfig) -> Transport:
    cfg = _config(config)
    engine = PaperEngine(list(_universe(_today(), cfg.seed)), seed=cfg.seed, capital=cfg.capital,
                         state_file=cfg.state_file)
    return PaperTransport(engine, tick_interval=cfg.tick_interval)
