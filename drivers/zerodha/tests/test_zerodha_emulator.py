"""The Kite emulator speaks Kite: the official SDK works against it, and so does our client through every flow."""

from __future__ import annotations

import asyncio
import datetime as _dt
import hashlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import mock_json
from tt_connect import AsyncTTConnect
from tt_connect.emulation import verify_totp
from tt_connect.enums import Exchange, OrderType, ProductType, Side
from tt_connect.errors import AuthenticationError, InputError, OrderStatusUnknownError
from tt_connect.instruments import Equity, Future, Index
from tt_connect.testing import eventually
from tt_connect.timeutil import IST, ManualClock
from tt_connect_zerodha.emulator import KiteEmulator


@pytest.fixture
def emulator() -> Iterator[KiteEmulator]:
    with KiteEmulator(tick_interval=0.05) as running:
        yield running


def _web_login_config(emulator: KiteEmulator, **overrides: Any) -> dict[str, Any]:
    settings = {"web_login": True, "user_id": emulator.user_id, "password": emulator.password,
                "totp_secret": emulator.totp_secret, **overrides}
    return emulator.driver_config(**settings)


def _client(emulator: KiteEmulator, config: dict[str, Any] | None = None, **options: Any) -> AsyncTTConnect:
    return AsyncTTConnect("zerodha", config or _web_login_config(emulator), instruments_db=":memory:",
                          session_store="memory", **options)


async def _get(emulator: KiteEmulator, path: str, token: str | None = None) -> tuple[int, Any]:
    headers = {"X-Kite-Version": "3", "Authorization": f"token {emulator.api_key}:{token or emulator.access_token}"}
    async with aiohttp.ClientSession() as http, http.get(f"{emulator.base_url}{path}", headers=headers) as reply:
        return reply.status, await reply.json(content_type=None)


# -- the official SDK -----------------------------------------------------------------------------


def test_the_official_kiteconnect_client_trades_and_streams_on_the_emulator(emulator: KiteEmulator) -> None:
    kiteconnect = pytest.importorskip("kiteconnect")
    found = emulator.announcement()
    kite = kiteconnect.KiteConnect(api_key=found["api_key"], root=found["api_url"])
    session = kite.generate_session(found["request_token"], api_secret=found["api_secret"])
    assert session["user_id"] == emulator.user_id
    kite.set_access_token(session["access_token"])

    order_id = kite.place_order(variety=kite.VARIETY_REGULAR, exchange="NSE", tradingsymbol="INFY",
                                transaction_type="BUY", quantity=3, product="MIS", order_type="MARKET", tag="sdk")
    orders = {o["order_id"]: o for o in kite.orders()}
    assert orders[order_id]["status"] == "COMPLETE" and orders[order_id]["tag"] == "sdk"
    net = {p["tradingsymbol"]: p for p in kite.positions()["net"]}
    assert net["INFY"]["quantity"] == 3 and net["INFY"]["product"] == "MIS"
    token = orders[order_id]["instrument_token"]

    ticks: list[dict[str, Any]] = []
    ticker = kiteconnect.KiteTicker(found["api_key"], session["access_token"], root=found["ws_url"])
    ticker.on_ticks = lambda ws, batch: ticks.extend(batch)

    def on_connect(ws: Any, response: Any) -> None:
        ws.subscribe([token])
        ws.set_mode(ws.MODE_FULL, [token])

    ticker.on_connect = on_connect
    ticker.connect(threaded=True)
    try:
        deadline = time.monotonic() + 15
        while not any(t.get("mode") == "full" for t in ticks) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        ticker.close()
    full = next(t for t in ticks if t.get("mode") == "full")
    assert full["instrument_token"] == token and full["last_price"] > 0
    assert len(full["depth"]["buy"]) == 5 and full["depth"]["sell"][0]["price"] >= full["depth"]["buy"][0]["price"]


