"""The whole conformance suite against the Acme emulator: one import and a subclass."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.driver_api import BrokerSymbol
from tt_connect.enums import Exchange, OrderStatus, OrderType, ProductType, Side, StreamMode
from tt_connect.instruments import Equity
from tt_connect.models import CancelRequest, Order, OrderRequest
from tt_connect.testing import DriverConformance, RequestCase, ResponseCase, StaticContext

SBIN = BrokerSymbol(token="7", symbol="SBIN", exchange="NSE", segment="NSE", lot_size=1, tick_size=0.05)


def _sbin() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="SBIN")


def _check_orders(orders: list[Order]) -> None:
    (order,) = orders
    assert order.instrument == _sbin() and order.status is OrderStatus.PARTIALLY_FILLED
    assert (order.qty, order.filled_qty, order.pending_qty, order.tag) == (10, 4, 6, "conformancetag1")


class TestAcmeConformance(DriverConformance):
    broker = "acme"
    emulator_options: ClassVar[dict[str, Any]] = {"tick_interval": 0.05}

    @pytest.fixture
    def static_context(self, static_instruments: None) -> StaticContext:
        return StaticContext("acme", [(_sbin(), SBIN)])

    @pytest.fixture
    def static_config(self) -> dict[str, str]:
        return {"api_key": "k", "api_secret": "s", "api_url": "http://127.0.0.1:9"}

    @pytest.fixture
    def request_cases(self, static_context: StaticContext) -> list[RequestCase]:
        order = OrderRequest(instrument=_sbin(), qty=10, side=Side.BUY, product=ProductType.CNC,
                             order_type=OrderType.LIMIT, price=420.5, tag="conformancetag1")
        return [
            RequestCase(name="place_order limit", build=lambda api, ctx: api.place_order(ctx, order),
                        method="POST", path="/v1/orders", encoding="json",
                        params={"key": "NSE:SBIN", "qty": 10, "type": "LMT", "price": 420.5, "side": "BUY"}),
            RequestCase(name="cancel", build=lambda api, ctx: api.cancel_order(ctx, CancelRequest(order_id="42")),
                        method="DELETE", path="/v1/orders/42"),
            RequestCase(name="quote", build=lambda api, ctx: api.quote(ctx, [_sbin()], StreamMode.FULL),
                        method="GET", path="/v1/quotes", params={"keys": "NSE:SBIN", "depth": "full"},
                        encoding="query"),
        ]

    @pytest.fixture
    def response_cases(self) -> list[ResponseCase]:
        row = {"order_id": "9", "key": "NSE:SBIN", "side": "BUY", "qty": 10, "filled_qty": 4, "type": "LMT",
               "product": "CNC", "validity": "DAY", "variety": "regular", "price": 420.5, "trigger_price": 0,
               "avg_price": 420.5, "status": "OPEN", "status_text": "", "tag": "conformancetag1",
               "placed_at": "2026-11-25T10:00:00+05:30", "updated_at": "2026-11-25T10:00:01+05:30"}
        return [
            ResponseCase(name="orders", build=lambda api, ctx: api.orders(ctx), expected=_check_orders,
                         body=json.dumps({"status": "ok", "data": [row]}).encode()),
            ResponseCase(name="not found", build=lambda api, ctx: api.order(ctx, "1"), status=404,
                         body=b'{"status": "error", "error": {"code": "ACM-404", "message": "no such order"}}',
                         error_code="ACM-404"),
        ]


async def test_the_emulators_announcement_line_is_a_config_as_it_is() -> None:
    from tt_connect_acme.emulator import AcmeEmulator

    with AcmeEmulator() as emulator:
        line = json.dumps(emulator.announcement())
        async with AsyncTTConnect("acme", json.loads(line), instruments_db=":memory:",
                                  session_store="memory") as broker:
            assert (await broker.profile()).user_id == "AC0001"
