"""The instrument master: load and refresh per broker, and the active-master validator.

"Active master" with several clients in one process: every broker loaded by
any client registers its catalogue here. Constructing ``Equity``/``Option``...
succeeds when *any* registered broker lists the contract, because canonical
(NSE) naming does not depend on the broker. Each client then resolves the
instrument against *its own* broker and raises ``InstrumentNotFoundError``
naming that broker if it does not list it. A reload replaces the broker's
catalogue atomically; closing a client leaves it registered, so instruments
already built stay valid and new ones can still be built.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import inspect
import os
import threading
import time
from collections.abc import Awaitable, Callable

import msgspec

from tt_connect.driver_api import InstrumentFile, InstrumentSource
from tt_connect.errors import DriverError, InstrumentError, InstrumentNotFoundError, TTConnectError
from tt_connect.instruments_db.catalogue import BrokerInstruments
from tt_connect.instruments_db.registry import register_catalogue
from tt_connect.instruments_db.store import Store
from tt_connect.timeutil import Clock, SystemClock, last_daily

__all__ = ["InstrumentMaster", "LoadReport"]


def _takes_progress(fetch: Callable[..., object]) -> bool:
    """Return True when ``fetch`` accepts a ``progress`` keyword (the client's downloader does)."""
    try:
        parameters = inspect.signature(fetch).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "progress" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


class LoadReport(msgspec.Struct, frozen=True, kw_only=True):
    """What a load did."""

    broker: str
    rows: int
    loaded_at: _dt.datetime
    source: str
    reused: bool
    stale: bool
    seconds: float


class InstrumentMaster:
    """A DuckDB-backed master shared by the clients of one process.

    Parameters
    ----------
    path
        Database file; None for the user's cache dir (``$TT_CONNECT_CACHE_DIR`` overrides),
        ``":memory:"`` for a private in-memory database.
    clock
        Decides freshness against the broker's daily publish time.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, clock: Clock | None = None) -> None:
        self._store = Store(path)
        self._clock: Clock = clock or SystemClock()
        self._views: dict[str, BrokerInstruments] = {}
        self._load_locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._inflight: dict[tuple[int, str], asyncio.Task[LoadReport]] = {}
        self._built_at: dict[str, _dt.datetime] = {}
        if self._store.fallback_reason:
            from tt_connect.logs import get_logger

            get_logger("tt_connect.instruments").warning("instrument_db_fallback", reason=self._store.fallback_reason)

    @property
    def path(self) -> str:
        """Return the database path in use (``:memory:`` after a lock fallback)."""
        return self._store.path

    def _lock_for(self, broker: str) -> threading.Lock:
        with self._guard:
            return self._load_locks.setdefault(broker, threading.Lock())

    def is_fresh(self, broker: str, source: InstrumentSource) -> bool:
        """Return True when the stored load is newer than the broker's latest daily publish."""
        last = self._store.last_load(broker)
        if last is None:
            return False
        published = last_daily(self._clock.now(), source.publish_time)
        return last[0] >= published

    async def load(
        self,
        broker: str,
        source: InstrumentSource,
        fetch: Callable[[str], Awaitable[bytes]] | None,
        *,
        allow_stale: bool = False,
        force: bool = False,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> LoadReport:
        """Make the broker's catalogue current and active; concurrent callers share one load.

        ``progress(bytes_done, bytes_total_or_None)`` is handed to ``fetch`` as a ``progress``
        keyword when ``fetch`` accepts one; otherwise (and for a driver's local source) it is
        called once with the whole size. Callers that join a load already under way share
        its download and its progress reports.
        """
        if not isinstance(broker, str) or not broker.strip():
            raise InstrumentError(f"broker must be a driver name such as 'zerodha', got {broker!r}")
        if not isinstance(source, InstrumentSource):
            raise InstrumentError(f"{broker}: source must be the driver's InstrumentSource, "
                                  f"got {type(source).__name__}", broker=broker)
        key = (id(asyncio.get_running_loop()), broker)
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(broker, source, fetch, allow_stale, force, progress))
            self._inflight[key] = task
            task.add_done_callback(lambda _t: self._inflight.pop(key, None))
        return await asyncio.shield(task)

    async def _load(
        self,
        broker: str,
        source: InstrumentSource,
        fetch: Callable[[str], Awaitable[bytes]] | None,
        allow_stale: bool,
        force: bool,
        progress: Callable[[int, int | None], None] | None,
    ) -> LoadReport:
        started = time.perf_counter()
        lock = self._lock_for(broker)
        await asyncio.to_thread(lock.acquire)
        try:
            fresh = not force and await asyncio.to_thread(self.is_fresh, broker, source)
            stale = False
            if not fresh:
                try:
                    data = await self._obtain(broker, source, fetch, progress)
                    loaded_at = self._clock.now()
                    await asyncio.to_thread(self._store.load, broker, source, data, loaded_at)
                except TTConnectError as exc:
                    if not (allow_stale and self._store.last_load(broker) is not None):
                        raise
                    from tt_connect.logs import get_logger

                    get_logger("tt_connect.instruments").warning(
                        "instrument_refresh_failed_using_stale", broker=broker, error=str(exc))
                    stale = True
            last = await asyncio.to_thread(self._store.last_load, broker)
            current = self._views.get(broker)
            replaced = not fresh and not stale
            if not replaced and current is not None and last is not None and self._built_at.get(broker) == last[0]:
                register_catalogue(current)  # this very load is already in memory (another client's)
            else:
                current = await asyncio.to_thread(self._build, broker)
                if last is not None:
                    self._built_at[broker] = last[0]
        finally:
            lock.release()
        loaded_at, origin, rows = last or (self._clock.now(), "", len(current))
        return LoadReport(broker=broker, rows=rows, loaded_at=loaded_at, source=origin, reused=fresh,
                          stale=stale, seconds=time.perf_counter() - started)

    async def _obtain(
        self,
        broker: str,
        source: InstrumentSource,
        fetch: Callable[[str], Awaitable[bytes]] | None,
        progress: Callable[[int, int | None], None] | None,
    ) -> list[bytes]:
        """Return every master file's bytes, decompressed; any failure surfaces as a TTConnectError."""
        if not source.files:
            raise DriverError(f"{broker}: the driver's instrument source names no file", broker=broker)
        try:
            if len(source.files) == 1:
                datas = [await self._obtain_file(broker, source.files[0], fetch, progress)]
            else:  # several files: fetched together, progress reported once each is in
                datas = list(await asyncio.gather(*(self._obtain_file(broker, f, fetch, None) for f in source.files)))
                if progress is not None:
                    total = sum(len(d) for d in datas)
                    progress(total, total)
            return await asyncio.to_thread(lambda: [_decompressed(broker, f, d) for f, d in zip(source.files, datas)])
        except TTConnectError:
            raise
        except Exception as exc:
            raise InstrumentError(f"{broker}: getting the instrument master failed: {exc!r}; check the "
                                  "network, or pass allow_stale_instruments to keep the last one",
                                  broker=broker) from exc

    async def _obtain_file(self, broker: str, file: InstrumentFile, fetch: Callable[[str], Awaitable[bytes]] | None,
                           progress: Callable[[int, int | None], None] | None) -> bytes:
        if file.local is not None:
            data = await asyncio.to_thread(file.local)
        elif file.url is None or fetch is None:
            raise InstrumentError(f"{broker}: the driver names no instrument file to download", broker=broker)
        elif progress is not None and _takes_progress(fetch):
            data = await fetch(file.url, progress=progress)  # type: ignore[call-arg]
            progress = None  # the download reported its own
        else:
            data = await fetch(file.url)
        if not isinstance(data, bytes):
            raise DriverError(f"{broker}: the instrument source produced {type(data).__name__}, not bytes",
                              broker=broker)
        if progress is not None:
            progress(len(data), len(data))
        return data

    def _build(self, broker: str) -> BrokerInstruments:
        keys = self._store.keys(broker)
        view = BrokerInstruments(broker, keys, self._store)
        if not len(view):
            raise InstrumentNotFoundError(f"{broker}: the instrument master is empty", broker=broker)
        self._views[broker] = view
        register_catalogue(view)
        return view

    def view(self, broker: str) -> BrokerInstruments:
        """Return the loaded catalogue of a broker."""
        view = self._views.get(broker)
        if view is None:
            raise InstrumentError(f"the {broker} instrument master is not loaded; connect a client first",
                                  broker=broker)
        return view

    def close(self) -> None:
        """Close the database; registered catalogues stay active (instruments remain valid)."""
        self._store.close()


def _decompressed(broker: str, file: InstrumentFile, data: bytes) -> bytes:
    """Undo a master file's compression (gzip, or one member of a zip archive)."""
    if file.compression == "gzip":
        import gzip
        import zlib

        try:
            # One output buffer of the size the trailer states: gzip.decompress joins chunks, twice the
            # peak (66 MB more for Upstox's 66 MB file). zlib reads only the first member: a file of
            # several members (its first member's size differs from the trailer's) takes gzip's path.
            expected = int.from_bytes(data[-4:], "little") if len(data) >= 18 else 0
            whole = zlib.decompress(data, wbits=31, bufsize=max(expected, 16_384))
            return whole if len(whole) == expected else gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InstrumentError(f"{broker}: the instrument file {file.name} is not valid gzip ({exc})",
                                  broker=broker) from None
    if file.compression == "zip":
        import io
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
                member = file.member or (names[0] if len(names) == 1 else None)
                if member is None or member not in names:
                    raise InstrumentError(f"{broker}: the instrument archive {file.name} holds {names}; the driver "
                                          f"must name its member", broker=broker)
                return archive.read(member)
        except zipfile.BadZipFile as exc:
            raise InstrumentError(f"{broker}: the instrument file {file.name} is not a valid zip ({exc})",
                                  broker=broker) from None
    return data