def test_the_sdk_checksum_is_verified_and_a_request_token_works_once(emulator: KiteEmulator) -> None:
    kiteconnect = pytest.importorskip("kiteconnect")
    kite = kiteconnect.KiteConnect(api_key=emulator.api_key, root=emulator.base_url)
    with pytest.raises(kiteconnect.exceptions.TokenException):
        kite.generate_session(emulator.request_token, api_secret="not-the-secret")
    kite.generate_session(emulator.request_token, api_secret=emulator.api_secret)
    with pytest.raises(kiteconnect.exceptions.TokenException):
        kite.generate_session(emulator.request_token, api_secret=emulator.api_secret)


# -- the wire contract ----------------------------------------------------------------------------


async def test_replies_carry_every_field_of_the_official_mocks() -> None:
    with KiteEmulator(enforce_rate_limits=False) as emulator:
        await _check_field_sets(emulator)


async def _check_field_sets(emulator: KiteEmulator) -> None:
    async with _client(emulator) as broker:
        order_id = await broker.place_order(instrument=Equity(exchange=Exchange.NSE, symbol="TCS"), qty=2,
                                            side=Side.BUY, product=ProductType.MIS, order_type=OrderType.MARKET)
    checks = [("/orders", "orders.json", lambda d: d[0]), ("/portfolio/positions", "positions.json",
                                                          lambda d: d["net"][0]),
              ("/portfolio/holdings", "holdings.json", lambda d: d[0]), ("/trades", "trades.json", lambda d: d[0]),
              (f"/orders/{order_id}/trades", "order_trades.json", lambda d: d[0]),
              ("/user/profile", "profile.json", lambda d: d), ("/user/margins", "margins.json", lambda d: d["equity"]),
              ("/quote?i=NSE:TCS", "quote.json", lambda d: next(iter(d.values()))),
              ("/quote/ohlc?i=NSE:TCS", "ohlc.json", lambda d: next(iter(d.values()))),
              ("/quote/ltp?i=NSE:TCS", "ltp.json", lambda d: next(iter(d.values())))]
    for path, mock, pick in checks:
        status, body = await _get(emulator, path)
        assert status == 200 and body["status"] == "success", path
        expected = mock_json(mock)["data"]
        missing = set(pick(expected)) - set(pick(body["data"]))
        assert not missing, f"{path} lacks {sorted(missing)} of {mock}"


async def test_errors_use_kite_envelopes_and_error_types(emulator: KiteEmulator) -> None:
    status, body = await _get(emulator, "/user/profile", token="forged")
    assert status == 403 and body == {"status": "error", "message": "Incorrect `api_key` or `access_token`.",
                                      "data": None, "error_type": "TokenException"}
    status, body = await _get(emulator, "/orders/999/trades")
    assert status == 404 and body["error_type"] == "InputException"
    token = emulator.listing.kite_token[1]
    status, body = await _get(emulator, f"/instruments/historical/{token}/minute?from=2025-01-01+09:15:00"
                                        "&to=2025-04-01+15:30:00")
    assert status == 400 and "60 days" in body["message"]


async def test_the_instruments_csv_loads_through_the_driver_and_resolves_every_kind(emulator: KiteEmulator) -> None:
    async with _client(emulator) as broker:
        weekly, monthly = broker.nearest_expiry("NIFTY"), broker.monthly_expiry("NIFTY")
        assert weekly <= monthly and weekly.weekday() == 1  # Tuesday expiries, both forms of Kite symbol
        chain = await broker.option_chain("NIFTY", weekly)
        call = next(row.call for row in chain.rows if row.call is not None)
        future = Future(exchange=Exchange.NFO, symbol="NIFTY", expiry=monthly)
        instruments = [Equity(exchange=Exchange.NSE, symbol="RELIANCE"), Index(exchange=Exchange.NSE,
                                                                               symbol="NIFTY BANK"), future, call]
        quotes = await broker.ltp(instruments)
        assert set(quotes) == set(instruments) and all(price > 0 for price in quotes.values())
        assert broker.lot_size(future) == 75 and broker.tick_size(call) == 0.05


