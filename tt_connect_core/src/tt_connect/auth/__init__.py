"""Sessions: the login lifecycle and where sessions persist."""

from __future__ import annotations

from tt_connect.auth.lifecycle import AuthManager, totp_code
from tt_connect.auth.login_lock import FileLoginLock, LoginLock, NoLoginLock
from tt_connect.auth.stores import (
    FileStore,
    KeyringStore,
    MemoryStore,
    SessionStore,
    config_dir,
    host_login_lock,
    keyring_available,
    select_store,
)

__all__ = [
    "AuthManager",
    "FileLoginLock",
    "FileStore",
    "KeyringStore",
    "LoginLock",
    "MemoryStore",
    "NoLoginLock",
    "SessionStore",
    "config_dir",
    "host_login_lock",
    "keyring_available",
    "select_store",
    "totp_code",
]
