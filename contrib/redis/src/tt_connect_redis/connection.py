"""The Redis client every part of tt-connect-redis uses.

A pooled connection that Redis dropped (a restart, a failover) fails on its
next use; one immediate retry on a fresh connection hides that, so one outage
is reported once, by whichever read first sees Redis gone.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, TimeoutError

__all__ = ["connect"]


def connect(url: str, **options: Any) -> Redis:
    """Return an asyncio client for ``url`` (``redis://``, ``rediss://`` or ``unix://``)."""
    options.setdefault("retry", Retry(NoBackoff(), 1))
    options.setdefault("retry_on_error", [ConnectionError, TimeoutError])
    options.setdefault("socket_connect_timeout", 5.0)
    return Redis.from_url(url, **options)
