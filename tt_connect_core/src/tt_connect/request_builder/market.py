"""User input -> canonical market-data requests: quotes, history chunks, stream subscriptions."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from tt_connect.driver_api import Capabilities, Operation
from tt_connect.enums import CandleInterval, StreamMode
from tt_connect.errors import InputError, InvalidSubscriptionError, UnsupportedOperationError
from tt_connect.instruments import Instrument
from tt_connect.models import HistoryRequest
from tt_connect.request_builder.capabilities import require
from tt_connect.request_builder.coerce import boolean, enum_value, instrument_value, instruments_value, moment

__all__ = ["batches", "checked_handler", "checked_mode", "history_requests", "stream_mode", "subscription_instruments"]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
_CHUNK_GAP = _dt.timedelta(seconds=1)
"""Between two chunks of a split range: the next starts a second after the last ended (a broker
that reads minutes only returns the boundary candle twice, and the core keeps one)."""


def batches(items: Sequence[T], size: int) -> list[list[T]]:
    """Split ``items`` into lists of at most ``size`` (0: one list)."""
    if size <= 0 or len(items) <= size:
        return [list(items)]
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def history_requests(*, broker: str, capabilities: Capabilities, max_days: Mapping[CandleInterval, int],
                     instrument: object, interval: object, start: object, end: object, oi: object,
                     now: _dt.datetime) -> list[HistoryRequest]:
    """Return the chunks that cover ``start``..``end`` within the broker's per-request ranges."""
    require(capabilities, Operation.HISTORY, broker)
    item = instrument_value(instrument, "instrument")
    bar = enum_value(CandleInterval, interval, "interval")
    if capabilities.history_intervals and bar not in capabilities.history_intervals:
        served = ", ".join(sorted(i.name for i in capabilities.history_intervals))
        raise UnsupportedOperationError(f"{broker} serves no {bar.name} candles (it serves: {served})",
                                        broker=broker)
    with_oi = boolean(oi, "oi")
    if with_oi and not capabilities.history_oi:
        raise UnsupportedOperationError(f"{broker} candles carry no open interest; call history with oi=False",
                                        broker=broker)
    begin = moment(start, "start")
    finish = moment(end, "end") if end is not None else now
    if begin >= finish:
        raise InputError(f"history needs start < end, got {begin.isoformat()} >= {finish.isoformat()}")
    if begin > now:
        raise InputError(f"history start {begin.isoformat()} is in the future")
    finish = min(finish, now)
    days = max_days.get(bar)
    if not days:
        return [HistoryRequest(instrument=item, interval=bar, start=begin, end=finish, oi=with_oi)]  # type: ignore[arg-type]
    span = _dt.timedelta(days=days)
    chunks: list[HistoryRequest] = []
    chunk_start = begin
    while True:
        chunk_end = min(chunk_start + span, finish)
        chunks.append(HistoryRequest(instrument=item, interval=bar, start=chunk_start,  # type: ignore[arg-type]
                                     end=chunk_end, oi=with_oi))
        if chunk_end >= finish:
            return chunks
        chunk_start = chunk_end + _CHUNK_GAP


def quote_instruments(instruments: object) -> list[Instrument]:
    """Return the instruments of a quote/ltp call (one, or a non-empty list)."""
    return instruments_value(instruments, "instruments")


def quote_mode(mode: object) -> StreamMode:
    """Return the depth of a quote."""
    return enum_value(StreamMode, mode, "mode")


# -- streaming -----------------------------------------------------------------------------


def subscription_instruments(instruments: object, action: str) -> list[Instrument]:
    """Return the instruments of a subscribe/unsubscribe call as a de-duplicated list (may be empty)."""
    if instruments is None:
        return []
    return instruments_value(instruments, f"{action}: instruments", InvalidSubscriptionError, allow_empty=True)


def checked_mode(mode: object) -> StreamMode:
    """Return ``mode`` as a StreamMode; accept its name in any case ("ltp", "QUOTE")."""
    return enum_value(StreamMode, mode, "mode", InvalidSubscriptionError)


def stream_mode(mode: object, capabilities: Capabilities, broker: str) -> StreamMode:
    """Return ``mode`` as a StreamMode the broker streams; UnsupportedOperationError for one it does not."""
    depth = checked_mode(mode)
    offered = capabilities.stream_modes
    if offered and depth not in offered:
        names = ", ".join(sorted(m.name for m in offered))
        raise UnsupportedOperationError(f"{broker} streams no {depth.name} mode (it streams: {names})", broker=broker)
    return depth


def checked_handler(handler: F | None, name: str) -> F | None:
    """Return the handler if it is callable (or None)."""
    if handler is not None and not callable(handler):
        raise InvalidSubscriptionError(f"{name} must be a function or coroutine function, got "
                                       f"{type(handler).__name__}")
    return handler
