"""A client's ``feed=`` and ``account_store=`` options find their backend by URL scheme (entry points)."""

from __future__ import annotations

import importlib.metadata
from typing import Any

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.enums import Exchange, StreamMode
from tt_connect.errors import ConfigurationError
from tt_connect.instruments import Equity
from tt_connect.sharing import FEED_ENTRY_POINTS, bus_namespace

from tests.entry_points import FakeEntryPoint
from tests.streaming.test_feed_backend import ScriptedFeed, tick


@pytest.fixture
def bus_feeds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any], ScriptedFeed]]:
    """Install a 'bus' scheme whose factory records how it was called and returns a scripted feed."""
    made: list[tuple[str, dict[str, Any], ScriptedFeed]] = []

    def factory(url: str, **details: Any) -> ScriptedFeed:
        feed = ScriptedFeed()
        made.append((url, details, feed))
        return feed

    monkeypatch.setattr(importlib.metadata, "entry_points",
                        lambda group: [FakeEntryPoint("bus", factory)] if group == FEED_ENTRY_POINTS else [])
    return made


async def test_a_feed_url_serves_subscribe_from_its_backend_not_the_broker(
        bus_feeds: list[tuple[str, dict[str, Any], ScriptedFeed]]) -> None:
    async with AsyncTTConnect("paper", feed="bus://hub-host/0", feed_group="strategy-a",
                              instruments_db=":memory:", session_store="memory") as broker:
        infy = Equity(exchange=Exchange.NSE, symbol="INFY")
        seen: list[float] = []
        await broker.subscribe([infy], on_tick=lambda t: seen.append(t.last_price), mode=StreamMode.LTP)
        ((url, details, feed),) = bus_feeds
        assert url == "bus://hub-host/0"
        assert details == {"broker": "paper", "namespace": bus_namespace(broker), "group": "strategy-a"}
        assert feed.wanted[-1] == ({infy: StreamMode.LTP}, False)
        feed.push(tick(infy, 1234.5))
        await _until(lambda: seen == [1234.5])


async def _until(probe: Any) -> None:
    from tt_connect.testing import eventually

    await eventually(probe)


@pytest.mark.parametrize("options", [{"feed": "nobody://x"}, {"feed": "not a url"},
                                     {"account_store": "nobody://x"}])
async def test_a_url_no_installed_add_on_serves_is_a_configuration_error(
        bus_feeds: list[tuple[str, dict[str, Any], ScriptedFeed]], options: dict[str, str]) -> None:
    async def connect_and_subscribe() -> None:
        async with AsyncTTConnect("paper", instruments_db=":memory:", session_store="memory", **options) as broker:
            await broker.subscribe([Equity(exchange=Exchange.NSE, symbol="INFY")], on_tick=lambda t: None)

    with pytest.raises(ConfigurationError):
        await connect_and_subscribe()


@pytest.mark.parametrize("option", ["session_store", "login_lock", "window_store"])
def test_a_shared_store_object_without_its_methods_is_refused_by_name(option: str) -> None:
    with pytest.raises(ConfigurationError, match=option):
        AsyncTTConnect("paper", **{option: object()})
