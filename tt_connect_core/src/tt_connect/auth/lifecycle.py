"""The auth lifecycle: restore, log in, persist, refresh before expiry, renew once when dead.

Drivers describe their login as a sans-I/O generator (see
``driver_api.LoginFlow``); this module drives it: it sends each yielded request
unauthenticated, answers TOTP steps with pyotp from the configured secret, and
hands redirect steps to an interactive catcher when one is configured.
Concurrent callers share one login (single flight); with a
:class:`~tt_connect.auth.login_lock.LoginLock`, so do processes that share the
session store: the login runs under the lock, after reading the store again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import inspect
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import parse_qsl, urlsplit

import pyotp

from tt_connect.auth.login_lock import LoginLock, NoLoginLock
from tt_connect.auth.stores import SessionStore
from tt_connect.driver_api import (
    AuthKind,
    BrokerAuth,
    BrokerFailure,
    ErrorMap,
    HttpRequest,
    HttpResponse,
    LoginFlow,
    NeedRedirect,
    NeedTotp,
    Session,
)
from tt_connect.errors import AuthenticationError, InputError, RateLimitError, SessionExpiredError, TTConnectError
from tt_connect.logs import get_logger
from tt_connect.redact import register_secret
from tt_connect.timeutil import Clock, SystemClock

__all__ = ["AuthManager", "totp_code"]

_log = get_logger("tt_connect.auth")
_LOGIN_ATTEMPTS = 5
_LOGIN_BACKOFF = 0.25
_LOGIN_MAX_DELAY = 5.0


def totp_code(secret: str, at: _dt.datetime) -> str:
    """Return the RFC 6238 code of ``secret`` at ``at``."""
    register_secret(secret)
    try:
        return str(pyotp.TOTP(secret.replace(" ", "").upper()).at(at))
    except Exception:  # binascii.Error and friends: a malformed seed
        raise AuthenticationError("the configured TOTP secret is not valid base32") from None


class AuthManager:
    """Owns one client's session."""

    def __init__(
        self,
        *,
        broker: str,
        spec: BrokerAuth,
        store: SessionStore,
        account: str,
        send: Callable[[HttpRequest], Awaitable[HttpResponse]],
        clock: Clock | None = None,
        refresh_margin: float = 300.0,
        interactive_redirect: Callable[[str], Awaitable[Mapping[str, str]]] | None = None,
        on_login_required: Callable[[str], object] | None = None,
        on_event: Callable[[str, dict[str, object]], None] | None = None,
        error_map: ErrorMap | None = None,
        login_lock: LoginLock | None = None,
    ) -> None:
        self.broker = broker
        self._errors = error_map or ErrorMap()
        self._spec = spec
        self._store = store
        self._account = account
        self._send = send
        self._clock: Clock = clock or SystemClock()
        self._margin = _dt.timedelta(seconds=refresh_margin)
        self._interactive = interactive_redirect
        self._on_login_required = on_login_required
        self._on_event = on_event
        self._lock: LoginLock = login_lock or NoLoginLock()
        self._session: Session | None = None
        self._login: asyncio.Task[Session] | None = None
        self._refresher: asyncio.Task[None] | None = None
        self.logins = 0
        self._callbacks: set[asyncio.Future[object]] = set()

    # -- state -----------------------------------------------------------------------------

    def _usable(self, session: Session | None) -> bool:
        return session is not None and self._clock.now() < session.expires_at - self._margin

    def _emit(self, event: str, **details: object) -> None:
        if self._on_event is not None:
            self._on_event(event, {"broker": self.broker, **details})

    def headers(self, session: Session) -> Mapping[str, str]:
        """Return the headers that carry ``session``."""
        return self._spec.session_headers(session)

    def prepared(self, request: HttpRequest, session: Session) -> HttpRequest:
        """Return ``request`` carrying ``session`` where the driver puts it besides the headers (a body key)."""
        return self._spec.session_request(session, request)

    async def session(self) -> Session:
        """Return a usable session: the current one, the stored one, or a new login."""
        if self._usable(self._session):
            assert self._session is not None
            return self._session
        if self._session is None:
            stored = await asyncio.to_thread(self._store.load, self.broker, self._account)
            if self._usable(stored):
                assert stored is not None
                self._session = stored
                self._emit("restored", expires_at=stored.expires_at.isoformat())
                return stored
        return await self._login_once(renewed=self._session is not None)

    async def renew(self, dead: Session | None) -> Session:
        """Replace a session the broker declared dead; concurrent callers share one login."""
        if self._session is not None and dead is not None and self._session is not dead and \
                self._session.access_token != dead.access_token and self._usable(self._session):
            return self._session
        self._emit("expired")
        self._session = None
        return await self._login_once(renewed=True, previous=dead, dead=True)

    async def _login_once(self, *, renewed: bool, previous: Session | None = None, dead: bool = False) -> Session:
        task = self._login
        if task is None or task.done():
            task = self._login = asyncio.ensure_future(self._run_login(renewed, previous, dead))
        return await asyncio.shield(task)

    def _can_login_silently(self) -> bool:
        kind = self._spec.login_kind()
        if kind.silent:
            return True
        if kind is AuthKind.OAUTH_REDIRECT:
            return self._interactive is not None
        return self.logins == 0  # a given token: usable once, never renewable

    async def _run_login(self, renewed: bool, previous: Session | None = None, dead: bool = False) -> Session:
        """Under the login lock: adopt what another process stored meanwhile, else log in."""
        async with self._lock.hold(self.broker, self._account):
            adopted = await self._adopt_stored(previous, dead)
            if adopted is not None:
                return adopted
            return await self._log_in(renewed, previous)

    async def _adopt_stored(self, previous: Session | None, dead: bool) -> Session | None:
        """Return a usable stored session other than ``previous``; forget a stored copy of a dead one.

        A store shared with other processes may hold a session one of them just obtained: using
        it avoids a second login (which some brokers answer by ending the first session).
        """
        stored = await asyncio.to_thread(self._store.load, self.broker, self._account)
        if stored is None:
            return None
        if previous is not None and stored.access_token == previous.access_token:
            if dead:
                await asyncio.to_thread(self._store.delete, self.broker, self._account)
            return None
        if not self._usable(stored):
            return None
        self._session = stored
        if previous is None:
            self._emit("restored", expires_at=stored.expires_at.isoformat())
        else:
            self._emit("refreshed", renewed=True, adopted=True, expires_at=stored.expires_at.isoformat())
        return stored

    async def _log_in(self, renewed: bool, previous: Session | None) -> Session:
        """Renew with the previous session's refresh token where the driver can; else log in."""
        flow = self._spec.refresh(previous, self._clock.now()) if previous is not None and \
            previous.refresh_token else None
        if flow is not None:
            try:
                return await self._run_flow(flow, renewed=True)
            except TTConnectError as exc:  # refresh token dead too (the daily expiry): a full login
                _log.info("session_token_refresh_failed", broker=self.broker, error=type(exc).__name__)
        if not self._can_login_silently():
            self._login_required(self.login_url())
        return await self._run_flow(self._spec.login(self._clock.now()), renewed=renewed)

    async def _run_flow(self, flow: LoginFlow, *, renewed: bool,
                        redirect: Mapping[str, str] | None = None, pasted: str | None = None) -> Session:
        """Drive a login flow; ``redirect`` (a pasted redirect's query), or ``pasted`` as the user gave it,
        answers its browser step."""
        reply: object = None
        last = HttpResponse(status=0, body=b"")
        try:
            step = next(flow)
            while True:
                if isinstance(step, HttpRequest):
                    reply = last = await self._send_step(step)
                elif isinstance(step, NeedTotp):
                    reply = totp_code(step.secret, self._clock.now())
                elif isinstance(step, NeedRedirect):
                    if redirect is not None:
                        reply = dict(redirect)
                    elif pasted is not None:
                        reply = dict(_redirect_answer(pasted, step))
                    else:
                        if self._interactive is None:
                            self._login_required(step.login_url)
                        assert self._interactive is not None
                        reply = await self._interactive(step.login_url)
                else:
                    raise AuthenticationError(f"{self.broker}: unknown login step {type(step).__name__}",
                                              broker=self.broker)
                step = flow.send(reply)
        except StopIteration as done:
            session = done.value
        except BrokerFailure as failure:  # a login reply the driver read as an error: the error map decides
            from tt_connect.transport.executor import map_failure

            if failure.http_status is None:
                failure.http_status = last.status or None
            raise map_failure(self.broker, self._errors, failure, last) from None
        except TTConnectError:
            raise
        except Exception as exc:  # a driver's parser choking on a login reply
            raise AuthenticationError(f"{self.broker} login failed: {type(exc).__name__}",
                                      broker=self.broker) from None
        if not isinstance(session, Session):
            raise AuthenticationError(f"{self.broker} login flow returned no session", broker=self.broker)
        for secret in session.secrets():
            register_secret(secret)
        self._session = session
        self.logins += 1
        await asyncio.to_thread(self._store.save, session, self._account)
        self._emit("refreshed" if renewed else "login", renewed=renewed, expires_at=session.expires_at.isoformat())
        return session

    async def _send_step(self, request: HttpRequest) -> HttpResponse:
        """Send one login step; a 429 or 5xx (the broker acted on nothing) is sent again, a few times.

        Brokers meter logins (one a second per user is common), so two bots starting together, or a
        restart right after a login, must wait their turn instead of failing.
        """
        from tt_connect.transport.executor import retry_after

        response = await self._send(request)
        for attempt in range(1, _LOGIN_ATTEMPTS):
            if not self._throttled(response):
                return response
            wait = retry_after(response)
            delay = min(wait if wait is not None else _LOGIN_BACKOFF * 2 ** attempt, _LOGIN_MAX_DELAY)
            _log.info("login_step_retried", broker=self.broker, endpoint=request.endpoint, status=response.status)
            await asyncio.sleep(delay)
            response = await self._send(request)
        return response

    def _throttled(self, response: HttpResponse) -> bool:
        """A 429, a 5xx, or a refusal the driver's error map reads as a rate limit: the broker acted on nothing.

        Not every broker says 429: AngelOne refuses a call beyond its window with HTTP 403 and one line of
        text ("Access denied because of exceeding access rate"), which only its error map recognises.
        """
        if response.status == 429 or response.status >= 500:
            return True
        if response.status < 400:
            return False
        text = response.body[:300].decode("utf-8", "replace")
        return issubclass(self._errors.classify(BrokerFailure(text, http_status=response.status)), RateLimitError)

    async def complete_login(self, pasted: str) -> Session:
        """Finish a browser login with what the user pasted: the whole redirect URL, or the token it carries.

        For a headless server: the user opens the login URL on any device, logs in, and pastes
        the address the broker redirected to (or only its one-time token).
        """
        if not isinstance(pasted, str) or not pasted.strip():
            raise InputError("paste the redirect URL the broker sent you to after login, or the token in it")
        text = pasted.strip()
        flow = self._spec.login(self._clock.now())
        try:
            step = next(flow)
        except StopIteration as done:  # a login with no browser step: nothing to paste into
            if isinstance(done.value, Session):
                return await self._adopt(done.value)
            raise AuthenticationError(f"{self.broker} login flow returned no session", broker=self.broker) from None
        if isinstance(step, HttpRequest) and self._spec.login_kind() is AuthKind.OAUTH_REDIRECT:
            # Requests before the browser step (Dhan creates a consent first, whose id the login page
            # needs): they are sent as usual and the paste answers the browser step when it comes.
            return await self._run_flow(_resume(flow, step), renewed=self._session is not None, pasted=text)
        answer = _redirect_answer(text, step)
        return await self._run_flow(_resume(flow, step), renewed=self._session is not None, redirect=answer)

    async def _adopt(self, session: Session) -> Session:
        self._session = session
        self.logins += 1
        await asyncio.to_thread(self._store.save, session, self._account)
        return session

    def login_url(self) -> str | None:
        """Where a human would log in: the first browser step of the login flow (pure: nothing is sent)."""
        flow = self._spec.login(self._clock.now())
        try:
            step = next(flow)
        except Exception:  # StopIteration (no steps) or a driver that needs credentials it lacks
            return None
        finally:
            flow.close()
        return step.login_url if isinstance(step, NeedRedirect) else None

    def _login_required(self, login_url: str | None = None) -> None:
        if self._on_login_required is not None:
            result = _notify(self._on_login_required, self.broker, login_url)
            if inspect.isawaitable(result):
                self._callbacks.add(asyncio.ensure_future(result))
        raise SessionExpiredError(
            f"the {self.broker} session has expired and cannot be renewed without you: run "
            f"`tt-connect login {self.broker}` (or pass a fresh access token)", broker=self.broker)

    # -- background refresh ----------------------------------------------------------------

    def start_refresher(self) -> None:
        """Renew the session shortly before its declared expiry, in the background."""
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.get_running_loop().create_task(self._refresh_loop())

    async def _refresh_loop(self) -> None:
        while True:
            session = self._session
            if session is None:
                return
            wait = (session.expires_at - self._margin - self._clock.now()).total_seconds()
            await asyncio.sleep(max(wait, 1.0))
            if self._session is not session:
                continue
            refreshable = bool(session.refresh_token) and self._spec.refresh(session, self._clock.now()) is not None
            if not refreshable and not self._spec.login_kind().silent:
                return
            try:
                await self._login_once(renewed=True, previous=session)
            except TTConnectError as exc:
                _log.warning("session_refresh_failed", broker=self.broker, error=type(exc).__name__)
                await asyncio.sleep(60)

    async def logout(self) -> None:
        """End the session at the broker (where it has an endpoint) and forget it."""
        session = self._session
        if session is not None:
            request = self._spec.logout(session)
            if request is not None:
                with contextlib.suppress(TTConnectError):
                    await self._send(_with_headers(self.prepared(request, session), self.headers(session)))
        self._session = None
        await asyncio.to_thread(self._store.delete, self.broker, self._account)
        self._emit("logout")

    async def close(self) -> None:
        """Stop the background refresher."""
        for task in (self._refresher, self._login):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, TTConnectError):
                    await task


