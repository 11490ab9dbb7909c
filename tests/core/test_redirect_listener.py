"""The localhost catcher of a browser login's redirect."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
from tt_connect.errors import ConfigurationError
from tt_connect.redirect_listener import make_redirect_catcher
from tt_connect.testing import eventually


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_redirect_query_is_caught_and_the_browser_was_opened() -> None:
    port = free_port()
    opened: list[str] = []
    catch = make_redirect_catcher(f"http://127.0.0.1:{port}/", open_browser=opened.append, timeout=5)
    waiting = asyncio.ensure_future(catch("https://kite.zerodha.com/connect/login?v=3&api_key=k"))

    async def browser_returns() -> None:
        await eventually(lambda: opened, what="the browser to be opened")
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/?request_token=abc123&action=login&status=success"
            for _ in range(100):
                try:
                    async with session.get(url) as reply:
                        assert "login received" in await reply.text()
                        return
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.02)

    await browser_returns()
    query = await waiting
    assert query["request_token"] == "abc123" and query["status"] == "success"
    assert opened == ["https://kite.zerodha.com/connect/login?v=3&api_key=k"]


@pytest.mark.parametrize("url", ["https://example.com/cb", "http://10.0.0.1:5000/", "http://127.0.0.1/"])
def test_only_a_local_http_redirect_url_is_accepted(url: str) -> None:
    with pytest.raises(ConfigurationError, match=r"127\.0\.0\.1"):
        make_redirect_catcher(url)
