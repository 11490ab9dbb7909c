"""What the core finds through entry points: a feed and an account store for ``redis://`` URLs.

``TTConnect(..., feed="redis://...", account_store="redis://...")`` (or the same keys in the
``[client]`` table of ``tt-connect.toml``) reach these through the ``tt_connect.feeds`` and
``tt_connect.account_stores`` entry-point groups (see ``tt_connect.sharing``).
"""

from __future__ import annotations

from tt_connect.auth import LoginLock, SessionStore
from tt_connect.transport import WindowStore

from tt_connect_redis.connection import connect
from tt_connect_redis.feed import RedisFeed
from tt_connect_redis.limits import RedisWindowStore
from tt_connect_redis.sessions import RedisLoginLock, RedisSessionStore

__all__ = ["RedisAccountStore", "open_account_store", "open_feed"]


def open_feed(url: str, *, broker: str, namespace: str, group: str | None) -> RedisFeed:
    """Return the consumer feed of the hub serving ``namespace`` on the Redis at ``url``."""
    return RedisFeed.from_url(url, namespace, group=group)


class RedisAccountStore:
    """The session store, login lock and rate-limit windows of one Redis, for every process of an account."""

    def __init__(self, url: str) -> None:
        self._client = connect(url)
        self._sessions = RedisSessionStore(url)
        self._lock = RedisLoginLock(self._client)
        self._windows = RedisWindowStore(self._client)

    @property
    def sessions(self) -> SessionStore:
        return self._sessions

    @property
    def login_lock(self) -> LoginLock:
        return self._lock

    @property
    def windows(self) -> WindowStore:
        return self._windows

    async def close(self) -> None:
        """Close both clients (asyncio for the lock and windows, blocking for the session store)."""
        await self._client.aclose()
        self._sessions.close()


def open_account_store(url: str) -> RedisAccountStore:
    """Return the account store on the Redis at ``url``."""
    return RedisAccountStore(url)