def _notify(callback: Callable[..., object], broker: str, login_url: str | None) -> object:
    """Call ``on_login_required`` with the login URL when it takes one (``(broker, login_url)``)."""
    try:
        params = inspect.signature(callback).parameters.values()
        takes_url = len([p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]) >= 2 or \
            any(p.kind is p.VAR_POSITIONAL for p in params)
    except (TypeError, ValueError):
        takes_url = False
    return callback(broker, login_url) if takes_url else callback(broker)


def _redirect_answer(text: str, step: object) -> Mapping[str, str]:
    """Turn a pasted redirect URL, or a bare token, into the query a browser step is answered with."""
    if not isinstance(step, NeedRedirect):
        raise InputError("this broker's login needs no browser step: there is nothing to paste")
    if "://" in text or text.startswith("?") or "=" in text:
        query = urlsplit(text).query if "://" in text else text.lstrip("?")
        found = dict(parse_qsl(query, keep_blank_values=True))
        if not found.get(step.token_param):
            raise InputError(f"the pasted address carries no {step.token_param}; paste the whole address the "
                             "broker redirected to after login")
        return found
    return {step.token_param: text}


def _resume(flow: LoginFlow, first: object) -> LoginFlow:
    """A flow that yields ``first`` (already taken from ``flow``) and then carries on with ``flow``."""
    reply = yield first  # type: ignore[misc]
    while True:
        try:
            step = flow.send(reply)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        reply = yield step


def _with_headers(request: HttpRequest, headers: Mapping[str, str]) -> HttpRequest:
    import msgspec

    return msgspec.structs.replace(request, headers={**(request.headers or {}), **headers})
