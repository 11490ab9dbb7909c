"""How a driver describes its login: a sans-I/O flow of steps, the session it yields, its headers.

The core drives the flow (``tt_connect.auth``): it sends each :class:`HttpRequest` step
unauthenticated, answers :class:`NeedTotp` from the clock and pyotp, and answers
:class:`NeedRedirect` with the query of the broker's redirect (caught on 127.0.0.1, or pasted
by the user on a headless server).
"""

from __future__ import annotations

import abc
import base64
import binascii
import datetime as _dt
from collections.abc import Callable, Generator, Mapping
from enum import StrEnum
from typing import Any, TypeAlias

import msgspec

from tt_connect.driver_api.errors import BrokerFailure
from tt_connect.driver_api.wire import HttpRequest, HttpResponse
from tt_connect.errors import AuthenticationError, TTConnectError
from tt_connect.redact import REDACTED

__all__ = ["AuthKind", "BrokerAuth", "LoginFlow", "LoginReply", "LoginStep", "NeedRedirect", "NeedTotp", "Session",
           "StepError", "jwt_claims", "login_reply_body"]


class AuthKind(StrEnum):
    """How a session is obtained, which decides what the core can do when it dies."""

    ACCESS_TOKEN = "access_token"
    """The user supplies a ready access token (no silent renewal)."""
    OAUTH_REDIRECT = "oauth_redirect"
    """Browser login; the broker redirects to a URL with a one-time code (caught or pasted)."""
    PASSWORD_TOTP = "password_totp"
    """User id + password/PIN + TOTP, fully automatic (silent daily re-login)."""
    KEY_SECRET = "key_secret"
    """An API key and secret obtain a session with no human (silent daily re-login)."""

    @property
    def silent(self) -> bool:
        """Return True when the core can log in again with no human."""
        return self in (AuthKind.PASSWORD_TOTP, AuthKind.KEY_SECRET)


class Session(msgspec.Struct, frozen=True, kw_only=True):
    """A logged-in session. ``repr`` never shows a token."""

    broker: str
    user_id: str
    access_token: str
    created_at: _dt.datetime
    expires_at: _dt.datetime
    refresh_token: str = ""
    feed_token: str = ""
    extra: Mapping[str, str] = msgspec.field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"Session(broker={self.broker!r}, user_id={self.user_id!r}, access_token={REDACTED!r}, "
            f"created_at={self.created_at.isoformat()}, expires_at={self.expires_at.isoformat()})"
        )

    __str__ = __repr__

    def secrets(self) -> tuple[str, ...]:
        """Return every secret value this session holds, for redaction."""
        values = [self.access_token, self.refresh_token, self.feed_token, *self.extra.values()]
        return tuple(v for v in values if v)


class NeedTotp(msgspec.Struct, frozen=True, kw_only=True):
    """Login step: the core answers with the current TOTP code (a str) computed from ``secret``.

    The driver passes the secret it was configured with; the core owns the clock
    and pyotp, so every driver computes codes the same way.
    """

    secret: str

    def __repr__(self) -> str:
        return f"NeedTotp(secret={REDACTED!r})"


class NeedRedirect(msgspec.Struct, frozen=True, kw_only=True):
    """Login step: a human must log in at ``login_url``; the core answers with the redirect's query.

    ``token_param`` names the query parameter that carries the one-time token
    (``request_token`` on Kite, ``code`` on Upstox, ``auth_code`` on Fyers), so a user on
    a headless server can paste either the whole redirect URL or the bare token.
    """

    login_url: str
    token_param: str = "code"


LoginStep: TypeAlias = HttpRequest | NeedTotp | NeedRedirect
LoginReply: TypeAlias = HttpResponse | str | Mapping[str, str]
LoginFlow: TypeAlias = Generator[LoginStep, LoginReply, Session]
"""A sans-I/O login: yields steps, receives their replies, returns the Session."""

def jwt_claims(token: str) -> Mapping[str, Any]:
    """Read a JWT's claims (not verified: only the broker can); empty for a token that is not a JWT.

    Brokers put a token's expiry (``exp``) and sometimes a socket key in its claims, and a driver
    reads them to build its Session.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        claims = msgspec.json.decode(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError, msgspec.DecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


StepError: TypeAlias = Callable[[HttpResponse, Mapping[str, Any]], tuple[str | None, object] | None]
"""A broker's reading of a login step's JSON object: None for success, else ``(code, message)``
(a falsy message becomes ``HTTP <status>``)."""


def login_reply_body(reply: LoginReply, *, broker: str, label: str, step: str,
                     error: StepError) -> Mapping[str, Any]:
    """Return the JSON object of a successful login step's reply, or raise for any other reply.

    One skeleton for every JSON login step, so each driver only says what an error looks like:
    a reply that is not HTTP raises :class:`AuthenticationError`; a body that is not JSON, not an
    object, or that ``error`` reads as an error raises :class:`BrokerFailure` (``"<label> <step>
    failed: ..."``, with the HTTP status, and the body as ``raw`` for the error map).
    """
    if not isinstance(reply, HttpResponse):
        raise AuthenticationError(f"{label} {step}: expected an HTTP reply, got {type(reply).__name__}",
                                  broker=broker)
    try:
        body = reply.json()
    except TTConnectError:
        raise BrokerFailure(f"{label} {step} failed: HTTP {reply.status} with a body that is not JSON",
                            http_status=reply.status) from None
    if not isinstance(body, Mapping):
        raise BrokerFailure(f"{label} {step} failed: HTTP {reply.status}", http_status=reply.status)
    found = error(reply, body)
    if found is None:
        return body
    code, message = found
    raise BrokerFailure(f"{label} {step} failed: {message or f'HTTP {reply.status}'}", code=code,
                        http_status=reply.status, raw=dict(body))


class BrokerAuth(abc.ABC):
    """A driver's auth description (returned by its plugin's ``auth``).

    Login replies go through the driver's error map like any other reply: a step's
    parser raises :class:`~tt_connect.driver_api.BrokerFailure` for an error reply.
    """

    redirect_url: str | None = None
    """Where the broker redirects a browser login (a registered 127.0.0.1 URL), or None when
    the broker has no browser login. The core catches the redirect there, or takes it pasted."""

    @abc.abstractmethod
    def login_kind(self) -> AuthKind:
        """Return which kind of login the configured credentials allow."""

    @abc.abstractmethod
    def login(self, now: _dt.datetime) -> LoginFlow:
        """Return a fresh login flow using the configured credentials."""

    @abc.abstractmethod
    def session_headers(self, session: Session) -> Mapping[str, str]:
        """Return the headers that carry the session on every authenticated request."""

    def session_request(self, session: Session, request: HttpRequest) -> HttpRequest:
        """Return ``request`` as it travels with ``session`` (called before every authenticated send).

        Default: unchanged, the session rides in :meth:`session_headers`. A broker that carries the
        session inside the body (Noren's ``jData=...&jKey=<key>``) returns a copy that carries it.
        """
        return request

    def refresh(self, session: Session, now: _dt.datetime) -> LoginFlow | None:
        """Return a flow renewing ``session`` with its refresh token, or None when the broker has none.

        The core tries it first when a session dies or nears expiry, and falls back to
        :meth:`login` when it fails.
        """
        return None

    def logout(self, session: Session) -> HttpRequest | None:
        """Return the request that ends the session at the broker, or None when there is none."""
        return None
