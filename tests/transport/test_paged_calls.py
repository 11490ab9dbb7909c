"""A PagedCall is read page after page, each page retried on its own, and never forever."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from tt_connect.driver_api import BrokerApi, ErrorMap, HttpRequest, HttpResponse, PagedCall, WsConnection
from tt_connect.errors import DriverError
from tt_connect.transport.executor import RestExecutor, RetryPolicy
from tt_connect.transport.rate_limit import RateLimiter
from tt_connect.transport.sender import Sender

ROWS = list(range(23))
PAGE = 10


class PagedTransport:
    """Serves ROWS ten at a time by the request's ``page``; the first send of page 2 fails with a 503."""

    def __init__(self) -> None:
        self.pages: list[int] = []
        self.failed_once = False

    async def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        assert request.json is not None
        page = int(request.json["page"])
        self.pages.append(page)
        if page == 2 and not self.failed_once:
            self.failed_once = True
            return HttpResponse(status=503, body=b'{"error": "busy"}')
        rows = ROWS[(page - 1) * PAGE:page * PAGE]
        return HttpResponse(status=200, body=json.dumps({"rows": rows}).encode())

    async def ws_connect(self, url: str, headers: Mapping[str, str], *, timeout: float) -> WsConnection:
        raise NotImplementedError

    async def close(self) -> None:
        return None


class RowsApi(BrokerApi):
    def unwrap(self, response: HttpResponse) -> Any:
        return response.json()


def request(page: int) -> HttpRequest:
    return HttpRequest(method="POST", url="http://127.0.0.1:1/rows", endpoint="rows.list", json={"page": page})


def executor(transport: PagedTransport) -> RestExecutor:
    async def no_sleep(_seconds: float) -> None:
        return None

    sender = Sender(broker="pager", transport=transport, limiter=RateLimiter(None), timeout=10.0)  # type: ignore[arg-type]
    return RestExecutor(sender=sender, api=RowsApi(), error_map=ErrorMap(), auth=None,
                        retry=RetryPolicy(attempts=3), sleep=no_sleep)


def rows_call(max_pages: int = 100) -> PagedCall[int]:
    return PagedCall(request(1), lambda payload: list(payload["rows"]), max_pages=max_pages,
                     next_request=lambda read, rows: request(read + 1) if len(rows) == PAGE else None)


async def test_pages_are_read_until_a_short_one_and_joined_in_order() -> None:
    transport = PagedTransport()
    assert await executor(transport).call(rows_call()) == ROWS
    assert transport.pages == [1, 2, 2, 3]  # page 2 was retried alone after its 503


async def test_a_broker_that_never_stops_paging_is_cut_off_with_a_driver_error() -> None:
    transport = PagedTransport()
    endless = PagedCall(request(1), lambda payload: list(payload["rows"]), max_pages=4,
                        next_request=lambda read, _rows: request(1))
    with pytest.raises(DriverError, match="still paging after 4 pages"):
        await executor(transport).call(endless)
    assert transport.pages == [1, 1, 1, 1]


async def test_a_paged_call_is_still_a_call_for_code_that_sends_one_page() -> None:
    call = rows_call()
    assert call.request.json == {"page": 1}
    assert call.parse({"rows": [1, 2]}) == [1, 2]
    assert call.next_request(1, [1, 2]) is None
