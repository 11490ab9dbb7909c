"""Run a hub for a client: the client logs in and loads instruments, the hub takes its feed.

The broker's sockets are built the way the client builds its own stream (the
driver's stream spec, the client's transport, context and session), so the
hub reconnects, shards and renews exactly as a direct client does.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from tt_connect.client import AsyncTTConnect
from tt_connect.errors import UnsupportedOperationError
from tt_connect.streaming import SocketFeed

from tt_connect_redis.connection import connect
from tt_connect_redis.hub import FeedHub
from tt_connect_redis.keys import DEFAULT_SHARDS, BusKeys

__all__ = ["account_namespace", "running_hub", "socket_feed_of"]


def account_namespace(client: AsyncTTConnect) -> str:
    """Return the bus namespace of a client's account: its broker and a digest of its account."""
    return f"{client.broker}:{client._account_key()}"


def socket_feed_of(client: AsyncTTConnect) -> SocketFeed:
    """Return a feed of the broker's own sockets for a connected client."""
    spec = client._pm.hook.ttc_stream(config=client._config)
    if spec is None or client._transport is None or client._ctx is None:
        raise UnsupportedOperationError(f"{client.broker} has no streaming feed to share", broker=client.broker)
    auth = client._auth

    async def session() -> Any:
        return None if auth is None else await auth.session()

    return SocketFeed(broker=client.broker, spec=spec, transport=client._transport, ctx=client._ctx,
                      session=session, clock=client._clock)


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
            hub = FeedHub(redis=redis, keys=BusKeys(namespace or account_namespace(client), shards),
                          source=socket_feed_of(client), **options)
            async with hub:
                yield hub
    finally:
        await redis.aclose()
