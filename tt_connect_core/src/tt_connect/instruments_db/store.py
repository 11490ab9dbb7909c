"""The DuckDB file: schema, one vectorised load per broker, and reading an index back.

Every load is one SQL statement over the broker's raw file (the driver's
SELECT), staged, normalised and swapped in inside one transaction: no Python
loop touches the ~100k rows on the way in.
"""

from __future__ import annotations

import datetime as _dt
import gc
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tt_connect.driver_api import CANONICAL_COLUMNS, InstrumentSource
from tt_connect.errors import ConfigurationError, DriverError, InstrumentError, TTConnectError
from tt_connect.instruments_db.keyindex import KeyIndex
from tt_connect.timeutil import IST

if TYPE_CHECKING:
    import duckdb

__all__ = ["Store", "default_path"]

SCHEMA_VERSION = 5

_SCHEMA = """
CREATE TABLE IF NOT EXISTS broker_instruments (
    broker VARCHAR NOT NULL,
    exchange VARCHAR NOT NULL, segment VARCHAR, kind VARCHAR NOT NULL, symbol VARCHAR NOT NULL,
    underlying VARCHAR, expiry DATE, strike DOUBLE, option_type VARCHAR,
    lot_size INTEGER, tick_size DOUBLE, isin VARCHAR, name VARCHAR,
    broker_token VARCHAR NOT NULL, broker_symbol VARCHAR, broker_exchange VARCHAR, broker_segment VARCHAR,
    freeze_qty INTEGER
);
CREATE TABLE IF NOT EXISTS loads (
    broker VARCHAR PRIMARY KEY, loaded_at TIMESTAMPTZ NOT NULL, source VARCHAR, row_count BIGINT
);
-- One row per contract any loaded broker lists today (the first broker's details by name). A
-- view, not a copy: it costs a load nothing and never keeps a contract no broker lists any more.
CREATE VIEW IF NOT EXISTS instruments AS
SELECT DISTINCT ON (kind, exchange, symbol, expiry, strike, option_type)
       exchange, segment, kind, symbol, underlying, expiry, strike, option_type, lot_size, tick_size, isin, name
FROM broker_instruments ORDER BY kind, exchange, symbol, expiry, strike, option_type, broker;
"""

# The canonical id of a contract is its key: (kind, exchange, symbol, expiry, strike, option_type),
# exactly ``Instrument.key``. Normalise whatever a driver's SELECT emits so that contracts carry no
# expiry/strike/option type where their kind has none. The INSERT has no WHERE on purpose: DuckDB
# would push such a filter down through the driver's SELECT, evaluating its expressions once more
# for the filter; the rows that are not contracts are deleted from the stored, normalised values.
_STAGE = """
INSERT INTO broker_instruments
SELECT ?, upper(coalesce(CAST(exchange AS VARCHAR), '')), CAST(segment AS VARCHAR),
       upper(coalesce(CAST(kind AS VARCHAR), '')), upper(trim(coalesce(CAST(symbol AS VARCHAR), ''))),
       upper(trim(CAST(underlying AS VARCHAR))),
       CASE WHEN upper(CAST(kind AS VARCHAR)) IN ('FUT', 'OPT') THEN CAST(expiry AS DATE) END,
       CASE WHEN upper(CAST(kind AS VARCHAR)) = 'OPT' THEN CAST(strike AS DOUBLE) END,
       CASE WHEN upper(CAST(kind AS VARCHAR)) = 'OPT' THEN upper(CAST(option_type AS VARCHAR)) END,
       greatest(coalesce(CAST(lot_size AS INTEGER), 1), 1),
       CASE WHEN coalesce(CAST(tick_size AS DOUBLE), 0) > 0 AND isfinite(CAST(tick_size AS DOUBLE))
            THEN CAST(tick_size AS DOUBLE) ELSE 0.05 END,
       nullif(CAST(isin AS VARCHAR), ''), CAST(name AS VARCHAR),
       coalesce(CAST(broker_token AS VARCHAR), ''), CAST(broker_symbol AS VARCHAR),
       CAST(broker_exchange AS VARCHAR), CAST(broker_segment AS VARCHAR), {freeze_qty}
FROM ({select}) AS driver_rows
"""
_NOT_CONTRACTS = """
DELETE FROM broker_instruments WHERE broker = ? AND (
    kind NOT IN ('EQ', 'IDX', 'FUT', 'OPT') OR symbol = '' OR broker_token = ''
    OR exchange NOT IN ('NSE', 'BSE', 'NFO', 'BFO', 'CDS', 'BCD', 'MCX')
    OR (kind = 'OPT' AND (coalesce(strike, 0) <= 0 OR NOT isfinite(strike)
                          OR coalesce(option_type, '') NOT IN ('CE', 'PE')
                          OR expiry IS NULL))
    OR (kind = 'FUT' AND expiry IS NULL))
"""