async def test_quote_limits_answer_429_beyond_one_request_a_second(emulator: KiteEmulator) -> None:
    statuses = [(await _get(emulator, "/quote/ltp?i=NSE:INFY"))[0] for _ in range(3)]
    assert statuses[0] == 200 and 429 in statuses
    assert emulator.rate_limited >= 1


# -- auth flows -----------------------------------------------------------------------------------


async def test_web_login_with_totp_gets_a_session_and_a_wrong_totp_is_refused(emulator: KiteEmulator) -> None:
    async with _client(emulator) as broker:
        assert (await broker.profile()).user_id == emulator.user_id
    wrong = _web_login_config(emulator, totp_secret="JBSWY3DPEHPK3PXP")
    with pytest.raises(AuthenticationError, match="TOTP"):
        async with _client(emulator, wrong):
            pass


async def test_a_given_access_token_is_used_as_is(emulator: KiteEmulator) -> None:
    config = emulator.driver_config(access_token=emulator.access_token)
    async with _client(emulator, config) as broker:
        assert (await broker.profile()).user_id == emulator.user_id


async def test_the_redirect_flow_exchanges_the_request_token_with_its_checksum(emulator: KiteEmulator) -> None:
    caught: list[str] = []

    async def browser(url: str) -> None:
        async with aiohttp.ClientSession() as http:
            form = {"user_id": emulator.user_id, "password": emulator.password,
                    "totp": __import__("pyotp").TOTP(emulator.totp_secret).now()}
            async with http.post(url, data=form, allow_redirects=False) as reply:
                caught.append(reply.headers["Location"])

    # The user's browser posts the login form; reading the Location stands in for the redirect listener.
    emulator.redirect_url = "http://127.0.0.1:9/callback"
    from tt_connect_zerodha.auth import KiteAuth
    from tt_connect_zerodha.config import ZerodhaConfig

    auth = KiteAuth(ZerodhaConfig(**emulator.driver_config()))
    await browser(auth.connect_login_url)
    location = caught[0]
    assert location.startswith("http://127.0.0.1:9/callback?") and "status=success" in location
    request_token = location.split("request_token=")[1].split("&")[0]
    request = auth.session_token_request(request_token)
    async with aiohttp.ClientSession() as http, http.post(request.url, data=list(request.form or ())) as reply:
        body = await reply.json()
    assert body["status"] == "success" and body["data"]["user_id"] == emulator.user_id
    assert request.form is not None and dict(request.form)["checksum"] == hashlib.sha256(
        f"{emulator.api_key}{request_token}{emulator.api_secret}".encode()).hexdigest()


async def test_tokens_die_at_six_ist_and_the_client_logs_in_again_by_itself() -> None:
    clock = ManualClock(_dt.datetime(2026, 11, 25, 15, 0, tzinfo=IST))
    with KiteEmulator(clock=clock, tick_interval=0.05) as emulator:
        async with _client(emulator, clock=clock) as broker:
            assert (await broker.profile()).user_id == emulator.user_id
            status, _ = await _get(emulator, "/user/profile")
            assert status == 200
            clock.set(_dt.datetime(2026, 11, 26, 6, 0, 1, tzinfo=IST))
            status, body = await _get(emulator, "/user/profile")
            assert status == 403 and body["error_type"] == "TokenException"
            live = emulator.sessions.live()
            assert (await broker.profile()).user_id == emulator.user_id
            assert emulator.sessions.live() == live + 1, "the client did not log in again"


async def test_logout_revokes_the_token_on_the_emulator(emulator: KiteEmulator) -> None:
    broker = _client(emulator)
    async with broker:
        await broker.profile()
        live = emulator.sessions.live()
        await broker.logout()
        assert emulator.sessions.live() == live - 1
    status, _ = await _get(emulator, "/user/profile", token=emulator.access_token)
    assert status == 200, "only the client's own token is revoked"


# -- faults ---------------------------------------------------------------------------------------


async def test_a_dropped_order_reply_is_recovered_by_tag_without_a_second_order(emulator: KiteEmulator) -> None:
    async with _client(emulator) as broker:
        before = len(emulator.engine.orders)
        emulator.faults.drop_next_order_response()
        try:
            order_id = await broker.place_order(instrument=Equity(exchange=Exchange.NSE, symbol="ITC"), qty=1,
                                                side=Side.BUY, product=ProductType.CNC, order_type=OrderType.MARKET)
        except OrderStatusUnknownError:  # allowed by the contract, but the emulator lists the order: not expected
            pytest.fail("the order is in the book under our tag; the client should have found it")
        assert not emulator.faults.take_drop(), "the fault was not exercised"
        assert len(emulator.engine.orders) == before + 1
        assert emulator.engine.orders[order_id].tag


async def test_injected_5xx_on_a_read_is_retried(emulator: KiteEmulator) -> None:
    async with _client(emulator) as broker:
        served = emulator.requests_served
        emulator.faults.fail_next(503, count=2)
        assert (await broker.funds()).equity.available_margin > 0
        assert emulator.requests_served - served >= 3
        assert emulator.faults.take_failure() is None


async def test_broker_refusals_map_to_the_error_tree(emulator: KiteEmulator) -> None:
    from tt_connect.errors import InsufficientFundsError, OrderRejectedError

    async with _client(emulator) as broker:
        with pytest.raises(InsufficientFundsError):
            await broker.place_order(instrument=Equity(exchange=Exchange.NSE, symbol="TCS"), qty=100_000,
                                     side=Side.BUY, product=ProductType.CNC, order_type=OrderType.MARKET)
        with pytest.raises(OrderRejectedError, match="held"):
            await broker.place_order(instrument=Equity(exchange=Exchange.NSE, symbol="ITC"), qty=5,
                                     side=Side.SELL, product=ProductType.CNC, order_type=OrderType.MARKET)
        with pytest.raises(InputError):
            await broker.modify_order("999999", qty=2)


# -- the command line -----------------------------------------------------------------------------


