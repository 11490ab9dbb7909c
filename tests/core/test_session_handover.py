"""A running client whose browser-login session died adopts the session a morning login stored meanwhile."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_login_flows import LOGIN_URL, OAuthApi, OAuthConfig, OAuthDriver
from tt_connect import AsyncTTConnect
from tt_connect.driver_api import BrokerApi, BrokerFailure, ErrorMap, HttpRequest, HttpResponse
from tt_connect.drivers import register_driver, unregister_driver
from tt_connect.errors import SessionExpiredError
from tt_connect.transport import MockTransport


class ExpiringApi(OAuthApi):
    def unwrap(self, response: HttpResponse) -> Any:
        body = response.json()
        if "error" in body:
            raise BrokerFailure(body["error"], code=body.get("code"), http_status=response.status)
        return body


class ExpiringDriver(OAuthDriver):
    name = "oauth"  # the sessions OAuthAuth makes name that broker

    def api(self, config: OAuthConfig) -> BrokerApi:
        return ExpiringApi()

    def error_map(self, config: OAuthConfig) -> ErrorMap:
        return ErrorMap(session_dead=lambda failure: failure.code == "TokenException")


class Broker:
    """Issues ``tok-<code>`` for a login code; a killed token answers every call with TokenException."""

    def __init__(self) -> None:
        self.codes_seen: list[str] = []
        self.dead: set[str] = set()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.endpoint == "login.token":
            self.codes_seen.append(request.json["code"])
            return HttpResponse(status=200, body=json.dumps({"token": f"tok-{request.json['code']}"}).encode())
        assert request.headers is not None
        token = request.headers["Authorization"].removeprefix("Bearer ")
        if token in self.dead:
            return HttpResponse(status=403, body=b'{"error": "token expired", "code": "TokenException"}')
        return HttpResponse(status=200, body=b'{"user": "U1"}')


@pytest.fixture(autouse=True)
def expiring_oauth_registered() -> Iterator[None]:
    register_driver("oauth", ExpiringDriver)
    yield
    unregister_driver("oauth")


def _stored(sessions: Path) -> list[Path]:
    return list(sessions.glob("*.json"))


def _client(broker: Broker, sessions: Path, **options: Any) -> AsyncTTConnect:
    return AsyncTTConnect("oauth", transport=MockTransport(broker), instruments_db=":memory:",
                          session_store="file", session_path=str(sessions), **options)


async def test_a_dead_session_is_replaced_by_the_one_another_process_logged_in_with(tmp_path: Path) -> None:
    broker = Broker()
    strategy, shell = _client(broker, tmp_path), _client(broker, tmp_path)
    try:
        await shell.complete_login("monday")          # yesterday's `tt-connect login --paste`
        await strategy.connect()                      # the strategy restores it
        assert (await strategy.profile()).user_id == "U1"
        broker.dead.add("tok-monday")                 # the daily expiry
        await shell.complete_login("tuesday")         # this morning's login, from another shell
        assert (await strategy.profile()).user_id == "U1"
        assert broker.codes_seen == ["monday", "tuesday"], "the strategy adopted it: no login of its own"
    finally:
        await strategy.close()
        await shell.close()


async def test_a_dead_session_with_nothing_newer_stored_asks_for_a_login_with_the_url(tmp_path: Path) -> None:
    broker = Broker()
    told: list[tuple[str, str | None]] = []
    strategy = _client(broker, tmp_path, on_login_required=lambda name, url: told.append((name, url)))
    try:
        await strategy.complete_login("monday")
        broker.dead.add("tok-monday")
        with pytest.raises(SessionExpiredError):
            await strategy.profile()
        assert told == [("oauth", LOGIN_URL)]
    finally:
        await strategy.close()
    assert _stored(tmp_path) == [], "the dead session is forgotten"
