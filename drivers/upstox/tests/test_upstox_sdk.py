"""The Upstox emulator speaks Upstox: the official upstox-python-sdk works against it.

Every SDK call stays on 127.0.0.1: the REST hosts are the ``Configuration``'s ``host`` and
``order_host``; the two socket URLs are hard-coded in the SDK's feeder modules, so each test
swaps those modules' ``websocket`` name for a shim whose ``WebSocketApp`` rewrites
``wss://api.upstox.com`` to the emulator (sdk-notes.md, Upstox). A test needing a request the
SDK makes no method for (the browser's dialog step, the BOD file) uses urllib, as a script would.
"""

from __future__ import annotations

import gzip
import json
import types
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from tt_connect.testing import eventually_sync
from tt_connect_upstox.emulator import UpstoxEmulator

sdk = pytest.importorskip("upstox_client")
websocket = pytest.importorskip("websocket")
from upstox_client.feeder import market_data_feeder_v3, portfolio_data_feeder  # noqa: E402
from upstox_client.rest import ApiException  # noqa: E402

UPSTOX_WSS = "wss://api.upstox.com"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.fixture
def emulator() -> Iterator[UpstoxEmulator]:
    with UpstoxEmulator(tick_interval=0.05) as running:
        yield running


def _client(emulator: UpstoxEmulator, token: str) -> Any:
    config = sdk.Configuration()  # a copy of the process-wide first one: set every field the test relies on
    config.host = emulator.base_url
    config.order_host = emulator.base_url
    config.access_token = token
    return sdk.ApiClient(config)


def _login_code(emulator: UpstoxEmulator) -> str:
    """The browser's part: open the dialog, read the code off the 302 to the redirect URL."""
    query = urllib.parse.urlencode({"response_type": "code", "client_id": emulator.api_key,
                                    "redirect_uri": emulator.redirect_url, "state": "s1"})
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(f"{emulator.base_url}/v2/login/authorization/dialog?{query}")
    assert redirect.value.code == 302
    location = urllib.parse.urlparse(redirect.value.headers["Location"])
    params = urllib.parse.parse_qs(location.query)
    assert params["state"] == ["s1"]
    return params["code"][0]


def _key(emulator: UpstoxEmulator, symbol: str) -> str:
    with urllib.request.urlopen(emulator.announcement()["instruments_url"]) as reply:
        rows = json.loads(gzip.decompress(reply.read()))
    return next(r["instrument_key"] for r in rows if r["segment"] == "NSE_EQ" and r["trading_symbol"] == symbol)


def _order(body: dict[str, Any]) -> Any:
    fields = {"quantity": 1, "product": "I", "validity": "DAY", "price": 0.0, "tag": "sdk",
              "order_type": "MARKET", "transaction_type": "BUY", "disclosed_quantity": 0, "trigger_price": 0.0,
              "is_amo": False, "slice": False}
    return sdk.PlaceOrderV3Request(**{**fields, **body})


def _local_websocket(emulator: UpstoxEmulator) -> types.SimpleNamespace:
    """A stand-in for the ``websocket`` module whose apps connect to the emulator instead of Upstox."""
    def app(url: str, *args: Any, **kwargs: Any) -> Any:
        assert url.startswith(UPSTOX_WSS), url
        return websocket.WebSocketApp(emulator.ws_base_url + url[len(UPSTOX_WSS):], *args, **kwargs)

    return types.SimpleNamespace(WebSocketApp=app, ABNF=websocket.ABNF)


def test_sdk_logs_in_with_the_code_flow_and_reads_the_account(emulator: UpstoxEmulator) -> None:
    login = sdk.LoginApi(_client(emulator, ""))
    reply = login.token("2.0", code=_login_code(emulator), client_id=emulator.api_key,
                        client_secret=emulator.api_secret, redirect_uri=emulator.redirect_url,
                        grant_type="authorization_code")
    assert reply.user_id == emulator.user_id and reply.access_token
    client = _client(emulator, reply.access_token)
    profile = sdk.UserApi(client).get_profile("2.0")
    assert profile.status == "success" and profile.data.user_id == emulator.user_id
    funds = sdk.UserApi(client).get_user_fund_margin("2.0")
    assert funds.data["equity"].available_margin > 0
    holdings = sdk.PortfolioApi(client).get_holdings("2.0")
    assert {h.trading_symbol for h in holdings.data} >= {"INFY", "TCS"}


