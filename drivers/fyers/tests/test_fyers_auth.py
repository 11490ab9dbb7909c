"""Fyers logins: the auth-code flow step by step, its headless completions, the given token, the unofficial web
login (and its silent renewal), the JWT's expiry and feed key, logout, and the config's checks."""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest
from tt_connect.client import AsyncTTConnect
from tt_connect.driver_api import AuthKind, BrokerFailure, HttpRequest, HttpResponse, NeedRedirect, NeedTotp, jwt_claims
from tt_connect.errors import AuthenticationError, ConfigurationError, SessionExpiredError
from tt_connect.timeutil import IST
from tt_connect_fyers.auth import FyersAuth, app_id_hash, fyers_token_to_session
from tt_connect_fyers.config import FyersConfig
from tt_connect_fyers.emulator import FyersEmulator

APP: dict[str, Any] = {"app_id": "XC4XXXXXXM-100", "app_secret": "S3CRETVALUE", "redirect_url": "http://127.0.0.1:8765/fyers"}
NOW = _dt.datetime(2025, 1, 6, 8, 0, tzinfo=IST)


@pytest.fixture(scope="module")
def emulator() -> Iterator[FyersEmulator]:
    with FyersEmulator(tick_interval=0.05) as running:
        yield running


def _reply(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(status=status, body=msgspec.json.encode(body))


def test_app_id_hash_is_sha256_of_app_id_colon_secret() -> None:
    assert app_id_hash("XC4XXXXXXM-100", "abc") == hashlib.sha256(b"XC4XXXXXXM-100:abc").hexdigest()


def test_the_auth_code_flow_asks_for_the_redirect_then_validates_the_code(emulator: FyersEmulator) -> None:
    auth = FyersAuth(FyersConfig(**APP))
    assert auth.login_kind() is AuthKind.OAUTH_REDIRECT
    flow = auth.login(NOW)
    step = next(flow)
    assert isinstance(step, NeedRedirect) and step.token_param == "auth_code"
    query = parse_qs(urlsplit(step.login_url).query)
    assert query == {"client_id": [APP["app_id"]], "redirect_uri": [APP["redirect_url"]], "response_type": ["code"],
                     "state": ["ttconnect"]}
    step = flow.send({"s": "ok", "code": "200", "auth_code": "the-code", "state": "ttconnect"})
    assert isinstance(step, HttpRequest) and step.url.endswith("/api/v3/validate-authcode")
    assert step.json == {"grant_type": "authorization_code", "appIdHash": app_id_hash(APP["app_id"], APP["app_secret"]),
                         "code": "the-code"}
    token = emulator.issue_token("XY0001")
    with pytest.raises(StopIteration) as done:
        flow.send(_reply({"s": "ok", "code": 200, "message": "", "access_token": token, "refresh_token": "r"}))
    session = done.value.value
    assert session.user_id == "XY0001" and session.access_token == token
    assert session.feed_token == jwt_claims(token)["hsm_key"], "the data socket's key rides on the session"
    assert session.expires_at == _dt.datetime.fromtimestamp(jwt_claims(token)["exp"], IST)


def test_a_refused_redirect_and_a_refused_exchange_are_errors() -> None:
    auth = FyersAuth(FyersConfig(**APP))
    flow = auth.login(NOW)
    next(flow)
    with pytest.raises(AuthenticationError, match="refused"):
        flow.send({"s": "error", "message": "user cancelled"})
    flow = auth.login(NOW)
    next(flow)
    flow.send("http://127.0.0.1:8765/fyers?s=ok&code=200&auth_code=abc&state=ttconnect")
    with pytest.raises(BrokerFailure) as failure:
        flow.send(_reply({"s": "error", "code": -371, "message": "Invalid appIdHash."}, 400))
    assert failure.value.code == "-371"


def test_a_token_without_claims_dies_at_the_next_morning() -> None:
    session = fyers_token_to_session("opaque-token", "XY0001", NOW)
    assert session.expires_at == _dt.datetime(2025, 1, 7, 6, 0, tzinfo=IST) and session.feed_token == ""


def test_the_config_needs_a_way_to_log_in_and_hides_secrets() -> None:
    with pytest.raises(ConfigurationError, match="app_id"):
        FyersConfig(app_id="XC4XXXXXXM", access_token="t")
    with pytest.raises(ConfigurationError, match="no way to log in"):
        FyersConfig(app_id="XC4XXXXXXM-100")
    with pytest.raises(ConfigurationError, match="redirect_url"):
        FyersConfig(app_id="XC4XXXXXXM-100", app_secret="s")
    with pytest.raises(ConfigurationError, match="unofficial_web_login needs"):
        FyersConfig(**APP, unofficial_web_login=True, fy_id="XY0001")
    with pytest.raises(ConfigurationError, match="absolute URL"):
        FyersConfig(**APP, api_url="api-t1.fyers.in")
    assert "S3CRETVALUE" not in repr(FyersConfig(**APP))


def test_the_unofficial_web_login_takes_the_sample_scripts_steps() -> None:
    config = FyersConfig(**APP, unofficial_web_login=True, fy_id="XY0001", pin="1234", totp_secret="JBSWY3DPEHPK3PXP")
    auth = FyersAuth(config)
    assert auth.login_kind() is AuthKind.PASSWORD_TOTP
    flow = auth.login(NOW)
    step = next(flow)
    assert isinstance(step, HttpRequest) and step.url.endswith("/vagator/v2/send_login_otp")
    assert step.json == {"fy_id": "XY0001", "app_id": "2"}
    assert isinstance(flow.send(_reply({"s": "ok", "request_key": "k1"})), NeedTotp)
    step = flow.send("123456")
    assert isinstance(step, HttpRequest) and step.json == {"request_key": "k1", "otp": "123456"}
    step = flow.send(_reply({"s": "ok", "request_key": "k2"}))
    assert isinstance(step, HttpRequest) and step.json == {"request_key": "k2", "identity_type": "pin",
                                                            "identifier": "1234"}
    step = flow.send(_reply({"s": "ok", "data": {"access_token": "trade-token"}}))
    assert isinstance(step, HttpRequest) and step.url.endswith("/api/v3/token") and not step.follow_redirects
    assert step.headers == {"Authorization": "Bearer trade-token"}
    assert step.json is not None and step.json["app_id"] == "XC4XXXXXXM" and step.json["appType"] == "100"
    step = flow.send(_reply({"s": "ok", "code": 308, "Url": f"{APP['redirect_url']}?s=ok&auth_code=c2"}, 308))
    assert isinstance(step, HttpRequest) and step.json is not None and step.json["code"] == "c2"


async def test_a_pasted_redirect_completes_the_login_and_logout_ends_it(emulator: FyersEmulator) -> None:
    config = {k: v for k, v in emulator.driver_config().items() if k not in ("access_token", "auth_code")}
    logins = emulator.logins
    broker = AsyncTTConnect("fyers", config, instruments_db=":memory:", session_store="memory")
    try:
        assert broker.login_url() is not None
        with pytest.raises(SessionExpiredError, match="tt-connect login fyers"):
            await broker.connect()  # headless, no token: a human must log in
        code = emulator.sessions.issue_code("auth-code", emulator.fy_id)
        await broker.complete_login(f"{emulator.redirect_url}?s=ok&code=200&auth_code={code}&state=ttconnect")
        assert (await broker.profile()).user_id == emulator.fy_id
        assert emulator.logins == logins + 1
        live = emulator.sessions.live()
        await broker.logout()
        assert emulator.sessions.live() == live - 1, "logout revoked the client's token"
    finally:
        await broker.close()
    again = AsyncTTConnect("fyers", {**config, "auth_code": code}, instruments_db=":memory:", session_store="memory")
    try:
        with pytest.raises(AuthenticationError):
            await again.profile()  # the code was used once: the second exchange is refused
    finally:
        await again.close()


async def test_the_unofficial_web_login_renews_a_dead_session_silently(emulator: FyersEmulator) -> None:
    config = {**{k: v for k, v in emulator.driver_config().items() if k != "access_token"},
              "unofficial_web_login": True}
    broker = AsyncTTConnect("fyers", config, instruments_db=":memory:", session_store="memory")
    try:
        assert (await broker.profile()).user_id == emulator.fy_id
        logins = emulator.logins
        emulator.faults.expire_sessions()
        assert (await broker.profile()).user_id == emulator.fy_id
        assert emulator.logins == logins + 1, "the core logged in again through the web login, then replayed"
    finally:
        await broker.close()


async def test_a_dead_given_token_is_session_expired(emulator: FyersEmulator) -> None:
    broker = AsyncTTConnect("fyers", emulator.driver_config(), instruments_db=":memory:", session_store="memory")
    try:
        await broker.profile()
        emulator.faults.expire_sessions()
        with pytest.raises(SessionExpiredError):
            await broker.funds()
    finally:
        await broker.close()
