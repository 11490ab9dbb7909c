"""Unique order tags: how an ambiguous order outcome is traced back to one order."""

from __future__ import annotations

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
    out = []
    for _ in range(width):
        number, digit = divmod(number, base)
        out.append(alphabet[digit])
    return "".join(reversed(out))


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
    core = (_encode(int(time.time() * 1000), alphabet, 8) + _encode(_salt, alphabet, 3)
            + _encode(count, alphabet, 5))
    return prefix + core[-width:]
