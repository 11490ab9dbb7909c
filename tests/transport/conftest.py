from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web
from tt_connect.drivers import register_driver, unregister_driver

from tests.transport.fake_broker import PASSWORD, TOTP_SECRET, FakeBrokerServer, FakeDriver


@pytest.fixture
async def server() -> AsyncIterator[FakeBrokerServer]:
    state = FakeBrokerServer()
    runner = web.AppRunner(state.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


@pytest.fixture(autouse=True)
def fake_driver() -> Iterator[None]:
    register_driver("fake", FakeDriver())
    yield
    unregister_driver("fake")


@pytest.fixture
def credentials(server: FakeBrokerServer) -> dict[str, str]:
    return {"base_url": server.url, "password": PASSWORD, "totp_secret": TOTP_SECRET}
