"""What travels through Redis: compact msgspec encodings of ticks, order updates and holds.

A tick entry is one msgpack array: the hub's epoch (a random id per hub run),
the entry's sequence number in its shard, and the ticks of that shard from one
broker frame, each as the instrument's key and the tick's fields after
``instrument`` in ``Tick``'s own order, trailing defaults left out (an LTP tick
is a few dozen bytes). The consumer attaches its own instrument object, found
by key, so no instrument is rebuilt per tick.

An instrument's key is its msgspec JSON (``{"kind":"EQ","exchange":"NSE",...}``):
exact for every kind, and decodable by the hub into the instrument itself.
Order updates are msgspec JSON of the canonical ``OrderUpdate`` (timestamps
keep their +05:30 offset). Holds (what one consumer wants) are msgpack.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import msgspec
from tt_connect.enums import StreamMode
from tt_connect.instruments import Instrument
from tt_connect.models import InstrumentT, OrderUpdate, Tick
from tt_connect.timeutil import IST

__all__ = [
    "Holds",
    "KeyedTick",
    "TickEntry",
    "decode_holds",
    "decode_instrument",
    "decode_order_update",
    "decode_tick_entry",
    "encode_holds",
    "encode_order_update",
    "encode_tick_entry",
    "instrument_key",
    "keyed_tick",
    "tick_from_entry",
]

_FIELDS = msgspec.structs.fields(Tick)[1:]
_DATETIMES = tuple(i for i, f in enumerate(_FIELDS) if "datetime" in str(f.type))

_DEFAULTS = tuple(None if f.required else f.default for f in _FIELDS)
_REQUIRED = sum(1 for f in _FIELDS if f.required)

TickBody: Any = msgspec.defstruct(
    "TickBody",
    [(f.name, f.type) if f.required else (f.name, f.type, f.default) for f in _FIELDS],
    array_like=True, frozen=True, gc=False, module=__name__)
"""``Tick`` without its instrument, built from ``Tick``'s fields so the two never drift apart.

Decoding accepts an array cut short after any field with a default: the missing ones take it.
"""


class KeyedTick(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """One tick, named by its instrument's key."""

    key: bytes
    body: TickBody


class TickEntry(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """One entry of a shard stream: the shard's ticks from one broker frame."""

    hub: str
    seq: int
    ticks: list[KeyedTick]


class Holds(msgspec.Struct, frozen=True, omit_defaults=True):
    """What one consumer process wants from the hub: instrument key -> mode value."""

    modes: dict[str, str] = {}


_encoder = msgspec.msgpack.Encoder()
_entry_decoder = msgspec.msgpack.Decoder(TickEntry)
_holds_decoder = msgspec.msgpack.Decoder(Holds)
_update_decoder = msgspec.json.Decoder(OrderUpdate)
_instrument_decoder = msgspec.json.Decoder(InstrumentT)
_json = msgspec.json.Encoder()


def instrument_key(instrument: Instrument) -> bytes:
    """Return the key naming ``instrument`` in holds and tick entries."""
    return _json.encode(instrument)


def decode_instrument(key: bytes | str) -> Instrument:
    """Rebuild the instrument a key names (validated against the loaded instrument master)."""
    found: Instrument = _instrument_decoder.decode(key)
    return found


def keyed_tick(key: bytes, tick: Tick) -> tuple[bytes, tuple[Any, ...]]:
    """Return ``tick`` as its key and its fields after ``instrument``, trailing defaults cut off."""
    values = msgspec.structs.astuple(tick)[1:]
    end = len(values)
    while end > _REQUIRED and values[end - 1] == _DEFAULTS[end - 1]:
        end -= 1
    return key, values[:end]


def encode_tick_entry(hub: str, seq: int, ticks: list[tuple[bytes, tuple[Any, ...]]]) -> bytes:
    """Encode one shard's ticks of a frame as one stream entry."""
    return _encoder.encode((hub, seq, ticks))


def decode_tick_entry(payload: bytes) -> TickEntry:
    """Decode a shard stream entry (its instrument is attached later, by key)."""
    entry: TickEntry = _entry_decoder.decode(payload)
    return entry


def tick_from_entry(instrument: Instrument, keyed: KeyedTick) -> Tick:
    """Build the canonical tick; msgpack carries instants in UTC, ticks are in IST."""
    values = list(msgspec.structs.astuple(keyed.body))
    for index in _DATETIMES:
        value = values[index]
        if isinstance(value, _dt.datetime):
            values[index] = value.astimezone(IST)
    return Tick(instrument, *values)  # type: ignore[arg-type]


def encode_order_update(update: OrderUpdate) -> bytes:
    """Encode an order update for the order stream."""
    return _json.encode(update)


def decode_order_update(payload: bytes) -> OrderUpdate:
    """Decode an order update (its instrument is validated against the loaded master)."""
    update: OrderUpdate = _update_decoder.decode(payload)
    return update


def encode_holds(modes: dict[Instrument, StreamMode]) -> bytes:
    """Encode what a consumer holds."""
    return _encoder.encode(Holds(modes={instrument_key(i).decode(): m.value for i, m in modes.items()}))


def decode_holds(payload: bytes) -> Holds:
    """Decode a consumer's holds."""
    holds: Holds = _holds_decoder.decode(payload)
    return holds
