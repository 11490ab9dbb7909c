"""The login flows driven by hand with fake replies; session headers, expiry, renewal, logout, config."""

from __future__ import annotations

import base64
import datetime as _dt
from typing import Any

import msgspec
import pytest
from angelone_fakes import fixture_bytes
from tt_connect.config import parse_driver_config
from tt_connect.driver_api import (
    AuthKind,
    BrokerAuth,
    BrokerFailure,
    HttpRequest,
    HttpResponse,
    LoginFlow,
    NeedTotp,
    Session,
)
from tt_connect.errors import AuthenticationError, ConfigurationError, RateLimitError, SessionExpiredError
from tt_connect.timeutil import IST
from tt_connect_angelone.auth import AngelAuth, jwt_expiry
from tt_connect_angelone.config import AngelOneConfig
from tt_connect_angelone.errors import angel_error_map

NOW = _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)
SMARTAPI_HEADERS = {"Content-Type": "application/json", "Accept": "application/json", "X-UserType": "USER",
                    "X-SourceID": "WEB", "X-ClientLocalIP": "192.168.1.20", "X-ClientPublicIP": "203.0.113.7",
                    "X-MACAddress": "aa:bb:cc:dd:ee:ff", "X-PrivateKey": "smartkey"}


def _config(**overrides: Any) -> AngelOneConfig:
    fields: dict[str, Any] = {"api_key": "smartkey", "client_code": "A123456", "pin": "4321",
                              "totp_secret": "JBSWY3DPEHPK3PXP", "api_url": "https://emulator.test",
                              "client_local_ip": "192.168.1.20", "client_public_ip": "203.0.113.7",
                              "mac_address": "aa:bb:cc:dd:ee:ff"}
    fields.update(overrides)
    return AngelOneConfig(**fields)


def _jwt(exp: int | None) -> str:
    claims = {"username": "A123456"} if exp is None else {"username": "A123456", "exp": exp}
    payload = base64.urlsafe_b64encode(msgspec.json.encode(claims)).rstrip(b"=").decode()
    return f"eyJhbGciOiJIUzUxMiJ9.{payload}.c2ln"


