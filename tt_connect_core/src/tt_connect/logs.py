"""Structured logging with secrets removed from every event.

tt-connect logs through structlog. Applications that configure structlog
themselves keep their setup (add :func:`redact_processor` to it); otherwise
``configure_logging`` installs a console or JSON renderer. Whatever the setup,
events emitted by tt-connect pass through the redaction processor first,
because :func:`get_logger` binds it in.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, Literal, TextIO

import structlog

from tt_connect.redact import redact

__all__ = ["configure_logging", "get_logger", "redact_processor"]

_LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}
# A library stays quiet until the application asks: only warnings and errors by default.
_threshold = 30


def redact_processor(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Remove tokens, passwords, TOTP seeds, api secrets, checksums and Authorization headers."""
    cleaned = redact(dict(event_dict))
    event_dict.clear()
    event_dict.update(cleaned)
    return event_dict


def configure_logging(
    format: Literal["console", "json"] = "console",
    level: str = "INFO",
    stream: TextIO | None = None,
) -> None:
    """Configure structlog for tt-connect's events (console or JSON lines)."""
    global _threshold
    _threshold = _LEVELS.get(level.lower(), 20)
    renderer: Any = (
        structlog.processors.JSONRenderer() if format == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            redact_processor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


class _Redacting:
    """A thin logger proxy that redacts keyword values before any processor sees them."""

    def __init__(self, name: str) -> None:
        self._logger = structlog.get_logger(name)

    def _emit(self, method: str, event: str, kw: dict[str, Any]) -> None:
        if _LEVELS[method] < _threshold:
            return
        getattr(self._logger, method)(event, **redact(kw))

    def debug(self, event: str, **kw: Any) -> None:
        self._emit("debug", event, kw)

    def info(self, event: str, **kw: Any) -> None:
        self._emit("info", event, kw)

    def warning(self, event: str, **kw: Any) -> None:
        self._emit("warning", event, kw)

    def error(self, event: str, **kw: Any) -> None:
        self._emit("error", event, kw)


def get_logger(name: str = "tt_connect") -> _Redacting:
    """Return a logger whose events never carry a secret."""
    return _Redacting(name)
