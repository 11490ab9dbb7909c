"""Drive an official Noren SDK against the Noren emulator, the way a user's script would.

Usage: ``python noren_official_vs_emulator.py BIN BROKER`` starts ``BIN emulate BROKER`` and reads its
announcement line; ``python noren_official_vs_emulator.py --announcement JSON`` uses a running one.
Run it with the SDK of the profile's generation on ``sys.path``: ``NorenRestApiOAuth`` 0.0.41 for the
OAuth profile (shoonya), ``NorenRestApiPy`` 0.0.22 for the jKey profiles (flattrade, noren). Both install
the module ``NorenRestApiPy``; the SDK takes its hosts as arguments, and a guard refuses any connection
to a host other than 127.0.0.1 (no call of the SDK leaves the machine).

Exit status 0 and a last line of JSON (the checks that ran) on success; an AssertionError otherwise.
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
import subprocess
import sys
import threading
import time
import zipfile
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp
import requests

_real_getaddrinfo = socket.getaddrinfo


def _local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host not in ("127.0.0.1", "localhost", b"127.0.0.1"):
        raise OSError(f"the SDK test refuses to connect to {host!r}: only 127.0.0.1 is allowed")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _local_only  # type: ignore[assignment]

from NorenRestApiPy.NorenApi import FeedType, NorenApi  # noqa: E402

OAUTH = hasattr(NorenApi, "getAccessToken")
"""True for NorenRestApiOAuth (``GenAcsTok`` + Bearer); False for the legacy NorenRestApiPy (jKey)."""


def _wait(condition: Any, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _code_from(url: str, fallback: str) -> str:
    reply = requests.get(url, allow_redirects=False, timeout=10)
    location = reply.headers.get("Location", "")
    found = parse_qs(urlparse(location).query).get("code")
    return found[0] if found else fallback


def _login(api: NorenApi, ann: dict[str, Any]) -> None:
    if OAUTH:
        code = _code_from(api.getOAuthURL(ann["oauth_url"], ann["api_key"]), ann.get("auth_code", ""))
        got = api.getAccessToken(code, ann["api_secret"], ann["api_key"], ann["user_id"])
        assert got is not None, "GenAcsTok refused the login"
        assert got[1] == ann["user_id"]
        return
    if "token_url" in ann:  # Flattrade: what its token generator does, then the SDK's set_session
        code = _code_from(f"{ann['oauth_url']}?app_key={ann['api_key']}", ann.get("auth_code", ""))
        secret = hashlib.sha256((ann["api_key"] + code + ann["api_secret"]).encode()).hexdigest()
        reply = requests.post(ann["token_url"], json={"api_key": ann["api_key"], "request_code": code,
                                                      "api_secret": secret}, timeout=10).json()
        assert reply["stat"] == "Ok" and reply["token"], reply
        api.set_session(userid=ann["user_id"], password="", usertoken=reply["token"])
        return
    totp = pyotp.TOTP(ann["totp_secret"]).now()
    reply = api.login(userid=ann["user_id"], password=ann["password"], twoFA=totp, vendor_code=ann["vendor_code"],
                      api_secret=ann["api_key"], imei="tt-connect-test")
    assert reply is not None and reply["stat"] == "Ok", "QuickAuth refused the login"


def _user_details(api: NorenApi, ann: dict[str, Any]) -> dict[str, Any]:
    """``UserDetails`` has no SDK method: send it encoded exactly as the SDK encodes its calls."""
    values = {"uid": ann["user_id"]}
    payload = "jData=" + json.dumps(values)
    headers = None
    if OAUTH:
        headers = api._NorenApi__OAuthHeaders
    else:
        payload += f"&jKey={api._NorenApi__susertoken}"
    reply: dict[str, Any] = requests.post(f"{ann['api_url']}/UserDetails", data=payload, headers=headers,
                                          timeout=10).json()
    return reply


def run(ann: dict[str, Any]) -> dict[str, Any]:
    checks: dict[str, Any] = {"sdk": "NorenRestApiOAuth" if OAUTH else "NorenRestApiPy", "broker": ann["broker"]}
    api = NorenApi(host=ann["api_url"], websocket=ann["ws_url"])
    _login(api, ann)
    checks["login"] = True

    profile = _user_details(api, ann)
    assert profile["stat"] == "Ok" and profile["actid"] == ann["user_id"], profile
    limits = api.get_limits()
    assert limits["stat"] == "Ok" and float(limits["cash"]) > 0, limits
    checks["profile_funds"] = True

    archive = requests.get(ann["instruments_url"], timeout=10).content
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        text = zipped.read(zipped.namelist()[0]).decode()
    header, *rows = text.splitlines()
    assert header.startswith("Exchange,Token,LotSize,Symbol,TradingSymbol") and header.endswith(","), header
    reliance = next(r.split(",") for r in rows if ",RELIANCE-EQ," in r)
    token = reliance[1]
    checks["instruments"] = len(rows)

    quote = api.get_quotes("NSE", token)
    assert quote is not None and float(quote["lp"]) > 0 and quote["tsym"] == "RELIANCE-EQ", quote
    checks["quote"] = quote["lp"]

    placed = api.place_order(buy_or_sell="B", product_type="I", exchange="NSE", tradingsymbol="RELIANCE-EQ",
                             quantity=1, discloseqty=0, price_type="MKT", price=0, retention="DAY",
                             remarks="ttc-sdk-market")
    assert placed is not None and placed["stat"] == "Ok", placed
    market_id = placed["norenordno"]
    book = api.get_order_book()
    assert book is not None and any(o["norenordno"] == market_id for o in book), book
    history = api.single_order_history(market_id)
    assert history is not None and history[0]["status"] == "COMPLETE", history
    checks["market_order"] = history[0]["avgprc"]

    positions = api.get_positions()
    assert positions is not None and any(p["tsym"] == "RELIANCE-EQ" and int(p["netqty"]) >= 1 for p in positions)
    holdings = api.get_holdings()
    assert holdings is not None and holdings[0]["exch_tsym"][0]["tsym"].endswith("-EQ"), holdings
    checks["portfolio"] = True

    far = round(float(quote["lp"]) * 0.9, 1)
    limit = api.place_order(buy_or_sell="B", product_type="C", exchange="NSE", tradingsymbol="RELIANCE-EQ",
                            quantity=1, discloseqty=0, price_type="LMT", price=far, retention="DAY",
                            remarks="ttc-sdk-limit")
    assert limit is not None and limit["stat"] == "Ok", limit
    limit_id = limit["norenordno"]
    cancelled = api.cancel_order(limit_id)
    assert cancelled is not None and cancelled["result"] == limit_id, cancelled
    assert api.single_order_history(limit_id)[0]["status"] == "CANCELED"
    checks["limit_then_cancel"] = True

    bogus = NorenApi(host=ann["api_url"], websocket=ann["ws_url"])
    if OAUTH:
        bogus.injectOAuthHeader("not-a-token", ann["user_id"], ann["user_id"])
    else:
        bogus.set_session(userid=ann["user_id"], password="", usertoken="not-a-token")
    refused = bogus.get_limits()
    assert refused["stat"] == "Not_Ok" and refused["emsg"].startswith("Session Expired"), refused
    assert bogus.get_order_book() is None
    checks["bogus_token"] = refused["emsg"]

    ticks: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    opened = threading.Event()
    started = time.monotonic()
    api.start_websocket(subscribe_callback=ticks.append, order_update_callback=updates.append,
                        socket_open_callback=opened.set)
    _wait(opened.is_set, "the socket's connect acknowledgement")
    checks["seconds_to_ack"] = round(time.monotonic() - started, 2)
    api.subscribe(f"NSE|{token}", feed_type=FeedType.SNAPQUOTE)
    api.subscribe_orders()
    _wait(lambda: any(t["t"] == "dk" for t in ticks), "a depth snapshot (dk)")
    _wait(lambda: any(t["t"] == "df" for t in ticks), "a depth delta (df)")
    snapshot = next(t for t in ticks if t["t"] == "dk")
    assert snapshot["tk"] == token and float(snapshot["lp"]) > 0 and "bp5" in snapshot and "so5" in snapshot
    time.sleep(0.1)  # the order subscription is sent after the market one; let the server read it
    sold = api.place_order(buy_or_sell="S", product_type="I", exchange="NSE", tradingsymbol="RELIANCE-EQ",
                           quantity=1, discloseqty=0, price_type="MKT", price=0, retention="DAY",
                           remarks="ttc-sdk-ws")
    assert sold is not None
    _wait(lambda: any(u.get("norenordno") == sold["norenordno"] and u.get("status") == "COMPLETE"
                      for u in updates), "the order update (om) of the sell")
    checks["seconds_to_order_update"] = round(time.monotonic() - started, 2)
    # close_websocket joins the SDK's socket thread, which websocket-client's dispatcher can hold for ~10 s
    # (its select timeout) after the close handshake; the script does not wait that long for it.
    closer = threading.Thread(target=api.close_websocket, daemon=True)
    closer.start()
    closer.join(2.0)
    checks["stream"] = {"ticks": len(ticks), "order_updates": len(updates)}
    return checks


def main(argv: list[str]) -> int:
    process = None
    if argv[:1] == ["--announcement"]:
        announcement = json.loads(argv[1])
    else:
        process = subprocess.Popen([*argv[0].split(), "emulate", argv[1]], stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        announcement = json.loads(process.stdout.readline())
    try:
        print(json.dumps(run(announcement)))
    finally:
        if process is not None:
            process.terminate()
            process.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
