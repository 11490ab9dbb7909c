"""The order journal: every order, modification and cancellation, appended as one JSON line.

The user's own audit trail (what was sent, with which tag and algo ID, and what came back), kept
locally whatever the broker's order book keeps. One file per broker per day; nothing is ever
rewritten. Requests are the canonical ones (no credentials are in them); an error is recorded by its
class and its (redacted) message.
"""

from __future__ import annotations

import datetime as _dt
import os
import threading
from pathlib import Path
from typing import Any

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
        path = self.path(started.astimezone(IST).date())
        if path is None:
            return
        entry = {"at": started.isoformat(), "done": finished.isoformat(), "broker": self.broker, "action": action,
                 "tag": getattr(request, "tag", ""), "algo_id": getattr(request, "algo_id", ""),
                 "request": request, "outcome": outcome}
        line = _encoder.encode(entry) + b"\n"
        try:
            with self._lock:
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(path, "ab") as handle:
                    handle.write(line)
        except OSError as exc:
            from tt_connect.logs import get_logger

            get_logger("tt_connect.journal").warning("journal_write_failed", path=str(path), error=str(exc))