def _reply(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(status=status, body=body if isinstance(body, bytes) else msgspec.json.encode(body))


def _finish(flow: LoginFlow, reply: Any) -> Session:
    with pytest.raises(StopIteration) as done:
        flow.send(reply)
    session: Session = done.value.value
    return session


def test_pin_and_totp_log_in_with_loginbypassword_and_every_header() -> None:
    auth = AngelAuth(_config())
    assert isinstance(auth, BrokerAuth) and auth.redirect_url is None
    assert auth.login_kind() is AuthKind.PASSWORD_TOTP
    flow = auth.login(NOW)
    step = next(flow)
    assert isinstance(step, NeedTotp) and step.secret == "JBSWY3DPEHPK3PXP"
    request = flow.send("123456")
    assert isinstance(request, HttpRequest)
    assert (request.method, request.url) == ("POST", "https://emulator.test/rest/auth/angelbroking/user/v1/loginByPassword")
    assert request.json == {"clientcode": "A123456", "password": "4321", "totp": "123456"}
    assert request.headers == SMARTAPI_HEADERS and not request.authenticated
    session = _finish(flow, _reply(fixture_bytes("login.json")))
    assert (session.broker, session.user_id) == ("angelone", "A123456")
    assert session.refresh_token == "refresh-abc-123456" and session.feed_token == "feed-xyz-987654"
    assert session.access_token.startswith("eyJhbGciOiJIUzUxMiJ9.")
    # The session lives as long as the JWT's exp claim says (staff: 24-28 h; the fixture's: 03:30 IST next day).
    assert session.expires_at == _dt.datetime(2025, 1, 7, 3, 30, tzinfo=IST)


def test_a_jwt_expiry_claim_sets_the_session_expiry() -> None:
    evening = int(_dt.datetime(2025, 1, 6, 18, 0, tzinfo=IST).timestamp())
    token = _jwt(evening)
    assert jwt_expiry(token) == _dt.datetime(2025, 1, 6, 18, 0, tzinfo=IST)
    assert jwt_expiry("not-a-jwt") is None and jwt_expiry(_jwt(None)) is None
    flow = AngelAuth(_config()).login(NOW)
    next(flow)
    flow.send("123456")
    session = _finish(flow, _reply({"status": True, "message": "SUCCESS", "errorcode": "",
                                    "data": {"jwtToken": f"Bearer {token}", "refreshToken": "r-1234",
                                             "feedToken": "f-1234"}}))
    assert session.access_token == token  # the SDK-style "Bearer " prefix is dropped
    assert session.expires_at == _dt.datetime(2025, 1, 6, 18, 0, tzinfo=IST)


def test_a_jwt_without_an_expiry_claim_lives_the_shortest_stated_validity() -> None:
    flow = AngelAuth(_config()).login(NOW)
    next(flow)
    flow.send("123456")
    session = _finish(flow, _reply({"status": True, "message": "SUCCESS", "errorcode": "",
                                    "data": {"jwtToken": _jwt(None), "refreshToken": "r-1234",
                                             "feedToken": "f-1234"}}))
    assert session.expires_at == NOW.astimezone(IST) + _dt.timedelta(hours=24)


def test_a_wrong_totp_fails_the_login_with_the_brokers_code_for_the_error_map() -> None:
    flow = AngelAuth(_config()).login(NOW)
    next(flow)
    flow.send("000000")
    with pytest.raises(BrokerFailure) as caught:
        flow.send(_reply(fixture_bytes("error_invalid_totp.json")))
    assert caught.value.code == "AB1050" and "Invalid totp" in caught.value.message
    assert angel_error_map().classify(caught.value) is AuthenticationError


def test_a_throttled_login_is_a_rate_limit_not_a_bad_login() -> None:
    """SmartAPI's rate refusal is HTTP 403 with one line of text, not JSON (SmartAPI forum, PROTOCOL.md)."""
    flow = AngelAuth(_config()).login(NOW)
    next(flow)
    flow.send("123456")
    with pytest.raises(BrokerFailure) as caught:
        flow.send(_reply(b"Access denied because of exceeding access rate", status=403))
    assert caught.value.http_status == 403
    assert angel_error_map().classify(caught.value) is RateLimitError


def test_session_headers_carry_the_bearer_jwt_and_the_smartapi_headers() -> None:
    auth = AngelAuth(_config())
    session = Session(broker="angelone", user_id="A123456", access_token="jwt-1234", created_at=NOW,
                      expires_at=NOW + _dt.timedelta(hours=1))
    assert auth.session_headers(session) == {**SMARTAPI_HEADERS, "Authorization": "Bearer jwt-1234"}
    logout = auth.logout(session)
    assert (logout.method, logout.url, logout.json) == (
        "POST", "https://emulator.test/rest/secure/angelbroking/user/v1/logout", {"clientcode": "A123456"})


def test_a_given_access_token_is_checked_against_the_profile() -> None:
    auth = AngelAuth(_config(pin="", totp_secret="", access_token="Bearer given-jwt-1", feed_token="feed-1"))
    assert auth.login_kind() is AuthKind.ACCESS_TOKEN
    flow = auth.login(NOW)
    request = next(flow)
    assert isinstance(request, HttpRequest) and request.method == "GET"
    assert request.url.endswith("/rest/secure/angelbroking/user/v1/getProfile")
    assert request.headers is not None and request.headers["Authorization"] == "Bearer given-jwt-1"
    session = _finish(flow, _reply(fixture_bytes("profile.json")))
    assert (session.user_id, session.access_token, session.feed_token) == ("A123456", "given-jwt-1", "feed-1")
    stale = AngelAuth(_config(pin="", totp_secret="", access_token="old-jwt-1")).login(NOW)
    next(stale)
    with pytest.raises(BrokerFailure, match=r"access_token.*lasts a day") as caught:
        stale.send(_reply(fixture_bytes("error_invalid_token.json"), status=401))
    assert angel_error_map().classify(caught.value) is SessionExpiredError


def test_a_session_renews_with_its_refresh_token() -> None:
    auth = AngelAuth(_config())
    old = Session(broker="angelone", user_id="A123456", access_token="jwt-old-1", created_at=NOW,
                  expires_at=NOW + _dt.timedelta(hours=1), refresh_token="refresh-1", feed_token="feed-1")
    flow = auth.refresh(old, NOW)
    request = next(flow)
    assert isinstance(request, HttpRequest)
    assert request.url.endswith("/rest/auth/angelbroking/jwt/v1/generateTokens")
    assert request.rate_class == "renew"  # 1/s and 1000/h, its own class (reference 2.4)
    assert request.json == {"refreshToken": "refresh-1"}
    assert request.headers is not None and request.headers["Authorization"] == "Bearer jwt-old-1"
    renewed = _finish(flow, _reply({"status": True, "data": {"jwtToken": "jwt-new-1", "refreshToken": "",
                                                            "feedToken": ""}}))
    assert (renewed.access_token, renewed.refresh_token, renewed.feed_token) == ("jwt-new-1", "refresh-1", "feed-1")
    assert auth.refresh(Session(broker="angelone", user_id="A1", access_token="x", created_at=NOW, expires_at=NOW),
                        NOW) is None, "no refresh token: the core logs in instead"


@pytest.mark.parametrize(("raw", "message"), [
    ({"client_code": "A1", "pin": "1234", "totp_secret": "S"}, "api_key"),
    ({"api_key": "k", "client_code": " ", "pin": "1234", "totp_secret": "S"}, "client_code is empty"),
    ({"api_key": "k", "client_code": "A1"}, "no way to log in"),
    ({"api_key": "k", "client_code": "A1", "pin": "1234"}, "totp_secret is missing"),
    ({"api_key": "k", "client_code": "A1", "pin": "hunter2", "totp_secret": "S"}, "numeric login PIN"),
    ({"api_key": "k", "client_code": "A1", "access_token": "t", "api_url": "apiconnect"}, "absolute URL"),
    ({"api_key": "k", "client_code": "A1", "access_token": "t", "mac_address": "nope"}, "mac_address"),
    ({"api_key": "k", "client_code": "A1", "access_token": "t", "apikey": "typo"}, "apikey"),
])
def test_bad_config_is_refused_with_a_message_naming_the_fix(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        parse_driver_config(AngelOneConfig, raw, broker="angelone")


def test_secrets_never_show_in_the_config_repr() -> None:
    config = _config(access_token="jwt-secret-value")
    shown = repr(config)
    for secret in ("4321", "JBSWY3DPEHPK3PXP", "smartkey", "jwt-secret-value"):
        assert secret not in shown
    assert "A123456" in shown
