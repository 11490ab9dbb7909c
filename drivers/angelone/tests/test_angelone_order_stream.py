"""The order-update socket: its own BrokerStream (headers, heartbeat) and the orderData decoder."""

from __future__ import annotations

import datetime as _dt
import json

import msgspec
from angelone_fakes import FakeContext, fixture_json, sbin
from tt_connect.driver_api import Session
from tt_connect.enums import OrderStatus, StreamMode
from tt_connect.models import OrderUpdate
from tt_connect.timeutil import IST
from tt_connect_angelone.config import AngelOneConfig
from tt_connect_angelone.order_stream import AngelOrderDecoder
from tt_connect_angelone.stream import AngelStream

NOW = _dt.datetime(2025, 1, 6, 9, 21, tzinfo=IST)


def _config() -> AngelOneConfig:
    return AngelOneConfig(api_key="smartkey", client_code="A123456", pin="1234", totp_secret="JBSWY3DPEHPK3PXP",
                          order_ws_url="ws://127.0.0.1:9/smart-order-update")


def test_the_market_spec_points_order_updates_at_their_own_socket() -> None:
    spec = AngelStream(_config())
    orders = spec.order_updates
    assert spec.carries_order_updates is False and orders.carries_order_updates is True
    session = Session(broker="angelone", user_id="A123456", access_token="jwt-1", created_at=NOW,
                      expires_at=NOW + _dt.timedelta(hours=14), feed_token="feed-1")
    assert orders.url(session) == "ws://127.0.0.1:9/smart-order-update"
    assert orders.headers(session) == {"Authorization": "Bearer jwt-1", "x-api-key": "smartkey",
                                       "x-client-code": "A123456", "x-feed-token": "feed-1"}
    assert orders.ping() == "ping" and orders.ping_interval == 10.0
    assert orders.subscribe([], StreamMode.FULL) == [] and orders.unsubscribe([]) == []


def test_an_order_data_message_becomes_an_order_update(ctx: FakeContext) -> None:
    row = fixture_json("order_book.json")["data"][0]
    message = {"user-id": "A123456", "status-code": "200", "order-status": "complete", "error-message": "",
               "orderData": row}
    (update,) = AngelOrderDecoder(ctx).decode(json.dumps(message), NOW)
    assert isinstance(update, OrderUpdate)
    assert update.order.order_id == row["orderid"] and update.order.instrument == sbin()
    assert update.order.status is OrderStatus.COMPLETE and update.received_at == NOW
    assert update.raw == message


def test_pongs_binary_and_unknown_messages_yield_nothing(ctx: FakeContext) -> None:
    decoder = AngelOrderDecoder(ctx)
    for frame in ("pong", b"\x00\x01", "not json", msgspec.json.encode({"status-code": "401"}).decode(),
                  json.dumps({"orderData": {"status": "open"}})):
        assert decoder.decode(frame, NOW) == []
