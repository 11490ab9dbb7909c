"""One login for every process and host of an account: a Redis session store and login lock.

:class:`RedisSessionStore` is a :class:`~tt_connect.auth.SessionStore`: the
session is stored as JSON under ``ttc:session:<broker>:<account>`` and expires
in Redis when the broker's session does. :class:`RedisLoginLock` is a
:class:`~tt_connect.auth.LoginLock` on redis-py's lock (SET NX with an
expiry, released only by its holder), so a process that dies mid-login
blocks the others for at most ``expiry`` seconds.

The session is a credential: use a Redis only your own hosts reach, with a
password and TLS (``rediss://``) across hosts.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

import msgspec
import redis
from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError
from tt_connect.auth.stores import decode_session
from tt_connect.driver_api import Session
from tt_connect.errors import AuthenticationError, ConfigurationError

__all__ = ["RedisLoginLock", "RedisSessionStore"]


def _session_key(prefix: str, broker: str, account: str) -> str:
    return f"{prefix}:session:{broker}:{account}"


class RedisSessionStore:
    """Sessions in Redis, shared by every process that points at it (blocking calls, as the protocol says).

    Parameters
    ----------
    url
        ``redis://`` or ``rediss://`` URL.
    prefix
        Key prefix (``ttc`` by default).
    """

    name = "redis"

    def __init__(self, url: str, *, prefix: str = "ttc") -> None:
        self._client = redis.Redis.from_url(url)
        self._prefix = prefix

    def load(self, broker: str, account: str) -> Session | None:
        try:
            data = self._client.get(_session_key(self._prefix, broker, account))
        except RedisError as exc:
            raise ConfigurationError(f"the Redis session store is unreachable ({type(exc).__name__})") from None
        return None if data is None else decode_session(data)

    def save(self, session: Session, account: str) -> None:
        key = _session_key(self._prefix, session.broker, account)
        try:
            self._client.set(key, msgspec.json.encode(session),
                             exat=max(math.ceil(session.expires_at.timestamp()), 1))
        except RedisError as exc:
            raise ConfigurationError(f"cannot write the session to Redis ({type(exc).__name__})") from None

    def delete(self, broker: str, account: str) -> None:
        with contextlib.suppress(RedisError):
            self._client.delete(_session_key(self._prefix, broker, account))

    def close(self) -> None:
        """Close the store's connections."""
        self._client.close()


class RedisLoginLock:
    """A login lock every process of an account shares, with an expiry.

    Parameters
    ----------
    client
        An asyncio Redis client.
    expiry
        Seconds after which a lock its holder never released frees itself (longer than a login).
    wait
        Longest a process waits for another's login before giving up with AuthenticationError.
    """

    def __init__(self, client: Redis, *, prefix: str = "ttc", expiry: float = 60.0, wait: float = 90.0) -> None:
        self._client = client
        self._prefix = prefix
        self._expiry = expiry
        self._wait = wait

    def hold(self, broker: str, account: str) -> AbstractAsyncContextManager[None]:
        return self._held(f"{self._prefix}:login-lock:{broker}:{account}")

    @contextlib.asynccontextmanager
    async def _held(self, name: str) -> AsyncIterator[None]:
        lock = self._client.lock(name, timeout=self._expiry, blocking_timeout=self._wait)
        try:
            acquired = await lock.acquire()
        except RedisError as exc:
            raise AuthenticationError(f"the shared login lock is unreachable ({type(exc).__name__})") from None
        if not acquired:
            raise AuthenticationError(f"another process held the login lock for more than {self._wait:g}s")
        try:
            yield
        finally:
            with contextlib.suppress(LockError, RedisError):  # expired meanwhile, or Redis went away
                await lock.release()
