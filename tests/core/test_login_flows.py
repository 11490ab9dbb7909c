"""Browser logins finished from a headless server, login replies through the error map, the login URL handed
to on_login_required."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.driver_api import (
    AuthKind,
    BrokerApi,
    BrokerAuth,
    BrokerFailure,
    Call,
    Capabilities,
    DriverConfig,
    DriverContext,
    DriverPlugin,
    ErrorMap,
    HttpRequest,
    HttpResponse,
    InstrumentSource,
    LoginFlow,
    NeedRedirect,
    Operation,
    Session,
    Support,
)
from tt_connect.drivers import register_driver, unregister_driver
from tt_connect.errors import (
    AuthenticationError,
    InputError,
    PermissionDeniedError,
    RateLimitError,
    SessionExpiredError,
)
from tt_connect.models import Profile
from tt_connect.transport import MockTransport

from tests.client.book_only_driver import LISTING, SELECT

LOGIN_URL = "https://broker.invalid/login?client_id=app"


class OAuthConfig(DriverConfig, frozen=True, kw_only=True):
    api_key: str = "app"


class OAuthAuth(BrokerAuth):
    redirect_url = "http://127.0.0.1:5000/callback"

    def login_kind(self) -> AuthKind:
        return AuthKind.OAUTH_REDIRECT

    def login(self, now: _dt.datetime) -> LoginFlow:
        query = yield NeedRedirect(login_url=LOGIN_URL, token_param="code")
        assert isinstance(query, Mapping)
        reply = yield HttpRequest(method="POST", url="http://oauth.invalid/token", endpoint="login.token",
                                  authenticated=False, json={"code": query["code"]})
        assert isinstance(reply, HttpResponse)
        body = reply.json()
        if "error" in body:
            raise BrokerFailure(body["error"], code=body.get("code"), http_status=reply.status)
        return Session(broker="oauth", user_id="U1", access_token=body["token"], created_at=now,
                       expires_at=now + _dt.timedelta(hours=20))

    def session_headers(self, session: Session) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {session.access_token}"}


class OAuthApi(BrokerApi):
    broker = "oauth"

    def unwrap(self, response: HttpResponse) -> Any:
        return response.json()

    def profile(self, ctx: DriverContext) -> Call[Profile]:
        return Call(HttpRequest(method="GET", url="http://oauth.invalid/profile", endpoint="profile"),
                    lambda body: Profile(broker="oauth", user_id=body["user"]))


class OAuthDriver(DriverPlugin[OAuthConfig]):
    name = "oauth"
    config_type = OAuthConfig

    def capabilities(self) -> Capabilities:
        return Capabilities(operations={Operation.PROFILE: Support.SUPPORTED})

    def api(self, config: OAuthConfig) -> BrokerApi:
        return OAuthApi()

    def auth(self, config: OAuthConfig) -> BrokerAuth:
        return OAuthAuth()

    def instrument_source(self, config: OAuthConfig) -> InstrumentSource:
        return InstrumentSource.one_file(SELECT, local=lambda: LISTING, read_options="header=true, all_varchar=true")

    def error_map(self, config: OAuthConfig) -> ErrorMap:
        return ErrorMap(codes={"UDAPI100058": PermissionDeniedError},
                        patterns=((r"exceeding access rate", RateLimitError),))


class OAuthServer:
    def __init__(self) -> None:
        self.codes_seen: list[str] = []
        self.refuse_with: tuple[int, dict[str, str]] | None = None
        self.throttled = 0
        """The next token requests refused as AngelOne refuses a call beyond its window (403, plain text)."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.endpoint == "login.token":
            self.codes_seen.append(request.json["code"])
            if self.throttled:
                self.throttled -= 1
                return HttpResponse(status=403, body=b"Access denied because of exceeding access rate",
                                    headers={"Retry-After": "0"})
            if self.refuse_with is not None:
                status, body = self.refuse_with
                return HttpResponse(status=status, body=json.dumps(body).encode())
            return HttpResponse(status=200, body=json.dumps({"token": f"tok-{request.json['code']}"}).encode())
        assert request.headers is not None and request.headers["Authorization"].startswith("Bearer tok-")
        return HttpResponse(status=200, body=b'{"user": "U1"}')


@pytest.fixture(autouse=True)
def oauth_registered() -> Iterator[None]:
    register_driver("oauth", OAuthDriver)
    yield
    unregister_driver("oauth")


def _client(server: OAuthServer, **options: Any) -> AsyncTTConnect:
    return AsyncTTConnect("oauth", transport=MockTransport(server), instruments_db=":memory:",
                          session_store="memory", **options)


@pytest.mark.parametrize("pasted", ["http://127.0.0.1:5000/callback?code=abc123&state=x", "abc123", "?code=abc123"])
async def test_a_pasted_redirect_url_or_bare_token_completes_the_login(pasted: str) -> None:
    server = OAuthServer()
    client = _client(server)
    try:
        await client.complete_login(pasted)
        assert server.codes_seen == ["abc123"]
        assert (await client.profile()).user_id == "U1"
    finally:
        await client.close()


async def test_a_pasted_url_without_the_token_is_refused_with_what_to_paste() -> None:
    client = _client(OAuthServer())
    try:
        with pytest.raises(InputError, match="carries no code"):
            await client.complete_login("http://127.0.0.1:5000/callback?state=x")
    finally:
        await client.close()


async def test_on_login_required_receives_the_login_url_for_a_phone() -> None:
    told: list[tuple[str, str | None]] = []
    client = _client(OAuthServer(), on_login_required=lambda broker, url: told.append((broker, url)))
    try:
        with pytest.raises(SessionExpiredError, match="tt-connect login oauth"):
            await client.connect()
        assert told == [("oauth", LOGIN_URL)]
    finally:
        await client.close()


async def test_a_one_argument_on_login_required_still_works() -> None:
    told: list[str] = []
    client = _client(OAuthServer(), on_login_required=told.append)
    try:
        with pytest.raises(SessionExpiredError):
            await client.connect()
        assert told == ["oauth"]
    finally:
        await client.close()


@pytest.mark.parametrize(("status", "body", "error"), [
    (403, {"error": "app not enabled", "code": "UDAPI100058"}, PermissionDeniedError),
    (401, {"error": "invalid code"}, AuthenticationError),
    (429, {"error": "slow down"}, RateLimitError),
])
async def test_a_refused_login_step_goes_through_the_error_map(status: int, body: dict[str, str],
                                                               error: type[Exception]) -> None:
    server = OAuthServer()
    server.refuse_with = (status, body)
    client = _client(server)
    try:
        with pytest.raises(error):
            await client.complete_login("abc123")
    finally:
        await client.close()


async def test_a_login_step_the_error_map_reads_as_a_rate_limit_is_sent_again() -> None:
    """A broker that throttles with a 403 and a line of text (AngelOne) is waited for, like a 429."""
    server = OAuthServer()
    server.throttled = 2
    client = _client(server)
    try:
        await client.complete_login("abc123")
        assert server.codes_seen == ["abc123"] * 3
        assert (await client.profile()).user_id == "U1"
    finally:
        await client.close()


async def test_a_login_step_refused_for_good_with_a_403_is_not_sent_again() -> None:
    server = OAuthServer()
    server.refuse_with = (403, {"error": "app not enabled", "code": "UDAPI100058"})
    client = _client(server)
    try:
        with pytest.raises(PermissionDeniedError):
            await client.complete_login("abc123")
        assert server.codes_seen == ["abc123"]
    finally:
        await client.close()
