"""A transport for tests: a function answers each request; no network, no monkeypatching."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping

from tt_connect.driver_api import HttpRequest, HttpResponse, WsConnection
from tt_connect.errors import NetworkError

__all__ = ["MockTransport"]

Handler = Callable[[HttpRequest], HttpResponse | Awaitable[HttpResponse]]


class MockTransport:
    """Answers requests with ``handler`` and records them in ``requests``."""

    def __init__(self, handler: Handler,
                 ws_handler: Callable[[str, Mapping[str, str]], Awaitable[WsConnection]] | None = None) -> None:
        self._handler = handler
        self._ws_handler = ws_handler
        self.requests: list[HttpRequest] = []
        self.closed = False

    async def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        self.requests.append(request)
        result = self._handler(request)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def download(self, request: HttpRequest, *, timeout: float,
                       progress: Callable[[int, int | None], None] | None = None) -> HttpResponse:
        response = await self.send(request, timeout=timeout)
        if progress is not None:
            progress(len(response.body), len(response.body))
        return response

    async def ws_connect(self, url: str, headers: Mapping[str, str], *, timeout: float) -> WsConnection:
        if self._ws_handler is None:
            raise NetworkError("this MockTransport has no WebSocket handler")
        return await self._ws_handler(url, headers)

    async def close(self) -> None:
        self.closed = True
