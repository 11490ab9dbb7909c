"""The DuckDB file: schema, one vectorised load per broker, and reading an index back.

Every load is one SQL statement over the broker's raw file (the driver's
SELECT), staged, normalised and swapped in inside one transaction: no Python
loop touches the ~100k rows on the way in.
"""

from __future__ import annotations

import datetime as _dt
import gc
import os
import tempfile
import threading
from itertools import chain, repeat
from pathlib import Path
from typing import Any

from tt_connect.driver_api import CANONICAL_COLUMNS, InstrumentSource
from tt_connect.errors import ConfigurationError, DriverError, InstrumentError, TTConnectError
from tt_connect.timeutil import IST

__all__ = ["Store", "default_path"]

SCHEMA_VERSION = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS instruments (
    exchange VARCHAR NOT NULL, segment VARCHAR, kind VARCHAR NOT NULL, symbol VARCHAR NOT NULL,
    underlying VARCHAR, expiry DATE, strike DOUBLE, option_type VARCHAR,
    lot_size INTEGER, tick_size DOUBLE, isin VARCHAR, name VARCHAR
);
CREATE TABLE IF NOT EXISTS broker_instruments (
    broker VARCHAR NOT NULL,
    exchange VARCHAR NOT NULL, segment VARCHAR, kind VARCHAR NOT NULL, symbol VARCHAR NOT NULL,
    underlying VARCHAR, expiry DATE, strike DOUBLE, option_type VARCHAR,
    lot_size INTEGER, tick_size DOUBLE, isin VARCHAR, name VARCHAR,
    broker_token VARCHAR NOT NULL, broker_symbol VARCHAR, broker_exchange VARCHAR, broker_segment VARCHAR
);
CREATE TABLE IF NOT EXISTS loads (
    broker VARCHAR PRIMARY KEY, loaded_at TIMESTAMPTZ NOT NULL, source VARCHAR, row_count BIGINT
);
"""

# The canonical id of a contract is its key: (kind, exchange, symbol, expiry, strike, option_type),
# exactly ``Instrument.key``. Normalise whatever a driver's SELECT emits so that contracts carry no
# expiry/strike/option type where their kind has none.
_STAGE = """
INSERT INTO broker_instruments
SELECT ?, * FROM (
    SELECT upper(CAST(exchange AS VARCHAR)) AS exchange, CAST(segment AS VARCHAR) AS segment,
           upper(CAST(kind AS VARCHAR)) AS kind, upper(trim(CAST(symbol AS VARCHAR))) AS symbol,
           upper(trim(CAST(underlying AS VARCHAR))) AS underlying,
           CASE WHEN upper(CAST(kind AS VARCHAR)) IN ('FUT', 'OPT') THEN CAST(expiry AS DATE) END AS expiry,
           CASE WHEN upper(CAST(kind AS VARCHAR)) = 'OPT' THEN CAST(strike AS DOUBLE) END AS strike,
           CASE WHEN upper(CAST(kind AS VARCHAR)) = 'OPT' THEN upper(CAST(option_type AS VARCHAR)) END
               AS option_type,
           greatest(coalesce(CAST(lot_size AS INTEGER), 1), 1) AS lot_size,
           CASE WHEN coalesce(CAST(tick_size AS DOUBLE), 0) > 0 THEN CAST(tick_size AS DOUBLE) ELSE 0.05 END
               AS tick_size,
           nullif(CAST(isin AS VARCHAR), '') AS isin, CAST(name AS VARCHAR) AS name,
           CAST(broker_token AS VARCHAR) AS broker_token, CAST(broker_symbol AS VARCHAR) AS broker_symbol,
           CAST(broker_exchange AS VARCHAR) AS broker_exchange, CAST(broker_segment AS VARCHAR) AS broker_segment
    FROM ({select}) AS driver_rows
) AS normalised
WHERE kind IN ('EQ', 'IDX', 'FUT', 'OPT') AND symbol IS NOT NULL AND broker_token IS NOT NULL
  AND exchange IN ('NSE', 'BSE', 'NFO', 'BFO', 'CDS', 'BCD', 'MCX')
  AND (kind <> 'OPT' OR (strike > 0 AND option_type IN ('CE', 'PE') AND expiry IS NOT NULL))
  AND (kind <> 'FUT' OR expiry IS NOT NULL)
