"""The REST executor: rate limits, session headers, retries, error mapping, exactly-once orders.

Policy (see docs/reliability.md):

* reads are retried on NetworkError, 5xx and 429 (honouring Retry-After) with
  capped exponential backoff and full jitter;
* writes are never retried blindly, but a 429 is: the broker refused before
  acting, so the write is sent again after its Retry-After;
* a "session dead" reply triggers one shared re-login and one replay (safe for
  writes too: the broker refused before acting);
* an order whose outcome is ambiguous is looked up in the order book by its
  unique tag: the answer is that one order, or ``OrderStatusUnknownError``.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from tt_connect.driver_api import (
    BrokerApi,
    BrokerFailure,
    Call,
    ErrorMap,
    HttpRequest,
    HttpResponse,
    PagedCall,
    RateLimits,
    Transport,
)
from tt_connect.errors import (
    BrokerRefusedError,
    BrokerUnavailableError,
    DriverError,
    NetworkError,
    OrderStatusUnknownError,
    RateLimitError,
    SessionExpiredError,
    TransientError,
    TTConnectError,
)
from tt_connect.logs import get_logger
from tt_connect.timeutil import Clock, SystemClock
from tt_connect.transport.rate_limit import RateLimiter, WindowStore

if TYPE_CHECKING:
    from tt_connect.auth import AuthManager
    from tt_connect.driver_api import Session

__all__ = ["RestExecutor", "RetryPolicy"]

T = TypeVar("T")
_log = get_logger("tt_connect.transport")


@dataclass(frozen=True)
class RetryPolicy:
    """How reads are retried and how hard an ambiguous order is looked for."""

    attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 5.0
    order_lookup_attempts: int = 4

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random delay up to the capped exponential."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


class _SessionDead(Exception):
    def __init__(self, error: TTConnectError) -> None:
        self.error = error


def _retry_after(response: HttpResponse) -> float | None:
    value = response.header("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(parsed.timestamp() - time.time(), 0.0) if parsed else None


class RestExecutor:
    """Sends a driver's calls for one client."""

    def __init__(
        self,
        *,
        broker: str,
        transport: Transport,
        api: BrokerApi,
        error_map: ErrorMap,
        limits: RateLimits | None,
        auth: AuthManager | None,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        clock: Clock | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        window_store: WindowStore | None = None,
        limit_scope: str = "",
    ) -> None:
        self.broker = broker
        self._transport = transport
        self._api = api
        self._errors = error_map
        self._auth = auth
        self._retry = retry or RetryPolicy()
        self._timeout = timeout
        self._sleep = sleep
        # A shared window store counts every process of one account together (limit_scope names it).
        self._limiter = RateLimiter(limits, clock=clock or SystemClock(), sleep=sleep, store=window_store,
                                    scope=limit_scope)

    def attach_auth(self, auth: AuthManager) -> None:
        """Give the executor the auth lifecycle (created after it, since login sends through it)."""
        self._auth = auth

    # -- sending ---------------------------------------------------------------------------

    async def _send(self, request: HttpRequest, session: Session | None) -> HttpResponse:
        await self._limiter.acquire(request.rate_class, request.cost)
        if session is not None and self._auth is not None:
            headers = {**(request.headers or {}), **self._auth.headers(session)}
            request = msgspec.structs.replace(request, headers=headers)
        started = time.perf_counter()
        request_id = uuid.uuid4().hex[:12]
        try:
            response = await self._transport.send(request, timeout=self._timeout)
        except TTConnectError as exc:
            _log.info("request", broker=self.broker, endpoint=request.endpoint, rate_class=request.rate_class,
                      status=None, error=type(exc).__name__, request_id=request_id,
                      latency_ms=round((time.perf_counter() - started) * 1000, 2))
            raise
        _log.info("request", broker=self.broker, endpoint=request.endpoint, rate_class=request.rate_class,
                  status=response.status, request_id=response.header("x-request-id") or request_id,
                  latency_ms=round((time.perf_counter() - started) * 1000, 2))
        return response

    def _map(self, failure: BrokerFailure, response: HttpResponse) -> TTConnectError:
        cls = self._errors.classify(failure)
        status = failure.http_status if failure.http_status is not None else response.status
        kwargs: dict[str, Any] = {"broker": self.broker, "code": failure.code, "http_status": status,
                                  "raw": failure.raw}
        if issubclass(cls, RateLimitError):
            return cls(failure.message, retry_after=_retry_after(response), **kwargs)
        if issubclass(cls, OrderStatusUnknownError):
            return BrokerUnavailableError(failure.message, **kwargs)
        return cls(failure.message, **kwargs)

    def _read(self, call: Call[T], response: HttpResponse) -> T:
        """Unwrap and parse; every failure becomes a TTConnectError subclass."""
        try:
            payload = self._api.unwrap(response)
        except BrokerFailure as failure:
            if failure.http_status is None:
                failure.http_status = response.status
            error = self._map(failure, response)
            if self._errors.session_dead(failure):
                raise _SessionDead(error) from None
            raise error from None
        except TTConnectError as exc:
            if response.status == 429:
                raise RateLimitError(exc.message, broker=self.broker, http_status=429,
                                     retry_after=_retry_after(response)) from None
            exc.broker = exc.broker or self.broker
            exc.http_status = response.status if exc.http_status is None else exc.http_status
            raise
        except Exception as exc:  # an HTML page, a truncated body: the driver could not read it
            raise BrokerUnavailableError(
                f"unreadable reply from {self.broker} ({type(exc).__name__}) with HTTP {response.status}",
                broker=self.broker, http_status=response.status) from None
        try:
            return call.parse(payload)
        except TTConnectError:
            raise
        except Exception as exc:
            raise BrokerUnavailableError(
                f"unexpected {call.request.endpoint} payload from {self.broker} "
                f"({type(exc).__name__}: {exc})", broker=self.broker, http_status=response.status) from None

    async def _session(self) -> Session | None:
        return None if self._auth is None else await self._auth.session()

    async def _attempt(self, call: Call[T]) -> T:
        """One send with at most one re-login and replay."""
        request = call.request
        session = await self._session() if request.authenticated else None
        response = await self._send(request, session)
        try:
            return self._read(call, response)
        except _SessionDead as dead:
            if self._auth is None or not request.authenticated:
                raise dead.error from None
            session = await self._auth.renew(session)
            response = await self._send(request, session)
            try:
                return self._read(call, response)
            except _SessionDead as again:
                raise SessionExpiredError(
                    f"{self.broker} refused a freshly renewed session: {again.error.message}",
                    broker=self.broker, code=again.error.code, http_status=again.error.http_status) from None

    async def call(self, call: Call[T]) -> T:
        """Send a call; reads are retried on transient failures, writes only on a 429.

        A :class:`PagedCall` is sent page after page, each page retried on its own.
        """
        if isinstance(call, PagedCall):
            return await self._pages(call)  # type: ignore[return-value]
        return await self._retrying(call)

    async def _pages(self, call: PagedCall[Any]) -> list[Any]:
        rows: list[Any] = []
        page: Call[list[Any]] = call
        for read in range(1, call.max_pages + 1):
            found = await self._retrying(page)
            rows.extend(found)
            following = call.next_request(read, found)
            if following is None:
                return rows
            page = Call(following, call.parse)
        raise DriverError(f"{self.broker}: {call.request.endpoint} was still paging after {call.max_pages} pages; "
                          "stopped reading (a driver or broker that never reports a last page)", broker=self.broker)

    async def _retrying(self, call: Call[T]) -> T:
        retried: type[TTConnectError] = RateLimitError if call.request.is_write else TransientError
        attempt = 0
        while True:
            try:
                return await self._attempt(call)
            except retried as exc:
                attempt += 1
                if attempt >= self._retry.attempts:
                    raise
                delay = self._retry.backoff(attempt)
                if isinstance(exc, RateLimitError) and exc.retry_after is not None:
                    delay = max(delay, exc.retry_after)
                await self._sleep(delay)

    async def call_all(self, calls: Sequence[Call[T]]) -> list[T]:
        """Send batched calls concurrently (the limiter paces them); results keep their order."""
        return list(await asyncio.gather(*(self.call(c) for c in calls)))

    async def place_order(
        self, call: Call[str], *, tag: str, find_by_tag: Callable[[str], Awaitable[str | None]]
    ) -> str:
        """Place an order exactly once: an ambiguous outcome is resolved through its tag."""
        try:
            return await self.call(call)  # a write: sent again only after a 429, which acted on nothing
        except (NetworkError, BrokerUnavailableError) as exc:
            if isinstance(exc, BrokerRefusedError):
                raise
            cause = exc
        _log.warning("order_outcome_ambiguous", broker=self.broker, tag=tag, error=type(cause).__name__)
        for attempt in range(self._retry.order_lookup_attempts):
            try:
                found = await find_by_tag(tag)
            except TransientError:
                found = None
            if found is not None:
                return found
            await self._sleep(self._retry.backoff(attempt + 1))
        raise OrderStatusUnknownError(
            f"the order tagged {tag} was sent to {self.broker} but its outcome is unknown "
            f"({type(cause).__name__}: {cause.message}); look for the tag in the order book before placing "
            "it again", tag=tag, broker=self.broker, http_status=cause.http_status)

    async def send_unauthenticated(self, request: HttpRequest) -> HttpResponse:
        """Send a login step; transport failures are raised, the reply is returned whatever its status."""
        return await self._send(request, None)

    async def fetch_bytes(
        self, url: str, *, authenticated: bool = False,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> bytes:
        """Download a file (an instrument master), retried like any read."""
        request = HttpRequest(method="GET", url=url, endpoint="instruments.download", authenticated=authenticated)

        def raw(payload: Any) -> bytes:
            return payload  # type: ignore[no-any-return]

        attempt = 0
        while True:
            try:
                session = await self._session() if authenticated else None
                if progress is not None and self._auth is not None and session is not None:
                    request = msgspec.structs.replace(
                        request, headers={**(request.headers or {}), **self._auth.headers(session)})
                download = getattr(self._transport, "download", None)
                if progress is not None and download is not None:
                    # Transports that can stream report progress chunk by chunk.
                    await self._limiter.acquire(request.rate_class, request.cost)
                    response = await download(request, timeout=max(self._timeout, 120.0), progress=progress)
                else:
                    response = await self._send(request, session)
                if response.status >= 500 or response.status == 429:
                    raise BrokerUnavailableError(f"instrument download failed with HTTP {response.status}",
                                                 broker=self.broker, http_status=response.status)
                if response.status >= 400:
                    raise BrokerRefusedError(f"instrument download refused with HTTP {response.status}",
                                             broker=self.broker, http_status=response.status)
                if progress is not None:
                    progress(len(response.body), len(response.body))
                return raw(response.body)
            except TransientError:
                attempt += 1
                if attempt >= self._retry.attempts:
                    raise
                await self._sleep(self._retry.backoff(attempt))

    async def close(self) -> None:
        """Nothing to release: the transport is closed by its owner."""
        return None
