"""The frame fuzz tier catches what it is there to catch: escaping exceptions and non-finite numbers."""

from __future__ import annotations

import datetime as dt
import math
import struct
from collections.abc import Iterator

import pytest
from tt_connect import instruments
from tt_connect.enums import Exchange, StreamMode
from tt_connect.errors import StreamingError
from tt_connect.instruments import Equity
from tt_connect.models import OrderUpdate, Tick
from tt_connect.testing.tiers.fuzz_frames import _feed, frame_mutations


@pytest.fixture(autouse=True)
def _any_instrument() -> Iterator[None]:
    previous = instruments.set_validator(lambda _instrument: None)
    yield
    instruments.set_validator(previous)


class _PriceDecoder:
    """Reads a big-endian double as the last price, the way a careless decoder would."""

    def decode(self, frame: str | bytes, received_at: dt.datetime) -> list[Tick | OrderUpdate]:
        if isinstance(frame, str) or len(frame) != 8:
            raise StreamingError("not a price packet")
        (price,) = struct.unpack(">d", frame)
        return [Tick(Equity(exchange=Exchange.NSE, symbol="SBIN"), StreamMode.LTP, price, received_at)]


def test_a_refused_frame_passes_and_a_nan_price_or_a_raw_exception_fails() -> None:
    decoder = _PriceDecoder()
    _feed(decoder, struct.pack(">d", 612.4), "price")
    _feed(decoder, b"short", "refused")
    with pytest.raises(AssertionError, match="last_price is nan"):
        _feed(decoder, struct.pack(">d", math.nan), "nan")
    with pytest.raises(AssertionError, match="ValueError escaped the decoder"):
        _feed(type("Bad", (), {"decode": lambda self, f, r: int("x")})(), b"x", "raw")


def test_the_mutations_cover_cuts_nan_words_and_keep_text_frames_text() -> None:
    binary = dict(frame_mutations(struct.pack(">d", 612.4), seed=1))
    assert binary["truncated at 1"] == struct.pack(">d", 612.4)[:1]
    assert any(value == struct.pack(">d", math.inf) for value in binary.values())
    assert any(value == struct.pack("<d", math.nan) for value in binary.values())
    text = list(frame_mutations('{"lp": "2905.10", "tk": "2885"}', seed=1))
    assert text and all(isinstance(value, str) for what, value in text if "binary" not in what)
    assert any('"NaN"' in value for _, value in text if isinstance(value, str))
