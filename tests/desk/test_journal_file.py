"""The order journal keeps today's file open between entries, and still lands every entry in today's file."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import pytest
from tt_connect.compliance import OrderJournal
from tt_connect.compliance import journal as journal_module
from tt_connect.timeutil import IST


def at(day: int, hour: int = 10) -> _dt.datetime:
    return _dt.datetime(2026, 1, day, hour, tzinfo=IST)


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def record(journal: OrderJournal, when: _dt.datetime, action: str) -> None:
    journal.record(action, request={"qty": 1}, outcome={"order_id": action}, started=when, finished=when)


def test_entries_go_to_one_open_file_and_a_new_one_each_day(tmp_path: Path) -> None:
    journal = OrderJournal(tmp_path / "j", "book")
    record(journal, at(5), "first")
    handle = journal._handle
    record(journal, at(5, 11), "second")
    assert journal._handle is handle is not None  # not reopened per entry
    assert [e["outcome"] for e in lines(tmp_path / "j" / "book-2026-01-05.jsonl")] == [
        {"order_id": "first"}, {"order_id": "second"}]  # unbuffered: on disk before close
    record(journal, at(6), "next day")
    assert [e["action"] for e in lines(tmp_path / "j" / "book-2026-01-06.jsonl")] == ["next day"]
    assert handle.closed
    journal.close()
    assert journal._handle is None
    record(journal, at(6, 12), "after close")
    assert [e["action"] for e in lines(tmp_path / "j" / "book-2026-01-06.jsonl")] == ["next day", "after close"]
    journal.close()


def test_a_file_removed_under_the_open_handle_is_recreated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(journal_module.time, "monotonic", lambda: clock[0])
    journal = OrderJournal(tmp_path, "book")
    record(journal, at(5), "first")
    path = tmp_path / "book-2026-01-05.jsonl"
    path.rename(tmp_path / "rotated.jsonl")
    clock[0] += 2.0  # the file is looked at again after a second
    record(journal, at(5, 11), "second")
    assert [e["action"] for e in lines(path)] == ["second"]
    assert [e["action"] for e in lines(tmp_path / "rotated.jsonl")] == ["first"]
    journal.close()


def test_a_journal_that_cannot_be_written_does_not_stop_trading(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    journal = OrderJournal(blocker, "book")
    record(journal, at(5), "lost")  # logged, not raised
    assert journal._handle is None
