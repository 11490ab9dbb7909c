"""Tier 1c: every recorded feed frame, mutated deterministically, is read or refused, never misread.

Each frame of a driver's ``stream_frames`` cases is damaged (truncated, bits flipped, random bytes,
wrong lengths, count and length fields at their extremes, NaN and infinities written over every
8- and 4-byte word, and for a JSON frame the field mutations of the reply tier) and fed to a fresh
decoder of the driver's own stream, after the case's earlier frames and before its later ones, the
way the streaming backend feeds it. A decoder may return events, every number in them finite, or
refuse the frame with a TTConnectError (the backend reports it and keeps the feed) or
StreamRejected; anything else escaping is a decoder bug. Pure decoding, no socket.
"""

from __future__ import annotations

import datetime as _dt
import random
import struct
import time
from collections.abc import Iterator, Sequence
from typing import Any

from tt_connect.driver_api import BrokerStream, DriverContext, FrameDecoder, StreamRejected
from tt_connect.errors import TTConnectError
from tt_connect.instruments import Instrument
from tt_connect.models import OrderUpdate, Tick
from tt_connect.testing.cases import FrameCase
from tt_connect.testing.tiers.fuzz import _finite, mutations
from tt_connect.timeutil import IST

__all__ = ["FrameFuzzTier", "frame_mutations"]

_RECEIVED = _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)
_HANG_SECONDS = 5.0
"""A decode taking longer than this is a hang or a huge allocation (a count field believed), not slowness."""
_SPECIALS: tuple[bytes, ...] = (
    struct.pack("<d", float("nan")), struct.pack("<d", float("inf")), struct.pack("<d", float("-inf")),
    struct.pack(">d", float("nan")), struct.pack(">d", float("inf")),
    struct.pack("<f", float("nan")), struct.pack("<f", float("inf")), struct.pack(">f", float("inf")),
    b"\xff" * 8, b"\x7f" + b"\xff" * 7, b"\x80" + b"\x00" * 7, b"\xff" * 4, b"\xff\xff",
)
"""Written over the frame at every offset: NaN/inf as doubles and floats of either byte order, the extreme
integers (a count, a length, a price or an epoch at its largest)."""
_WHOLE_SWEEP_BYTES = 512
"""Frames up to this size get every special at every offset; longer ones at 256 seeded offsets."""


def _binary(frame: bytes, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    size = len(frame)
    yield "empty", b""
    for cut in sorted({1, 2, 3, size // 3, size // 2, size - 1} - {0, size}):
        if 0 < cut < size:
            yield f"truncated at {cut}", frame[:cut]
    yield "one byte more", frame + b"\x00"
    yield "seven bytes more", frame + rng.randbytes(7)
    yield "doubled", frame + frame
    yield "random bytes, same length", rng.randbytes(size)
    for length in (1, 5, 51, 123, 184, 379):
        yield f"random {length} bytes", rng.randbytes(length)
    for _ in range(32):
        at = rng.randrange(size * 8) if size else 0
        flipped = bytearray(frame)
        if flipped:
            flipped[at // 8] ^= 1 << (at % 8)
        yield f"bit {at} flipped", bytes(flipped)
    offsets = range(size) if size <= _WHOLE_SWEEP_BYTES else sorted(rng.sample(range(size), 256))
    for special in _SPECIALS:
        for at in offsets:
            if at + len(special) <= size:
                yield f"{special.hex()} at {at}", frame[:at] + special + frame[at + len(special):]


def frame_mutations(frame: str | bytes, *, seed: int) -> Iterator[tuple[str, str | bytes]]:
    """Yield ``(what, mutated frame)``; a text frame stays text (a WebSocket text frame is valid UTF-8)."""
    rng = random.Random(seed)
    if isinstance(frame, str):
        for what, body in mutations(frame.encode(), seed=seed, per_body=80):
            yield what, body.decode("utf-8", "replace")
        yield "random bytes as a binary frame", rng.randbytes(32)
        return
    yield from _binary(frame, rng)
    if frame[:1] in (b"{", b"["):
        yield from mutations(frame, seed=seed, per_body=80)


def _check(events: Any, where: str) -> None:
    """Every event is a Tick or an OrderUpdate of a real instrument, and every number in it is finite."""
    assert isinstance(events, list), f"{where}: decode returned {type(events).__name__}, not a list"
    for event in events:
        if isinstance(event, Tick):
            assert isinstance(event.instrument, Instrument), f"{where}: tick of {event.instrument!r}"
            for name in ("last_quantity", "volume", "buy_quantity", "sell_quantity", "oi", "oi_day_high",
                         "oi_day_low"):
                value = getattr(event, name)
                assert isinstance(value, int), f"{where}: tick.{name} is {type(value).__name__}"
            for name in ("last_price", "average_price", "open", "high", "low", "close", "change"):
                value = getattr(event, name)
                assert isinstance(value, (int, float)), f"{where}: tick.{name} is {type(value).__name__}"
        else:
            assert isinstance(event, OrderUpdate), f"{where}: decode produced {type(event).__name__}"
        _finite(event, f"{where}: {type(event).__name__}")


class FrameFuzzTier:
    """Needs ``stream_frames``, ``static_context`` and ``driver_hooks`` (the suite's fixtures)."""

    def test_mutated_stream_frames_are_decoded_or_refused(
        self, stream_frames: Sequence[FrameCase], static_context: DriverContext | None, driver_hooks: tuple[Any, Any],
    ) -> None:
        import pytest

        if not stream_frames:
            pytest.skip("driver declares no stream frame cases")
        assert static_context is not None, "stream frame cases need a static_context fixture"
        hook, config = driver_hooks
        spec: BrokerStream | None = hook.ttc_stream(config=config)
        assert spec is not None, "the driver declares stream frames but no stream"
        for number, case in enumerate(stream_frames):
            socket = spec.order_updates if case.order_socket else spec
            assert socket is not None, f"{case.name}: the driver's stream has no order-update socket"
            for index, original in enumerate(case.frames):
                for what, mutated in frame_mutations(original, seed=number * 1000 + index):
                    decoder = socket.decoder(static_context)
                    for position, frame in enumerate((*case.frames[:index], mutated, *case.frames[index + 1:])):
                        label = f"{case.name} / frame {index} {what}" if position == index else (
                            f"{case.name} / frame {position} after frame {index} {what}")
                        _feed(decoder, frame, label)


def _feed(decoder: FrameDecoder, frame: str | bytes, where: str) -> None:
    started = time.perf_counter()
    try:
        events = decoder.decode(frame, _RECEIVED)
    except (TTConnectError, StreamRejected):
        events = []
    except Exception as exc:
        raise AssertionError(f"{where}: {type(exc).__name__} escaped the decoder: {exc}") from exc
    spent = time.perf_counter() - started
    assert spent < _HANG_SECONDS, f"{where}: one frame took {spent:.1f} s to decode"
    _check(events, where)
