"""Secret redaction shared by logging, reprs and error payloads.

Secrets are removed by *key name* (anything that looks like a token, password,
TOTP seed, api secret, checksum or Authorization header) and by *value*: every
secret a client was given is registered here so that it is scrubbed even when
it appears inside free text such as a broker's error message.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

__all__ = ["REDACTED", "is_secret_key", "redact", "redact_text", "register_secret"]

REDACTED = "***"

_SECRET_KEY = re.compile(
    r"(token|password|passwd|pin|totp|secret|checksum|authorization|api[_-]?key|"
    r"cookie|session|jwt|otp|enctoken)",
    re.IGNORECASE,
)
# Keys that match the pattern above but carry no secret.
_SAFE_KEYS = frozenset(
    {
        "instrument_token",
        "exchange_token",
        "symboltoken",
        "tokens",
        "token_count",
        "session_expires_at",
        "expires_at",
        "session_source",
        "pinned",
    }
)

_lock = threading.Lock()
_secrets: set[str] = set()
_secret_pattern: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Remember a secret value so that it is scrubbed from any text later."""
    global _secret_pattern
    if not value or len(value) < 4:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        ordered = sorted(_secrets, key=len, reverse=True)
        _secret_pattern = re.compile("|".join(re.escape(s) for s in ordered))


def is_secret_key(key: str) -> bool:
    """Return True when a mapping key names a secret."""
    lowered = key.lower()
    if lowered in _SAFE_KEYS:
        return False
    return _SECRET_KEY.search(lowered) is not None


def redact_text(text: str) -> str:
    """Replace every registered secret value inside ``text``."""
    pattern = _secret_pattern
    if pattern is None or not text:
        return text
    return pattern.sub(REDACTED, text)


def redact(value: Any, _depth: int = 0) -> Any:
    """Return a copy of ``value`` with secret keys and registered values removed."""
    if _depth > 12:
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bytes):
        return redact_text(value.decode("utf-8", "replace"))
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if isinstance(k, str) and is_secret_key(k) and v not in (None, "")
                else redact(v, _depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return type(value)(redact(v, _depth + 1) for v in value) if isinstance(value, list) \
            else tuple(redact(v, _depth + 1) for v in value)
    return value
