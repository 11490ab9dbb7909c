"""The Upstox emulator produces each broker outcome the way Upstox does (codes, statuses, reasons)."""

from __future__ import annotations

import datetime as _dt
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from tt_connect.paper.rules import FREEZE_QUANTITIES
from tt_connect.timeutil import IST, ManualClock
from tt_connect_upstox.emulator import UpstoxEmulator
from tt_connect_upstox.emulator.wire import CIRCUIT_MESSAGE, FREEZE_MESSAGE, HOURS_MESSAGE


@pytest.fixture
def emulator() -> Iterator[UpstoxEmulator]:
    with UpstoxEmulator(tick_interval=0.05) as running:
        yield running


def call(emu: UpstoxEmulator, method: str, path: str, body: Any = None, *, token: str | None = None,
         form: dict[str, str] | None = None, version: bool = True) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token or emu.access_token}", "Accept": "application/json"}
    if version:
        headers["Api-Version"] = "2.0"
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(emu.base_url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def key(emu: UpstoxEmulator, symbol: str) -> str:
    token = next(t for t, r in emu.engine.rows.items() if r.symbol == symbol and r.kind in ("EQ", "IDX"))
    return emu.listing.key[token]


def nifty_option(emu: UpstoxEmulator) -> int:
    return next(t for t, r in emu.engine.rows.items() if r.kind == "OPT" and r.underlying == "NIFTY")


def place(emu: UpstoxEmulator, **fields: Any) -> tuple[int, Any]:
    body = {"quantity": 1, "product": "I", "validity": "DAY", "price": 0, "tag": "t", "order_type": "MARKET",
            "transaction_type": "BUY", "disclosed_quantity": 0, "trigger_price": 0, "is_amo": False, **fields}
    return call(emu, "POST", "/v3/order/place", body, version=False)


def order(emu: UpstoxEmulator, order_id: str) -> dict[str, Any]:
    status, body = call(emu, "GET", f"/v2/order/details?order_id={order_id}", version=False)
    assert status == 200, body
    return body["data"]  # type: ignore[no-any-return]


def code(body: Any) -> str:
    return body["errors"][0]["errorCode"]  # type: ignore[no-any-return]


def resting_buy(emu: UpstoxEmulator, symbol: str = "INFY") -> str:
    last = emu.call(lambda: emu.engine.ltp(emu.listing.by_key[key(emu, symbol)]))
    status, body = place(emu, instrument_token=key(emu, symbol), order_type="LIMIT",
                         price=round(round(last * 0.95 / 0.05) * 0.05, 2))
    assert status == 200, body
    return body["data"]["order_ids"][0]  # type: ignore[no-any-return]


def test_unknown_order_id_is_udapi100010_on_every_order_route(emulator: UpstoxEmulator) -> None:
    for method, path, body, version in (
            ("GET", "/v2/order/details?order_id=nope", None, False), ("GET", "/v2/order/history?order_id=nope", None,
                                                                      True),
            ("GET", "/v2/order/trades?order_id=nope", None, True), ("DELETE", "/v3/order/cancel?order_id=nope", None,
                                                                    False),
            ("PUT", "/v3/order/modify", {"order_id": "nope", "order_type": "LIMIT", "validity": "DAY", "price": 1,
                                         "trigger_price": 0}, False)):
        status, reply = call(emulator, method, path, body, version=version)
        assert (status, code(reply)) == (400, "UDAPI100010"), path


def test_cancel_twice_and_modify_after_cancel_are_refused_as_no_longer_open(emulator: UpstoxEmulator) -> None:
    order_id = resting_buy(emulator)
    assert call(emulator, "DELETE", f"/v3/order/cancel?order_id={order_id}", version=False)[0] == 200
    status, again = call(emulator, "DELETE", f"/v3/order/cancel?order_id={order_id}", version=False)
    assert (status, code(again)) == (400, "UDAPI100040")
    status, modify = call(emulator, "PUT", "/v3/order/modify", {"order_id": order_id, "order_type": "LIMIT",
                                                                 "validity": "DAY", "price": 10, "trigger_price": 0},
                          version=False)
    assert status == 400 and "already cancelled/rejected/completed" in modify["errors"][0]["message"]


def test_an_order_too_big_for_the_account_is_accepted_then_rejected_with_the_rms_reason(
        emulator: UpstoxEmulator) -> None:
    status, body = place(emulator, instrument_token=key(emulator, "MRF"), quantity=100, product="D")
    assert status == 200
    rejected = order(emulator, body["data"]["order_ids"][0])
    assert rejected["status"] == "rejected" and "insufficient funds" in rejected["status_message"].lower()


def test_price_band_freeze_limit_and_market_hours_reject_the_order_with_upstox_reasons(
        emulator: UpstoxEmulator) -> None:
    infy = key(emulator, "INFY")
    status, body = place(emulator, instrument_token=infy, order_type="LIMIT", price=1.0)
    assert status == 200 and order(emulator, body["data"]["order_ids"][0])["status_message"] == CIRCUIT_MESSAGE
    option = nifty_option(emulator)
    lot = emulator.engine.rows[option].lot_size
    above = (FREEZE_QUANTITIES["NIFTY"] // lot + 1) * lot
    status, body = place(emulator, instrument_token=emulator.listing.key[option], quantity=above, product="D")
    assert status == 200 and order(emulator, body["data"]["order_ids"][0])["status_message"] == FREEZE_MESSAGE
    emulator.faults.close_market()
    status, body = place(emulator, instrument_token=infy)
    assert order(emulator, body["data"]["order_ids"][0])["status_message"] == HOURS_MESSAGE
    status, body = place(emulator, instrument_token=infy, is_amo=True)
    amo = order(emulator, body["data"]["order_ids"][0])
    assert amo["is_amo"] is True and amo["variety"] == "AMO" and amo["status"] != "rejected"


def test_slicing_splits_an_order_above_the_freeze_limit_into_several(emulator: UpstoxEmulator) -> None:
    option = nifty_option(emulator)
    lot = emulator.engine.rows[option].lot_size
    quantity = (FREEZE_QUANTITIES["NIFTY"] // lot) * lot * 2 + lot
    status, body = place(emulator, instrument_token=emulator.listing.key[option], quantity=quantity, product="D",
                         slice=True)
    assert status == 200 and len(body["data"]["order_ids"]) == 3
    assert sum(order(emulator, i)["quantity"] for i in body["data"]["order_ids"]) == quantity


def test_an_index_is_not_tradable_and_an_unknown_gtt_is_refused(emulator: UpstoxEmulator) -> None:
    status, body = place(emulator, instrument_token=key(emulator, "NIFTY 50"))
    assert status == 400 and code(body) == "UDAPI100038" and "index" in body["errors"][0]["message"]
    status, body = call(emulator, "DELETE", "/v3/order/gtt/cancel", {"gtt_order_id": "GTT-C999"}, version=False)
    assert status == 400 and "GTT order not found" in body["errors"][0]["message"]


def test_a_session_dies_at_0330_ist_the_next_day() -> None:
    clock = ManualClock(_dt.datetime(2025, 1, 6, 20, 0, tzinfo=IST))
    with UpstoxEmulator(clock=clock, tick_interval=0.05) as emu:
        assert call(emu, "GET", "/v2/user/profile")[0] == 200
        clock.set(_dt.datetime(2025, 1, 7, 3, 29, tzinfo=IST))
        assert call(emu, "GET", "/v2/user/profile")[0] == 200
        clock.set(_dt.datetime(2025, 1, 7, 3, 30, tzinfo=IST))
        status, body = call(emu, "GET", "/v2/user/profile")
        assert (status, code(body)) == (401, "UDAPI100050")


def test_the_code_works_once_and_logout_kills_the_token(emulator: UpstoxEmulator) -> None:
    form = {"code": emulator.auth_code, "client_id": emulator.api_key, "client_secret": emulator.api_secret,
            "redirect_uri": emulator.redirect_url, "grant_type": "authorization_code"}
    status, reply = call(emulator, "POST", "/v2/login/authorization/token", form=form)
    assert status == 200 and reply["user_id"] == emulator.user_id and "status" not in reply
    status, again = call(emulator, "POST", "/v2/login/authorization/token", form=form)
    assert (status, code(again)) == (401, "UDAPI100016")
    token = reply["access_token"]
    assert call(emulator, "DELETE", "/v2/logout", token=token) == (200, {"status": "success", "data": True})
    assert call(emulator, "GET", "/v2/user/profile", token=token)[0] == 401


def test_v2_routes_need_the_api_version_header(emulator: UpstoxEmulator) -> None:
    status, body = call(emulator, "GET", "/v2/user/profile", version=False)
    assert (status, code(body)) == (400, "UDAPI100015")


def test_requests_over_the_published_limit_get_429_with_upstox_code() -> None:
    with UpstoxEmulator(tick_interval=0.05) as emu:
        statuses = [call(emu, "GET", "/v2/order/retrieve-all") for _ in range(55)]
        limited = [body for status, body in statuses if status == 429]
        assert limited and code(limited[0]) == "UDAPI10005"
        assert emu.rate_limited == len(limited)


def test_injected_failures_and_candle_ranges(emulator: UpstoxEmulator) -> None:
    emulator.faults.fail_next(503)
    assert call(emulator, "GET", "/v2/user/profile")[0] == 503
    infy = urllib.parse.quote(key(emulator, "INFY"), safe="")
    status, body = call(emulator, "GET", f"/v3/historical-candle/{infy}/minutes/1/2025-01-03/2025-01-01",
                        version=False)
    assert status == 200 and body["data"]["candles"]
    stamps = [row[0] for row in body["data"]["candles"]]
    assert stamps == sorted(stamps, reverse=True), "newest first"
    status, body = call(emulator, "GET", f"/v3/historical-candle/{infy}/minutes/1/2025-03-01/2025-01-01",
                        version=False)
    assert status == 400 and code(body) == "UDAPI100038"


def test_the_command_line_prints_the_announcement_keys_first() -> None:
    process = subprocess.Popen([sys.executable, "-c", "from tt_connect_upstox.emulator import main; main()"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        announced = json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(10)
    assert {"api_url", "order_api_url", "ws_url", "order_ws_url", "instruments_url", "api_key", "api_secret",
            "redirect_url", "auth_code"} <= set(announced)
