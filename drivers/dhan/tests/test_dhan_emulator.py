"""The Dhan emulator's own behaviour, over raw HTTP and WebSockets: sessions, limits, refusals, sockets."""

from __future__ import annotations

import datetime as _dt
import json
import struct
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
import requests
from tt_connect.testing import eventually_sync
from tt_connect.timeutil import IST, ManualClock
from tt_connect_dhan.emulator import DhanEmulator
from websockets.sync.client import connect

START = _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def emulator(clock: ManualClock, loopback_only: None) -> Iterator[DhanEmulator]:
    with DhanEmulator(clock=clock, tick_interval=0.05) as emu:
        yield emu


def _headers(emulator: DhanEmulator, token: str | None = None) -> dict[str, str]:
    return {"access-token": token or emulator.access_token, "client-id": emulator.client_id,
            "Content-Type": "application/json"}


def _call(emulator: DhanEmulator, method: str, path: str, body: Any = None, token: str | None = None
          ) -> requests.Response:
    data = None if body is None else json.dumps({**body, "dhanClientId": emulator.client_id})
    return requests.request(method, f"{emulator.base_url}/v2{path}", data=data, headers=_headers(emulator, token),
                            timeout=10)


def _order(**overrides: Any) -> dict[str, Any]:
    return {"transactionType": "BUY", "exchangeSegment": "NSE_EQ", "productType": "CNC", "orderType": "LIMIT",
            "validity": "DAY", "securityId": "10001", "quantity": 1, "price": 2700.0, **overrides}


def test_pin_totp_token_lives_24_hours_on_the_emulators_clock(emulator: DhanEmulator, clock: ManualClock) -> None:
    reply = requests.post(f"{emulator.base_url}/app/generateAccessToken", timeout=10, params={
        "dhanClientId": emulator.client_id, "pin": emulator.pin, "totp": pyotp.TOTP(emulator.totp_secret).at(START)})
    token = reply.json()["accessToken"]
    assert _call(emulator, "GET", "/fundlimit", token=token).status_code == 200
    clock.advance(24 * 3600 - 1)
    assert _call(emulator, "GET", "/fundlimit", token=token).status_code == 200
    clock.advance(2)
    dead = _call(emulator, "GET", "/fundlimit", token=token)
    assert dead.status_code == 401 and dead.json()["errorCode"] == "DH-901"


def test_wrong_totp_is_refused(emulator: DhanEmulator) -> None:
    reply = requests.post(f"{emulator.base_url}/app/generateAccessToken", timeout=10,
                          params={"dhanClientId": emulator.client_id, "pin": emulator.pin, "totp": "000000"})
    assert reply.status_code == 401 and reply.json()["errorCode"] == "DH-901"


def test_renewal_gives_a_new_token_and_ends_the_old_one(emulator: DhanEmulator) -> None:
    reply = requests.get(f"{emulator.base_url}/v2/RenewToken", timeout=10,
                         headers={"access-token": emulator.access_token, "dhanClientId": emulator.client_id})
    fresh = reply.json()["accessToken"]
    assert fresh != emulator.access_token and emulator.renewals == 1
    assert _call(emulator, "GET", "/profile", token=fresh).status_code == 200
    assert _call(emulator, "GET", "/profile").status_code == 401


def test_consent_flow_redirects_with_a_token_id_that_buys_one_token(emulator: DhanEmulator) -> None:
    keys = {"app_id": emulator.api_key, "app_secret": emulator.api_secret}
    consent = requests.post(f"{emulator.base_url}/app/generate-consent", params={"client_id": emulator.client_id},
                            headers=keys, timeout=10).json()
    assert consent["status"] == "success"
    page = requests.get(f"{emulator.base_url}/login/consentApp-login", allow_redirects=False, timeout=10,
                        params={"consentAppId": consent["consentAppId"]})
    assert page.status_code == 302 and page.headers["Location"].startswith(emulator.redirect_url)
    (token_id,) = parse_qs(urlparse(page.headers["Location"]).query)["tokenId"]
    first = requests.get(f"{emulator.base_url}/app/consumeApp-consent", params={"tokenId": token_id},
                         headers=keys, timeout=10)
    assert first.status_code == 200 and first.json()["dhanClientId"] == emulator.client_id
    second = requests.get(f"{emulator.base_url}/app/consumeApp-consent", params={"tokenId": token_id},
                          headers=keys, timeout=10)
    assert second.status_code == 401


def test_quote_api_answers_429_past_one_call_a_second(emulator: DhanEmulator) -> None:
    first = _call(emulator, "POST", "/marketfeed/ltp", {"NSE_EQ": [10001]})
    second = _call(emulator, "POST", "/marketfeed/ltp", {"NSE_EQ": [10001]})
    assert first.status_code == 200
    assert second.status_code == 429 and second.json()["errorCode"] == "DH-904"


def test_bad_parameters_are_refused_at_once_and_risk_refusals_become_rejected_orders(emulator: DhanEmulator) -> None:
    refused = _call(emulator, "POST", "/orders", _order(correlationId="x" * 31))
    assert refused.status_code == 400 and refused.json()["errorCode"] == "DH-905"
    placed = _call(emulator, "POST", "/orders", _order(orderType="MARKET", price=0.0, quantity=5000)).json()
    order = _call(emulator, "GET", f"/orders/{placed['orderId']}").json()
    assert order["orderStatus"] == "REJECTED" and "insufficient funds" in order["omsErrorDescription"]


