"""One request on the wire: the rate-limit slot, the session headers, the send, one log line.

Shared by the REST executor (authenticated calls, downloads) and the auth lifecycle (login steps),
so both meter and log requests the same way and neither has to reach into the other.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Mapping

import msgspec

from tt_connect.driver_api import HttpRequest, HttpResponse, Transport
from tt_connect.errors import TTConnectError
from tt_connect.logs import get_logger
from tt_connect.transport.rate_limit import RateLimiter

__all__ = ["Sender"]

_log = get_logger("tt_connect.transport")
_ids = itertools.count(1)
_run = uuid.uuid4().hex[:6]


def _request_id() -> str:
    """An id for one request's log line: this process's random prefix and a counter (no system call)."""
    return f"{_run}{next(_ids) & 0xFFFFFF:06x}"


class Sender:
    """Sends requests through a transport under a rate limiter."""

    def __init__(self, *, broker: str, transport: Transport, limiter: RateLimiter, timeout: float) -> None:
        self.broker = broker
        self.transport = transport
        self.limiter = limiter
        self.timeout = timeout

    async def send(self, request: HttpRequest, headers: Mapping[str, str] | None = None) -> HttpResponse:
        """Send one request (with extra ``headers``: the session's), holding its rate-limit slot until the reply."""
        if headers:
            request = msgspec.structs.replace(request, headers={**(request.headers or {}), **headers})
        async with self.limiter.slot(request.rate_class, request.cost):
            started = time.perf_counter()
            try:
                response = await self.transport.send(request, timeout=self.timeout)
            except TTConnectError as exc:
                self._log(request, None, _request_id(), started, error=type(exc).__name__)
                raise
        if _log.enabled("info"):  # the line's fields (an id, a header lookup, the latency) only when it is written
            self._log(request, response.status, response.header("x-request-id") or _request_id(), started)
        return response

    async def download(self, request: HttpRequest, headers: Mapping[str, str] | None,
                       progress: Callable[[int, int | None], None] | None) -> HttpResponse:
        """Fetch a large file (an instrument master), reporting progress as it arrives."""
        if headers:
            request = msgspec.structs.replace(request, headers={**(request.headers or {}), **headers})
        started = time.perf_counter()
        # The slot is held through the whole transfer and settled when it ends: stricter than the
        # broker needs (it counts the request's arrival), never looser.
        async with self.limiter.slot(request.rate_class, request.cost):
            response = await self.transport.download(request, timeout=max(self.timeout, 120.0), progress=progress)
        self._log(request, response.status, _request_id(), started)
        return response

    def _log(self, request: HttpRequest, status: int | None, request_id: str, started: float,
             error: str | None = None) -> None:
        _log.info("request", broker=self.broker, endpoint=request.endpoint, rate_class=request.rate_class,
                  status=status, request_id=request_id, latency_ms=round((time.perf_counter() - started) * 1000, 2),
                  **({"error": error} if error else {}))
