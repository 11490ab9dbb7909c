"""A browser login whose flow sends requests before its browser step (a consent to create first, as Dhan's
does) is completed from a pasted redirect too: the requests go out as usual, the paste answers the browser."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.driver_api import BrokerAuth, HttpRequest, HttpResponse, LoginFlow, NeedRedirect, Session
from tt_connect.drivers import register_driver, unregister_driver
from tt_connect.transport import MockTransport

from tests.core.test_login_flows import OAuthAuth, OAuthConfig, OAuthDriver


class ConsentFirstAuth(OAuthAuth):
    def login(self, now: _dt.datetime) -> LoginFlow:
        reply = yield HttpRequest(method="POST", url="http://oauth.invalid/consent", endpoint="login.consent",
                                  authenticated=False)
        assert isinstance(reply, HttpResponse)
        consent = reply.json()["consent"]
        query = yield NeedRedirect(login_url=f"https://broker.invalid/login?consent={consent}", token_param="tokenId")
        assert isinstance(query, Mapping)
        reply = yield HttpRequest(method="POST", url="http://oauth.invalid/token", endpoint="login.token",
                                  authenticated=False, json={"code": query["tokenId"]})
        assert isinstance(reply, HttpResponse)
        return Session(broker="consent", user_id="U1", access_token=reply.json()["token"], created_at=now,
                       expires_at=now + _dt.timedelta(hours=20))


class ConsentFirstDriver(OAuthDriver):
    name = "consent"

    def auth(self, config: OAuthConfig) -> BrokerAuth:
        return ConsentFirstAuth()


class ConsentServer:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.seen.append(request.endpoint)
        if request.endpoint == "login.consent":
            return HttpResponse(status=200, body=b'{"consent": "c-1"}')
        if request.endpoint == "login.token":
            return HttpResponse(status=200, body=json.dumps({"token": f"tok-{request.json['code']}"}).encode())
        return HttpResponse(status=200, body=b'{"user": "U1"}')


@pytest.fixture(autouse=True)
def consent_registered() -> Iterator[None]:
    register_driver("consent", ConsentFirstDriver)
    yield
    unregister_driver("consent")


@pytest.mark.parametrize("pasted", ["http://127.0.0.1:5000/callback?tokenId=t42", "t42"])
async def test_a_flow_with_requests_before_the_browser_step_completes_from_a_paste(pasted: str) -> None:
    server = ConsentServer()
    client: Any = AsyncTTConnect("consent", transport=MockTransport(server), instruments_db=":memory:",
                                 session_store="memory")
    try:
        await client.complete_login(pasted)
        assert server.seen[:2] == ["login.consent", "login.token"]
        assert (await client.profile()).user_id == "U1"
    finally:
        await client.close()
