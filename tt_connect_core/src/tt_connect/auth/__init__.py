"""Sessions: the login lifecycle and where sessions persist."""

from __future__ import annotations

from tt_connect.auth.lifecycle import AuthManager, totp_code
from tt_connect.auth.login_lock import LoginLock, NoLoginLock
from tt_connect.auth.stores import (
    FileStore,
    KeyringStore,
    MemoryStore,
    SessionStore,
    config_dir,
    keyring_available,
    select_store,
)

__all__ = [
    "AuthManager",
    "FileStore",
    "KeyringStore",
    "LoginLock",
    "MemoryStore",
    "NoLoginLock",
    "SessionStore",
    "config_dir",
    "keyring_available",
    "select_store",
    "totp_code",
]