def test_sdk_places_a_market_order_and_reads_it_back(emulator: UpstoxEmulator) -> None:
    client = _client(emulator, emulator.access_token)
    key = _key(emulator, "RELIANCE")
    quote = sdk.MarketQuoteV3Api(client).get_full_market_quote_v3(instrument_key=key)
    assert quote.data["NSE_EQ:RELIANCE"].instrument_token == key
    assert quote.data["NSE_EQ:RELIANCE"].last_price > 0
    placed = sdk.OrderApiV3(client).place_order(_order({"instrument_token": key}))
    assert placed.status == "success" and len(placed.data.order_ids) == 1
    order_id = placed.data.order_ids[0]
    book = sdk.OrderApi(client).get_order_book("2.0")
    assert order_id in {o.order_id for o in book.data}
    status = sdk.OrderApi(client).get_order_status(order_id=order_id)
    assert status.data.status == "complete" and status.data.order_type == "MARKET"
    history = sdk.OrderApi(client).get_order_details("2.0", order_id=order_id)
    assert history.data[-1].status == "complete"
    positions = sdk.PortfolioApi(client).get_positions("2.0")
    assert any(p.instrument_token == key and p.quantity == 1 for p in positions.data)


def test_sdk_places_a_resting_limit_order_and_cancels_it(emulator: UpstoxEmulator) -> None:
    client = _client(emulator, emulator.access_token)
    key = _key(emulator, "INFY")
    last = sdk.MarketQuoteV3Api(client).get_ltp(instrument_key=key).data["NSE_EQ:INFY"].last_price
    price = round(round(last * 0.95 / 0.05) * 0.05, 2)
    placed = sdk.OrderApiV3(client).place_order(_order({"instrument_token": key, "order_type": "LIMIT",
                                                        "price": price}))
    order_id = placed.data.order_ids[0]
    assert sdk.OrderApi(client).get_order_status(order_id=order_id).data.status == "open"
    cancelled = sdk.OrderApiV3(client).cancel_order(order_id)
    assert cancelled.data.order_id == order_id
    assert sdk.OrderApi(client).get_order_status(order_id=order_id).data.status == "cancelled"
    with pytest.raises(ApiException) as again:
        sdk.OrderApiV3(client).cancel_order(order_id)
    assert again.value.status == 400 and "UDAPI100040" in again.value.body.decode()


def test_sdk_sees_a_bogus_token_refused_with_its_auth_error(emulator: UpstoxEmulator) -> None:
    with pytest.raises(ApiException) as refused:
        sdk.UserApi(_client(emulator, "not-a-token")).get_profile("2.0")
    assert refused.value.status == 401
    assert json.loads(refused.value.body)["errors"][0]["errorCode"] == "UDAPI100050"


def test_sdk_streams_full_market_data_and_order_updates(emulator: UpstoxEmulator,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    shim = _local_websocket(emulator)
    monkeypatch.setattr(market_data_feeder_v3, "websocket", shim)
    monkeypatch.setattr(portfolio_data_feeder, "websocket", shim)
    client = _client(emulator, emulator.access_token)
    key = _key(emulator, "SBIN")
    ticks: list[dict[str, Any]] = []
    updates: list[Any] = []
    market = sdk.MarketDataStreamerV3(client, [key], "full")
    market.auto_reconnect(False)
    market.on("message", ticks.append)
    orders = sdk.PortfolioDataStreamer(client, order_update=True)
    orders.auto_reconnect(False)
    orders.on("message", updates.append)
    opened: list[str] = []
    orders.on("open", lambda: opened.append("orders"))
    market.connect()
    orders.connect()
    try:
        def full_tick() -> dict[str, Any] | None:
            for message in list(ticks):
                feed = message.get("feeds", {}).get(key, {})
                if "fullFeed" in feed:
                    return feed  # type: ignore[no-any-return]
            return None

        feed = eventually_sync(full_tick, timeout=10, what="a full-mode tick for SBIN")
        assert feed["requestMode"] == "full_d5"
        market_ff = feed["fullFeed"]["marketFF"]
        assert market_ff["ltpc"]["ltp"] > 0 and len(market_ff["marketLevel"]["bidAskQuote"]) == 5
        assert any(m.get("type") == "market_info" for m in ticks)
        eventually_sync(lambda: opened, timeout=10, what="the portfolio stream to open")
        placed = sdk.OrderApiV3(client).place_order(_order({"instrument_token": key}))
        order_id = placed.data.order_ids[0]

        def order_update() -> dict[str, Any] | None:
            for raw in list(updates):
                message = json.loads(raw)
                if message.get("order_id") == order_id and message.get("status") == "complete":
                    return message  # type: ignore[no-any-return]
            return None

        update = eventually_sync(order_update, timeout=10, what="the order's update on the portfolio stream")
        assert update["update_type"] == "order" and update["instrument_token"] == key
    finally:
        market.disconnect()
        orders.disconnect()
