"""A lock around logging in, so that processes sharing one session store log in once.

Inside one process :class:`~tt_connect.auth.AuthManager` already shares one
login among concurrent callers. Several processes (or hosts) that share a
session store need more: some brokers invalidate the previous session at
every login, so two processes renewing at the same moment would log each
other out. With a :class:`LoginLock`, the manager takes the lock, reads the
store again, and adopts the session another process saved meanwhile instead
of logging in a second time. The lock must expire by itself, so that a
process that dies while holding it does not block everyone else.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

__all__ = ["LoginLock", "NoLoginLock"]


class LoginLock(Protocol):
    """Mutual exclusion of logins for one (broker, account), across processes."""

    def hold(self, broker: str, account: str) -> AbstractAsyncContextManager[None]:
        """Return a context that holds the lock while a login runs (waiting for it first).

        Raises
        ------
        AuthenticationError
            The lock could not be had in the lock's own time bound.
        """
        ...


class NoLoginLock:
    """The default: no lock beyond the manager's own single flight (one process)."""

    def hold(self, broker: str, account: str) -> AbstractAsyncContextManager[None]:
        return _nothing()


@contextlib.asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield
