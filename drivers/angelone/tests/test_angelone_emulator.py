"""The SmartAPI emulator speaks SmartAPI: the official smartapi-python client works against it."""

from __future__ import annotations

import datetime as _dt
import json
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pyotp
import pytest
from tt_connect.testing import eventually_sync
from tt_connect.timeutil import IST, ManualClock
from tt_connect_angelone.emulator import SmartApiEmulator


@pytest.fixture
def emulator() -> Iterator[SmartApiEmulator]:
    with SmartApiEmulator(tick_interval=0.05) as running:
        yield running


@pytest.fixture
def unmetered() -> Iterator[SmartApiEmulator]:
    """An emulator that never throttles: for tests that log in (or renew) several times in a second."""
    with SmartApiEmulator(tick_interval=0.05, enforce_rate_limits=False) as running:
        yield running


def _official_sdk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """Import smartapi-python without letting it reach the internet.

    On import it asks api.ipify.org for the public IP (and ignores the answer);
    a test must only talk to 127.0.0.1, so that one call fails locally. It also
    writes a ``logs/`` folder into the working directory, hence ``tmp_path``.
    """
    requests = pytest.importorskip("requests")
    pytest.importorskip("logzero")
    pytest.importorskip("websocket")

    def offline(url: str, *args: Any, **kwargs: Any) -> Any:
        raise requests.ConnectionError(f"tests are offline: {url} not contacted")

    monkeypatch.chdir(tmp_path)
    with monkeypatch.context() as patch:
        patch.setattr(requests, "get", offline)
        sdk = pytest.importorskip("SmartApi")
        from SmartApi.smartWebSocketV2 import SmartWebSocketV2
    return sdk.SmartConnect, SmartWebSocketV2


def _headers(emulator: SmartApiEmulator, token: str | None = None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json", "X-UserType": "USER",
               "X-SourceID": "WEB", "X-ClientLocalIP": "127.0.0.1", "X-ClientPublicIP": "127.0.0.1",
               "X-MACAddress": "00:00:00:00:00:00", "X-PrivateKey": emulator.api_key}
    if token is not False:
        headers["Authorization"] = f"Bearer {token or emulator.access_token}"
    return headers