"""

_KEY = "kind, exchange, symbol, expiry, strike, option_type"
_MATCH = ("i.kind = s.kind AND i.exchange = s.exchange AND i.symbol = s.symbol AND i.expiry IS NOT DISTINCT FROM "
          "s.expiry AND i.strike IS NOT DISTINCT FROM s.strike AND i.option_type IS NOT DISTINCT FROM s.option_type")
# One row per series (every strike of an expiry in a list): a few thousand rows cross into
# Python instead of ~100k, and the series' shared values are one object each.
_SERIES = """SELECT kind, exchange, symbol, expiry, option_type, list(strike) FROM broker_instruments
WHERE broker = ? GROUP BY ALL"""
_DETAIL = """SELECT lot_size, tick_size, broker_token, broker_symbol, broker_exchange, broker_segment, name
    FROM broker_instruments WHERE broker = ? AND kind = ? AND exchange = ? AND symbol = ?
    AND expiry IS NOT DISTINCT FROM ? AND strike IS NOT DISTINCT FROM ? AND option_type IS NOT DISTINCT FROM ?"""
_BY_TOKEN = f"SELECT {_KEY} FROM broker_instruments WHERE broker = ? AND broker_segment = ? AND broker_token = ?"
_BY_SYMBOL = f"SELECT {_KEY} FROM broker_instruments WHERE broker = ? AND broker_exchange = ? AND broker_symbol = ?"
_EXPIRIES = """SELECT DISTINCT expiry FROM broker_instruments
WHERE broker = ? AND symbol = ? AND kind = ? AND expiry IS NOT NULL ORDER BY expiry"""
_STRIKES = """SELECT DISTINCT strike FROM broker_instruments
WHERE broker = ? AND symbol = ? AND expiry = ? AND kind = 'OPT' ORDER BY strike"""
_SEARCH = f"""SELECT {_KEY} FROM broker_instruments WHERE broker = ?
  AND (symbol ILIKE ? OR symbol ILIKE ? OR symbol ILIKE ? OR name ILIKE ?)
ORDER BY CASE WHEN upper(symbol) = upper(?) THEN 0 WHEN symbol ILIKE ? THEN 1 ELSE 2 END,
         CASE kind WHEN 'EQ' THEN 0 WHEN 'IDX' THEN 1 WHEN 'FUT' THEN 2 ELSE 3 END,
         symbol, expiry, strike, option_type
LIMIT ?"""


def default_path() -> Path:
    """Return the default database file in the user's cache directory."""
    base = os.environ.get("TT_CONNECT_CACHE_DIR")
    if base:
        root = Path(base)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = Path(xdg) / "tt-connect" if xdg else Path.home() / ".cache" / "tt-connect"
    return root / "instruments.duckdb"


