"""The DuckDB file: schema, one vectorised load per broker, and reading an index back.

Every load is one SQL statement over the broker's raw file (the driver's
SELECT), staged, normalised and swapped in inside one transaction: no Python
loop touches the ~100k rows on the way in.
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from tt_connect.driver_api import CANONICAL_COLUMNS, InstrumentSource
from tt_connect.errors import ConfigurationError, DriverError, InstrumentError
from tt_connect.timeutil import IST

__all__ = ["Store", "default_path"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS instruments (
    canonical_id VARCHAR PRIMARY KEY,
    exchange VARCHAR NOT NULL, segment VARCHAR, kind VARCHAR NOT NULL, symbol VARCHAR NOT NULL,
    underlying VARCHAR, expiry DATE, strike DOUBLE, option_type VARCHAR,
    lot_size INTEGER, tick_size DOUBLE, isin VARCHAR, name VARCHAR
);
CREATE TABLE IF NOT EXISTS broker_instruments (
    broker VARCHAR NOT NULL, canonical_id VARCHAR NOT NULL,
    broker_token VARCHAR NOT NULL, broker_symbol VARCHAR, broker_exchange VARCHAR, broker_segment VARCHAR,
    lot_size INTEGER, tick_size DOUBLE
);
CREATE TABLE IF NOT EXISTS loads (
    broker VARCHAR PRIMARY KEY, loaded_at TIMESTAMPTZ NOT NULL, source VARCHAR, row_count BIGINT
);
"""

# Normalise whatever a driver's SELECT emits: keys carry no expiry/strike/option type
# where the kind has none, so that they equal ``Instrument.key`` exactly.
_STAGE = """
CREATE OR REPLACE TEMP TABLE staged AS
SELECT *, concat_ws('|', kind, exchange, symbol, coalesce(CAST(expiry AS VARCHAR), ''),
                    coalesce(CAST(strike AS VARCHAR), ''), coalesce(option_type, '')) AS canonical_id
FROM (
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
QUALIFY row_number() OVER (PARTITION BY canonical_id ORDER BY broker_token) = 1
"""

_INDEX = """
SELECT i.kind, i.exchange, i.symbol, i.expiry, i.strike, i.option_type,
       b.lot_size, b.tick_size, b.broker_token, b.broker_symbol, b.broker_exchange, b.broker_segment,
       i.name, i.isin
FROM broker_instruments b JOIN instruments i USING (canonical_id)
WHERE b.broker = ?
"""


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
            self._con.execute(_SCHEMA)

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
                cur = self._con.cursor()
                try:
                    self._stage(cur, broker, select)
                    count = self._swap(cur, broker, source, loaded_at)
                finally:
                    cur.close()
            return count
        finally:
            try:
                os.unlink(tmp)
            except OSError:
                pass

    @staticmethod
    def _stage(cur: Any, broker: str, select: str) -> None:
        import duckdb

        try:
            columns = {c[0] for c in cur.execute(f"DESCRIBE ({select})").fetchall()}
        except duckdb.Error as exc:
            raise InstrumentError(f"{broker}: the instrument file could not be read: {exc}", broker=broker) from None
        missing = [c for c in CANONICAL_COLUMNS if c not in columns]
        if missing:
            raise DriverError(
                f"{broker}: the instrument SELECT does not emit {', '.join(missing)}", broker=broker
            )
        try:
            cur.execute(_STAGE.format(select=select))
        except duckdb.Error as exc:
            raise InstrumentError(f"{broker}: the instrument file could not be mapped: {exc}", broker=broker) from None

    @staticmethod
    def _swap(cur: Any, broker: str, source: InstrumentSource, loaded_at: _dt.datetime) -> int:
        cur.execute("BEGIN TRANSACTION")
        try:
            cur.execute("DELETE FROM broker_instruments WHERE broker = ?", [broker])
            cur.execute(
                """INSERT OR IGNORE INTO instruments
                   SELECT canonical_id, exchange, segment, kind, symbol, underlying, expiry, strike,
                          option_type, lot_size, tick_size, isin, name FROM staged"""
            )
            cur.execute(
                """INSERT INTO broker_instruments
                   SELECT ?, canonical_id, broker_token, broker_symbol, broker_exchange, broker_segment,
                          lot_size, tick_size FROM staged""",
                [broker],
            )
            count = int(cur.execute("SELECT count(*) FROM staged").fetchone()[0])
            cur.execute("INSERT OR REPLACE INTO loads VALUES (?, ?, ?, ?)",
                        [broker, loaded_at, source.url or "local", count])
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("DROP TABLE IF EXISTS staged")
        return count

    def rows(self, broker: str) -> list[tuple[Any, ...]]:
        """Return the broker's index rows (key columns, sizes, broker ids, name, ISIN)."""
        with self._lock:
            cur = self._con.cursor()
            try:
                return cur.execute(_INDEX, [broker]).fetchall()
            finally:
                cur.close()

    def close(self) -> None:
        with self._lock:
            self._con.close()
