"""Log events with secrets removed, delivered where the application asked, never to stdout unasked.

tt-connect is a library, so it follows the libraries' conventions of both logging systems it meets:

* **structlog configured by the application** (``structlog.is_configured()``): events go through the
  application's structlog pipeline (add :func:`redact_processor` to it if the application logs
  secrets of its own).
* **otherwise, the standard library**: events go to ``logging.getLogger("tt_connect...")`` and the
  application's logging configuration decides. tt-connect adds no handler: with no configuration at
  all, Python's last-resort handler prints warnings and errors to **stderr**; ``logging.basicConfig``
  or a ``NullHandler`` on ``"tt_connect"`` changes that. Nothing ever goes to stdout unasked
  (structlog's own unconfigured default would print there, into a program's output).

``configure_logging`` (the ``log_format`` client option) sets structlog up for an application that
wants tt-connect to do it; the CLI uses :func:`cli_logging`, a stderr handler for its own run.
Whatever the route, keyword values are redacted before any processor or handler sees them.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any, Literal, TextIO

import structlog

from tt_connect.redact import redact

__all__ = ["cli_logging", "configure_logging", "get_logger", "redact_processor", "reset_logging"]

_LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}
# Through structlog, a library stays quiet until the application asks: warnings and errors by default.
_threshold = 30
_ROOT = "tt_connect"


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
    """Configure structlog for tt-connect's events (console or JSON lines on stderr by default).

    This configures structlog for the whole process: call it only where the application leaves
    logging to tt-connect.
    """
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


def reset_logging() -> None:
    """Undo :func:`configure_logging`: structlog back to unconfigured, events back to the stdlib route."""
    global _threshold
    _threshold = 30
    structlog.reset_defaults()


def _render_fields(event: str, fields: Mapping[str, Any]) -> str:
    """``event key=value ...``: the message a plain stdlib handler prints."""
    return " ".join([event, *(f"{key}={value}" for key, value in fields.items())])


class _Redacting:
    """A logger proxy that redacts keyword values, then hands the event to structlog or the stdlib."""

    def __init__(self, name: str) -> None:
        self._structlog = structlog.get_logger(name)
        self._stdlib = logging.getLogger(name)

    def _emit(self, method: str, event: str, kw: dict[str, Any]) -> None:
        level = _LEVELS[method]
        if structlog.is_configured():
            if level >= _threshold:
                getattr(self._structlog, method)(event, **redact(kw))
            return
        if self._stdlib.isEnabledFor(level):
            fields = redact(kw)
            self._stdlib.log(level, "%s", _render_fields(event, fields),
                             extra={"ttc_event": event, "ttc_fields": fields}, stacklevel=3)

    def enabled(self, method: str) -> bool:
        """Whether an event of this level would be emitted: a hot path skips building fields nobody reads."""
        level = _LEVELS[method]
        if structlog.is_configured():
            return level >= _threshold
        return self._stdlib.isEnabledFor(level)

    def debug(self, event: str, **kw: Any) -> None:
        self._emit("debug", event, kw)

    def info(self, event: str, **kw: Any) -> None:
        self._emit("info", event, kw)

    def warning(self, event: str, **kw: Any) -> None:
        self._emit("warning", event, kw)

    def error(self, event: str, **kw: Any) -> None:
        self._emit("error", event, kw)


def get_logger(name: str = _ROOT) -> _Redacting:
    """Return a logger whose events never carry a secret."""
    return _Redacting(name)


# -- the command line's own handler -------------------------------------------------------


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at emit time (a redirected or captured stderr included)."""

    def __init__(self, render: Literal["console", "json"]) -> None:
        super().__init__()
        self._render = render

    def emit(self, record: logging.LogRecord) -> None:
        try:
            event = getattr(record, "ttc_event", record.getMessage())
            fields: Mapping[str, Any] = getattr(record, "ttc_fields", {})
            when = _dt.datetime.fromtimestamp(record.created).astimezone()
            if self._render == "json":
                line = json.dumps({"timestamp": when.isoformat(), "level": record.levelname.lower(),
                                   "logger": record.name, "event": event, **fields}, default=str)
            else:
                line = f"{when:%H:%M:%S} {record.levelname.lower():<7} {_render_fields(event, fields)}"
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
        except Exception:  # a log line must never break the command (a closed stderr included)
            self.handleError(record)


@contextlib.contextmanager
def cli_logging(render: Literal["console", "json"] = "console", level: str = "WARNING") -> Iterator[None]:
    """Send tt-connect's events to stderr while the block runs (the ``tt-connect`` command's setup).

    stdout stays for the command's output, so ``tt-connect ... --json | jq`` reads only JSON.
    """
    logger = logging.getLogger(_ROOT)
    handler = _StderrHandler(render)
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.getLevelNamesMapping()[level.upper()])
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
