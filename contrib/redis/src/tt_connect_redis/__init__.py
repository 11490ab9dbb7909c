"""tt-connect-redis: one broker connection for many strategy processes and hosts, over Redis Streams.

- :class:`FeedHub` (``tt-connect hub``) holds one account's broker sockets and
  publishes canonical ticks and order updates to Redis Streams;
- :class:`RedisFeed` is the consumer side: a streaming-engine feed that serves
  the ordinary ``subscribe(...)`` from the hub's streams;
- :class:`RedisWindowStore`, :class:`RedisSessionStore` and
  :class:`RedisLoginLock` share rate-limit windows, the session and the login
  among every process of the account.

See ``docs/scaling.md``.
"""

from __future__ import annotations

from tt_connect_redis.feed import FeedGapError, RedisFeed
from tt_connect_redis.hub import FeedHub, HubStats
from tt_connect_redis.keys import BusKeys
from tt_connect_redis.limits import RedisWindowStore
from tt_connect_redis.sessions import RedisLoginLock, RedisSessionStore

__version__ = "1.0.0"

__all__ = [
    "BusKeys",
    "FeedGapError",
    "FeedHub",
    "HubStats",
    "RedisFeed",
    "RedisLoginLock",
    "RedisSessionStore",
    "RedisWindowStore",
    "__version__",
]
