"""The three entry points, their configs, the auth flows and the socket messages, as data."""

from __future__ import annotations

import datetime as _dt
import json

import msgspec
import pytest
from noren_fakes import FakeContext
from tt_connect import AsyncTTConnect
from tt_connect.driver_api import AuthKind, HttpRequest, HttpResponse, NeedRedirect, NeedTotp, Session
from tt_connect.drivers import emulator_class, load_driver
from tt_connect.enums import StreamMode
from tt_connect.errors import ConfigurationError
from tt_connect.timeutil import IST
from tt_connect_noren.auth import NorenAuth, sha256
from tt_connect_noren.config import FlattradeConfig, NorenConfig, ShoonyaConfig
from tt_connect_noren.emulator import EMULATORS
from tt_connect_noren.stream import NorenStream

NOW = _dt.datetime(2026, 11, 25, 22, 0, tzinfo=IST)


@pytest.mark.parametrize(("name", "config_type"), [("shoonya", ShoonyaConfig), ("flattrade", FlattradeConfig),
                                                   ("noren", NorenConfig)])
def test_each_entry_point_loads_its_profile_and_names_its_emulator(name: str, config_type: type) -> None:
    loaded = load_driver(name)
    assert loaded.description.name == name and loaded.description.config_type is config_type
    assert loaded.description.package == "tt-connect-noren"
    assert emulator_class(name) is EMULATORS[name]


@pytest.mark.parametrize("name", ["shoonya", "flattrade", "noren"])
async def test_the_emulators_announcement_line_is_a_config_as_it_is(name: str) -> None:
    with EMULATORS[name]() as emulator:
        line = json.dumps(emulator.announcement())
        async with AsyncTTConnect(name, json.loads(line), instruments_db=":memory:",
                                  session_store="memory") as broker:
            assert (await broker.profile()).user_id == emulator.user_id


def test_a_config_without_a_way_to_log_in_says_what_is_missing() -> None:
    with pytest.raises(ConfigurationError, match="password, totp_secret, vendor_code, api_key"):
        NorenConfig(user_id="X1", api_url="http://h/", ws_url="ws://h/", instruments_url="http://h/")
    with pytest.raises(ConfigurationError, match="api_key, api_secret"):
        ShoonyaConfig(user_id="X1")
    with pytest.raises(ConfigurationError, match="exchanges"):
        ShoonyaConfig(user_id="X1", access_token="t", exchanges=("NYSE",))


def test_secrets_never_show_in_the_repr() -> None:
    config = ShoonyaConfig(user_id="FA1", api_key="FA1_U", api_secret="very-secret-code")
    assert "very-secret-code" not in repr(config)


def test_an_announced_symbol_file_url_gives_the_files_directory() -> None:
    config = ShoonyaConfig(user_id="FA1", access_token="t", instruments_url="http://127.0.0.1:9/NSE_symbols.txt.zip")
    assert config.symbol_files_base == "http://127.0.0.1:9/"


def _reply(body: dict[str, object]) -> HttpResponse:
    return HttpResponse(status=200, body=msgspec.json.encode(body))


def test_the_oauth_flow_asks_for_the_browser_then_sends_the_checksum() -> None:
    config = ShoonyaConfig(user_id="FA1", api_key="FA1_U", api_secret="sec", oauth_url="http://h/oauth")
    auth = NorenAuth(config, "shoonya")
    assert auth.login_kind() is AuthKind.OAUTH_REDIRECT and auth.redirect_url == config.redirect_url
    flow = auth.login(NOW)
    step = next(flow)
    assert isinstance(step, NeedRedirect) and step.login_url == "http://h/oauth?client_id=FA1_U"
    request = flow.send({"code": "abc"})
    assert isinstance(request, HttpRequest) and request.url.endswith("/NorenWClientAPI/GenAcsTok")
    assert request.body is not None
    sent = msgspec.json.decode(request.body.removeprefix(b"jData="))
    assert sent == {"code": "abc", "checksum": sha256("FA1_U" + "sec" + "abc"), "uid": "FA1"}
    with pytest.raises(StopIteration) as done:
        flow.send(_reply({"stat": "Ok", "access_token": "AT", "USERID": "FA1", "actid": "FA1", "susertoken": "ST"}))
    session: Session = done.value.value
    assert session.access_token == "AT" and session.extra["susertoken"] == "ST"
    assert session.expires_at == _dt.datetime(2026, 11, 26, 5, 0, tzinfo=IST)
    assert auth.session_headers(session)["Authorization"] == "Bearer AT"