_KEY = "kind, exchange, symbol, expiry, strike, option_type"
# One row per series (every strike of an expiry in a list): a few thousand rows cross into
# Python instead of ~100k, and the series' shared values are one object each.
_SERIES = """SELECT kind, exchange, symbol, expiry, option_type, list(strike) FROM broker_instruments
WHERE broker = ? GROUP BY ALL"""
_DETAIL = """SELECT lot_size, tick_size, broker_token, broker_symbol, broker_exchange, broker_segment, name,
    freeze_qty
    FROM broker_instruments WHERE broker = ? AND kind = ? AND exchange = ? AND symbol = ?
    AND expiry IS NOT DISTINCT FROM ? AND strike IS NOT DISTINCT FROM ? AND option_type IS NOT DISTINCT FROM ?"""
_BY_TOKEN = f"SELECT {_KEY} FROM broker_instruments WHERE broker = ? AND broker_segment = ? AND broker_token = ?"
_BY_SYMBOL = f"SELECT {_KEY} FROM broker_instruments WHERE broker = ? AND broker_exchange = ? AND broker_symbol = ?"
_EXPIRIES = """SELECT DISTINCT expiry FROM broker_instruments
WHERE broker = ? AND symbol = ? AND kind = ? AND expiry IS NOT NULL ORDER BY expiry"""
_STRIKES = """SELECT DISTINCT strike FROM broker_instruments
WHERE broker = ? AND symbol = ? AND expiry = ? AND kind = 'OPT' ORDER BY strike"""
_MATCHES = "broker = ? AND (symbol ILIKE ? OR symbol ILIKE ? OR symbol ILIKE ? OR name ILIKE ?)"
_SEARCH_COUNT = f"SELECT count(*) FROM broker_instruments WHERE {_MATCHES}"
_SEARCH = f"""SELECT {_KEY} FROM broker_instruments WHERE {_MATCHES}
ORDER BY CASE WHEN upper(symbol) = upper(?) AND kind IN ('EQ', 'IDX') THEN 0
              WHEN kind = 'IDX' AND symbol ILIKE ? THEN 1
              WHEN upper(symbol) = upper(?) THEN 2
              WHEN symbol ILIKE ? THEN 3 ELSE 4 END,
         CASE kind WHEN 'EQ' THEN 0 WHEN 'IDX' THEN 1 WHEN 'FUT' THEN 2 ELSE 3 END,
         symbol, expiry, strike, option_type
LIMIT ?"""

_VERIFY = """SELECT (SELECT bit_xor(hash(broker, loaded_at, source, row_count)) FROM loads),
(SELECT bit_xor(hash(broker, exchange, segment, kind, symbol, underlying, expiry, strike, option_type, lot_size,
                     tick_size, isin, name, broker_token, broker_symbol, broker_exchange, broker_segment,
                     freeze_qty))
 FROM broker_instruments)"""
"""Touches every stored value, so damage anywhere in the file shows at open (~20 ms for 150k rows)."""

_SPOT_OF = """SELECT kind, exchange, symbol FROM broker_instruments
WHERE broker = ? AND ((kind = 'IDX' AND underlying = ?) OR (kind = 'EQ' AND symbol = ?))
ORDER BY kind = 'IDX' DESC, exchange = 'NSE' DESC LIMIT 1"""



def _freeze_column(source: InstrumentSource) -> str:
    """The stored freeze quantity: the broker's own where its SELECT emits one (0 or less is none)."""
    if "freeze_qty" not in source.optional_columns:
        return "NULL"
    return "CASE WHEN CAST(freeze_qty AS INTEGER) > 0 THEN CAST(freeze_qty AS INTEGER) END"


_SPLIT_MIN_BYTES = 4_000_000
"""A JSON array smaller than this is read as one file: cutting it would save less than it costs."""
_RECORD_GAP = re.compile(rb"\}\s*,\s*\{")
_ARRAY_START = re.compile(rb"\s*\[")