async def _call(emulator: SmartApiEmulator, method: str, path: str, body: Any = None,
                token: str | None = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.request(
            method, f"{emulator.base_url}{path}", json=body, headers=_headers(emulator, token)) as reply:
        text = await reply.text()
        return reply.status, (json.loads(text) if reply.content_type == "application/json" else text)


SECURE = "/rest/secure/angelbroking"


def test_the_official_smartapi_client_trades_and_streams_on_the_emulator(
        emulator: SmartApiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    smart_connect, smart_websocket = _official_sdk(monkeypatch, tmp_path)
    found = emulator.announcement()
    api = smart_connect(api_key=found["api_key"], root=found["api_url"])
    session = api.generateSession(found["client_code"], found["pin"], pyotp.TOTP(found["totp_secret"]).now())
    assert session["status"] is True and session["data"]["clientcode"] == emulator.client_code

    token, symbol = emulator.listing.angel_token[1], emulator.listing.symbol[1]
    order_id = api.placeOrder({"variety": "NORMAL", "tradingsymbol": symbol, "symboltoken": token,
                               "transactiontype": "BUY", "exchange": "NSE", "ordertype": "MARKET",
                               "producttype": "INTRADAY", "duration": "DAY", "quantity": "3"})
    book = {o["orderid"]: o for o in api.orderBook()["data"]}
    assert book[order_id]["status"] == "complete" and book[order_id]["tradingsymbol"] == symbol
    positions = {p["tradingsymbol"]: p for p in api.position()["data"]}
    assert positions[symbol]["netqty"] == "3" and positions[symbol]["producttype"] == "INTRADAY"

    ticks: list[dict[str, Any]] = []
    feed = smart_websocket(session["data"]["jwtToken"], found["api_key"], found["client_code"],
                           session["data"]["feedToken"])
    feed.ROOT_URI = found["ws_url"]
    feed.on_open = lambda ws: feed.subscribe("ttc1", feed.SNAP_QUOTE, [{"exchangeType": 1, "tokens": [token]}])
    feed.on_data = lambda ws, message: ticks.append(message)
    feed.on_error = lambda *args: None
    feed.on_close = lambda *args: None
    thread = threading.Thread(target=feed.connect, daemon=True)
    thread.start()
    try:
        eventually_sync(lambda: ticks, timeout=15, what="a tick at the official SmartWebSocketV2 client")
    finally:
        # websocket-client then polls its closed socket until its own timeout: the daemon thread ends
        # with the emulator, so nothing waits for it here.
        feed.close_connection()
    tick = ticks[0]
    assert tick["token"] == token and tick["subscription_mode_val"] == "SNAP_QUOTE"
    assert tick["last_traded_price"] > 0 and len(tick["best_5_buy_data"]) == 5
    assert tick["best_5_buy_data"][0]["price"] < tick["best_5_sell_data"][0]["price"]


def test_login_checks_pin_totp_and_api_key(unmetered: SmartApiEmulator, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    emulator = unmetered
    smart_connect, _ = _official_sdk(monkeypatch, tmp_path)
    api = smart_connect(api_key=emulator.api_key, root=emulator.base_url)
    wrong_totp = api.generateSession(emulator.client_code, emulator.pin, "000000")
    assert wrong_totp["status"] is False and wrong_totp["errorcode"] == "AB1050"
    wrong_pin = api.generateSession(emulator.client_code, "9" + emulator.pin[1:] if emulator.pin[0] != "9"
                                    else "1" + emulator.pin[1:], pyotp.TOTP(emulator.totp_secret).now())
    assert wrong_pin["status"] is False
    stranger = smart_connect(api_key="not-the-key", root=emulator.base_url)
    refused = stranger.generateSession(emulator.client_code, emulator.pin, pyotp.TOTP(emulator.totp_secret).now())
    assert refused["status"] is False and refused["errorcode"] == "AB1034"


async def test_token_errors_use_the_gateway_envelope_and_refresh_renews(unmetered: SmartApiEmulator) -> None:
    emulator = unmetered
    status, body = await _call(emulator, "GET", f"{SECURE}/user/v1/getProfile", token="forged")
    assert status == 401 and body == {"success": False, "message": "Invalid Token", "errorCode": "AG8001",
                                      "data": ""}
    status, body = await _call(emulator, "POST", "/rest/auth/angelbroking/jwt/v1/generateTokens",
                               {"refreshToken": emulator.refresh_token})
    assert status == 200 and set(body["data"]) == {"jwtToken", "refreshToken", "feedToken"}
    status, body = await _call(emulator, "GET", f"{SECURE}/user/v1/getProfile", token=body["data"]["jwtToken"])
    assert body["data"]["clientcode"] == emulator.client_code
    status, body = await _call(emulator, "POST", "/rest/auth/angelbroking/jwt/v1/generateTokens",
                               {"refreshToken": emulator.refresh_token})
    assert body["status"] is False and body["errorcode"] == "AB8050", "a refresh token works once"


async def test_sessions_last_24_hours_from_login_and_the_jwt_says_so() -> None:
    from tt_connect_angelone.auth import jwt_expiry

    clock = ManualClock(_dt.datetime(2026, 11, 25, 23, 59, tzinfo=IST))
    with SmartApiEmulator(clock=clock) as emulator:
        assert jwt_expiry(emulator.access_token) == _dt.datetime(2026, 11, 26, 23, 59, tzinfo=IST)
        clock.advance(120)  # past midnight: AngelOne sessions do not end at a clock hour
        status, _ = await _call(emulator, "GET", f"{SECURE}/user/v1/getRMS")
        assert status == 200
        clock.advance(24 * 3600 - 120)
        status, body = await _call(emulator, "GET", f"{SECURE}/user/v1/getRMS")
        assert status == 401 and body["errorCode"] == "AG8001"


async def test_risk_refusals_are_accepted_then_shown_rejected_with_a_reason(emulator: SmartApiEmulator) -> None:
    token, symbol = emulator.listing.angel_token[1], emulator.listing.symbol[1]
    order = {"variety": "NORMAL", "tradingsymbol": symbol, "symboltoken": token, "transactiontype": "BUY",
             "exchange": "NSE", "ordertype": "MARKET", "producttype": "DELIVERY", "duration": "DAY",
             "quantity": "100000"}
    status, body = await _call(emulator, "POST", f"{SECURE}/order/v1/placeOrder", order)
    assert status == 200 and body["status"] is True
    unique = body["data"]["uniqueorderid"]
    _, details = await _call(emulator, "GET", f"{SECURE}/order/v1/details/{unique}")
    assert details["data"]["status"] == "rejected"
    assert details["data"]["text"] == "Your order has been rejected due to Insufficient Funds."
    stop_in_normal = {**order, "ordertype": "STOPLOSS_MARKET"}
    status, body = await _call(emulator, "POST", f"{SECURE}/order/v1/placeOrder", stop_in_normal)
    assert status == 200 and body["status"] is False and body["errorcode"] == "AB1008"  # Invalid Order Variety


async def test_quotes_are_capped_at_fifty_tokens_and_report_unknown_ones() -> None:
    with SmartApiEmulator(enforce_rate_limits=False) as emulator:
        await _check_quotes(emulator)


async def _check_quotes(emulator: SmartApiEmulator) -> None:
    tokens = [emulator.listing.angel_token[t] for t in range(1, 4)] + ["424242"]
    status, body = await _call(emulator, "POST", f"{SECURE}/market/v1/quote",
                               {"mode": "FULL", "exchangeTokens": {"NSE": tokens}})
    assert status == 200 and len(body["data"]["fetched"]) == 3
    assert body["data"]["unfetched"][0]["symbolToken"] == "424242"
    assert {"opnInterest", "depth", "52WeekHigh", "tradeVolume"} <= set(body["data"]["fetched"][0])
    many = [emulator.listing.angel_token[t] for t in range(1, 52)]
    _, body = await _call(emulator, "POST", f"{SECURE}/market/v1/quote",
                          {"mode": "LTP", "exchangeTokens": {"NSE": many}})
    assert body["status"] is False and body["errorcode"] == "AB1007" and "50" in body["message"]


async def test_a_second_quote_within_a_second_is_refused_as_smartapi_refuses_it(emulator: SmartApiEmulator) -> None:
    """Not a 429 and not JSON: HTTP 403 and one line of text (SmartAPI forum, see PROTOCOL.md)."""
    request = {"mode": "LTP", "exchangeTokens": {"NSE": [emulator.listing.angel_token[1]]}}
    replies = [await _call(emulator, "POST", f"{SECURE}/market/v1/quote", request) for _ in range(3)]
    assert replies[0][0] == 200 and emulator.rate_limited >= 1
    assert (403, "Access denied because of exceeding access rate") in replies


async def test_each_book_has_its_own_window_and_logins_are_metered_too(emulator: SmartApiEmulator) -> None:
    """Reference 2.4: order book, trade book, positions and holdings 1/s each; login 1/s per user."""
    books = ("order/v1/getOrderBook", "order/v1/getTradeBook", "order/v1/getPosition", "portfolio/v1/getHolding")
    first = [(await _call(emulator, "GET", f"{SECURE}/{path}"))[0] for path in books]
    assert first == [200, 200, 200, 200], "one read of each book in the same second: all served"
    again, body = await _call(emulator, "GET", f"{SECURE}/{books[0]}")
    assert (again, body) == (403, "Access denied because of exceeding access rate")
    login = {"clientcode": emulator.client_code, "password": emulator.pin,
             "totp": pyotp.TOTP(emulator.totp_secret).now()}
    statuses = [(await _call(emulator, "POST", "/rest/auth/angelbroking/user/v1/loginByPassword", login,
                             token=False))[0] for _ in range(2)]  # type: ignore[arg-type]
    assert statuses == [200, 403] and emulator.login.logins == 1


async def test_candles_respect_the_per_interval_range(emulator: SmartApiEmulator) -> None:
    token = emulator.listing.angel_token[1]
    request = {"exchange": "NSE", "symboltoken": token, "interval": "ONE_DAY",
               "fromdate": "2026-10-01 09:15", "todate": "2026-11-20 15:30"}
    _, body = await _call(emulator, "POST", f"{SECURE}/historical/v1/getCandleData", request)
    stamps = [row[0] for row in body["data"]]
    assert stamps == sorted(stamps) and stamps[0].startswith("2026-10-01T") and stamps[0].endswith("+05:30")
    _, body = await _call(emulator, "POST", f"{SECURE}/historical/v1/getCandleData",
                          {**request, "interval": "ONE_MINUTE"})
    assert body["errorcode"] == "AB1004" and "30 days" in body["message"]


def test_the_feed_packs_little_endian_ticks_at_the_documented_sizes(emulator: SmartApiEmulator) -> None:
    from tt_connect_angelone.emulator.stream import LTP, QUOTE, SNAP_QUOTE, tick_frame

    quote = emulator.call(lambda: emulator.engine.quote(1))
    sizes = {mode: len(tick_frame(mode, 1, "1007", 9, quote)) for mode in (LTP, QUOTE, SNAP_QUOTE)}
    assert sizes == {LTP: 51, QUOTE: 123, SNAP_QUOTE: 379}
    frame = tick_frame(SNAP_QUOTE, 2, "1007", 9, quote)
    assert frame[0] == 3 and frame[1] == 2 and frame[2:27].rstrip(b"\0") == b"1007"
    assert struct.unpack_from("<q", frame, 43)[0] == round(quote.last_price * 100)


def test_the_scrip_master_lists_every_contract_as_strings(emulator: SmartApiEmulator) -> None:
    rows = emulator.listing.scrip_master()
    assert len(rows) == len(emulator.engine.rows)
    assert all(isinstance(v, str) for row in rows for v in row.values())
    nifty = next(r for r in rows if r["symbol"] == "Nifty 50")
    assert nifty["token"] == "99926000" and nifty["instrumenttype"] == "AMXIDX"
    option = next(r for r in rows if r["instrumenttype"] == "OPTIDX")
    assert option["symbol"].endswith(("CE", "PE")) and float(option["strike"]) >= 100_000
    assert len(option["expiry"]) == 9 and option["tick_size"] == "5.000000"


def test_the_printed_announcement_line_is_a_config_as_it_is() -> None:
    """``tt-connect emulate angelone`` prints one JSON line; ``TTConnect("angelone", line)`` takes it."""
    process = subprocess.Popen([sys.executable, "-m", "tt_connect.cli", "emulate", "angelone"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        found = json.loads(process.stdout.readline())
        for key in ("api_url", "ws_url", "order_ws_url", "instruments_url", "api_key", "client_code", "pin",
                    "totp_secret", "access_token", "refresh_token", "feed_token"):
            assert found[key], key
        assert found["api_url"].startswith("http://127.0.0.1:")
        from tt_connect import TTConnect

        with TTConnect("angelone", found, instruments_db=":memory:", session_store="memory") as broker:
            assert broker.profile().user_id == found["client_code"]
    finally:
        process.terminate()
        process.wait(10)


def test_the_official_client_creates_gtt_rules_on_either_path(
        emulator: SmartApiEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    smart_connect, _ = _official_sdk(monkeypatch, tmp_path)
    api = smart_connect(api_key=emulator.api_key, root=emulator.base_url, access_token=emulator.access_token)
    token, symbol = emulator.listing.angel_token[1], emulator.listing.symbol[1]
    last = emulator.call(lambda: emulator.engine.ltp(1))
    rule = {"tradingsymbol": symbol, "symboltoken": token, "exchange": "NSE", "producttype": "DELIVERY",
            "transactiontype": "BUY", "price": round(last * 0.9, 1), "qty": 2, "disclosedqty": 0,
            "triggerprice": round(last * 0.9, 1), "timeperiod": 365}
    rule_id = api.gttCreateRule(rule)  # smartapi-python posts to /gtt-service/rest/...
    details = api.gttDetails(rule_id)["data"]
    assert details["id"] == rule_id and details["status"] == "NEW" and details["qty"] == 2
    listed = api.gttLists(["NEW", "ACTIVE"], 1, 10)["data"]
    assert [r["id"] for r in listed] == [rule_id]
    api.gttCancelRule({"id": rule_id, "symboltoken": token, "exchange": "NSE"})
    assert api.gttDetails(rule_id)["data"]["status"] == "CANCELLED"


async def test_the_margin_calculator_prices_a_basket(emulator: SmartApiEmulator) -> None:
    token = emulator.listing.angel_token[1]
    leg = {"exchange": "NSE", "qty": 10, "price": 0, "productType": "INTRADAY", "token": token,
           "tradeType": "BUY", "orderType": "MARKET"}
    _, body = await _call(emulator, "POST", f"{SECURE}/margin/v1/batch", {"positions": [leg]})
    single = body["data"]["totalMarginRequired"]
    assert single > 0 and body["data"]["marginComponents"]["nonNFOMargin"] == pytest.approx(single, rel=0.01)
    _, body = await _call(emulator, "POST", f"{SECURE}/margin/v1/batch",
                          {"positions": [leg, {**leg, "tradeType": "SELL"}]})
    hedged = body["data"]
    assert hedged["totalMarginRequired"] < single and hedged["marginComponents"]["marginBenefit"] > 0


async def test_a_dead_jwt_is_renewed_with_the_refresh_token_not_a_new_login(emulator: SmartApiEmulator) -> None:
    from tt_connect import AsyncTTConnect

    async with AsyncTTConnect("angelone", emulator.driver_config(), instruments_db=":memory:",
                              session_store="memory") as broker:
        assert (await broker.profile()).user_id == emulator.client_code
        logins = emulator.login.logins
        emulator.sessions.expire_all()  # the JWTs die; refresh and feed tokens live on
        assert (await broker.profile()).user_id == emulator.client_code
        assert (emulator.login.logins, emulator.login.renewals) == (logins, 1)
        emulator.faults.expire_sessions()  # the daily end: every token dies, refresh fails, PIN + TOTP again
        assert (await broker.funds()).equity.available_cash > 0
        assert (emulator.login.logins, emulator.login.renewals) == (logins + 1, 1)


async def test_sessions_persist_in_the_file_store_and_logout_revokes_the_jwt(
        emulator: SmartApiEmulator, tmp_path: Path) -> None:
    """The file store is what headless servers run on (no OS keyring): a restart reuses the session."""
    from tt_connect import AsyncTTConnect

    store = tmp_path / "sessions"
    options: dict[str, Any] = {"instruments_db": ":memory:", "session_store": "file", "session_path": str(store)}
    async with AsyncTTConnect("angelone", emulator.driver_config(access_token="", feed_token=""),
                              **options) as broker:
        assert (await broker.profile()).user_id == emulator.client_code
    logins = emulator.login.logins
    saved = list(store.rglob("*"))
    assert any(p.is_file() for p in saved)
    assert all(emulator.pin not in p.read_text() for p in saved if p.is_file())  # a session, never the PIN
    async with AsyncTTConnect("angelone", emulator.driver_config(access_token="", feed_token=""),
                              **options) as broker:
        assert (await broker.funds()).equity.available_cash > 0
        assert emulator.login.logins == logins, "the stored session was reused, no new login"
        live = emulator.sessions.live()
        await broker.logout()
    assert emulator.sessions.live() == live - 1, "logout revoked the JWT at the broker"
    left = [p.name for p in store.rglob("*") if p.is_file()]
    assert all(name.endswith(".login.lock") for name in left), "logout forgets the stored session (the empty lock "\
        "file stays: unlinking a lock another process may be waiting on would split it in two)"


async def test_the_feed_answers_ping_with_pong_and_refuses_a_bad_handshake(emulator: SmartApiEmulator) -> None:
    url = f"{emulator.ws_base_url}/smart-stream"
    good = {"Authorization": f"Bearer {emulator.access_token}", "x-api-key": emulator.api_key,
            "x-client-code": emulator.client_code, "x-feed-token": emulator.feed_token}
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(url, headers=good) as socket:
            await socket.send_str("ping")
            reply = await socket.receive(timeout=5)
            assert (reply.type, reply.data) == (aiohttp.WSMsgType.TEXT, "pong")
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url, headers={**good, "x-feed-token": "forged"})
        assert refused.value.status == 401


async def test_every_gtt_rule_is_listed_across_pages(emulator: SmartApiEmulator,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from tt_connect import AsyncTTConnect, Equity, Exchange, GttLeg, ProductType, Side
    from tt_connect_angelone import api as api_module

    monkeypatch.setattr(api_module, "GTT_PAGE", 2)  # five rules: pages of 2, 2 and 1
    async with AsyncTTConnect("angelone", emulator.driver_config(), instruments_db=":memory:") as broker:
        stock = Equity(exchange=Exchange.NSE, symbol="RELIANCE")
        price = (await broker.ltp(stock))[stock]
        made = {await broker.place_gtt(stock, GttLeg(trigger_price=round(price * (0.9 - i / 100), 1), side=Side.BUY,
                                                       qty=1, product=ProductType.CNC,
                                                       price=round(price * (0.9 - i / 100), 1)),
                                       last_price=price)
                for i in range(5)}
        listed = await broker.gtts()
    assert len(made) == 5 and sorted(g.gtt_id for g in listed) == sorted(made)
