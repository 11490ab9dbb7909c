"""Bounded polling for tests: wait for a condition instead of sleeping a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

__all__ = ["eventually", "eventually_sync"]

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Any], *, timeout: float = 5.0, interval: float = 0.01, what: str = ""
) -> Any:
    """Poll ``probe`` until it returns a truthy value (awaiting it if needed); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        result = probe()
        if isinstance(result, Awaitable):
            result = await result
        last = result
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout}s: {what or probe!r} (last: {last!r})")
        await asyncio.sleep(interval)


def eventually_sync(probe: Callable[[], T], *, timeout: float = 5.0, interval: float = 0.01, what: str = "") -> T:
    """Blocking twin of :func:`eventually` for tests of the sync client."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout}s: {what or probe!r} (last: {result!r})")
        time.sleep(interval)
