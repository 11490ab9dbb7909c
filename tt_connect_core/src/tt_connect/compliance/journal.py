"""The order journal: every order, modification and cancellation, appended as one JSON line.

The user's own audit trail (what was sent, with which tag and algo ID, and what came back), kept
locally whatever the broker's order book keeps. One file per broker per day; nothing is ever
rewritten. Requests are the canonical ones (no credentials are in them); an error is recorded by its
class and its (redacted) message.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

from tt_connect.timeutil import IST

__all__ = ["OrderJournal", "journal_dir"]

_encoder = msgspec.json.Encoder()


def journal_dir() -> Path:
    """Return the default journal directory (``$TT_CONNECT_DATA_DIR`` or the user's data dir)."""
    base = os.environ.get("TT_CONNECT_DATA_DIR")
    if base:
        return Path(base) / "journal"
    xdg = os.environ.get("XDG_DATA_HOME")
    root = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return root / "tt-connect" / "journal"


class OrderJournal:
    """Appends entries to ``<directory>/<broker>-<date>.jsonl``; ``directory=None`` records nothing."""

    def __init__(self, directory: str | Path | None, broker: str) -> None:
        self.directory = None if directory is None else Path(directory)
        self.broker = broker
        self._lock = threading.Lock()
        self._day: _dt.date | None = None
        self._path: Path | None = None
        self._handle: BinaryIO | None = None
        self._checked = 0.0
        """Today's file, open for appending (unbuffered: each entry reaches the OS as it is written, as
        when the file was opened per entry); reopened when the day changes or a write fails."""

    @classmethod
    def from_option(cls, option: str, broker: str) -> OrderJournal:
        """Build the journal ``ClientOptions.journal`` names: ``auto``, a directory, or ``off``."""
        if option == "off":
            return cls(None, broker)
        return cls(journal_dir() if option == "auto" else Path(option), broker)

    def path(self, day: _dt.date) -> Path | None:
        return None if self.directory is None else self.directory / f"{self.broker}-{day.isoformat()}.jsonl"

    def record(self, action: str, *, request: Any, outcome: dict[str, Any], started: _dt.datetime,
               finished: _dt.datetime) -> None:
        """Append one entry; a journal that cannot be written never stops trading (the failure is logged)."""
        if self.directory is None:
            return
        day = started.astimezone(IST).date()
        entry = {"at": started.isoformat(), "done": finished.isoformat(), "broker": self.broker, "action": action,
                 "tag": getattr(request, "tag", ""), "algo_id": getattr(request, "algo_id", ""),
                 "request": request, "outcome": outcome}
        line = _encoder.encode(entry) + b"\n"
        try:
            with self._lock:
                if self._handle is None or day != self._day or not self._still_there():
                    self._open(day)
                assert self._handle is not None
                self._handle.write(line)
        except OSError as exc:
            self.close()  # the next entry opens the file afresh
            from tt_connect.logs import get_logger

            get_logger("tt_connect.journal").warning("journal_write_failed", path=str(self.path(day)),
                                                     error=str(exc))

    def _open(self, day: _dt.date) -> None:
        self.close()
        path = self.path(day)
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle, self._day, self._path = open(path, "ab", buffering=0), day, path  # noqa: SIM115  # kept open
        self._checked = time.monotonic()

    def _still_there(self) -> bool:
        """False when today's file was moved or deleted under the open handle (rotation, a clean-up).

        Looked at no more than once a second (two system calls), so a burst of orders pays for it once.
        """
        now = time.monotonic()
        if now - self._checked < 1.0:
            return True
        self._checked = now
        assert self._path is not None and self._handle is not None
        try:
            return os.stat(self._path).st_ino == os.fstat(self._handle.fileno()).st_ino
        except OSError:
            return False

    def close(self) -> None:
        """Close today's file (the client does on close; the next entry reopens it)."""
        handle, self._handle = self._handle, None
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()
