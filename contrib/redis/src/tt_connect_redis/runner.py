"""Run a hub for a client: the client logs in and loads instruments, the hub takes its feed.

The broker's sockets are the client's own (``tt_connect.sharing.broker_feed``: the
driver's stream, the client's transport, context and session), so the hub
reconnects, shards and renews exactly as a direct client does.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from tt_connect.client import AsyncTTConnect
from tt_connect.sharing import broker_feed, bus_namespace

from tt_connect_redis.connection import connect
from tt_connect_redis.hub import FeedHub
from tt_connect_redis.keys import DEFAULT_SHARDS, BusKeys

__all__ = ["running_hub"]


@contextlib.asynccontextmanager
async def running_hub(client: AsyncTTConnect, redis_url: str, *, namespace: str | None = None,
                      shards: int = DEFAULT_SHARDS,
                      **options: Any) -> AsyncIterator[FeedHub]:
    """Connect ``client``, start a hub on its feed, and stop both on exit.

    Examples
    --------
    >>> async with running_hub(AsyncTTConnect.from_config("tt-connect.toml"), "redis://127.0.0.1") as hub:
    ...     await asyncio.Event().wait()  # doctest: +SKIP
    """
    redis = connect(redis_url)
    try:
        async with client:
            hub = FeedHub(redis=redis, keys=BusKeys(namespace or bus_namespace(client), shards),
                          source=await broker_feed(client), **options)
            async with hub:
                yield hub
    finally:
        await redis.aclose()
