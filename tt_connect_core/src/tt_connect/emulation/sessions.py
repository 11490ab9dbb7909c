"""Who is logged in to an emulator: access tokens that die daily or after a lifetime, one-time codes, TOTP.

The book reads time from the emulator's clock, so a test that moves a
``ManualClock`` past 06:00 IST (Kite) or 24 h past a login (AngelOne) sees
every token die the way the broker's do.
"""

from __future__ import annotations

import datetime as _dt
import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pyotp

from tt_connect.timeutil import Clock, next_daily

__all__ = ["IssuedToken", "SessionBook", "verify_totp"]

_CODE_ALPHABET = string.ascii_letters + string.digits
_CODE_LIFETIME = _dt.timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedToken:
    """One access token: whose it is, when it dies and the revocation generation it belongs to."""

    user_id: str
    issued_at: _dt.datetime
    expires_at: _dt.datetime
    generation: int


def verify_totp(secret: str, code: object, at: _dt.datetime) -> bool:
    """Check a 6-digit TOTP code against ``secret`` at ``at``, one 30 s step either side (clock skew)."""
    if not isinstance(code, str) or not code.isdigit():
        return False
    return bool(pyotp.TOTP(secret).verify(code, for_time=at, valid_window=1))


class SessionBook:
    """Issues and checks access tokens and one-time codes (request tokens, login request ids).

    Thread-safe: tests call :meth:`expire_all` from their own thread while the
    emulator's loop checks tokens.
    """

    def __init__(self, clock: Clock, daily_expiry: _dt.time, *, lifetime: _dt.timedelta | None = None) -> None:
        self._clock = clock
        self._daily_expiry = daily_expiry
        self._lifetime = lifetime
        self._tokens: dict[str, IssuedToken] = {}
        self._codes: dict[str, tuple[str, str, _dt.datetime]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def expiry(self, issued_at: _dt.datetime) -> _dt.datetime:
        """When a token issued at ``issued_at`` dies: after the lifetime, if any, else at the daily expiry."""
        if self._lifetime is not None:
            return issued_at + self._lifetime
        return next_daily(issued_at, self._daily_expiry)

    def issue(self, user_id: str, *, token: str | Callable[[_dt.datetime], str] | None = None) -> str:
        """Issue an access token for ``user_id``; ``token`` may be a value or made from its expiry (a JWT)."""
        now = self._clock.now()
        expires_at = self.expiry(now)
        value = token(expires_at) if callable(token) else token or secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[value] = IssuedToken(user_id=user_id, issued_at=now, expires_at=expires_at,
                                              generation=self._generation)
        return value

    def user_of(self, token: str) -> str | None:
        """Return the user a live token belongs to, or None (unknown, revoked or past its expiry)."""
        with self._lock:
            issued = self._tokens.get(token)
            generation = self._generation
        if issued is None or issued.generation != generation or self._clock.now() >= issued.expires_at:
            return None
        return issued.user_id

    def live(self) -> int:
        """How many tokens would be accepted now."""
        with self._lock:
            tokens = list(self._tokens)
        return sum(self.user_of(token) is not None for token in tokens)

    def revoke(self, token: str) -> bool:
        """Invalidate one token (logout); return whether it existed."""
        with self._lock:
            return self._tokens.pop(token, None) is not None

    def expire_all(self) -> None:
        """Invalidate every token issued so far, as the broker's daily expiry does."""
        with self._lock:
            self._generation += 1

    def issue_code(self, purpose: str, user_id: str) -> str:
        """Issue a one-time code (a request token, a login request id) valid for five minutes.

        Letters and digits only, as the brokers' codes are: a url-safe token may start with ``-``, which
        a command line (``tt-connect login --paste CODE``) reads as an option.
        """
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(32))
        with self._lock:
            self._codes[code] = (purpose, user_id, self._clock.now() + _CODE_LIFETIME)
        return code

    def redeem_code(self, purpose: str, code: str, *, consume: bool = True) -> str | None:
        """Return the user a live code was issued to; a code works once unless ``consume`` is False."""
        with self._lock:
            entry = self._codes.get(code)
            if entry is None or entry[0] != purpose or self._clock.now() >= entry[2]:
                return None
            if consume:
                del self._codes[code]
        return entry[1]
