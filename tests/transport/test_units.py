"""Narrow unit tests: rate limiter windows, order tags, the aiohttp transport's error mapping."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from tt_connect.driver_api import HttpRequest, RateClass, RateLimits
from tt_connect.errors import NetworkError, RateLimitQueueFullError
from tt_connect.timeutil import IST, ManualClock
from tt_connect.transport import AiohttpTransport, RateLimiter, make_order_tag
from tt_connect.transport.rate_limit import MemoryWindowStore


class VirtualTime:
    """A clock whose sleep advances it: rate-limit tests need no real waiting."""

    def __init__(self) -> None:
        self.clock = ManualClock(dt.datetime(2025, 1, 6, 9, 15, tzinfo=IST))
        self.slept = 0.0

    async def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.clock.advance(seconds)
        await asyncio.sleep(0)


async def test_no_window_is_ever_exceeded() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(RateLimits(classes=(RateClass(name="orders", per_second=10, per_minute=200),)),
                          clock=vt.clock, sleep=vt.sleep)
    stamps = []
    for _ in range(450):
        await limiter.acquire("orders")
        stamps.append(vt.clock.monotonic())
    for i, t in enumerate(stamps):
        assert sum(1 for s in stamps[i:] if s < t + 1.0) <= 10
        assert sum(1 for s in stamps[i:] if s < t + 60.0) <= 200
    assert vt.slept >= 120  # 450 calls at 200/min need two full minutes of waiting


async def test_an_hourly_cap_holds_back_the_call_past_it_for_the_rest_of_the_hour() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(RateLimits(classes=(RateClass(name="orders", per_second=20, per_hour=50),)),
                          clock=vt.clock, sleep=vt.sleep)
    for _ in range(50):
        await limiter.acquire("orders")
    burst = vt.slept
    assert burst < 5  # 50 calls at 20/s
    await limiter.acquire("orders")
    assert vt.slept >= 3600 - burst - 1e-6, "the 51st call must wait for the first to leave the hour"


async def test_unknown_classes_use_the_default_and_no_limits_means_no_waiting() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(RateLimits(classes=(RateClass(name="default", per_second=2),)), clock=vt.clock,
                          sleep=vt.sleep)
    for _ in range(4):
        await limiter.acquire("quotes")
    assert vt.slept >= 1.0
    free = RateLimiter(None, clock=vt.clock, sleep=vt.sleep)
    before = vt.slept
    for _ in range(100):
        await free.acquire("anything")
    assert vt.slept == before


async def test_a_call_holds_its_slot_until_its_reply_and_counts_from_the_reply() -> None:
    # The broker counts arrivals, which lie between the send and the reply: the next call that needs
    # the slot leaves a full window after the reply, so no broker window can hold two of them.
    vt = VirtualTime()
    limiter = RateLimiter(RateLimits(classes=(RateClass(name="orders", per_second=2),)), clock=vt.clock,
                          sleep=vt.sleep)
    start = vt.clock.monotonic()
    async with limiter.slot("orders"):
        await vt.sleep(0.4)  # a slow reply (a cold connection)
    async with limiter.slot("orders"):
        pass
    async with limiter.slot("orders"):
        third = vt.clock.monotonic()
    assert third - start == pytest.approx(1.4, abs=0.01), "the first call left the window 1 s after its reply"


async def test_a_slot_still_awaiting_its_reply_keeps_the_window_closed() -> None:
    store = MemoryWindowStore()
    limiter = RateLimiter(RateLimits(classes=(RateClass(name="default", per_second=1),)), store=store)
    reply = asyncio.Event()

    async def slow_call() -> None:
        async with limiter.slot("default"):
            await reply.wait()

    first = asyncio.ensure_future(slow_call())
    await asyncio.sleep(0)
    second = asyncio.ensure_future(limiter.acquire("default"))
    await asyncio.sleep(0.05)
    assert not second.done(), "the window cannot start to close before the first reply"
    reply.set()
    await first
    assert not second.done()
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)
    assert store.recorded("default") == 1


async def test_a_cancelled_call_settles_its_slot() -> None:
    vt = VirtualTime()
    store = MemoryWindowStore(vt.clock.monotonic)
    limiter = RateLimiter(RateLimits(classes=(RateClass(name="default", per_second=1),)), store=store,
                          sleep=vt.sleep)

    async def hung() -> None:
        async with limiter.slot("default"):
            await asyncio.Event().wait()

    task = asyncio.ensure_future(hung())
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    before = vt.clock.monotonic()
    await limiter.acquire("default")
    assert vt.clock.monotonic() - before == pytest.approx(1.0, abs=0.01), "counted from the cancellation"


async def test_an_over_long_queue_fails_fast_and_cancelled_waiters_take_no_slot() -> None:
    store = MemoryWindowStore()
    limiter = RateLimiter(RateLimits(classes=(RateClass(name="default", per_second=1, max_queue=3),)), store=store)
    await limiter.acquire("default")
    waiters = [asyncio.ensure_future(limiter.acquire("default")) for _ in range(3)]
    await asyncio.sleep(0)  # one loop turn: each waiter runs to its queue slot
    with pytest.raises(RateLimitQueueFullError):
        await limiter.acquire("default")
    for w in waiters:
        w.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    bucket = limiter._buckets["default"]
    assert bucket.waiting == 0 and store.recorded("default") == 1


def test_order_tags_are_unique_and_fit_the_broker() -> None:
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    tags = [make_order_tag(20, alphabet, "strat") for _ in range(50_000)]
    assert len(set(tags)) == len(tags)
    assert all(len(t) <= 20 and t.startswith("strat") and set(t) <= set(alphabet) for t in tags)
    with pytest.raises(ValueError):
        make_order_tag(10, alphabet, "toolongprefix")


FILE = bytes(range(256)) * 1200  # 300 KB


async def _file(request: web.Request) -> web.Response:
    return web.Response(body=FILE, content_type="text/csv")


@pytest.fixture
async def echo_server() -> AsyncIterator[str]:
    """A loopback server that echoes what it received (aioresponses does not support aiohttp 3.14)."""

    async def echo(request: web.Request) -> web.Response:
        form = [list(pair) for pair in (await request.post()).items()] if request.method == "POST" else []
        return web.json_response({"form": form, "query": list(request.query.items())},
                                 headers={"X-Request-Id": "r1"})

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://127.0.0.1:1/callback?request_token=t1")

    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/file", _file)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/echo"
    await runner.cleanup()


async def test_aiohttp_errors_become_network_errors() -> None:
    transport = AiohttpTransport()
    request = HttpRequest(method="GET", url="http://127.0.0.1:9/profile", endpoint="profile")
    try:
        with pytest.raises(NetworkError, match="profile"):
            await transport.send(request, timeout=1)
    finally:
        await transport.close()


async def test_query_and_repeated_form_keys_reach_the_server(echo_server: str) -> None:
    transport = AiohttpTransport()
    try:
        form = HttpRequest(method="POST", url=echo_server, endpoint="orders.place",
                           form=[("i", "NSE:INFY"), ("i", "NSE:TCS")], is_write=True)
        response = await transport.send(form, timeout=2)
        assert response.json()["form"] == [["i", "NSE:INFY"], ["i", "NSE:TCS"]]
        assert response.header("x-request-id") == "r1"
        query = HttpRequest(method="GET", url=echo_server, endpoint="quote", params={"i": "NSE:INFY"})
        assert (await transport.send(query, timeout=2)).json()["query"] == [["i", "NSE:INFY"]]
    finally:
        await transport.close()


async def test_a_redirect_is_returned_as_is_when_the_request_says_so(echo_server: str) -> None:
    target = echo_server.replace("/echo", "/redirect")
    transport = AiohttpTransport()
    try:
        held = HttpRequest(method="GET", url=target, endpoint="login.step", authenticated=False,
                           follow_redirects=False)
        reply = await transport.send(held, timeout=2)
        assert reply.status == 302 and reply.header("location") == "http://127.0.0.1:1/callback?request_token=t1"
    finally:
        await transport.close()


async def test_a_download_reports_progress_to_the_end(echo_server: str) -> None:
    transport = AiohttpTransport()
    seen: list[tuple[int, int | None]] = []
    try:
        request = HttpRequest(method="GET", url=echo_server.replace("/echo", "/file"), endpoint="instruments")
        reply = await transport.download(request, timeout=5, progress=lambda d, t: seen.append((d, t)))
    finally:
        await transport.close()
    assert reply.body == FILE
    assert seen[0] == (0, len(FILE)) and seen[-1] == (len(FILE), len(FILE))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) > 2


def test_the_cli_progress_bar_draws_only_on_a_terminal() -> None:
    import io

    from tt_connect.cli.output import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = ProgressBar("instruments", screen)
    bar(0, 1_000_000)
    bar(500_000, 1_000_000)
    bar(1_000_000, 1_000_000)
    assert "[###############...............]" in screen.getvalue() and screen.getvalue().endswith("\n")
    quiet = io.StringIO()
    ProgressBar("instruments", quiet)(10, 100)
    assert quiet.getvalue() == ""


@pytest.mark.parametrize(("header", "seconds"), [
    ("7", 7.0), ("2.5", 2.5), ("0", 0.0), ("-3", 0.0), ("86400", 86400.0),
    ("soon", None), ("inf", None), ("-inf", None), ("nan", None), ("1e999", None), ("", None),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date in the past: go now
])
def test_retry_after_in_every_form_reads_as_seconds_or_none_and_never_raises(header: str,
                                                                             seconds: float | None) -> None:
    from tt_connect.driver_api import HttpResponse
    from tt_connect.transport.executor import retry_after

    assert retry_after(HttpResponse(status=429, body=b"", headers={"Retry-After": header})) == seconds


def test_retry_after_as_a_future_http_date_is_the_seconds_until_it() -> None:
    import email.utils
    import time

    from tt_connect.driver_api import HttpResponse
    from tt_connect.transport.executor import retry_after

    when = email.utils.formatdate(time.time() + 120, usegmt=True)
    waited = retry_after(HttpResponse(status=429, body=b"", headers={"retry-after": when}))
    assert waited is not None and 100 < waited <= 121
