"""The official ``dhanhq`` 2.3.0 SDK against the Dhan emulator: login, REST calls, both sockets.

Every host the SDK would reach is pointed at the emulator (class attributes ``DhanHTTP.API_BASE_URL``,
``DhanLogin.AUTH_BASE_URL``/``API_BASE_URL``, ``Security.COMPACT_CSV_URL``, ``MarketFeed.market_feed_wss``
and the ``OrderUpdate`` instance's ``order_feed_wss``), and ``loopback_only`` refuses any other name.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from dhanhq import DhanContext, DhanHTTP, DhanLogin, FullDepth, OrderUpdate, Security
from dhanhq import dhanhq as Dhan
from dhanhq.marketfeed import MarketFeed
from tt_connect.testing import eventually_sync
from tt_connect_dhan.emulator import DhanEmulator


@pytest.fixture
def emulator(loopback_only: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[DhanEmulator]:
    with DhanEmulator(tick_interval=0.05) as emu:
        found = emu.announcement()
        monkeypatch.setattr(DhanHTTP, "API_BASE_URL", found["api_url"])
        monkeypatch.setattr(DhanLogin, "AUTH_BASE_URL", found["auth_url"])
        monkeypatch.setattr(DhanLogin, "API_BASE_URL", found["api_url"])
        monkeypatch.setattr(Security, "COMPACT_CSV_URL", found["instruments_url"])
        monkeypatch.setattr(MarketFeed, "market_feed_wss", found["ws_url"])
        monkeypatch.setattr(FullDepth, "depth_20_feed_wss", found["depth_20_ws_url"])
        yield emu


def _login(emulator: DhanEmulator) -> Dhan:
    """Log in as the SDK does it headless: PIN + TOTP through ``DhanLogin.generate_token``."""
    reply = DhanLogin(emulator.client_id).generate_token(emulator.pin, pyotp.TOTP(emulator.totp_secret).now())
    return Dhan(DhanContext(emulator.client_id, reply["accessToken"]))


def _ok(reply: dict[str, Any]) -> Any:
    assert reply["status"] == "success", reply["remarks"]
    return reply["data"]


def test_sdk_logs_in_with_pin_and_totp_and_reads_profile_and_funds(emulator: DhanEmulator) -> None:
    dhan = _login(emulator)
    assert emulator.logins == 1
    profile = DhanLogin(emulator.client_id).user_profile(dhan.dhan_http.access_token)
    assert profile["dhanClientId"] == emulator.client_id and profile["tokenValidity"]
    funds = _ok(dhan.get_fund_limits())
    assert funds["availabelBalance"] == 1_000_000.0 and funds["dhanClientId"] == emulator.client_id


def test_sdk_downloads_the_compact_instrument_master(emulator: DhanEmulator, tmp_path: Path) -> None:
    frame = Security.fetch_security_list("compact", str(tmp_path / "master.csv"))
    assert frame is not None and len(frame) == len(emulator.engine.rows)
    reliance = frame[frame["SEM_TRADING_SYMBOL"] == "RELIANCE"].iloc[0]
    assert reliance["SEM_SEGMENT"] == "E" and reliance["SEM_SMST_SECURITY_ID"] == 10_001


def test_sdk_market_order_then_order_book_status_and_positions(emulator: DhanEmulator) -> None:
    dhan = _login(emulator)
    placed = _ok(dhan.place_order(security_id="10001", exchange_segment=dhan.NSE, transaction_type=dhan.BUY,
                                  quantity=2, order_type=dhan.MARKET, product_type=dhan.INTRA, price=0,
                                  tag="ttc-sdk-1"))
    order_id = placed["orderId"]
    assert placed["orderStatus"] == "TRADED"
    assert _ok(dhan.get_order_by_id(order_id))["filledQty"] == 2
    assert _ok(dhan.get_order_by_correlationID("ttc-sdk-1"))["orderId"] == order_id
    assert [row["orderId"] for row in _ok(dhan.get_order_list())] == [order_id]
    assert [row["tradedQuantity"] for row in _ok(dhan.get_trade_book(order_id))] == [2]
    assert len(_ok(dhan.get_trade_book())) == 1
    (position,) = _ok(dhan.get_positions())
    assert (position["securityId"], position["netQty"], position["productType"]) == ("10001", 2, "INTRADAY")
    assert {row["tradingSymbol"] for row in _ok(dhan.get_holdings())} == {"INFY", "TCS", "HDFCBANK"}


def test_sdk_limit_order_then_cancel_and_a_second_cancel_is_refused(emulator: DhanEmulator) -> None:
    dhan = _login(emulator)
    placed = _ok(dhan.place_order(security_id="10001", exchange_segment=dhan.NSE, transaction_type=dhan.BUY,
                                  quantity=1, order_type=dhan.LIMIT, product_type=dhan.CNC, price=2700.0))
    assert placed["orderStatus"] == "PENDING"
    assert _ok(dhan.cancel_order(placed["orderId"])) == {"orderId": placed["orderId"], "orderStatus": "CANCELLED"}
    again = dhan.cancel_order(placed["orderId"])
    assert again["status"] == "failure" and again["remarks"]["error_code"] == "DH-906"


def test_sdk_quote_batch_keys_instruments_by_security_id_text(emulator: DhanEmulator) -> None:
    dhan = _login(emulator)
    data = _ok(dhan.quote_data({"NSE_EQ": [10001, 10002]}))
    quotes = data["data"]["NSE_EQ"]
    assert set(quotes) == {"10001", "10002"}
    assert len(quotes["10001"]["depth"]["buy"]) == 5 and quotes["10001"]["last_price"] > 0


def test_sdk_position_conversion_reports_success(emulator: DhanEmulator) -> None:
    dhan = _login(emulator)
    _ok(dhan.place_order(security_id="10001", exchange_segment=dhan.NSE, transaction_type=dhan.BUY, quantity=1,
                         order_type=dhan.MARKET, product_type=dhan.INTRA, price=0))
    assert dhan.convert_position("INTRADAY", "NSE_EQ", "LONG", "10001", 1, "CNC")["status"] == "success"


def test_sdk_with_a_bogus_token_gets_its_auth_error(emulator: DhanEmulator) -> None:
    reply = Dhan(DhanContext(emulator.client_id, "not-a-token")).get_order_list()
    assert reply["status"] == "failure"
    assert reply["remarks"]["error_code"] == "DH-901"
    assert reply["remarks"]["error_type"] == "Invalid_Authentication"


def test_sdk_market_feed_full_mode_gives_full_packets(emulator: DhanEmulator) -> None:
    context = DhanContext(emulator.client_id, emulator.access_token)
    feed = MarketFeed(context, [(MarketFeed.NSE, "10001", MarketFeed.Full)], version="v2")
    try:
        feed.run_forever()
        seen = [feed.get_data() for _ in range(4)]
        full = [packet for packet in seen if packet["type"] == "Full Data"]
        assert seen[0]["type"] == "Previous Close"
        assert full and full[0]["security_id"] == 10_001 and len(full[0]["depth"]) == 5
        assert float(full[0]["LTP"]) > 0
        feed.close_connection()
    finally:
        feed.loop.close()
        asyncio.set_event_loop(None)


def test_sdk_order_update_socket_delivers_order_alerts(emulator: DhanEmulator) -> None:
    dhan = _login(emulator)
    updates = OrderUpdate(DhanContext(emulator.client_id, dhan.dhan_http.access_token))
    updates.order_feed_wss = emulator.announcement()["order_ws_url"]
    seen: list[dict[str, Any]] = []
    updates.on_update = seen.append
    thread = threading.Thread(target=updates.connect_to_dhan_websocket_sync, daemon=True)
    thread.start()
    eventually_sync(lambda: any(c.state.get("authorised") for c in list(emulator.streams)))
    placed = _ok(dhan.place_order(security_id="10001", exchange_segment=dhan.NSE, transaction_type=dhan.BUY,
                                  quantity=1, order_type=dhan.MARKET, product_type=dhan.INTRA, price=0))
    eventually_sync(lambda: any(m["Data"]["Status"] == "Traded" for m in seen))
    assert {m["Type"] for m in seen} == {"order_alert"}
    assert all(m["Data"]["OrderNo"] == placed["orderId"] for m in seen)
    emulator.faults.kill_streams()
    thread.join(10)


def test_sdk_twenty_level_depth_feed_pairs_bid_and_ask_packets(emulator: DhanEmulator) -> None:
    depth = FullDepth(DhanContext(emulator.client_id, emulator.access_token), [(FullDepth.NSE, "10001")], 20)
    depth.on_ticks = lambda update: None
    try:
        depth.run_forever()
        (book,) = depth.get_data()
        assert book["security_id"] == 10_001 and len(book["depth"]) == 20
        depth.loop.run_until_complete(depth.ws.close())
    finally:
        depth.loop.close()
        asyncio.set_event_loop(None)
