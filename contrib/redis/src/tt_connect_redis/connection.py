"""The Redis client every part of tt-connect-redis uses, and the time bound on every command.

A pooled connection that Redis dropped (a restart, a failover) fails on its
next use; one immediate retry on a fresh connection hides that, so one outage
is reported once, by whichever read first sees Redis gone.

The client has no ``socket_timeout``: redis-py's own read timeout can swallow
the cancellation of a blocking read on Python 3.11 (the task then never ends,
so nothing could be closed). Each call is bounded here instead, with
:func:`bounded`, and TCP keepalive notices a peer that vanished.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Awaitable
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, TimeoutError

__all__ = ["COMMAND_TIMEOUT", "bounded", "connect"]

T = TypeVar("T")

COMMAND_TIMEOUT = 10.0
"""Seconds any call may take beyond its own blocking time before Redis counts as unreachable."""


def connect(url: str, **options: Any) -> Redis:
    """Return an asyncio client for ``url`` (``redis://``, ``rediss://`` or ``unix://``)."""
    options.setdefault("retry", Retry(NoBackoff(), 1))
    options.setdefault("retry_on_error", [ConnectionError, TimeoutError])
    options.setdefault("socket_connect_timeout", 5.0)
    options.setdefault("socket_timeout", None)
    options.setdefault("socket_keepalive", True)
    return Redis.from_url(url, **options)


async def bounded(call: Awaitable[T], blocking: float = 0.0) -> T:
    """Await a Redis call for at most ``blocking + COMMAND_TIMEOUT`` seconds (TimeoutError, a RedisError, after)."""
    try:
        async with asyncio.timeout(blocking + COMMAND_TIMEOUT):
            return await call
    except builtins.TimeoutError:
        raise TimeoutError(f"Redis did not answer within {blocking + COMMAND_TIMEOUT:g}s") from None
