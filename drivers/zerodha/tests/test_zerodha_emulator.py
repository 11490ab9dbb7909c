"""The Kite emulator speaks Kite: the official SDK works against it, its replies carry the official mocks' fields,
its announcement line is a config as it is, and order updates reach the stream and the app's postback URL."""

from __future__ import annotations

import asyncio
import datetime as _dt
import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import pyotp
import pytest
from kite_clients import client, kite_get
from kite_mock_files import mock_json
from tt_connect import AsyncTTConnect
from tt_connect.emulation import verify_totp
from tt_connect.enums import Exchange, OrderType, ProductType, Side
from tt_connect.instruments import Equity, Future, Index
from tt_connect.testing import eventually
from tt_connect.timeutil import IST
from tt_connect_zerodha.emulator import KiteEmulator


@pytest.fixture
def emulator() -> Iterator[KiteEmulator]:
    with KiteEmulator(tick_interval=0.05) as running:
        yield running


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
    async with client(emulator) as broker:
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
        status, body = await kite_get(emulator, path)
        assert status == 200 and body["status"] == "success", path
        expected = mock_json(mock)["data"]
        missing = set(pick(expected)) - set(pick(body["data"]))
        assert not missing, f"{path} lacks {sorted(missing)} of {mock}"


async def test_errors_use_kite_envelopes_and_error_types(emulator: KiteEmulator) -> None:
    status, body = await kite_get(emulator, "/user/profile", token="forged")
    assert status == 403 and body == {"status": "error", "message": "Incorrect `api_key` or `access_token`.",
                                      "data": None, "error_type": "TokenException"}
    for path, what in (("/orders/999", "order_id"), ("/orders/999/trades", "order_id"),
                       ("/gtt/triggers/999", "trigger_id")):
        status, body = await kite_get(emulator, path)
        assert (status, body["error_type"], body["message"]) == (400, "GeneralException",
                                                                 f"Couldn't find that `{what}`.")
    token = emulator.listing.kite_token[1]
    status, body = await kite_get(emulator, f"/instruments/historical/{token}/minute?from=2025-01-01+09:15:00"
                                        "&to=2025-04-01+15:30:00")
    assert status == 400 and "60 days" in body["message"]


async def test_the_instruments_csv_loads_through_the_driver_and_resolves_every_kind(emulator: KiteEmulator) -> None:
    async with client(emulator) as broker:
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
    statuses = [(await kite_get(emulator, "/quote/ltp?i=NSE:INFY"))[0] for _ in range(3)]
    assert statuses[0] == 200 and 429 in statuses
    assert emulator.rate_limited >= 1


async def test_session_token_calls_count_in_the_ten_a_second_window_of_other_endpoints(
        emulator: KiteEmulator) -> None:
    """Twelve token exchanges at once (bots starting together on one api_key): ten pass the window, two get 429."""
    async with aiohttp.ClientSession() as http:
        async def exchange() -> int:
            form = {"api_key": emulator.api_key, "request_token": "spent", "checksum": "0" * 64}
            async with http.post(f"{emulator.base_url}/session/token", data=form) as reply:
                return reply.status

        statuses = await asyncio.gather(*(exchange() for _ in range(12)))
    assert statuses.count(429) == 2 and emulator.rate_limited == 2
    assert all(status in (400, 403) for status in statuses if status != 429)


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
        assert verify_totp(found["totp_secret"], pyotp.TOTP(found["totp_secret"]).now(), _dt.datetime.now(IST))

        async def profile() -> str:
            """The line, passed as it is, is a config (broker and request_token are declared as no settings)."""
            async with AsyncTTConnect("zerodha", found, instruments_db=":memory:", session_store="memory") as broker:
                return (await broker.profile()).user_id

        assert asyncio.run(profile()) == found["user_id"]
    finally:
        process.terminate()
        process.wait(10)


async def test_postbacks_reach_the_stream_as_order_updates(emulator: KiteEmulator) -> None:
    updates: list[Any] = []
    async with client(emulator) as broker:
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
            async with client(emulator) as broker:
                sbin = Equity(exchange=Exchange.NSE, symbol="SBIN")
                bought = await broker.place_order(instrument=sbin, qty=1, side=Side.BUY, product=ProductType.CNC,
                                                  order_type=OrderType.MARKET)
                last = (await broker.ltp(sbin))[sbin]
                resting = await broker.place_order(instrument=sbin, qty=1, side=Side.BUY, product=ProductType.CNC,
                                                   order_type=OrderType.LIMIT, price=round(last * 0.95, 1))
                await broker.modify_order(resting, price=round(last * 0.94, 1))
                await broker.cancel_order(resting)

                def statuses(order_id: str) -> list[str]:
                    return [body["status"] for _, body in received if body["order_id"] == order_id]

                await eventually(lambda: statuses(bought) == ["COMPLETE"] and statuses(resting) == [
                    "UPDATE", "CANCELLED"], timeout=10, what="three postbacks")
            assert emulator.postbacks.failed == 0
            secret = emulator.api_secret
    finally:
        await runner.cleanup()
    for content_type, body in received:
        assert content_type == "application/json" and body["user_id"] and body["app_id"]
        assert body["checksum"] == hashlib.sha256(
            f"{body['order_id']}{body['order_timestamp']}{secret}".encode()).hexdigest()




def test_emulator_orders_reach_the_client_as_kite_statuses(emulator: KiteEmulator) -> None:
    """The emulator writes Kite's spelling (``TRIGGER PENDING``, ``SL-M``) that the driver maps back."""
    from tt_connect_zerodha.emulator.wire import kite_order

    token = emulator.listing.by_symbol[("NSE", "RELIANCE")]
    last = emulator.call(lambda: emulator.engine.ltp(token))
    order = emulator.call(lambda: emulator.engine.place(token=token, side="BUY", qty=1, order_type="SL_M",
                                                        product="CNC", trigger_price=round(last * 1.05, 1)))
    row = kite_order(emulator.listing, order, user_id="ZE1234", variety="regular")
    assert row["status"] == "TRIGGER PENDING" and row["order_type"] == "SL-M"
    assert row["pending_quantity"] == 1 and row["instrument_token"] & 0xFF == 1
    emulator.call(lambda: emulator.engine.cancel(order.order_id))
