"""The Upstox login: the code flow (caught, pasted or given), a ready token, expiry at 03:30 IST, logout."""

from __future__ import annotations

import datetime as _dt
import json
import urllib.parse
from collections.abc import Iterator

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.driver_api import AuthKind, BrokerFailure, HttpRequest, HttpResponse, NeedRedirect
from tt_connect.errors import AuthenticationError, ConfigurationError, SessionExpiredError
from tt_connect.timeutil import IST
from tt_connect_upstox.auth import UpstoxAuth
from tt_connect_upstox.config import UpstoxConfig
from tt_connect_upstox.emulator import UpstoxEmulator

NOW = _dt.datetime(2025, 1, 6, 20, 0, tzinfo=IST)
OAUTH = {"api_key": "key-1", "api_secret": "s3cret", "redirect_url": "http://127.0.0.1:8765/upstox",
         "api_url": "http://127.0.0.1:9"}


def _reply(status: int, body: object) -> HttpResponse:
    return HttpResponse(status=status, body=json.dumps(body).encode())


@pytest.fixture
def emulator() -> Iterator[UpstoxEmulator]:
    with UpstoxEmulator(tick_interval=0.05) as running:
        yield running


def test_the_code_flow_asks_for_the_redirect_then_exchanges_the_code_form_encoded() -> None:
    auth = UpstoxAuth(UpstoxConfig(**OAUTH))
    assert auth.login_kind() is AuthKind.OAUTH_REDIRECT and auth.redirect_url == OAUTH["redirect_url"]
    flow = auth.login(NOW)
    step = next(flow)
    assert isinstance(step, NeedRedirect) and step.token_param == "code"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(step.login_url).query)
    assert step.login_url.startswith("http://127.0.0.1:9/v2/login/authorization/dialog?")
    assert (query["client_id"], query["redirect_uri"], query["response_type"]) == (["key-1"], [OAUTH["redirect_url"]],
                                                                                  ["code"])
    exchange = flow.send({"code": "c0de", "state": query["state"][0]})
    assert isinstance(exchange, HttpRequest) and exchange.encoding == "form" and not exchange.authenticated
    assert dict(exchange.form or ()) == {"code": "c0de", "client_id": "key-1", "client_secret": "s3cret",
                                         "redirect_uri": OAUTH["redirect_url"], "grant_type": "authorization_code"}
    assert exchange.headers is not None and exchange.headers["Api-Version"] == "2.0"
    with pytest.raises(StopIteration) as done:
        flow.send(_reply(200, {"user_id": "AB1234", "access_token": "tok", "email": "a@b"}))
    session = done.value.value
    assert (session.user_id, session.access_token) == ("AB1234", "tok")
    assert session.expires_at == _dt.datetime(2025, 1, 7, 3, 30, tzinfo=IST)


def test_a_token_made_after_midnight_dies_at_0330_the_same_day() -> None:
    flow = UpstoxAuth(UpstoxConfig(**OAUTH, auth_code="given")).login(_dt.datetime(2025, 1, 7, 2, 30, tzinfo=IST))
    request = next(flow)
    assert isinstance(request, HttpRequest) and dict(request.form or ())["code"] == "given"
    with pytest.raises(StopIteration) as done:
        flow.send(_reply(200, {"user_id": "AB1234", "access_token": "tok"}))
    assert done.value.value.expires_at == _dt.datetime(2025, 1, 7, 3, 30, tzinfo=IST)


def test_a_refused_exchange_raises_the_brokers_failure_for_the_error_map() -> None:
    flow = UpstoxAuth(UpstoxConfig(**OAUTH, auth_code="used")).login(NOW)
    next(flow)
    with pytest.raises(BrokerFailure) as refused:
        flow.send(_reply(401, {"status": "error", "errors": [{"errorCode": "UDAPI100016",
                                                              "message": "Invalid Credentials"}]}))
    assert (refused.value.code, refused.value.http_status) == ("UDAPI100016", 401)


def test_a_ready_token_is_checked_against_the_profile_and_used_as_is() -> None:
    auth = UpstoxAuth(UpstoxConfig(api_key="key-1", access_token="ready", api_url="http://127.0.0.1:9"))
    assert auth.login_kind() is AuthKind.ACCESS_TOKEN
    flow = auth.login(NOW)
    request = next(flow)
    assert isinstance(request, HttpRequest) and request.url.endswith("/v2/user/profile")
    assert request.headers is not None and request.headers["Authorization"] == "Bearer ready"
    with pytest.raises(StopIteration) as done:
        flow.send(_reply(200, {"status": "success", "data": {"user_id": "AB1234"}}))
    assert done.value.value.user_id == "AB1234"
    assert auth.session_headers(done.value.value)["Authorization"] == "Bearer ready"


def test_config_needs_a_way_to_log_in_and_the_redirect_for_the_code_flow() -> None:
    with pytest.raises(ConfigurationError, match="no way to log in"):
        UpstoxConfig(api_key="key-1")
    with pytest.raises(ConfigurationError, match="redirect_url"):
        UpstoxConfig(api_key="key-1", api_secret="s")
    with pytest.raises(ConfigurationError, match="depth_levels"):
        UpstoxConfig(api_key="key-1", access_token="t", depth_levels=20)
    assert "s3cret" not in repr(UpstoxConfig(**OAUTH))


async def test_a_pasted_redirect_completes_the_login_against_the_emulator(emulator: UpstoxEmulator) -> None:
    config = {k: v for k, v in emulator.driver_config().items() if k not in ("access_token", "auth_code")}
    broker = AsyncTTConnect("upstox", config, instruments_db=":memory:", session_store="memory")
    try:
        with pytest.raises(SessionExpiredError, match="tt-connect login upstox"):
            await broker.connect()  # headless, no token: a human must log in
        code = emulator.sessions.issue_code("code", emulator.user_id)
        await broker.complete_login(f"{emulator.redirect_url}?code={code}&state=x")
        assert (await broker.profile()).user_id == emulator.user_id
        assert emulator.logins == 1
        await broker.logout()
        assert emulator.sessions.live() == 1, "logout killed the client's token (the announced one lives)"
    finally:
        await broker.close()
    again = AsyncTTConnect("upstox", {**config, "auth_code": code}, instruments_db=":memory:", session_store="memory")
    try:
        with pytest.raises(AuthenticationError):
            await again.profile()  # the code was used once: Upstox refuses it the second time
    finally:
        await again.close()
