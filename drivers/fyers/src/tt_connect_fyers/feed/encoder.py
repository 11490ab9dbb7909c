"""HSM frames, both directions: what the driver sends, and what the server sends (emulator, tests).

Layouts are in :mod:`.protocol`. The client frames match the official SDK byte for byte except
the length prefix of subscribe frames, which the SDK fills with a number that is not the
frame's length (the server evidently ignores it there); ours is the true length.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

from tt_connect_fyers.feed.protocol import (
    ACK,
    AUTH,
    CHANNEL,
    CUSTOM,
    DATA,
    DATA_HEAD,
    FULL_MODE,
    LITE_RECORD,
    MODE,
    NO_VALUE,
    PAUSE,
    PING_FRAME,
    RESUME,
    SNAPSHOT_RECORD,
    SUBSCRIBE,
    UNSUBSCRIBE,
    UPDATE_RECORD,
)

__all__ = [
    "ack_frame", "auth_frame", "auth_reply", "custom_frame", "data_frame", "lite_record", "mode_frame",
    "pause_frame", "ping_frame", "reply_frame", "resume_frame", "snapshot_record", "subscribe_frame",
    "unsubscribe_frame", "update_record",
]

SOURCE = "tt-connect"
"""Field 4 of the auth frame names the client (the SDK sends ``PythonSDK-3.2.0``)."""


def _field(field_id: int, value: bytes) -> bytes:
    return struct.pack(">BH", field_id, len(value)) + value


def _frame(kind: int, *fields: bytes) -> bytes:
    body = struct.pack(">BB", kind, len(fields)) + b"".join(fields)
    return struct.pack(">H", len(body)) + body


# -- client -> server ------------------------------------------------------------------------


def auth_frame(key: str, source: str = SOURCE) -> bytes:
    """Type 1: the JWT's ``hsm_key``, mode ``P``, the byte 1, and the client's name."""
    return _frame(AUTH, _field(1, key.encode()), _field(2, b"P"), _field(3, b"\x01"), _field(4, source.encode()))


def mode_frame(mode: int = FULL_MODE, channel: int = CHANNEL) -> bytes:
    """Type 12: the channel bitmask (uint64) and ``F`` (70) or ``L`` (76)."""
    return _frame(MODE, _field(1, struct.pack(">Q", 1 << channel)), _field(2, bytes((mode,))))


def _topics(kind: int, topics: Sequence[str], channel: int) -> bytes:
    listed = bytearray(struct.pack(">H", len(topics)))
    for topic in topics:
        raw = topic.encode("ascii")
        listed.append(len(raw))
        listed += raw
    return _frame(kind, _field(1, bytes(listed)), _field(2, bytes((channel,))))


def subscribe_frame(topics: Sequence[str], channel: int = CHANNEL) -> bytes:
    """Type 4: ``uint16 count`` then ``uint8 length + topic`` each, and the channel."""
    return _topics(SUBSCRIBE, topics, channel)


def unsubscribe_frame(topics: Sequence[str], channel: int = CHANNEL) -> bytes:
    """Type 5: laid out as a subscribe."""
    return _topics(UNSUBSCRIBE, topics, channel)


def pause_frame(channel: int = CHANNEL) -> bytes:
    return _frame(PAUSE, _field(1, struct.pack(">Q", 1 << channel)))


def resume_frame(channel: int = CHANNEL) -> bytes:
    return _frame(RESUME, _field(1, struct.pack(">Q", 1 << channel)))


def ack_frame(message_number: int) -> bytes:
    """Type 3, 11 bytes: the number of the last data frame read."""
    return _frame(ACK, _field(1, struct.pack(">I", message_number & 0xFFFFFFFF)))


def ping_frame() -> bytes:
    return PING_FRAME


# -- server -> client ------------------------------------------------------------------------


def auth_reply(ok: bool, ack_count: int = 0) -> bytes:
    """Type 1: ``K`` (success) or another string, then the uint32 data-frame count between acks."""
    return _frame(AUTH, _field(1, b"K" if ok else b"F"), _field(2, struct.pack(">I", ack_count)))


def reply_frame(kind: int, ok: bool = True) -> bytes:
    """The one-field reply to a subscribe (4), unsubscribe (5), pause (7), resume (8) or mode (12) frame."""
    return _frame(kind, _field(1, b"K" if ok else b"F"))


def custom_frame(code: int, message: str, ref_type: int = 0) -> bytes:
    """Type 51: an int32 code, a UTF-8 text and the request type it answers (1 auth, 4 subscribe...)."""
    return _frame(CUSTOM, _field(1, struct.pack(">i", code)), _field(2, message.encode()),
                  _field(3, bytes((ref_type,))))


def _ints(values: Sequence[int]) -> bytes:
    return struct.pack(f">B{len(values)}i", len(values), *values)


def _text(value: str) -> bytes:
    raw = value.encode()[:255]
    return bytes((len(raw),)) + raw


def snapshot_record(topic_id: int, topic: str, values: Sequence[int], *, multiplier: int = 1, precision: int = 2,
                    exchange: str = "", token: str = "", symbol: str = "") -> bytes:
    """``S``: the topic id and name, every value, 2 reserved bytes, multiplier, precision, three texts."""
    name = topic.encode()
    return (struct.pack(">BHB", SNAPSHOT_RECORD, topic_id, len(name)) + name + _ints(values)
            + struct.pack(">2xHB", multiplier, precision) + _text(exchange) + _text(token) + _text(symbol))


def update_record(topic_id: int, values: Sequence[int]) -> bytes:
    """``U``: the topic id and every value in snapshot order (``NO_VALUE`` = unchanged)."""
    return struct.pack(">BH", UPDATE_RECORD, topic_id) + _ints(values)


def lite_record(topic_id: int, ltp: int) -> bytes:
    """``L``: the topic id and the last price only."""
    return struct.pack(">BHi", LITE_RECORD, topic_id, ltp)


def data_frame(message_number: int, records: Iterable[bytes]) -> bytes:
    """Type 6: the message number, the record count, the records."""
    listed = list(records)
    body = b"".join(listed)
    head = DATA_HEAD.pack(DATA_HEAD.size - 2 + len(body), DATA, message_number & 0xFFFFFFFF, len(listed))
    return head + body


def unchanged(previous: Sequence[int], current: Sequence[int]) -> list[int]:
    """An update's values: the current value where it changed, ``NO_VALUE`` where it did not."""
    return [NO_VALUE if old == new else new for old, new in zip(previous, current, strict=True)]
