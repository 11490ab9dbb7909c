"""A lock around logging in, so that processes sharing one session store log in once.

Inside one process :class:`~tt_connect.auth.AuthManager` already shares one
login among concurrent callers. Several processes (or hosts) that share a
session store need more: some brokers invalidate the previous session at
every login, so two processes renewing at the same moment would log each
other out. With a :class:`LoginLock`, the manager takes the lock, reads the
store again, and adopts the session another process saved meanwhile instead
of logging in a second time. The lock must expire by itself, so that a
process that dies while holding it does not block everyone else.

:class:`FileLoginLock` is the default for the on-disk stores (one host): an
``flock`` on a file beside the sessions, which the OS releases when its holder
exits or dies. Across hosts, tt-connect-redis ships a lock with a lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

from tt_connect.errors import AuthenticationError

try:
    import fcntl
except ImportError:  # Windows: no flock; the default there is NoLoginLock (select_login_lock)
    fcntl = None  # type: ignore[assignment]

__all__ = ["FileLoginLock", "LoginLock", "NoLoginLock", "file_locks_available"]


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


def file_locks_available() -> bool:
    """True where the OS has ``flock`` (every POSIX host tt-connect runs on)."""
    return fcntl is not None


class FileLoginLock:
    """One login per (broker, account) per host: an exclusive ``flock`` on ``<broker>-<digest>.login.lock``.

    Waiting polls a non-blocking ``flock`` so the event loop never blocks, up to ``timeout`` seconds
    (a login, with its own retries, takes far less). The file holds no data; the lock is the open
    file's, so a process that crashes mid-login releases it with its descriptors.
    """

    def __init__(self, directory: str | os.PathLike[str], *, timeout: float = 120.0, poll: float = 0.02) -> None:
        if fcntl is None:
            raise RuntimeError("FileLoginLock needs fcntl.flock (POSIX)")
        self.directory = Path(directory)
        self.timeout = timeout
        self.poll = poll

    def path(self, broker: str, account: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", broker)
        digest = hashlib.sha256(account.encode()).hexdigest()[:16]
        return self.directory / f"{safe}-{digest}.login.lock"

    def hold(self, broker: str, account: str) -> AbstractAsyncContextManager[None]:
        return self._held(self.path(broker, account), broker)

    @contextlib.asynccontextmanager
    async def _held(self, path: Path, broker: str) -> AsyncIterator[None]:
        assert fcntl is not None
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + self.timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise AuthenticationError(
                            f"{broker}: another process on this host has been logging in to this account for "
                            f"over {self.timeout:.0f} s (lock file {path})", broker=broker, retryable=True) from None
                    await asyncio.sleep(self.poll)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
