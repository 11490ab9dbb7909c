"""Tier 1d: a damaged instrument master fails as an InstrumentError and leaves the last good one in use.

The driver's master as downloaded (``instrument_files``) is damaged, one file at a time: random bytes,
empty, cut short, header only, bytes that are not UTF-8, an HTML page, every column dropped, every
column's values of the wrong type (text, NaN, inf, 1e999, blank), and the compressed blob itself cut
or bit-flipped. Each goes through the core's own load path (``InstrumentMaster.load`` with the
driver's ``InstrumentSource``) into DuckDB, with ``allow_stale`` on: the load either succeeds, leaving
only finite strikes and ticks and lots of at least one, or falls back to the previous master, whose
rows stay served. Without a stale copy the same failure is the TTConnectError the fallback catches.
"""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import random
import zipfile
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from tt_connect.driver_api import InstrumentFile, InstrumentSource
from tt_connect.errors import TTConnectError

if TYPE_CHECKING:
    from tt_connect.instruments_db.master import InstrumentMaster

__all__ = ["InstrumentFuzzTier", "master_mutations"]

_HTML = b"<html><head><title>503 Service Unavailable</title></head><body>maintenance</body></html>"
_WRONG: tuple[str, ...] = ("x", "NaN", "inf", "-inf", "1e999", "", "-1")
_WRONG_JSON: tuple[bytes, ...] = (b'"x"', b'"NaN"', b"1e999", b"null", b"[]", b"{}", b"-1", b'"inf"')
_HUGE: tuple[str, ...] = ("999999999999999", "-9223372036854775808", "99999999999999999999")
"""Integers past every calendar and every 64-bit cast (an expiry epoch, a token, a lot): one per column."""
_BAD = (
    "SELECT count(*) FROM broker_instruments WHERE broker = ? AND NOT ("
    "isfinite(tick_size) AND tick_size > 0 AND (strike IS NULL OR isfinite(strike)) AND lot_size >= 1)")


def _compress(file: InstrumentFile, content: bytes) -> bytes:
    if file.compression == "gzip":
        return gzip.compress(content, compresslevel=1)
    if file.compression == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(file.member or "master", content)
        return buffer.getvalue()
    return content


def _content(file: InstrumentFile, blob: bytes) -> bytes:
    if file.compression == "gzip":
        return gzip.decompress(blob)
    if file.compression == "zip":
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            return archive.read(file.member or archive.namelist()[0])
    return blob


def _csv(content: bytes, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8", "replace"))))
    if not rows:
        return
    header = rows[0]

    def text(table: list[list[str]]) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(table)
        return out.getvalue().encode()

    yield "header only", text([header])
    for column, name in enumerate(header):
        if name.strip():
            yield f"column {name!r} missing", text([r[:column] + r[column + 1:] for r in rows])
            wrong = rng.choice(_WRONG)
            yield f"column {name!r} all {wrong!r}", text([header, *(
                [*r[:column], wrong, *r[column + 1:]] if len(r) > column else r for r in rows[1:])])
            huge = rng.choice(_HUGE)
            yield f"column {name!r} all {huge}", text([header, *(
                [*r[:column], huge, *r[column + 1:]] if len(r) > column else r for r in rows[1:])])


def _json(content: bytes, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    try:
        records = msgspec.json.decode(content)
    except msgspec.DecodeError:
        return
    yield "an object, not an array", b'{"status": "error", "message": "try later"}'
    yield "null", b"null"
    yield "empty array", b"[]"
    if not isinstance(records, list) or not records or not isinstance(records[0], dict):
        return
    keys = list(dict.fromkeys(k for record in records[:50] if isinstance(record, dict) for k in record))
    for key in keys:
        dropped = [{k: v for k, v in r.items() if k != key} if isinstance(r, dict) else r for r in records]
        yield f"key {key!r} missing", msgspec.json.encode(dropped)
        wrong = msgspec.Raw(rng.choice(_WRONG_JSON))
        typed = [{**r, key: wrong} if isinstance(r, dict) else r for r in records]
        yield f"key {key!r} all {bytes(wrong).decode()}", msgspec.json.encode(typed)
        huge = msgspec.Raw(rng.choice(_HUGE).encode())
        yield f"key {key!r} all {bytes(huge).decode()}", msgspec.json.encode(
            [{**r, key: huge} if isinstance(r, dict) else r for r in records])


def master_mutations(file: InstrumentFile, blob: bytes, *, seed: int, whole_only: bool = False
                     ) -> Iterator[tuple[str, bytes]]:
    """Yield ``(what, damaged blob)`` for one file of a master, compressed as the file declares."""
    rng = random.Random(seed)
    yield "empty download", b""
    yield "random bytes", rng.randbytes(4096)
    if file.compression != "none":
        yield "compressed blob cut in half", blob[: len(blob) // 2]
        flipped = bytearray(blob)
        flipped[len(flipped) // 2] ^= 0x10
        yield "compressed blob with a flipped bit", bytes(flipped)
    content = _content(file, blob)
    middle = len(content) // 2
    damaged = {
        "html page": _HTML,
        "content of random bytes": rng.randbytes(4096),
        "cut at a third": content[: len(content) // 3],
        "cut one byte short": content[:-1],
        "not UTF-8 in the middle": content[:middle] + b"\xff\xfe\xc3\x28" + content[middle:],
    }
    for what, body in damaged.items():
        yield what, _compress(file, body)
    if whole_only:
        return
    shaped = _csv(content, rng) if file.format == "csv" else _json(content, rng)
    for what, body in shaped:
        yield what, _compress(file, body)


class InstrumentFuzzTier:
    """Needs ``instrument_files`` and ``driver_hooks`` (the suite's fixtures)."""

    broker: ClassVar[str]

    def test_mutated_instrument_files_fail_cleanly_and_keep_the_stale_master(
        self, instrument_files: Sequence[bytes] | None, driver_hooks: tuple[Any, Any],
    ) -> None:
        import pytest

        if instrument_files is None:
            pytest.skip("driver declares no instrument files")
        hook, config = driver_hooks
        source: InstrumentSource = hook.ttc_instrument_source(config=config)
        assert len(instrument_files) == len(source.files), (
            f"{len(instrument_files)} instrument files for the {len(source.files)} the driver's source names")
        asyncio.run(_fuzz(self.broker, source, list(instrument_files)))


async def _fuzz(broker: str, source: InstrumentSource, blobs: list[bytes]) -> None:
    from tt_connect.instruments_db import registry
    from tt_connect.instruments_db.master import InstrumentMaster

    with registry.registrations_kept():  # the fuzz master must not stay the process's active one
        await _damage(broker, source, blobs, InstrumentMaster(":memory:"))


async def _damage(broker: str, source: InstrumentSource, blobs: list[bytes], master: InstrumentMaster) -> None:
    current = list(blobs)

    async def fetch(url: str) -> bytes:
        return current[next(i for i, f in enumerate(source.files) if f.url == url)]

    try:
        good = (await master.load(broker, source, fetch, force=True)).rows
        assert good > 0, f"{broker}: the intact instrument files load no contract"
        served = len(master.view(broker))
        for index, (file, blob) in enumerate(zip(source.files, blobs)):
            for what, damaged in master_mutations(file, blob, seed=index, whole_only=index > 0):
                where = f"{broker} instrument file {file.name} / {what}"
                current[index] = damaged
                try:
                    report = await master.load(broker, source, fetch, allow_stale=True, force=True)
                except Exception as exc:
                    kind = "TTConnectError" if isinstance(exc, TTConnectError) else "non-TTConnectError"
                    raise AssertionError(f"{where}: {kind} {type(exc).__name__} escaped with a stale master "
                                         f"to fall back on: {exc}") from exc
                finally:
                    current[index] = blob
                if report.stale:
                    assert report.rows == good and len(master.view(broker)) == served, (
                        f"{where}: the stale master has {report.rows} rows, not the {good} last loaded")
                    continue
                assert report.rows > 0, f"{where}: a load of no contract replaced the master"
                (bad,) = master._store._query(_BAD, [broker])[0]
                assert bad == 0, f"{where}: {bad} rows with a non-finite strike or tick, or a lot below 1"
                good, served = report.rows, len(master.view(broker))
    finally:
        master.close()
