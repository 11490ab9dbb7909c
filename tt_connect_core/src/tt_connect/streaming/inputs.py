"""Checks on what users pass to the streaming API, with errors that say what to do."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from tt_connect.enums import StreamMode
from tt_connect.errors import StreamingError
from tt_connect.instruments import Instrument

__all__ = ["checked_handler", "checked_instruments", "checked_mode"]

F = TypeVar("F", bound=Callable[..., Any])


def checked_instruments(instruments: Sequence[Instrument], action: str) -> list[Instrument]:
    """Return the instruments as a de-duplicated list (first occurrence wins)."""
    if isinstance(instruments, Instrument):
        raise StreamingError(f"{action} takes a list of instruments: pass [{instruments!r}]")
    if isinstance(instruments, (str, bytes)) or not isinstance(instruments, Sequence | set | frozenset):
        raise StreamingError(
            f"{action} takes a list of instruments (e.g. [Equity(exchange=Exchange.NSE, symbol='INFY')]), "
            f"got {type(instruments).__name__}")
    unique: dict[Instrument, None] = {}
    for item in instruments:
        if not isinstance(item, Instrument):
            raise StreamingError(
                f"{action}: {item!r} is not an instrument; build one with Equity(...), Future(...), "
                "Option(...) or Index(...)")
        unique[item] = None
    return list(unique)


def checked_mode(mode: StreamMode | str) -> StreamMode:
    """Return ``mode`` as a StreamMode; accept its name in any case ("ltp", "QUOTE")."""
    if isinstance(mode, StreamMode):
        return mode
    if isinstance(mode, str):
        for candidate in StreamMode:
            if mode.upper() in (candidate.name, str(candidate.value).upper()):
                return candidate
    choices = ", ".join(f"StreamMode.{m.name}" for m in StreamMode)
    raise StreamingError(f"unknown stream mode {mode!r}: use one of {choices}")


def checked_handler(handler: F | None, name: str) -> F | None:
    """Return the handler if it is callable (or None)."""
    if handler is not None and not callable(handler):
        raise StreamingError(f"{name} must be a function or coroutine function, got {type(handler).__name__}")
    return handler
