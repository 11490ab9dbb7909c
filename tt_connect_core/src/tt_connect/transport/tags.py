"""Unique order tags: how an ambiguous order outcome is traced back to one order."""

from __future__ import annotations

import functools
import itertools
import os
import threading
import time

__all__ = ["make_order_tag"]

_counter = itertools.count()
_lock = threading.Lock()
_salt = int.from_bytes(os.urandom(4), "big")


def _encode(number: int, alphabet: str, width: int) -> str:
    base = len(alphabet)
    text = ""
    for _ in range(width):  # a few characters: prepending beats a list, reversed() and join
        number, digit = divmod(number, base)
        text = alphabet[digit] + text
    return text


@functools.lru_cache(maxsize=64)
def _salted(alphabet: str) -> str:
    """The process's salt in ``alphabet`` (the same for every tag)."""
    return _encode(_salt, alphabet, 3)


_last_ms: dict[str, tuple[int, str]] = {}
"""Per alphabet, the last millisecond encoded and its text (tags placed together share it)."""


def _millis(alphabet: str) -> str:
    now = int(time.time() * 1000)
    last = _last_ms.get(alphabet)
    if last is not None and last[0] == now:
        return last[1]
    text = _encode(now, alphabet, 8)
    _last_ms[alphabet] = (now, text)
    return text


def make_order_tag(max_length: int, alphabet: str, prefix: str = "") -> str:
    """Return a tag unique in this process and, with overwhelming odds, across processes.

    The suffix is milliseconds since the epoch, a per-process random salt and a
    per-process counter, in the broker's alphabet; when the broker's limit is
    short, the slowest-moving (highest) time digits are dropped first.
    """
    width = min(max_length - len(prefix), 16)
    if width < 8 or len(alphabet) < 10:
        raise ValueError("an order tag needs at least 8 characters after the prefix and a 10-symbol alphabet")
    with _lock:
        count = next(_counter)
    core = _millis(alphabet) + _salted(alphabet) + _encode(count, alphabet, 5)
    return prefix + core[-width:]
