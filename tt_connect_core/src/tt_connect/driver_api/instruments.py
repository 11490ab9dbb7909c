"""Where a broker's instrument master comes from, and how its rows map to canonical columns."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["CANONICAL_COLUMNS", "OPTIONAL_COLUMNS", "BrokerSymbol", "InstrumentFile", "InstrumentSource"]

CANONICAL_COLUMNS: tuple[str, ...] = (
    "exchange",
    "segment",
    "kind",
    "symbol",
    "underlying",
    "expiry",
    "strike",
    "option_type",
    "lot_size",
    "tick_size",
    "isin",
    "name",
    "broker_token",
    "broker_symbol",
    "broker_exchange",
    "broker_segment",
)
"""Columns a driver's instrument SELECT must emit, in any order.

``broker_segment`` is the namespace in which ``broker_token`` is unique (``ctx.by_token(segment,
token)`` looks instruments up by it); ``broker_exchange`` is the exchange name the broker's order
endpoints take (``ctx.by_symbol(exchange, symbol)``). They differ where a broker's tokens are unique
per segment but its orders name an exchange (Kite: segment ``NFO-OPT``, exchange ``NFO``).
"""

OPTIONAL_COLUMNS: frozenset[str] = frozenset({"freeze_qty"})
"""Columns a SELECT may emit where the broker's file has them; it declares which in
:attr:`InstrumentSource.optional_columns`.

``freeze_qty`` is the exchange's freeze quantity of a derivative, in units (Upstox, Fyers and
Dhan's detailed master carry it). Where a broker's file has none, the core uses the
exchange's published table (:mod:`tt_connect.exchange_rules`), so the broker's figure wins
the day the exchange revises it.
"""


@dataclass(frozen=True)
class InstrumentFile:
    """One file of a broker's master: where it is, how it is read, how it is compressed.

    ``name`` identifies the file: with several files, the SELECT's ``{source}`` has a
    ``source_file`` column holding it (Noren's per-exchange files, Fyers' per-segment ones).
    ``read_options`` are DuckDB ``read_csv``/``read_json`` options (``header=false,
    columns={...}`` for a headerless CSV). ``compression`` is undone by the core before reading
    (``zip`` takes ``member``, or the archive's only file). ``local`` produces the bytes
    in-process instead of downloading (the paper broker).
    """

    url: str | None = None
    format: Literal["csv", "json"] = "csv"
    read_options: str = ""
    compression: Literal["none", "gzip", "zip"] = "none"
    member: str | None = None
    name: str = "master"
    local: Callable[[], bytes] | None = None


@dataclass(frozen=True)
class InstrumentSource:
    """A broker's instrument master: its files and the one DuckDB SELECT that maps them.

    ``select_sql`` is one DuckDB SELECT whose FROM clause reads ``{source}`` (the core
    substitutes the readers of the downloaded files) and emits :data:`CANONICAL_COLUMNS`.
    ``publish_time`` is when the broker publishes a new master each day (IST).
    ``authenticated`` sends the session headers with the download. ``optional_columns`` names
    the :data:`OPTIONAL_COLUMNS` the SELECT emits too.
    """

    select_sql: str
    files: tuple[InstrumentFile, ...]
    publish_time: _dt.time = _dt.time(8, 0)
    authenticated: bool = False
    optional_columns: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = set(self.optional_columns) - OPTIONAL_COLUMNS
        if unknown:
            raise ValueError(f"unknown optional instrument columns {sorted(unknown)}; "
                             f"known: {sorted(OPTIONAL_COLUMNS)}")

    @classmethod
    def one_file(cls, select_sql: str, *, url: str | None = None, format: Literal["csv", "json"] = "csv",
                 read_options: str = "", compression: Literal["none", "gzip", "zip"] = "none",
                 member: str | None = None, local: Callable[[], bytes] | None = None,
                 publish_time: _dt.time = _dt.time(8, 0), authenticated: bool = False,
                 optional_columns: frozenset[str] = frozenset()) -> InstrumentSource:
        """Return the source of a master that is one file (most brokers')."""
        return cls(select_sql=select_sql, publish_time=publish_time, authenticated=authenticated,
                   optional_columns=optional_columns,
                   files=(InstrumentFile(url=url, format=format, read_options=read_options, compression=compression,
                                         member=member, local=local),))

    @property
    def origin(self) -> str:
        """Return where the files come from, for the load record."""
        return " ".join(f.url or "local" for f in self.files)


@dataclass(frozen=True)
class BrokerSymbol:
    """A canonical instrument as one broker knows it."""

    token: str
    symbol: str
    exchange: str
    segment: str
    lot_size: int
    tick_size: float