def _record_cuts(data: bytes, pieces: int) -> list[tuple[int, int]]:
    """Return (end of one record, start of the next) near each 1/pieces of a large JSON array.

    A ``}``, ``,``, ``{`` sequence is a record boundary unless it sits inside a string or a
    nested value; a cut there leaves pieces that do not parse, which the caller detects.
    """
    if pieces < 2 or len(data) < _SPLIT_MIN_BYTES or _ARRAY_START.match(data) is None:
        return []
    cuts: list[tuple[int, int]] = []
    for k in range(1, pieces):
        gap = _RECORD_GAP.search(data, max(len(data) * k // pieces, cuts[-1][1] if cuts else 0))
        if gap is None:
            break
        cuts.append((gap.start() + 1, gap.end() - 1))
    return cuts


def _pieces(data: bytes, cuts: list[tuple[int, int]]) -> list[list[bytes | memoryview]]:
    """Return the file contents for ``cuts``: each piece a JSON array of whole records."""
    if not cuts:
        return [[data]]
    view = memoryview(data)
    starts = [0, *(start for _end, start in cuts)]
    ends = [*(end for end, _start in cuts), len(data)]
    return [[b"[" if i else b"", view[begin:finish], b"]" if i < len(cuts) else b""]
            for i, (begin, finish) in enumerate(zip(starts, ends, strict=True))]


_CATALOG = "master"
_ROW_GROUP_ROWS = 32_768
"""Rows per row group in the file. DuckDB writes and compresses one row group per thread; at its
default of 122,880 rows a 95k-row master was one row group, so a first load's commit ran on one
thread (Kite: ~0.2 s of the commit; 3 row groups measured 0.06 s)."""


def _open(target: str) -> duckdb.DuckDBPyConnection:
    """Connect to ``target``; a file is attached with smaller row groups and made the default."""
    import duckdb

    if target == ":memory:":
        return duckdb.connect(":memory:")
    quoted = target.replace("'", "''")
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{quoted}' AS {_CATALOG} (ROW_GROUP_SIZE {_ROW_GROUP_ROWS})")
        con.execute(f"USE {_CATALOG}")
    except BaseException:
        con.close()
        raise
    return con


def _locked(exc: Exception) -> bool:
    """True when DuckDB refused the file because another process holds its lock (not because it is damaged)."""
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _in_use(exc: Exception) -> bool:
    """True when this process already has the file attached (another Store on the same path)."""
    return "Unique file handle conflict" in str(exc)


def _move_aside(target: str, exc: Exception) -> str:
    """Rename a damaged database (and its WAL) out of the way; return where it went."""
    from tt_connect.logs import get_logger

    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S")
    aside = f"{target}.damaged-{stamp}"
    for suffix in ("", ".wal"):
        if os.path.exists(target + suffix):
            os.replace(target + suffix, aside + suffix)
    get_logger("tt_connect.instruments").warning(
        "instrument_db_damaged_rebuilding", path=target, moved_to=aside, error=f"{type(exc).__name__}: {exc}",
        hint="the file was cut short or overwritten (a crash or a full disk?); it will be rebuilt from the broker")
    return aside


def _write(target: tuple[IO[bytes], list[bytes | memoryview]]) -> None:
    handle, piece = target
    handle.writelines(piece)


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
        self._catalog: str | None = None
        self.healed_from = ""
        """The path a damaged database file was moved to before a fresh one was made, or ""."""
        try:
            self._con = self._connect(target)
        except duckdb.Error as exc:
            if _in_use(exc):
                self.fallback_reason = f"{target} is already open in this process; using an in-memory master"
            elif isinstance(exc, duckdb.IOException) and _locked(exc):
                # Another process holds the file (DuckDB allows one writer): keep working in memory.
                self.fallback_reason = f"{target} is locked by another process ({exc}); using an in-memory master"
            else:
                raise
            self._con = self._connect(":memory:")
            target = ":memory:"
        self.path = target

    def _connect(self, target: str) -> duckdb.DuckDBPyConnection:
        """Open ``target``, check it, and make it current; a damaged file is moved aside and made anew."""
        import duckdb

        try:
            return self._prepare(_open(target), target)
        except duckdb.Error as exc:
            if target == ":memory:" or _in_use(exc) or (isinstance(exc, duckdb.IOException) and _locked(exc)):
                raise
            self.healed_from = _move_aside(target, exc)
            return self._prepare(_open(target), target)

    def _prepare(self, con: duckdb.DuckDBPyConnection, target: str) -> duckdb.DuckDBPyConnection:
        try:
            self._con = con
            self._catalog = _CATALOG if target != ":memory:" else None
            if target != ":memory:":
                # A load appends ~150k rows in one transaction; written optimistically, DuckDB compresses
                # and writes row groups during the INSERT, which measured ~20% slower than compressing
                # once at the commit's checkpoint.
                con.execute("SET enable_optimistic_write = false")
            threads = con.execute("SELECT current_setting('threads')").fetchone()
            self._threads = min(int(threads[0]) if threads else 1, 8)
            with self._lock:
                self._migrate()
                con.execute(_SCHEMA)
                # Read every value once: a file cut short (a crash, a full disk) fails here, not at a lookup.
                con.execute(_VERIFY).fetchall()
        except BaseException:
            con.close()
            raise
        return con

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """Return a connection of its own for one thread; it reads and writes the master's file."""
        cur = self._con.cursor()
        if self._catalog is not None:
            cur.execute(f"USE {self._catalog}")  # a cursor starts in the in-memory catalog
        return cur

    def _migrate(self) -> None:
        """A cache from another schema version is dropped: it is only a cache of the brokers' files."""
        self._con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
        row = self._con.execute("SELECT max(version) FROM schema_version").fetchone()
        if row is None or row[0] != SCHEMA_VERSION:
            stored = self._con.execute(
                "SELECT table_name, table_type FROM information_schema.tables WHERE table_catalog = current_database() "
                "AND table_schema = 'main' "
                "AND table_name IN ('instruments', 'broker_instruments', 'loads') "
                "ORDER BY table_type = 'VIEW' DESC").fetchall()
            for name, kind in stored:  # views first: they depend on the tables
                self._con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {name}")
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

    def load(self, broker: str, source: InstrumentSource, data: bytes | Sequence[bytes],
             loaded_at: _dt.datetime) -> int:
        """Replace the broker's rows with those the driver's SELECT makes of its files; return the count.

        ``data`` holds one decompressed blob per file of ``source.files`` (one blob alone for a
        single file). A large JSON array is written as one file per DuckDB thread, cut between two
        records: DuckDB reads an array file on one thread, so a single file would serialise the
        whole load. Should a cut land somewhere that is not a record boundary, the pieces are not
        valid JSON; the load is then repeated from the whole file. With several files, ``{source}``
        is their union by column name, with a ``source_file`` column naming each row's file.
        """
        if "{source}" not in source.select_sql:
            raise DriverError(f"{broker}: the instrument SELECT must read from {{source}}", broker=broker)
        blobs: list[bytes] = [data] if isinstance(data, bytes) else list(data)
        if len(blobs) != len(source.files):
            raise DriverError(f"{broker}: {len(blobs)} instrument files for {len(source.files)} declared",
                              broker=broker)
        cuts = [_record_cuts(blob, self._threads) if file.format == "json" else []
                for file, blob in zip(source.files, blobs)]
        try:
            with self._lock:
                return self._load_pieces(broker, source, blobs, cuts, loaded_at)
        except TTConnectError as exc:
            if not any(cuts):
                raise
            from tt_connect.logs import get_logger

            get_logger("tt_connect.instruments").warning(
                "instrument_pieces_unreadable_reading_whole_file", broker=broker,
                pieces=sum(len(c) + 1 for c in cuts), error=str(exc))
        with self._lock:
            return self._load_pieces(broker, source, blobs, [[] for _ in blobs], loaded_at)

    def _load_pieces(self, broker: str, source: InstrumentSource, blobs: list[bytes],
                     cuts: list[list[tuple[int, int]]], loaded_at: _dt.datetime) -> int:
        paths: list[str] = []
        try:
            readers: list[str] = []
            with ExitStack() as handles:
                writes = []
                for file, blob, file_cuts in zip(source.files, blobs, cuts):
                    suffix = ".csv" if file.format == "csv" else ".json"
                    mine = []
                    for piece in _pieces(blob, file_cuts):
                        fd, tmp = tempfile.mkstemp(prefix=f"ttc-{broker}-", suffix=suffix)
                        paths.append(tmp)
                        mine.append(tmp)
                        writes.append((handles.enter_context(os.fdopen(fd, "wb")), piece))
                    reader = "read_csv" if file.format == "csv" else "read_json"
                    options = f", {file.read_options}" if file.read_options.strip() else ""
                    names = ", ".join("'" + path.replace("'", "''") + "'" for path in mine)
                    readers.append(f"{reader}({names if len(mine) == 1 else f'[{names}]'}{options})")
                if len(writes) == 1:
                    _write(writes[0])
                else:  # a first write of ~30 MB into the page cache is measurably faster from two threads
                    with ThreadPoolExecutor(min(len(writes), max(self._threads, 2))) as pool:
                        list(pool.map(_write, writes))
            if len(readers) == 1:
                relation = readers[0]
            else:
                relation = "(" + " UNION ALL BY NAME ".join(
                    f"SELECT *, '{file.name.replace(chr(39), chr(39) * 2)}' AS source_file FROM {reader}"
                    for file, reader in zip(source.files, readers)) + ")"
            select = source.select_sql.replace("{source}", relation)
            return self._replace(broker, select, source, loaded_at)
        finally:
            for path in paths:
                try:
                    os.unlink(path)
                except OSError:
                    pass

    def _replace(self, broker: str, select: str, source: InstrumentSource, loaded_at: _dt.datetime) -> int:
        import duckdb

        cur = self._cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                cur.execute("DELETE FROM broker_instruments WHERE broker = ?", [broker])
                cur.execute(_STAGE.format(select=select, freeze_qty=_freeze_column(source)), [broker])
                cur.execute(_NOT_CONTRACTS, [broker])
                counted = cur.execute("SELECT count(*) FROM broker_instruments WHERE broker = ?",
                                      [broker]).fetchone()
                count = int(counted[0]) if counted else 0
                if not count:  # a file cut after its header, or the wrong file: keep the master it would replace
                    raise InstrumentError(f"{broker}: the instrument file lists no contract (cut short, or not "
                                          "the broker's master?)", broker=broker)
                cur.execute("INSERT OR REPLACE INTO loads VALUES (?, ?, ?, ?)",
                            [broker, loaded_at, source.origin, count])
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        except UnicodeDecodeError:
            # DuckDB quotes the undecodable bytes in its message, which the binding cannot turn into text.
            raise InstrumentError(f"{broker}: the instrument file is not UTF-8 text", broker=broker) from None
        except duckdb.Error as exc:
            raise self._explain(cur, broker, select, source, exc) from None
        finally:
            cur.close()
        return count

    @staticmethod
    def _explain(cur: Any, broker: str, select: str, source: InstrumentSource, exc: Exception) -> TTConnectError:
        """Turn a failed load into a driver error (missing columns) or an unreadable-file error."""
        import duckdb

        try:
            columns = {c[0] for c in cur.execute(f"DESCRIBE ({select})").fetchall()}
        except (duckdb.Error, UnicodeDecodeError):
            return InstrumentError(f"{broker}: the instrument file could not be read: {exc}", broker=broker)
        missing = [c for c in (*CANONICAL_COLUMNS, *sorted(source.optional_columns)) if c not in columns]
        if missing:
            return DriverError(f"{broker}: the instrument SELECT does not emit {', '.join(missing)}", broker=broker)
        return InstrumentError(f"{broker}: the instrument file could not be mapped: {exc}", broker=broker)

    def _query(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        import duckdb

        with self._lock:
            try:
                cur = self._cursor()
            except duckdb.Error:
                raise InstrumentError("the instrument master was closed; create a new client to look up "
                                      "contracts it has not resolved before") from None
            try:
                return cur.execute(sql, params).fetchall()
            except duckdb.Error as exc:
                raise InstrumentError(f"instrument lookup failed: {exc}") from None
            finally:
                cur.close()

    def keys(self, broker: str) -> KeyIndex:
        """Return the broker's contracts as a :class:`KeyIndex` (the validation index).

        DuckDB groups the options by series, so ~10k rows cross into Python instead of ~150k.
        The cyclic GC is paused meanwhile: the fresh lists would otherwise trigger collections.
        """
        cur = self._cursor()
        collecting = gc.isenabled()
        gc.disable()
        try:
            return KeyIndex.from_series(cur.execute(_SERIES, [broker]).fetchall())
        finally:
            if collecting:
                gc.enable()
            cur.close()

    def detail(self, broker: str, key: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """Return (lot, tick, token, symbol, exchange, segment, name, freeze) of one contract."""
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

    def spot_of(self, broker: str, underlying: str) -> tuple[str, str, str] | None:
        """Return (kind, exchange, symbol) of what an underlying's derivatives are priced on: its index, else
        its cash stock (NSE first)."""
        found = self._query(_SPOT_OF, [broker, underlying, underlying])
        return (str(found[0][0]), str(found[0][1]), str(found[0][2])) if found else None

    def search(self, broker: str, text: str, limit: int) -> list[tuple[Any, ...]]:
        """Return keys whose symbol or name matches: the exact cash symbol first, then indices named
        after ``text`` (NIFTY 50 for NIFTY), then exact derivatives, prefixes and the rest."""
        prefix, contains = text + "%", "%" + text + "%"
        return self._query(_SEARCH, [broker, text, prefix, contains, contains, text, prefix, text, prefix, limit])

    def count_matches(self, broker: str, text: str) -> int:
        """Return how many contracts :meth:`search` would find without a limit."""
        prefix, contains = text + "%", "%" + text + "%"
        return int(self._query(_SEARCH_COUNT, [broker, text, prefix, contains, contains])[0][0])

    def close(self) -> None:
        with self._lock:
            self._con.close()
