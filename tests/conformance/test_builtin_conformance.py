"""The conformance suite against the built-in paper driver and the template driver."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from tt_connect import instruments
from tt_connect.driver_api import BrokerSymbol
from tt_connect.drivers import register_driver, unregister_driver
from tt_connect.enums import Exchange, OrderStatus, OrderType, ProductType, Side, StreamMode, Variety
from tt_connect.instruments import Equity
from tt_connect.models import CancelRequest, Order, OrderRequest
from tt_connect.testing import (
    DriverConformance,
    FaultInjector,
    RequestCase,
    ResponseCase,
    StaticContext,
)
from tt_connect.testing.template_driver import TemplateDriver

pytestmark = pytest.mark.conformance


class _PaperFaults:
    """Paper has no network to break except its stream sockets; its market can close."""

    def __init__(self, client: Any) -> None:
        self._transport = client._rt.transport

    def drop_next_order_response(self) -> None:
        pytest.skip("the paper transport is in-process: there is no response to drop")

    def expire_sessions(self) -> None:
        pytest.skip("the paper broker has no session")

    def kill_streams(self) -> None:
        self._transport.kill_sockets()

    def close_market(self) -> None:
        self._transport.engine.close_market()

    def open_market(self) -> None:
        self._transport.engine.open_market()


def _reliance() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="RELIANCE")


_ORDER_PAYLOAD = {
    "order_id": "26112500000001", "token": 1, "side": "BUY", "qty": 10, "order_type": "LIMIT", "product": "CNC",
    "validity": "DAY", "price": 2900.5, "trigger_price": 0.0, "status": "OPEN", "tag": "conformancetag1",
    "placed_at": "2026-11-25T10:00:00+05:30", "updated_at": "2026-11-25T10:00:01+05:30", "filled_qty": 4,
    "average_price": 2900.5, "cancelled_qty": 0, "message": "", "exchange_order_id": "1000000000000001",
    "variety": "REGULAR",
}


def _check_order(orders: list[Order]) -> None:
    (order,) = orders
    assert order.instrument == _reliance()
    assert (order.order_id, order.qty, order.filled_qty, order.pending_qty) == ("26112500000001", 10, 4, 6)
    assert order.status is OrderStatus.PARTIALLY_FILLED and order.tag == "conformancetag1"
    assert order.placed_at is not None and order.placed_at.utcoffset() == dt.timedelta(hours=5, minutes=30)


class TestPaperConformance(DriverConformance):
    broker = "paper"

    @pytest.fixture
    def static_context(self) -> Iterator[StaticContext]:
        previous = instruments.set_validator(lambda _i: None)
        yield StaticContext("paper", [(_reliance(), BrokerSymbol(token="1", symbol="RELIANCE-EQ", exchange="NSE",
                                                                 segment="NSE_EQ", lot_size=1, tick_size=0.05))])
        instruments.set_validator(previous)

    @pytest.fixture
    def request_cases(self, static_context: StaticContext) -> list[RequestCase]:
        order = OrderRequest(instrument=_reliance(), qty=10, side=Side.BUY, product=ProductType.CNC,
                             order_type=OrderType.LIMIT, price=2900.5, tag="conformancetag1")
        return [
            RequestCase(name="place_order limit", build=lambda api, ctx: api.place_order(ctx, order),
                        method="POST", path="/orders",
                        params={"token": 1, "side": "BUY", "qty": 10, "order_type": "LIMIT", "price": 2900.5},
                        encoding="json"),
            RequestCase(name="cancel",
                        build=lambda api, ctx: api.cancel_order(ctx, CancelRequest(order_id="42",
                                                                                   variety=Variety.REGULAR)),
                        method="DELETE", path="/orders/42"),
            RequestCase(name="quote", build=lambda api, ctx: api.quote(ctx, [_reliance()], StreamMode.FULL),
                        method="GET", path="/quote", params={"tokens": "1"}, encoding="query"),
        ]

    @pytest.fixture
    def response_cases(self) -> list[ResponseCase]:
        return [
            ResponseCase(name="orders", build=lambda api, ctx: api.orders(ctx),
                         body=msgspec.json.encode({"data": [_ORDER_PAYLOAD]}), expected=_check_order),
            ResponseCase(name="refused order", build=lambda api, ctx: api.orders(ctx), status=400,
                         body=b'{"error": {"code": "FUNDS", "message": "insufficient funds"}}', error_code="FUNDS"),
        ]

    @pytest.fixture
    def client_options(self) -> dict[str, Any]:
        return {"instruments_db": ":memory:", "config": {"tick_interval": 0.02}, "retry_base_delay": 0.01,
                "retry_max_delay": 0.05}

    @pytest.fixture
    def faults(self, client: Any) -> FaultInjector:
        return _PaperFaults(client)


@pytest.fixture(scope="module", autouse=True)
def template_registered() -> Iterator[None]:
    """Registered before any class-scoped fixture (the suite's ``emulator``) looks the driver up."""
    register_driver("template", TemplateDriver)
    yield
    unregister_driver("template")


class TestTemplateConformance(DriverConformance):
    broker = "template"
