"""Login flows driven by hand: the test plays the core, sending fake replies into the generator."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import msgspec
import pytest
from kite_mock_files import mock_bytes
from tt_connect.driver_api import (
    AuthKind,
    BrokerAuth,
    BrokerFailure,
    HttpRequest,
    HttpResponse,
    LoginFlow,
    NeedRedirect,
    NeedTotp,
    Session,
)
from tt_connect.errors import AuthenticationError, ConfigurationError, SessionExpiredError
from tt_connect.timeutil import IST
from tt_connect_zerodha.auth import KiteAuth, kite_checksum
from tt_connect_zerodha.config import ZerodhaConfig
from tt_connect_zerodha.errors import kite_error_map

NOW = _dt.datetime(2021, 1, 1, 16, 15, 14, tzinfo=IST)
SECRETS = {"api_secret": "abcdefghijklmnop", "password": "hunter2pass", "totp_secret": "JBSWY3DPEHPK3PXP"}


def config(**changes: Any) -> ZerodhaConfig:
    base: dict[str, Any] = {"api_key": "kitefront", "api_secret": SECRETS["api_secret"],
                            "api_url": "http://127.0.0.1:8999", "login_url": "http://127.0.0.1:8999/connect/login",
                            "web_url": "http://127.0.0.1:8999"}
    base.update(changes)
    return ZerodhaConfig(**base)


def ok(data: Any) -> HttpResponse:
    return HttpResponse(status=200, body=msgspec.json.encode({"status": "success", "data": data}))


def refused(flow: LoginFlow, reply: HttpResponse) -> BrokerFailure:
    """Send an error reply into a flow: it raises BrokerFailure, which the core maps with the error map."""
    with pytest.raises(BrokerFailure) as caught:
        flow.send(reply)
    return caught.value


def finish(flow: LoginFlow, reply: Any) -> Session:
    with pytest.raises(StopIteration) as done:
        flow.send(reply)
    session = done.value.value
    assert isinstance(session, Session)
    return session


def test_checksum_is_sha256_of_key_token_and_secret() -> None:
    # printf '%s' kitefront0123456789abcdefghijklmnop | sha256sum
    assert kite_checksum("kitefront", "0123456789", "abcdefghijklmnop") == (
        "6ad54b85c9ceb9c298e7322cfe34ab8efe01562b3d5f711e1ec665ab609dd9c6")


def test_redirect_flow_exchanges_the_request_token_for_a_session() -> None:
    auth = KiteAuth(config())
    assert auth.login_kind() is AuthKind.OAUTH_REDIRECT
    flow = auth.login(NOW)
    step = next(flow)
    assert isinstance(step, NeedRedirect) and step.token_param == "request_token"
    assert step.login_url == "http://127.0.0.1:8999/connect/login?v=3&api_key=kitefront"
    exchange = flow.send({"request_token": "0123456789", "action": "login", "status": "success"})
    assert isinstance(exchange, HttpRequest)
    assert (exchange.method, exchange.url, exchange.authenticated) == (
        "POST", "http://127.0.0.1:8999/session/token", False)
    assert dict(exchange.form or ()) == {"api_key": "kitefront", "request_token": "0123456789",
                                         "checksum": kite_checksum("kitefront", "0123456789", "abcdefghijklmnop")}
    assert SECRETS["api_secret"] not in str(exchange.form)
    session = finish(flow, HttpResponse(status=200, body=mock_bytes("generate_session.json")))
    assert (session.broker, session.user_id, session.access_token) == ("zerodha", "XX0000", "XXXXXX")
    assert session.created_at == _dt.datetime(2021, 1, 1, 16, 15, 14, tzinfo=IST)
    assert session.expires_at == _dt.datetime(2021, 1, 2, 6, 0, tzinfo=IST)


def test_login_before_six_expires_the_same_morning() -> None:
    flow = KiteAuth(config()).login(NOW)
    next(flow)
    flow.send({"request_token": "0123456789", "status": "success"})
    session = finish(flow, ok({"user_id": "AB1234", "access_token": "tok-early", "login_time": "2021-01-02 05:30:00"}))
    assert session.expires_at == _dt.datetime(2021, 1, 2, 6, 0, tzinfo=IST)


def test_cancelled_browser_login_is_an_authentication_error() -> None:
    flow = KiteAuth(config()).login(NOW)
    next(flow)
    with pytest.raises(AuthenticationError, match="not completed"):
        flow.send({"status": "cancelled"})


def test_rejected_token_exchange_reports_kites_message() -> None:
    flow = KiteAuth(config()).login(NOW)
    next(flow)
    flow.send({"request_token": "0123456789", "status": "success"})
    refusal = HttpResponse(status=403, body=msgspec.json.encode(
        {"status": "error", "message": "Token is invalid or has expired.", "error_type": "TokenException"}))
    failure = refused(flow, refusal)
    assert "invalid or has expired" in failure.message
    assert (failure.code, failure.http_status) == ("TokenException", 403)
    assert issubclass(kite_error_map().classify(failure), AuthenticationError)


def test_redirect_flow_without_api_secret_says_what_to_set() -> None:
    with pytest.raises(ConfigurationError, match="api_secret"):
        next(KiteAuth(config(api_secret="")).login(NOW))


def test_given_access_token_is_checked_against_the_profile() -> None:
    auth = KiteAuth(config(access_token="tok-given-123"))
    assert auth.login_kind() is AuthKind.ACCESS_TOKEN
    flow = auth.login(NOW)
    check = next(flow)
    assert isinstance(check, HttpRequest) and check.url.endswith("/user/profile")
    assert dict(check.headers or {})["Authorization"] == "token kitefront:tok-given-123"
    session = finish(flow, HttpResponse(status=200, body=mock_bytes("profile.json")))
    assert (session.user_id, session.access_token) == ("AB1234", "tok-given-123")
    assert session.expires_at == _dt.datetime(2021, 1, 2, 6, 0, tzinfo=IST)


def test_stale_given_access_token_is_a_session_expired_error() -> None:
    flow = KiteAuth(config(access_token="tok-given-123")).login(NOW)
    next(flow)
    failure = refused(flow, HttpResponse(status=403, body=b'{"status":"error","error_type":"TokenException",'
                                                          b'"message":"x"}'))
    assert "06:00 IST" in failure.message and kite_error_map().classify(failure) is SessionExpiredError


def web_config() -> ZerodhaConfig:
    return config(web_login=True, user_id="AB1234", password=SECRETS["password"], totp_secret=SECRETS["totp_secret"])


def test_web_login_walks_password_totp_and_connect_redirects() -> None:
    auth = KiteAuth(web_config())
    assert auth.login_kind() is AuthKind.PASSWORD_TOTP
    flow = auth.login(NOW)
    password_step = next(flow)
    assert isinstance(password_step, HttpRequest) and password_step.url == "http://127.0.0.1:8999/api/login"
    assert dict(password_step.form or ()) == {"user_id": "AB1234", "password": SECRETS["password"]}
    totp = flow.send(ok({"user_id": "AB1234", "request_id": "req-77", "twofa_type": "totp"}))
    assert isinstance(totp, NeedTotp) and totp.secret == SECRETS["totp_secret"]
    assert SECRETS["totp_secret"] not in repr(totp)
    twofa = flow.send("123456")
    assert isinstance(twofa, HttpRequest) and twofa.url == "http://127.0.0.1:8999/api/twofa"
    assert dict(twofa.form or ())["twofa_value"] == "123456"
    assert dict(twofa.form or ())["request_id"] == "req-77"
    connect = flow.send(ok({"profile": {}}))
    assert isinstance(connect, HttpRequest) and not connect.follow_redirects
    assert connect.url == "http://127.0.0.1:8999/connect/login?v=3&api_key=kitefront"
    hop = flow.send(HttpResponse(status=302, body=b"", headers={"Location": "/connect/finish?sess_id=abc"}))
    assert isinstance(hop, HttpRequest) and hop.url == "http://127.0.0.1:8999/connect/finish?sess_id=abc"
    exchange = flow.send(HttpResponse(status=302, body=b"", headers={
        "location": "http://127.0.0.1:5000/?request_token=rt-999&action=login&status=success"}))
    assert isinstance(exchange, HttpRequest) and dict(exchange.form or ())["request_token"] == "rt-999"
    session = finish(flow, HttpResponse(status=200, body=mock_bytes("generate_session.json")))
    assert session.access_token == "XXXXXX"


def test_web_login_accepts_a_followed_redirect_whose_url_has_the_token() -> None:
    flow = KiteAuth(web_config()).login(NOW)
    next(flow)
    flow.send(ok({"request_id": "req-77"}))
    flow.send("123456")
    flow.send(ok({}))
    exchange = flow.send(HttpResponse(status=200, body=b"<html/>",
                                      url="http://127.0.0.1:5000/?request_token=rt-1&status=success"))
    assert isinstance(exchange, HttpRequest) and dict(exchange.form or ())["request_token"] == "rt-1"


def test_web_login_wrong_password_and_unauthorised_app_fail_clearly() -> None:
    flow = KiteAuth(web_config()).login(NOW)
    next(flow)
    failure = refused(flow, HttpResponse(status=400, body=msgspec.json.encode(
        {"status": "error", "message": "Invalid `user_id` or `password`.", "error_type": "InputException"})))
    assert "Invalid `user_id` or `password`" in failure.message
    assert kite_error_map().classify(failure) is AuthenticationError
    flow = KiteAuth(web_config()).login(NOW)
    next(flow)
    flow.send(ok({"request_id": "req-77"}))
    flow.send("123456")
    flow.send(ok({}))
    with pytest.raises(AuthenticationError, match="authorise the app"):
        flow.send(HttpResponse(status=200, body=b"<html>Authorize</html>",
                               url="http://127.0.0.1:8999/connect/authorize"))


def test_session_headers_and_logout() -> None:
    auth = KiteAuth(config(redirect_url="http://127.0.0.1:5123/kite"))
    assert isinstance(auth, BrokerAuth) and auth.redirect_url == "http://127.0.0.1:5123/kite"
    session = Session(broker="zerodha", user_id="AB1234", access_token="tok-abc-123", created_at=NOW,
                      expires_at=NOW + _dt.timedelta(hours=12))
    assert auth.session_headers(session) == {"X-Kite-Version": "3", "Authorization": "token kitefront:tok-abc-123"}
    logout = auth.logout(session)
    assert (logout.method, logout.url) == ("DELETE", "http://127.0.0.1:8999/session/token")
    assert dict(logout.params or {}) == {"api_key": "kitefront", "access_token": "tok-abc-123"}


def test_secrets_are_absent_from_config_and_session_reprs() -> None:
    cfg = web_config()
    text = repr(cfg) + str(cfg)
    flow = KiteAuth(cfg).login(NOW)
    next(flow)
    text += repr(flow.send(ok({"request_id": "req-77"})))
    session = Session(broker="zerodha", user_id="AB1234", access_token="tok-abc-123", created_at=NOW,
                      expires_at=NOW)
    text += repr(session)
    for secret in (*SECRETS.values(), "tok-abc-123"):
        assert secret not in text


def test_a_session_with_a_refresh_token_renews_with_its_checksum() -> None:
    auth = KiteAuth(config())
    session = Session(broker="zerodha", user_id="AB1234", access_token="tok-old", created_at=NOW, expires_at=NOW,
                      refresh_token="ref-1")
    flow = auth.refresh(session, NOW)
    assert flow is not None
    step = next(flow)
    assert isinstance(step, HttpRequest) and (step.method, step.url, step.authenticated) == (
        "POST", "http://127.0.0.1:8999/session/refresh_token", False)
    assert dict(step.form or ()) == {"api_key": "kitefront", "refresh_token": "ref-1",
                                     "checksum": kite_checksum("kitefront", "ref-1", SECRETS["api_secret"])}
    renewed = finish(flow, ok({"user_id": "AB1234", "access_token": "tok-new", "refresh_token": "ref-2",
                               "login_time": "2021-01-01 16:20:00"}))
    assert (renewed.access_token, renewed.refresh_token) == ("tok-new", "ref-2")
    assert renewed.expires_at == _dt.datetime(2021, 1, 2, 6, 0, tzinfo=IST)


def test_a_session_without_a_refresh_token_has_no_renewal_flow() -> None:
    session = Session(broker="zerodha", user_id="AB1234", access_token="tok", created_at=NOW, expires_at=NOW)
    assert KiteAuth(config()).refresh(session, NOW) is None
    with_token = Session(broker="zerodha", user_id="AB1234", access_token="tok", created_at=NOW, expires_at=NOW,
                         refresh_token="ref-1")
    assert KiteAuth(config(api_secret="")).refresh(with_token, NOW) is None  # no secret, no checksum
