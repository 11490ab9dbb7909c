"""Where sessions persist: the OS keyring, a 0600 file, or memory.

Headless servers have no keyring backend (keyring reports its ``fail``
backend), so ``auto`` falls back to the file store: one JSON file per
broker+account under the user's config directory, directory 0700, file 0600,
written atomically. A corrupted file is treated as "no session".
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Protocol

import msgspec

from tt_connect.auth.login_lock import FileLoginLock, LoginLock, file_locks_available
from tt_connect.driver_api import Session
from tt_connect.errors import ConfigurationError
from tt_connect.logs import get_logger
from tt_connect.redact import register_secret

__all__ = ["FileStore", "KeyringStore", "MemoryStore", "SessionStore", "config_dir", "decode_session",
           "host_login_lock", "select_store"]

_log = get_logger("tt_connect.auth")
_announced: set[str] = set()
_announce_lock = threading.Lock()
_SERVICE = "tt-connect-session"


class SessionStore(Protocol):
    """Persists one session per (broker, account). All methods are blocking and quick."""

    name: str

    def load(self, broker: str, account: str) -> Session | None: ...

    def save(self, session: Session, account: str) -> None: ...

    def delete(self, broker: str, account: str) -> None: ...


def decode_session(data: bytes | str) -> Session | None:
    """Read a stored session (JSON); None, with a warning, when it is unreadable. For store authors."""
    try:
        session = msgspec.json.decode(data, type=Session)
    except (msgspec.DecodeError, msgspec.ValidationError):
        _log.warning("session_store_unreadable", detail="stored session ignored; logging in again")
        return None
    for secret in session.secrets():
        register_secret(secret)
    return session


def config_dir() -> Path:
    """Return tt-connect's config directory (``$TT_CONNECT_CONFIG_DIR`` overrides)."""
    base = os.environ.get("TT_CONNECT_CONFIG_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return Path(xdg) / "tt-connect" if xdg else Path.home() / ".config" / "tt-connect"


class MemoryStore:
    """Sessions in a dict: for tests and short scripts."""

    name = "memory"

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], bytes] = {}

    def load(self, broker: str, account: str) -> Session | None:
        data = self._data.get((broker, account))
        return None if data is None else decode_session(data)

    def save(self, session: Session, account: str) -> None:
        self._data[(session.broker, account)] = msgspec.json.encode(session)

    def delete(self, broker: str, account: str) -> None:
        self._data.pop((broker, account), None)


class FileStore:
    """Sessions in 0600 files under a 0700 directory."""

    name = "file"

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else config_dir() / "sessions"

    def path(self, broker: str, account: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", broker)
        digest = hashlib.sha256(account.encode()).hexdigest()[:16]
        return self.directory / f"{safe}-{digest}.json"

    def load(self, broker: str, account: str) -> Session | None:
        try:
            data = self.path(broker, account).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            _log.warning("session_file_unreadable", error=exc.strerror)
            return None
        return decode_session(data)

    def save(self, session: Session, account: str) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            os.chmod(self.directory, 0o700)
            target = self.path(session.broker, account)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".session-")
            try:
                os.fchmod(fd, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(msgspec.json.encode(session))
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise ConfigurationError(f"cannot write the session file in {self.directory}: {exc.strerror}") from None

    def delete(self, broker: str, account: str) -> None:
        self.path(broker, account).unlink(missing_ok=True)


class KeyringStore:
    """Sessions in the OS keyring (macOS Keychain, Windows Credential Locker, Secret Service)."""

    name = "keyring"

    def load(self, broker: str, account: str) -> Session | None:
        import keyring

        try:
            data = keyring.get_password(_SERVICE, f"{broker}:{account}")
        except Exception:  # backends raise their own types
            return None
        return None if data is None else decode_session(data)

    def save(self, session: Session, account: str) -> None:
        import keyring

        keyring.set_password(_SERVICE, f"{session.broker}:{account}", msgspec.json.encode(session).decode())

    def delete(self, broker: str, account: str) -> None:
        import keyring

        try:
            keyring.delete_password(_SERVICE, f"{broker}:{account}")
        except Exception:  # absent entry or no backend: nothing to delete
            return


def keyring_available() -> bool:
    """Return True when a real keyring backend exists (not the ``fail`` or null backend)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:
        return False
    if isinstance(backend, fail.Keyring):
        return False
    try:
        return float(getattr(backend, "priority", 0)) > 0
    except Exception:
        return False


def select_store(kind: str = "auto", path: str | None = None) -> SessionStore:
    """Return the store for ``kind``: auto, keyring, file or memory."""
    store: SessionStore
    if kind == "memory":
        store = MemoryStore()
    elif kind == "file":
        store = FileStore(path)
    elif kind == "keyring":
        if not keyring_available():
            raise ConfigurationError(
                "session_store='keyring' but this machine has no keyring backend; use 'file' (0600) or 'auto'")
        store = KeyringStore()
    elif kind == "auto":
        store = KeyringStore() if keyring_available() else FileStore(path)
    else:
        raise ConfigurationError(f"session_store must be auto, keyring, file or memory; got {kind!r}")
    with _announce_lock:
        if store.name not in _announced:
            _announced.add(store.name)
            where = str(store.directory) if isinstance(store, FileStore) else store.name
            _log.info("session_store_selected", store=store.name, location=where)
    return store


def host_login_lock(store: SessionStore) -> LoginLock | None:
    """The login lock processes on this host share for ``store``: a file lock beside the sessions.

    Every process that reads the same file (or keyring) store takes it, so two bots starting
    together on one account log in once and the second adopts the first one's session. None for
    a store only this process sees (memory, or a custom store: pass a ``login_lock`` with it).
    """
    if not file_locks_available():
        return None
    if isinstance(store, FileStore):
        return FileLoginLock(store.directory)
    if isinstance(store, KeyringStore):
        return FileLoginLock(config_dir() / "sessions")
    return None