def test_tt_connect_emulate_zerodha_prints_one_json_line_first() -> None:
    process = subprocess.Popen([sys.executable, "-m", "tt_connect.cli", "emulate", "zerodha", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = json.loads(line)
        for key in ("api_url", "login_url", "ws_url", "instruments_url", "api_key", "api_secret", "user_id",
                    "password", "totp_secret", "access_token", "request_token"):
            assert found[key], key
        assert found["api_url"].startswith("http://127.0.0.1:")
        assert verify_totp(found["totp_secret"], __import__("pyotp").TOTP(found["totp_secret"]).now(),
                           _dt.datetime.now(IST))

        async def profile() -> int:
            headers = {"Authorization": f"token {found['api_key']}:{found['access_token']}"}
            async with aiohttp.ClientSession() as http, \
                    http.get(f"{found['api_url']}/user/profile", headers=headers) as reply:
                return reply.status

        assert asyncio.run(profile()) == 200
    finally:
        process.terminate()
        process.wait(10)


async def test_postbacks_reach_the_stream_as_order_updates(emulator: KiteEmulator) -> None:
    updates: list[Any] = []
    async with _client(emulator) as broker:
        subscription = await broker.subscribe([], on_order_update=updates.append)
        try:
            order_id = await broker.place_order(instrument=Equity(exchange=Exchange.NSE, symbol="SBIN"), qty=1,
                                                side=Side.BUY, product=ProductType.CNC, order_type=OrderType.MARKET)
            await eventually(lambda: any(u.order.order_id == order_id and u.order.status.is_terminal
                                         for u in updates), timeout=10, what="a final update")
        finally:
            await subscription.unsubscribe()
    final = next(u for u in updates if u.order.order_id == order_id and u.order.status.is_terminal)
    assert final.order.instrument == Equity(exchange=Exchange.NSE, symbol="SBIN")
    assert final.raw is not None and final.raw["checksum"] == hashlib.sha256(
        f"{order_id}{final.raw['order_timestamp']}{emulator.api_secret}".encode()).hexdigest()


def test_tt_connect_emulate_no_rate_limits_never_answers_429() -> None:
    process = subprocess.Popen([sys.executable, "-m", "tt_connect.cli", "emulate", "zerodha", "--no-rate-limits"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        found = json.loads(process.stdout.readline())

        async def burst() -> list[int]:
            headers = {"Authorization": f"token {found['api_key']}:{found['access_token']}"}
            async with aiohttp.ClientSession() as http:
                statuses = []
                for _ in range(5):  # Kite's quote limit is 1/s: a limited emulator answers 429 here
                    async with http.get(f"{found['api_url']}/quote", params={"i": "NSE:INFY"},
                                        headers=headers) as reply:
                        statuses.append(reply.status)
                return statuses

        assert asyncio.run(burst()) == [200] * 5
    finally:
        process.terminate()
        process.wait(10)


async def test_a_history_longer_than_kites_range_is_fetched_in_parts_and_merged(emulator: KiteEmulator) -> None:
    """130 days of 5-minute candles: Kite serves 100 days per request, the client stitches the parts."""
    from tt_connect.enums import CandleInterval

    async with _client(emulator) as broker:
        infy = Equity(exchange=Exchange.NSE, symbol="INFY")
        end = _dt.datetime.now(IST).replace(hour=15, minute=30, second=0, microsecond=0) - _dt.timedelta(days=1)
        start = end - _dt.timedelta(days=130)
        candles = await broker.history(infy, CandleInterval.MINUTE_5, start, end)
    stamps = [c.timestamp for c in candles]
    assert stamps == sorted(set(stamps)), "ordered, and no candle twice where the parts meet"
    assert stamps[0] - start < _dt.timedelta(days=5) and end - stamps[-1] < _dt.timedelta(days=5)
    days = {s.date() for s in stamps}
    boundary = (start + _dt.timedelta(days=100)).date()
    assert any(d < boundary for d in days) and any(d > boundary for d in days), "both parts arrived"


async def test_interactive_login_catches_the_redirect_and_stores_the_session(
        emulator: KiteEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """What ``tt-connect login zerodha`` does: open the Connect login, catch request_token on 127.0.0.1,
    exchange it with its checksum, and keep the session in the file store for the next run."""
    import socket
    import urllib.parse
    import urllib.request
    import webbrowser

    import pyotp

    with socket.socket() as probe:  # a free local port for the app's registered redirect URL
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    emulator.redirect_url = f"http://127.0.0.1:{port}/kite/callback"
    opened: list[str] = []

    def browser(url: str) -> bool:
        """The user logs in in the browser, which then follows Kite's redirect to the local listener."""
        opened.append(url)

        def log_in() -> None:
            form = urllib.parse.urlencode({"user_id": emulator.user_id, "password": emulator.password,
                                           "totp": pyotp.TOTP(emulator.totp_secret).now()}).encode()
            with urllib.request.urlopen(urllib.request.Request(url, data=form), timeout=10) as page:
                page.read()

        threading.Thread(target=log_in, daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", browser)
    config = emulator.driver_config(redirect_url=emulator.redirect_url)
    options: dict[str, Any] = {"instruments_db": ":memory:", "session_store": "file",
                               "session_path": str(tmp_path / "sessions")}
    async with AsyncTTConnect("zerodha", config, interactive_login=True, **options) as broker:
        assert (await broker.profile()).user_id == emulator.user_id
    assert len(opened) == 1 and opened[0].startswith(f"{emulator.base_url}/connect/login?")
    assert f"api_key={emulator.api_key}" in opened[0]
    # The next run needs no browser: the stored session is reused.
    async with AsyncTTConnect("zerodha", config, **options) as broker:
        assert (await broker.funds()).equity.available_cash > 0
    assert len(opened) == 1


async def test_postbacks_are_posted_as_raw_json_to_the_apps_postback_url() -> None:
    """Kite POSTs COMPLETE, CANCELLED, REJECTED and UPDATE events to the registered URL (reference 1.15)."""
    from aiohttp import web

    received: list[tuple[str, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.content_type, await request.json()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/kite/postback", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        with KiteEmulator(tick_interval=0.05, postback_url=f"http://127.0.0.1:{port}/kite/postback") as emulator:
            async with _client(emulator) as broker:
                sbin = Equity(exchange=Exchange.NSE, symbol="SBIN")
                bought = await broker.place_order(instrument=sbin, qty=1, side=Side.BUY, product=ProductType.CNC,
                                                  order_type=OrderType.MARKET)
                last = (await broker.ltp(sbin))[sbin]
                resting = await broker.place_order(instrument=sbin, qty=1, side=Side.BUY, product=ProductType.CNC,
                                                   order_type=OrderType.LIMIT, price=round(last * 0.8, 1))
                await broker.modify_order(resting, price=round(last * 0.79, 1))
                await broker.cancel_order(resting)

                def statuses(order_id: str) -> list[str]:
                    return [body["status"] for _, body in received if body["order_id"] == order_id]

                await eventually(lambda: statuses(bought) == ["COMPLETE"] and statuses(resting) == [
                    "UPDATE", "CANCELLED"], timeout=10, what="three postbacks")
            assert emulator.postbacks_failed == 0
            secret = emulator.api_secret
    finally:
        await runner.cleanup()
    for content_type, body in received:
        assert content_type == "application/json" and body["user_id"] and body["app_id"]
        assert body["checksum"] == hashlib.sha256(
            f"{body['order_id']}{body['order_timestamp']}{secret}".encode()).hexdigest()


async def _resting_buy(broker: Any, **options: Any) -> str:
    """Place an INFY limit buy 20 % under the market, so it rests in the book."""
    infy = Equity(exchange=Exchange.NSE, symbol="INFY")
    last = (await broker.ltp(infy))[infy]
    order_id: str = await broker.place_order(instrument=infy, side=Side.BUY, product=ProductType.CNC,
                                             order_type=OrderType.LIMIT, price=round(last * 0.8, 1), **options)
    return order_id


async def test_an_iceberg_ttl_order_reads_back_as_it_was_sent(emulator: KiteEmulator) -> None:
    from tt_connect.enums import Validity, Variety

    async with _client(emulator) as broker:
        order_id = await _resting_buy(broker, qty=10, validity=Validity.TTL, validity_ttl=3,
                                      variety=Variety.ICEBERG, iceberg_legs=2, tag="ice")
        order = await broker.order(order_id)
        await broker.cancel_order(order_id, variety=Variety.ICEBERG)
    assert (order.variety, order.validity, order.qty) == (Variety.ICEBERG, Validity.TTL, 10)
    assert order.raw is not None and order.raw["validity_ttl"] == 3 and order.raw["tags"] == [order.tag]
    assert order.tag.startswith("ice")


async def test_market_protection_alone_can_be_modified(emulator: KiteEmulator) -> None:
    async with _client(emulator) as broker:
        order_id = await _resting_buy(broker, qty=1, market_protection=2)
        before = await broker.order(order_id)
        assert await broker.modify_order(order_id, market_protection=-1) == order_id
        after = await broker.order(order_id)
        await broker.cancel_order(order_id)
    assert before.raw is not None and before.raw["market_protection"] == 2
    assert after.raw is not None and after.raw["market_protection"] == -1
    assert (after.qty, after.price) == (before.qty, before.price)