def test_a_pasted_code_logs_in_once_without_a_browser() -> None:
    auth = NorenAuth(ShoonyaConfig(user_id="FA1", api_key="k", api_secret="s", auth_code="pasted"), "shoonya")
    assert auth.login_kind() is AuthKind.ACCESS_TOKEN
    request = next(auth.login(NOW))
    assert isinstance(request, HttpRequest) and b'"code":"pasted"' in (request.body or b"")
    assert auth.login_kind() is AuthKind.OAUTH_REDIRECT  # spent: the next day needs the browser again


def test_quickauth_hashes_password_and_app_key_and_the_jkey_rides_in_the_body() -> None:
    config = NorenConfig(user_id="NR1", api_key="key", password="pw", totp_secret="JBSWY3DPEHPK3PXP",
                         vendor_code="NR1_U", api_url="http://h/NorenWClientTP/", ws_url="ws://h/",
                         instruments_url="http://h/")
    auth = NorenAuth(config, "noren")
    assert auth.login_kind() is AuthKind.PASSWORD_TOTP
    flow = auth.login(NOW)
    assert isinstance(next(flow), NeedTotp)
    request = flow.send("123456")
    assert isinstance(request, HttpRequest) and request.body is not None
    sent = msgspec.json.decode(request.body.removeprefix(b"jData="))
    assert (sent["pwd"], sent["appkey"], sent["factor2"]) == (sha256("pw"), sha256("NR1|key"), "123456")
    with pytest.raises(StopIteration) as done:
        flow.send(_reply({"stat": "Ok", "susertoken": "KEY", "actid": "NR1"}))
    session: Session = done.value.value
    assert auth.session_headers(session) == {}
    call = HttpRequest(method="POST", url="http://h/x", endpoint="x", body=b'jData={"uid":"NR1"}')
    assert auth.session_request(session, call).body == b'jData={"uid":"NR1"}&jKey=KEY'


def test_the_flattrade_flow_posts_json_with_its_hash() -> None:
    config = FlattradeConfig(user_id="FT1", api_key="key", api_secret="sec")
    flow = NorenAuth(config, "flattrade").login(NOW)
    assert isinstance(next(flow), NeedRedirect)
    request = flow.send({"code": "rc", "client": "FT1"})
    assert isinstance(request, HttpRequest) and request.url == "https://authapi.flattrade.in/trade/apitoken"
    assert request.json == {"api_key": "key", "request_code": "rc", "api_secret": sha256("key" + "rc" + "sec")}


@pytest.mark.parametrize(("config", "connect"), [
    (ShoonyaConfig(user_id="FA1", access_token="AT"), {"t": "a", "accesstoken": "AT"}),
    (NorenConfig(user_id="NR1", access_token="ST", api_url="http://h/", ws_url="ws://h/{access_token}",
                 instruments_url="http://h/"), {"t": "c", "susertoken": "ST"}),
])
def test_the_socket_connects_in_the_profiles_style_then_asks_for_order_updates(
        config: NorenConfig, connect: dict[str, str], ctx: FakeContext) -> None:
    stream = NorenStream(config, config.profile_name)
    session = Session(broker="x", user_id=config.user_id, access_token=config.access_token, created_at=NOW,
                      expires_at=NOW)
    first, second = (json.loads(m) for m in stream.handshake(session))
    assert {k: first[k] for k in connect} == connect and first["uid"] == config.user_id
    assert second == {"t": "o", "actid": config.user_id}
    assert "{access_token}" not in stream.url(session)
    symbol = ctx.resolve(ctx.contracts[0][3])
    assert [json.loads(m)["t"] for m in stream.subscribe([symbol], StreamMode.FULL)] == ["u", "d"]
    assert json.loads(stream.subscribe([symbol], StreamMode.QUOTE)[1]) == {"t": "t", "k": "NSE|2885"}
    assert [json.loads(m)["t"] for m in stream.unsubscribe([symbol])] == ["u", "ud"]
