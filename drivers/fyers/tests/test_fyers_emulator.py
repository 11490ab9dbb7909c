"""The Fyers emulator on the wire: envelopes, codes and statuses, the login pages, JWTs, limits and windows."""

from __future__ import annotations

import datetime as _dt
import hashlib
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from tt_connect.driver_api import jwt_claims
from tt_connect_fyers.emulator import FyersEmulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[FyersEmulator]:
    with FyersEmulator(tick_interval=0.05, enforce_rate_limits=False) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def _auth(emulator: FyersEmulator, token: str | None = None) -> dict[str, str]:
    return {"Authorization": f"{emulator.app_id}:{token or emulator.driver_config()['access_token']}",
            "version": "3"}


async def _call(http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
    async with http.request(method, url, **kwargs) as reply:
        return reply.status, await reply.json(content_type=None)


def test_the_access_token_is_a_jwt_with_exp_and_hsm_key(emulator: FyersEmulator) -> None:
    token = emulator.driver_config()["access_token"]
    claims = jwt_claims(token)
    assert claims["fy_id"] == emulator.fy_id and claims["sub"] == "access_token"
    assert claims["exp"] > time.time()
    assert emulator.user_of_hsm_key(claims["hsm_key"]) == emulator.fy_id
    assert emulator.user_of_hsm_key("not-a-key") is None


async def test_the_auth_code_pages_redirect_then_validate_with_the_app_hash(emulator: FyersEmulator,
                                                                           http: aiohttp.ClientSession) -> None:
    base = emulator.base_url
    query = {"client_id": emulator.app_id, "redirect_uri": emulator.redirect_url, "response_type": "code",
             "state": "abc"}
    async with http.get(f"{base}/api/v3/generate-authcode", params=query, allow_redirects=False) as reply:
        assert reply.status == 302
        redirect = parse_qs(urlsplit(reply.headers["Location"]).query)
    assert redirect["s"] == ["ok"] and redirect["code"] == ["200"] and redirect["state"] == ["abc"]
    good = hashlib.sha256(f"{emulator.app_id}:{emulator.app_secret}".encode()).hexdigest()
    body = {"grant_type": "authorization_code", "appIdHash": "0" * 64, "code": redirect["auth_code"][0]}
    assert await _call(http, "POST", f"{base}/api/v3/validate-authcode", json=body) == (
        400, {"s": "error", "code": -371, "message": "Invalid appIdHash."})
    status, token = await _call(http, "POST", f"{base}/api/v3/validate-authcode", json={**body, "appIdHash": good})
    assert status == 200 and token["s"] == "ok" and token["code"] == 200 and token["access_token"]
    status, again = await _call(http, "POST", f"{base}/api/v3/validate-authcode", json={**body, "appIdHash": good})
    assert (status, again["code"]) == (400, -374), "an auth code works once"


async def test_dead_and_bogus_tokens_get_fyers_codes(emulator: FyersEmulator, http: aiohttp.ClientSession) -> None:
    base = emulator.base_url
    assert await _call(http, "GET", f"{base}/api/v3/profile", headers=_auth(emulator, "bogus")) == (
        401, {"s": "error", "code": -16, "message": "Could not authenticate the user."})
    token = emulator.issue_token(emulator.fy_id)
    emulator.sessions.revoke(token)
    status, body = await _call(http, "GET", f"{base}/api/v3/profile", headers=_auth(emulator, token))
    assert (status, body["code"]) == (401, -8)
    status, body = await _call(http, "GET", f"{base}/api/v3/funds", headers={"Authorization": "no-colon"})
    assert (status, body["code"]) == (401, -15)


async def test_orders_are_refused_and_rejected_as_the_oms_does(emulator: FyersEmulator,
                                                               http: aiohttp.ClientSession) -> None:
    base, headers = emulator.base_url, _auth(emulator)
    order = {"symbol": "NSE:RELIANCE-EQ", "qty": 10**6, "type": 2, "side": 1, "productType": "CNC", "limitPrice": 0,
             "stopPrice": 0, "validity": "DAY", "disclosedQty": 0, "offlineOrder": False}
    status, body = await _call(http, "POST", f"{base}/api/v3/orders/sync", json=order, headers=headers)
    assert (status, body["code"]) == (400, -99) and "insufficient funds" in body["message"] and body["id"]
    _, book = await _call(http, "GET", f"{base}/api/v3/orders", params={"id": body["id"]}, headers=headers)
    assert [o["status"] for o in book["orderBook"]] == [5], "the refused order stays in the book, rejected"
    status, body = await _call(http, "POST", f"{base}/api/v3/orders/sync", json={**order, "symbol": "NSE:NOPE-EQ"},
                               headers=headers)
    assert (status, body["code"]) == (400, -300)
    status, body = await _call(http, "POST", f"{base}/api/v3/orders/sync", json={**order, "offlineOrder": "False"},
                               headers=headers)
    assert (status, body["code"]) == (400, -328), "offlineOrder must be a real boolean"
    status, body = await _call(http, "DELETE", f"{base}/api/v3/orders/sync", json={"id": "42"}, headers=headers)
    assert (status, body["code"]) == (400, -51)
    status, body = await _call(http, "POST", f"{base}/api/v3/orders/sync", json={**order, "qty": 1},
                               headers=headers)
    assert (status, body["code"], body["s"]) == (200, 1101, "ok")
    status, body = await _call(http, "DELETE", f"{base}/api/v3/orders/sync", json={"id": body["id"]}, headers=headers)
    assert (status, body["code"]) == (400, -162), "a traded order cannot be cancelled"


async def test_data_limits_are_the_documented_ones(emulator: FyersEmulator, http: aiohttp.ClientSession) -> None:
    base, headers = emulator.base_url, _auth(emulator)
    symbols = ",".join(["NSE:RELIANCE-EQ"] * 51)
    status, body = await _call(http, "GET", f"{base}/data/quotes", params={"symbols": symbols}, headers=headers)
    assert (status, body["code"]) == (400, -50)
    now = int(time.time())
    history = {"symbol": "NSE:RELIANCE-EQ", "resolution": "5", "date_format": "0",
               "range_from": str(now - 101 * 86400), "range_to": str(now)}
    status, body = await _call(http, "GET", f"{base}/data/history", params=history, headers=headers)
    assert (status, body["code"]) == (400, -50), "intraday candles: at most 100 days a request"
    status, body = await _call(http, "GET", f"{base}/data/history", params={**history, "resolution": "1D"},
                               headers=headers)
    assert status == 200 and body["candles"] and len(body["candles"][0]) == 6
    day = _dt.date.today()
    status, body = await _call(http, "GET", f"{base}/data/history", headers=headers, params={
        **history, "resolution": "D", "date_format": "1", "range_from": f"{day - _dt.timedelta(days=10)}",
        "range_to": f"{day}", "oi_flag": "1"})
    assert status == 200 and len(body["candles"][0]) == 7, "oi_flag adds the open interest"
    status, depth = await _call(http, "GET", f"{base}/data/depth", params={"symbol": "NSE:RELIANCE-EQ",
                                                                           "ohlcv_flag": "1"}, headers=headers)
    assert status == 200 and set(depth["d"]["NSE:RELIANCE-EQ"]) >= {"bids", "ask", "totalbuyqty", "ltp"}


async def test_the_symbol_token_lookup_takes_the_bare_token(emulator: FyersEmulator,
                                                            http: aiohttp.ClientSession) -> None:
    token = emulator.driver_config()["access_token"]
    status, body = await _call(http, "POST", f"{emulator.base_url}/data/symbol-token",
                               json={"symbols": ["NSE:RELIANCE-EQ", "NSE:NOPE-EQ"]}, headers={"Authorization": token})
    assert status == 200 and body["invalidSymbol"] == ["NSE:NOPE-EQ"]
    fy_token = body["validSymbol"]["NSE:RELIANCE-EQ"]
    assert fy_token.startswith("1010") and emulator.listing.by_fy_token[fy_token]
    status, names = await _call(http, "GET", f"{emulator.base_url}/sym_details/index_hsm_mapping.json")
    assert status == 200 and names["NSE:NIFTY50-INDEX"] == "Nifty 50"


async def test_the_rate_windows_answer_429_with_fyers_headers(http: aiohttp.ClientSession) -> None:
    with FyersEmulator(tick_interval=0.05) as emulator:
        headers = _auth(emulator)
        statuses = []
        for _ in range(12):
            async with http.get(f"{emulator.base_url}/api/v3/funds", headers=headers) as reply:
                statuses.append(reply.status)
                if reply.status == 429:
                    assert reply.headers["Retry-After"] == "1" and reply.headers["X-Retry-After-Ms"] == "1000"
                    assert (await reply.json())["code"] == -429
        assert statuses[:10] == [200] * 10 and 429 in statuses[10:], "10 requests a second per user"
        assert emulator.rate_limited == statuses.count(429)


async def test_tokens_die_at_six_in_the_morning_on_the_emulators_clock(http: aiohttp.ClientSession) -> None:
    from tt_connect.timeutil import IST, ManualClock

    clock = ManualClock(_dt.datetime(2025, 1, 6, 15, 0, tzinfo=IST))
    with FyersEmulator(tick_interval=0.05, clock=clock) as emulator:
        token = emulator.access_token
        assert jwt_claims(token)["exp"] == int(_dt.datetime(2025, 1, 7, 6, 0, tzinfo=IST).timestamp())
        status, _ = await _call(http, "GET", f"{emulator.base_url}/api/v3/profile", headers=_auth(emulator, token))
        assert status == 200
        clock.advance(15 * 3600 + 60)
        status, body = await _call(http, "GET", f"{emulator.base_url}/api/v3/profile", headers=_auth(emulator, token))
        assert (status, body["code"]) == (401, -8)
