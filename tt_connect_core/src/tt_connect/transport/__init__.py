"""The transport seam: aiohttp by default, a mock for tests, and the REST executor over it."""

from __future__ import annotations

from tt_connect.transport.aiohttp_transport import AiohttpTransport
from tt_connect.transport.executor import RestExecutor, RetryPolicy
from tt_connect.transport.mock import MockTransport
from tt_connect.transport.rate_limit import MemoryWindowStore, RateLimiter, WindowStore
from tt_connect.transport.tags import make_order_tag

__all__ = [
    "AiohttpTransport",
    "MemoryWindowStore",
    "MockTransport",
    "RateLimiter",
    "RestExecutor",
    "RetryPolicy",
    "WindowStore",
    "make_order_tag",
]