def test_unknown_order_ids_are_refused_by_every_order_route(emulator: DhanEmulator) -> None:
    for method, path, body in (("GET", "/orders/999", None), ("GET", "/trades/999", None),
                               ("PUT", "/orders/999", {"orderId": "999", "price": 10.0}),
                               ("DELETE", "/orders/999", None)):
        reply = _call(emulator, method, path, body)
        assert (reply.status_code, reply.json()["errorCode"]) == (400, "DH-906"), path


def test_modify_of_a_filled_order_is_refused(emulator: DhanEmulator) -> None:
    placed = _call(emulator, "POST", "/orders", _order(orderType="MARKET", price=0.0, productType="INTRADAY")).json()
    reply = _call(emulator, "PUT", f"/orders/{placed['orderId']}", {"orderId": placed["orderId"], "price": 2700.0,
                                                                      "orderType": "LIMIT", "quantity": 1})
    assert reply.status_code == 400 and "already traded" in reply.json()["errorMessage"]


def test_intraday_candles_span_at_most_90_days_and_daily_todate_is_exclusive(emulator: DhanEmulator) -> None:
    base = {"securityId": "10001", "exchangeSegment": "NSE_EQ", "instrument": "EQUITY"}
    too_long = _call(emulator, "POST", "/charts/intraday", {**base, "interval": 5, "fromDate": "2024-09-01",
                                                            "toDate": "2024-12-31"})
    assert too_long.status_code == 400
    daily = _call(emulator, "POST", "/charts/historical", {**base, "fromDate": "2025-01-01",
                                                           "toDate": "2025-01-03"}).json()
    days = [_dt.datetime.fromtimestamp(t, IST).date() for t in daily["timestamp"]]
    assert days == [_dt.date(2025, 1, 1), _dt.date(2025, 1, 2)]


def test_static_ip_whitelist_is_set_once_then_modified(emulator: DhanEmulator) -> None:
    assert _call(emulator, "POST", "/ip/setIP", {"ip": "203.0.113.7", "ipFlag": "PRIMARY"}).status_code == 200
    assert _call(emulator, "POST", "/ip/setIP", {"ip": "203.0.113.8", "ipFlag": "PRIMARY"}).status_code == 400
    assert _call(emulator, "PUT", "/ip/modifyIP", {"ip": "203.0.113.9", "ipFlag": "PRIMARY"}).status_code == 200
    assert _call(emulator, "GET", "/ip/getIP").json()["primaryIP"] == "203.0.113.9"
    assert _call(emulator, "POST", "/orders", _order()).status_code == 200  # 127.0.0.1 stays allowed


def _feed_url(emulator: DhanEmulator, token: str) -> str:
    return f"{emulator.ws_base_url}/feed?version=2&token={token}&clientId={emulator.client_id}&authType=2"


def test_feed_with_a_dead_token_sends_a_disconnect_packet(emulator: DhanEmulator) -> None:
    with connect(_feed_url(emulator, "bogus"), open_timeout=10) as ws:
        packet = ws.recv(timeout=10)
    assert isinstance(packet, bytes)
    assert packet[0] == 50 and struct.unpack_from("<H", packet, 8)[0] == 807


def test_a_sixth_feed_socket_disconnects_the_oldest_with_805(emulator: DhanEmulator) -> None:
    with ExitStack() as stack:
        sockets = [stack.enter_context(connect(_feed_url(emulator, emulator.access_token), open_timeout=10))
                   for _ in range(6)]
        packet = sockets[0].recv(timeout=10)
    assert isinstance(packet, bytes) and packet[0] == 50 and struct.unpack_from("<H", packet, 8)[0] == 805


def test_feed_subscription_sends_prev_close_then_ticks_of_the_mode(emulator: DhanEmulator) -> None:
    with connect(_feed_url(emulator, emulator.access_token), open_timeout=10) as ws:
        ws.send(json.dumps({"RequestCode": 17, "InstrumentCount": 1,
                            "InstrumentList": [{"ExchangeSegment": "NSE_EQ", "SecurityId": "10001"}]}))
        codes = [ws.recv(timeout=10)[0] for _ in range(3)]
    assert codes[0] == 6 and set(codes[1:]) == {4}


def test_order_socket_needs_the_login_message(emulator: DhanEmulator) -> None:
    with connect(f"{emulator.ws_base_url}/order-update", open_timeout=10) as ws:
        ws.send(json.dumps({"LoginReq": {"MsgCode": 42, "ClientId": emulator.client_id,
                                         "Token": emulator.access_token}, "UserType": "SELF"}))
        eventually_sync(lambda: any(c.state.get("authorised") for c in list(emulator.streams)))
        _call(emulator, "POST", "/orders", _order())
        update = json.loads(ws.recv(timeout=10))
    assert update["Type"] == "order_alert" and update["Data"]["Status"] == "Pending"
