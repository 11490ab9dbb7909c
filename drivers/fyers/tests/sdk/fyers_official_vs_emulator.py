"""Drive the official Fyers SDK (``fyers-apiv3`` 3.2.0) against the Fyers emulator, as a user's script would.

Usage: ``python fyers_official_vs_emulator.py --announcement JSON --logs DIR``, run with the interpreter of the
venv ``nox -s fyers_sdk`` builds (the SDK pins aiohttp 3.9.3, requests 2.31.0 and websocket-client 1.6.1, so
it cannot share the test venv). The SDK reads its REST roots from the class attributes ``Config.API`` and
``Config.DATA_API``: the script points them at the emulator, and a guard refuses a connection to any host
but 127.0.0.1, so no call of the SDK leaves the machine (the socket clients' hard-coded hosts are the feed's
test's to patch).

Exit status 0 and a last line of JSON (the checks that ran) on success; an AssertionError otherwise.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import socket
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

_real_getaddrinfo = socket.getaddrinfo


def _local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host not in ("127.0.0.1", "localhost", b"127.0.0.1"):
        raise OSError(f"the SDK test refuses to connect to {host!r}: only 127.0.0.1 is allowed")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _local_only  # type: ignore[assignment]

import requests  # noqa: E402  (after the guard: nothing may resolve a public host)
from fyers_apiv3 import fyersModel  # noqa: E402

_send = requests.Session.request


def _paced(self: requests.Session, *args: Any, **kwargs: Any) -> Any:
    """Fyers allows 10 requests a second per user: a script paces itself (the emulator enforces the window)."""
    time.sleep(0.11)
    return _send(self, *args, **kwargs)


requests.Session.request = _paced  # type: ignore[method-assign]


def _ok(reply: dict[str, Any], what: str) -> dict[str, Any]:
    assert isinstance(reply, dict) and reply.get("s") == "ok", f"{what}: {reply}"
    return reply


def _wait_for(fyers: Any, order_id: str, statuses: set[int], what: str) -> dict[str, Any]:
    for _ in range(100):
        found = [o for o in _ok(fyers.orderbook({"id": order_id}), "order")["orderBook"] if o["id"] == order_id]
        if found and found[0]["status"] in statuses:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"{what}: order {order_id} never reached {statuses}")


def run(announcement: dict[str, Any], logs: str) -> dict[str, Any]:
    fyersModel.Config.API = announcement["api_url"]
    fyersModel.Config.DATA_API = announcement["data_url"]
    app_id, secret, redirect = announcement["app_id"], announcement["app_secret"], announcement["redirect_url"]
    checks: dict[str, Any] = {"sdk": "fyers-apiv3"}

    # Login as the SDK does it: the generate-authcode page (a browser would follow it), then validate-authcode.
    session = fyersModel.SessionModel(client_id=app_id, secret_key=secret, redirect_uri=redirect,
                                      response_type="code", state="sdk-test", grant_type="authorization_code")
    page = requests.get(session.generate_authcode(), allow_redirects=False, timeout=10)
    assert page.status_code == 302, page.text
    query = parse_qs(urlparse(page.headers["Location"]).query)
    assert query["s"] == ["ok"] and query["state"] == ["sdk-test"], query
    session.set_token(query["auth_code"][0])
    token = session.generate_token()
    assert token.get("s") == "ok" and token.get("access_token"), token
    access = token["access_token"]
    assert len(access.split(".")) == 3, "the access token must be a JWT (the data socket decodes it)"
    checks["login"] = "auth-code"

    fyers = fyersModel.FyersModel(client_id=app_id, token=access, is_async=False, log_path=logs)
    profile = _ok(fyers.get_profile(), "profile")["data"]
    checks["profile"] = profile["fy_id"]
    funds = _ok(fyers.funds(), "funds")["fund_limit"]
    assert {row["title"] for row in funds} >= {"Total Balance", "Available Balance"}, funds
    checks["funds"] = len(funds)

    master = requests.get(announcement["instruments_url"], timeout=10)
    rows = list(csv.reader(io.StringIO(master.text)))
    assert rows and all(len(row) == 21 for row in rows), "the symbol master has 21 columns and no header"
    tickers = {row[9] for row in rows}
    assert "NSE:RELIANCE-EQ" in tickers
    checks["instruments"] = len(rows)

    quote = _ok(fyers.quotes({"symbols": "NSE:RELIANCE-EQ,NSE:TCS-EQ"}), "quotes")["d"]
    assert [q["n"] for q in quote] == ["NSE:RELIANCE-EQ", "NSE:TCS-EQ"] and quote[0]["v"]["lp"] > 0, quote
    last = quote[0]["v"]["lp"]
    depth = _ok(fyers.depth({"symbol": "NSE:RELIANCE-EQ", "ohlcv_flag": "1"}), "depth")["d"]["NSE:RELIANCE-EQ"]
    assert len(depth["bids"]) == 5 and len(depth["ask"]) == 5, depth
    now = int(time.time())
    candles = _ok(fyers.history({"symbol": "NSE:RELIANCE-EQ", "resolution": "D", "date_format": "0",
                                 "range_from": str(now - 20 * 86400), "range_to": str(now), "cont_flag": "1"}),
                  "history")["candles"]
    assert candles and all(len(c) == 6 for c in candles), candles
    checks["quote"] = last

    market = _ok(fyers.place_order({"symbol": "NSE:RELIANCE-EQ", "qty": 1, "type": 2, "side": 1,
                                    "productType": "INTRADAY", "limitPrice": 0, "stopPrice": 0, "validity": "DAY",
                                    "disclosedQty": 0, "offlineOrder": False, "orderTag": "sdktest1"}), "market order")
    filled = _wait_for(fyers, market["id"], {2}, "market order")
    assert filled["orderTag"] == "1:sdktest1" and filled["filledQty"] == 1, filled
    checks["market_order"] = filled["status"]
    assert any(t["orderNumber"] == market["id"] for t in _ok(fyers.tradebook(), "trades")["tradeBook"])
    positions = _ok(fyers.positions(), "positions")["netPositions"]
    assert any(p["symbol"] == "NSE:RELIANCE-EQ" and p["netQty"] == 1 for p in positions), positions
    checks["positions"] = len(positions)
    checks["holdings"] = len(_ok(fyers.holdings(), "holdings")["holdings"])

    price = round(round(last * 0.95 / 0.05) * 0.05, 2)
    limit = _ok(fyers.place_order({"symbol": "NSE:RELIANCE-EQ", "qty": 2, "type": 1, "side": 1, "productType": "CNC",
                                   "limitPrice": price, "stopPrice": 0, "validity": "DAY", "disclosedQty": 0,
                                   "offlineOrder": False}), "limit order")
    _wait_for(fyers, limit["id"], {6}, "limit order")
    lower = round(price - 1.0, 2)
    _ok(fyers.modify_order({"id": limit["id"], "type": 1, "limitPrice": lower, "qty": 3}), "modify")
    modified = _wait_for(fyers, limit["id"], {6}, "modified order")
    assert modified["qty"] == 3 and modified["limitPrice"] == lower, modified
    cancelled = _ok(fyers.cancel_order({"id": limit["id"]}), "cancel")
    assert cancelled["code"] == 1103, cancelled
    _wait_for(fyers, limit["id"], {1}, "cancelled order")
    checks["limit_then_cancel"] = "cancelled"

    twice = fyers.cancel_order({"id": limit["id"]})
    assert twice.get("s") == "error" and twice["code"] < 0, twice
    unknown = fyers.cancel_order({"id": "999999999999"})
    assert unknown.get("s") == "error" and unknown["code"] == -51, unknown

    gtt = _ok(fyers.place_gtt_order({"side": 1, "symbol": "NSE:RELIANCE-EQ", "productType": "CNC",
                                     "orderInfo": {"leg1": {"price": price, "triggerPrice": price, "qty": 1}}}), "gtt")
    assert any(g["id"] == gtt["id"] for g in _ok(fyers.gtt_orderbook(), "gtt book")["orderBook"])
    _ok(fyers.cancel_gtt_order({"id": gtt["id"]}), "gtt cancel")
    checks["gtt"] = "placed and cancelled"

    bogus = fyersModel.FyersModel(client_id=app_id, token="not-a-token", is_async=False, log_path=logs)
    refused = bogus.get_profile()
    assert refused.get("s") == "error" and refused.get("code") in (-8, -15, -16, -17), refused
    checks["bogus_token"] = refused["code"]

    _ok(fyers.logout(), "logout")
    after = fyers.get_profile()
    assert after.get("s") == "error", after
    checks["logout"] = after["code"]
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--announcement", required=True, help="the emulator's announcement line (JSON)")
    parser.add_argument("--logs", required=True, help="where the SDK writes its log files")
    args = parser.parse_args()
    print(json.dumps(run(json.loads(args.announcement), args.logs.rstrip("/"))))


if __name__ == "__main__":
    main()
