"""The REST executor: session headers, retries, error mapping, exactly-once orders.

Policy (see docs/reliability.md):

* reads are retried on NetworkError, 5xx and 429 (honouring Retry-After up to the
  retry cap) with capped exponential backoff and full jitter;
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
import math
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from tt_connect.driver_api import BrokerApi, BrokerFailure, Call, ErrorMap, HttpRequest, HttpResponse, PagedCall
from tt_connect.errors import (
    BrokerRefusedError,
    BrokerUnavailableError,
    DriverError,
    NetworkError,
    OrderRejectedError,
    OrderStatusUnknownError,
    RateLimitError,
    SessionExpiredError,
    TransientError,
    TTConnectError,
)
from tt_connect.logs import get_logger
from tt_connect.transport.sender import Sender

if TYPE_CHECKING:
    from tt_connect.auth import AuthManager
    from tt_connect.driver_api import Session

__all__ = ["RestExecutor", "RetryPolicy", "SessionDead", "map_failure", "read_reply"]

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


class SessionDead(Exception):
    """A reply said the session is dead; ``error`` is what the caller sees if renewing does not help."""

    def __init__(self, error: TTConnectError) -> None:
        self.error = error


def retry_after(response: HttpResponse) -> float | None:
    """Read ``Retry-After`` as seconds (a number or an HTTP date); junk and non-finite values read as None."""
    value = response.header("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = parsed.timestamp() - time.time()
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def map_failure(broker: str, errors: ErrorMap, failure: BrokerFailure, response: HttpResponse) -> TTConnectError:
    """Return the error-tree exception for a broker failure (the reason of an order refusal included)."""
    cls = errors.classify(failure)
    status = failure.http_status if failure.http_status is not None else response.status
    kwargs: dict[str, Any] = {"broker": broker, "code": failure.code, "http_status": status, "raw": failure.raw}
    if issubclass(cls, RateLimitError):
        return cls(failure.message, retry_after=retry_after(response), **kwargs)
    if issubclass(cls, OrderStatusUnknownError):
        return BrokerUnavailableError(failure.message, **kwargs)
    if issubclass(cls, OrderRejectedError):
        return cls(failure.message, reason=errors.reason(failure.message, failure.code), **kwargs)
    return cls(failure.message, **kwargs)


def read_reply(broker: str, api: BrokerApi, errors: ErrorMap, call: Call[T], response: HttpResponse) -> T:
    """Unwrap and parse one reply; every failure becomes a TTConnectError subclass.

    A "session dead" failure raises :class:`SessionDead` carrying its error (the executor renews
    and replays). The conformance suite's fuzz tier calls this directly: it is the one place a
    driver's unwrap and parsers meet a reply, so what it lets out is what a caller sees.
    """
    try:
        payload = api.unwrap(response)
    except BrokerFailure as failure:
        if failure.http_status is None:
            failure.http_status = response.status
        error = map_failure(broker, errors, failure, response)
        if errors.session_dead(failure):
            raise SessionDead(error) from None
        raise error from None
    except TTConnectError as exc:
        if response.status == 429:
            raise RateLimitError(exc.message, broker=broker, http_status=429,
                                 retry_after=retry_after(response)) from None
        exc.broker = exc.broker or broker
        exc.http_status = response.status if exc.http_status is None else exc.http_status
        raise
    except Exception as exc:  # an HTML page, a truncated body: the driver could not read it
        raise BrokerUnavailableError(
            f"unreadable reply from {broker} ({type(exc).__name__}) with HTTP {response.status}",
            broker=broker, http_status=response.status) from None
    try:
        return call.parse(payload)
    except TTConnectError as exc:
        exc.broker = exc.broker or broker
        raise
    except Exception as exc:
        raise BrokerUnavailableError(
            f"unexpected {call.request.endpoint} payload from {broker} "
            f"({type(exc).__name__}: {exc!s:.200})", broker=broker, http_status=response.status) from None


class RestExecutor:
    """Sends a driver's calls for one client."""

    def __init__(
        self,
        *,
        sender: Sender,
        api: BrokerApi,
        error_map: ErrorMap,
        auth: AuthManager | None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.broker = sender.broker
        self._sender = sender
        self._api = api
        self._errors = error_map
        self._auth = auth
        self._retry = retry or RetryPolicy()
        self._sleep = sleep

    # -- one attempt -----------------------------------------------------------------------

    def _headers(self, session: Session | None) -> dict[str, str] | None:
        return None if session is None or self._auth is None else dict(self._auth.headers(session))

    def _prepared(self, request: HttpRequest, session: Session | None) -> HttpRequest:
        return request if session is None or self._auth is None else self._auth.prepared(request, session)

    def _read(self, call: Call[T], response: HttpResponse) -> T:
        return read_reply(self.broker, self._api, self._errors, call, response)

    async def _session(self) -> Session | None:
        return None if self._auth is None else await self._auth.session()

    async def _attempt(self, call: Call[T]) -> T:
        """One send with at most one re-login and replay."""
        request = call.request
        session = await self._session() if request.authenticated else None
        response = await self._sender.send(self._prepared(request, session), self._headers(session))
        try:
            return self._read(call, response)
        except SessionDead as dead:
            if self._auth is None or not request.authenticated:
                raise dead.error from None
            session = await self._auth.renew(session)
            response = await self._sender.send(self._prepared(request, session), self._headers(session))
            try:
                return self._read(call, response)
            except SessionDead as again:
                raise SessionExpiredError(
                    f"{self.broker} refused a freshly renewed session: {again.error.message}",
                    broker=self.broker, code=again.error.code, http_status=again.error.http_status) from None

    # -- retries ---------------------------------------------------------------------------

    async def _retrying(self, attempt: Callable[[], Awaitable[T]], *, is_write: bool) -> T:
        """Run ``attempt`` until it succeeds: reads on any TransientError, writes only on a 429."""
        retried: type[TTConnectError] = RateLimitError if is_write else TransientError
        failures = 0
        while True:
            try:
                return await attempt()
            except retried as exc:
                failures += 1
                if failures >= self._retry.attempts:
                    raise
                delay = self._retry.backoff(failures)
                if isinstance(exc, RateLimitError) and exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, self._retry.max_delay))
                await self._sleep(delay)

    def call(self, call: Call[T]) -> Coroutine[Any, Any, T]:
        """Send a call; reads are retried on transient failures, writes only on a 429.

        A :class:`PagedCall` is sent page after page, each page retried on its own. Await the result (a
        coroutine, as of an ``async def``): it is the retrying coroutine itself, one frame fewer for every
        resume of an order's request.
        """
        if isinstance(call, PagedCall):
            return self._pages(call)  # type: ignore[return-value]
        return self._retrying(lambda: self._attempt(call), is_write=call.request.is_write)

    async def _pages(self, call: PagedCall[Any]) -> list[Any]:
        rows: list[Any] = []
        page: Call[list[Any]] = call
        for read in range(1, call.max_pages + 1):
            found = await self._retrying(lambda page=page: self._attempt(page), is_write=False)  # type: ignore[misc]
            rows.extend(found)
            following = call.next_request(read, found)
            if following is None:
                return rows
            page = Call(following, call.parse)
        raise DriverError(f"{self.broker}: {call.request.endpoint} was still paging after {call.max_pages} pages; "
                          "stopped reading (a driver or broker that never reports a last page)", broker=self.broker)

    async def call_all(self, calls: Sequence[Call[T]]) -> list[T]:
        """Send batched calls concurrently (the limiter paces them); results keep their order."""
        if len(calls) == 1:
            return [await self.call(calls[0])]
        return list(await asyncio.gather(*(self.call(c) for c in calls)))

    # -- exactly-once orders ---------------------------------------------------------------

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

    # -- downloads -------------------------------------------------------------------------

    async def fetch_bytes(self, url: str, *, authenticated: bool = False,
                          progress: Callable[[int, int | None], None] | None = None) -> bytes:
        """Download a file (an instrument master), retried like any read."""
        request = HttpRequest(method="GET", url=url, endpoint="instruments.download", authenticated=authenticated)

        async def attempt() -> bytes:
            session = await self._session() if authenticated else None
            response = await self._sender.download(request, self._headers(session), progress)
            if response.status >= 500 or response.status == 429:
                raise BrokerUnavailableError(f"instrument download failed with HTTP {response.status}",
                                             broker=self.broker, http_status=response.status)
            if response.status >= 400:
                raise BrokerRefusedError(f"instrument download refused with HTTP {response.status}",
                                         broker=self.broker, http_status=response.status)
            return response.body

        return await self._retrying(attempt, is_write=False)