class Store:
    """One DuckDB database; every method is blocking and thread-safe (run it off the loop)."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        import duckdb

        self._lock = threading.Lock()
        self.fallback_reason = ""
        if path is None:
            target: str = os.fspath(default_path())
        else:
            target = os.fspath(path)
        if target != ":memory:":
            try:
                Path(target).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigurationError(
                    f"cannot create the instrument cache directory for {target!r}: {exc}") from None
        try:
            self._con = duckdb.connect(target)
        except duckdb.IOException as exc:
            # Another process holds the file (DuckDB allows one writer): keep working in memory.
            self.fallback_reason = f"{target} is locked by another process ({exc}); using an in-memory master"
            self._con = duckdb.connect(":memory:")
            target = ":memory:"
        self.path = target
        with self._lock:
            self._migrate()
            self._con.execute(_SCHEMA)

    def _migrate(self) -> None:
        """A cache from another schema version is dropped: it is only a cache of the brokers' files."""
        self._con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
        row = self._con.execute("SELECT max(version) FROM schema_version").fetchone()
        if row is None or row[0] != SCHEMA_VERSION:
            for table in ("instruments", "broker_instruments", "loads"):
                self._con.execute(f"DROP TABLE IF EXISTS {table}")
            self._con.execute("DELETE FROM schema_version")
            self._con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION])

    def last_load(self, broker: str) -> tuple[_dt.datetime, str, int] | None:
        """Return (loaded_at, source, rows) of the broker's stored load, if any."""
        with self._lock:
            row = self._con.execute(
                "SELECT loaded_at, source, row_count FROM loads WHERE broker = ?", [broker]
            ).fetchone()
        if row is None:
            return None
        loaded_at: _dt.datetime = row[0]
        if loaded_at.tzinfo is None:
            loaded_at = loaded_at.replace(tzinfo=_dt.UTC)
        return loaded_at.astimezone(IST), str(row[1]), int(row[2])

    def load(self, broker: str, source: InstrumentSource, data: bytes, loaded_at: _dt.datetime) -> int:
        """Replace the broker's rows with those the driver's SELECT makes of ``data``; return the count."""
        if "{source}" not in source.select_sql:
            raise DriverError(f"{broker}: the instrument SELECT must read from {{source}}", broker=broker)
        suffix = ".csv" if source.format == "csv" else ".json"
        fd, tmp = tempfile.mkstemp(prefix=f"ttc-{broker}-", suffix=suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            reader = "read_csv" if source.format == "csv" else "read_json"
            options = f", {source.read_options}" if source.read_options.strip() else ""
            quoted = tmp.replace("'", "''")
            select = source.select_sql.replace("{source}", f"{reader}('{quoted}'{options})")
            with self._lock:
                return self._replace(broker, select, source, loaded_at)
        finally:
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def _replace(self, broker: str, select: str, source: InstrumentSource, loaded_at: _dt.datetime) -> int:
        import duckdb

        cur = self._con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                cur.execute("DELETE FROM broker_instruments WHERE broker = ?", [broker])
                cur.execute(_STAGE.format(select=select), [broker])
                counted = cur.execute("SELECT count(*) FROM broker_instruments WHERE broker = ?",
                                      [broker]).fetchone()
                count = int(counted[0]) if counted else 0
                cur.execute("INSERT OR REPLACE INTO loads VALUES (?, ?, ?, ?)",
                            [broker, loaded_at, source.url or "local", count])
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        except duckdb.Error as exc:
            raise self._explain(cur, broker, select, exc) from None
        finally:
            cur.close()
        return count

    @staticmethod
    def _explain(cur: Any, broker: str, select: str, exc: Exception) -> TTConnectError:
        """Turn a failed load into a driver error (missing columns) or an unreadable-file error."""
        import duckdb

        try:
            columns = {c[0] for c in cur.execute(f"DESCRIBE ({select})").fetchall()}
        except duckdb.Error:
            return InstrumentError(f"{broker}: the instrument file could not be read: {exc}", broker=broker)
        missing = [c for c in CANONICAL_COLUMNS if c not in columns]
        if missing:
            return DriverError(f"{broker}: the instrument SELECT does not emit {', '.join(missing)}", broker=broker)
        return InstrumentError(f"{broker}: the instrument file could not be mapped: {exc}", broker=broker)

    def add_canonical(self, broker: str) -> None:
        """Add the broker's contracts that no broker listed before to the canonical table."""
        with self._lock:
            cur = self._con.cursor()
        try:
            cur.execute(
                f"""INSERT INTO instruments
                   SELECT exchange, segment, kind, symbol, underlying, expiry, strike, option_type,
                          lot_size, tick_size, isin, name FROM broker_instruments s
                   WHERE broker = ? AND NOT EXISTS (SELECT 1 FROM instruments i WHERE {_MATCH})""",
                [broker],
            )
        finally:
            cur.close()

    def _query(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        import duckdb

        with self._lock:
            try:
                cur = self._con.cursor()
            except duckdb.Error:
                raise InstrumentError("the instrument master was closed; create a new client to look up "
                                      "contracts it has not resolved before") from None
            try:
                return cur.execute(sql, params).fetchall()
            except duckdb.Error as exc:
                raise InstrumentError(f"instrument lookup failed: {exc}") from None
            finally:
                cur.close()

    def keys(self, broker: str) -> frozenset[tuple[Any, ...]]:
        """Return the broker's contracts as ``Instrument.key`` tuples (the validation index).

        Runs on its own cursor without the store lock, so it overlaps ``add_canonical``. The
        tuples are made in C (zip over repeated series values); the cyclic GC is paused meanwhile
        because ~100k fresh tuples would otherwise trigger repeated full collections.
        """
        cur = self._con.cursor()
        collecting = gc.isenabled()
        gc.disable()
        try:
            series = cur.execute(_SERIES, [broker]).fetchall()
            return frozenset(chain.from_iterable(
                zip(repeat(kind), repeat(exchange), repeat(symbol), repeat(expiry), strikes, repeat(option_type))
                for kind, exchange, symbol, expiry, option_type, strikes in series))
        finally:
            if collecting:
                gc.enable()
            cur.close()

    def detail(self, broker: str, key: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """Return (lot, tick, token, symbol, exchange, segment, name) of one contract."""
        found = self._query(_DETAIL, [broker, *key])
        return found[0] if found else None

    def key_by(self, broker: str, column: str, first: str, second: str) -> tuple[Any, ...] | None:
        """Return the key of the contract with a broker (segment, token) or (exchange, symbol)."""
        sql = _BY_TOKEN if column == "token" else _BY_SYMBOL
        found = self._query(sql, [broker, first, second])
        return found[0] if found else None

    def expiries(self, broker: str, symbol: str, kind: str) -> list[_dt.date]:
        """Return the distinct expiries of one underlying and kind, soonest first."""
        return [r[0] for r in self._query(_EXPIRIES, [broker, symbol, kind])]

    def strikes(self, broker: str, symbol: str, expiry: _dt.date) -> list[float]:
        """Return the distinct option strikes of one expiry, ascending."""
        return [r[0] for r in self._query(_STRIKES, [broker, symbol, expiry])]

    def search(self, broker: str, text: str, limit: int) -> list[tuple[Any, ...]]:
        """Return keys whose symbol or name matches, exact and cash matches first."""
        prefix, contains = text + "%", "%" + text + "%"
        return self._query(_SEARCH, [broker, text, prefix, contains, contains, text, prefix, limit])

    def close(self) -> None:
        with self._lock:
            self._con.close()
