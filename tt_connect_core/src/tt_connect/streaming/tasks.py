"""Stopping a background task without losing, or inventing, a cancellation of the caller."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["cancel_and_wait"]


async def cancel_and_wait(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` and wait until it has finished.

    The ``CancelledError`` that ends ``task`` is absorbed; a cancellation of the *calling* task
    that arrives during the wait propagates. The two are told apart by the caller's
    ``cancelling()`` count before and after the wait, not by whether it is non-zero: cleanup that
    runs after a cancellation (``async with`` exiting on Ctrl-C) starts with a non-zero count, and
    it must still get to close every socket and session.
    """
    if task.done():
        return
    current = asyncio.current_task()
    before = current.cancelling() if current is not None else 0
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        if current is not None and current.cancelling() > before:
            raise
