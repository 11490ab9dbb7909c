"""The driver through the real client, on the emulator: what the unified API promises beyond the suite."""

from __future__ import annotations

import datetime as _dt
from collections.abc import AsyncIterator, Iterator

import msgspec
import pytest
import pytest_asyncio
from dhan_fakes import FakeContext
from tt_connect import AsyncTTConnect
from tt_connect.drivers import load_driver
from tt_connect.enums import CandleInterval, Exchange, OrderStatus, OrderType, ProductType, Side
from tt_connect.instruments import Equity
from tt_connect.timeutil import IST
from tt_connect_dhan.emulator import DhanEmulator
from tt_connect_dhan.order_stream import DhanOrderDecoder
from tt_connect_dhan.plugin import DhanDriver

RELIANCE = dict(exchange=Exchange.NSE, symbol="RELIANCE")


@pytest.fixture(scope="module")
def emulator() -> Iterator[DhanEmulator]:
    with DhanEmulator(tick_interval=0.05, enforce_rate_limits=False) as running:
        yield running


@pytest_asyncio.fixture
async def client(emulator: DhanEmulator) -> AsyncIterator[AsyncTTConnect]:
    async with AsyncTTConnect("dhan", emulator.driver_config(), instruments_db=":memory:",
                              session_store="memory") as broker:
        yield broker


def test_the_entry_point_loads_the_v2_plugin_with_its_emulator() -> None:
    loaded = load_driver("dhan")
    assert isinstance(loaded.plugin, DhanDriver)
    assert loaded.description.emulator == "tt_connect_dhan.emulator:DhanEmulator"


async def test_a_history_longer_than_90_days_is_fetched_in_chunks_and_merged(client: AsyncTTConnect) -> None:
    end = _dt.datetime.now(IST).replace(hour=15, minute=0, second=0, microsecond=0)
    candles = await client.history(Equity(**RELIANCE), CandleInterval.HOUR_1, end - _dt.timedelta(days=150), end)
    stamps = [c.timestamp for c in candles]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert stamps[0] < end - _dt.timedelta(days=100) and stamps[-1] > end - _dt.timedelta(days=3)


async def test_a_client_that_did_not_place_an_order_modifies_and_cancels_it(emulator: DhanEmulator,
                                                                            client: AsyncTTConnect) -> None:
    reliance = Equity(**RELIANCE)
    last = (await client.ltp([reliance]))[reliance]
    price = round(round(last * 0.95 / 0.05) * 0.05, 2)
    order_id = await client.place_order(instrument=reliance, qty=1, side=Side.BUY, product=ProductType.CNC,
                                        order_type=OrderType.LIMIT, price=price)
    async with AsyncTTConnect("dhan", emulator.driver_config(), instruments_db=":memory:",
                              session_store="memory") as other:
        await other.modify_order(order_id, qty=3)
        modified = await other.order(order_id)
        assert (modified.qty, modified.price, modified.order_type) == (3, price, OrderType.LIMIT)
        await other.cancel_order(order_id)
    assert (await client.order(order_id)).status is OrderStatus.CANCELLED


def test_order_update_messages_parse_in_either_key_casing(ctx: FakeContext) -> None:
    data = {"Exchange": "NSE", "Segment": "E", "SecurityId": "2885", "OrderNo": "112", "TxnType": "S",
            "OrderType": "SLM", "Product": "I", "Validity": "DAY", "Quantity": 10, "TradedQty": 0,
            "RemainingQuantity": 10, "Price": 0, "TriggerPrice": 2890.5, "Status": "Pending",
            "CorrelationId": "ttc1", "OffMktFlag": "0", "OrderDateTime": "2025-01-06 10:00:00",
            "LastUpdatedTime": "2025-01-06 10:00:01", "ExchOrderNo": "1100"}
    now = _dt.datetime(2025, 1, 6, 10, 0, 2, tzinfo=IST)
    for shaped in (data, {k[0].lower() + k[1:]: v for k, v in data.items()}):
        (update,) = DhanOrderDecoder(ctx).decode(msgspec.json.encode({"Type": "order_alert", "Data": shaped}), now)
        order = update.order  # type: ignore[union-attr]
        assert (order.order_id, order.side, order.order_type, order.product) == ("112", Side.SELL, OrderType.SL_M,
                                                                                  ProductType.MIS)
        assert (order.status, order.trigger_price, order.tag) == (OrderStatus.TRIGGER_PENDING, 2890.5, "ttc1")
    assert DhanOrderDecoder(ctx).decode('{"Type": "heartbeat"}', now) == []


async def test_orders_from_an_unregistered_ip_are_refused_until_it_is_registered() -> None:
    from tt_connect.errors import IpNotWhitelistedError

    with DhanEmulator(tick_interval=0.05, enforce_rate_limits=False, loopback_whitelisted=False) as emulator:
        async with AsyncTTConnect("dhan", emulator.driver_config(), instruments_db=":memory:",
                                  session_store="memory") as broker:
            reliance = Equity(**RELIANCE)
            with pytest.raises(IpNotWhitelistedError):
                await broker.place_order(instrument=reliance, qty=1, side=Side.BUY, product=ProductType.CNC,
                                         order_type=OrderType.MARKET)
            assert (await broker.static_ip()).primary == ""
            registered = await broker.set_static_ip("127.0.0.1")
            assert (registered.primary, registered.secondary) == ("127.0.0.1", "")
            assert await broker.place_order(instrument=reliance, qty=1, side=Side.BUY, product=ProductType.CNC,
                                            order_type=OrderType.MARKET)
            changed = await broker.set_static_ip("127.0.0.1", "203.0.113.8")
            assert (changed.primary, changed.secondary) == ("127.0.0.1", "203.0.113.8")
            assert changed.raw["modifyDateSecondary"], "Dhan's change dates stay in raw"
            moved = await broker.set_static_ip("203.0.113.7", "203.0.113.8")
            assert moved.primary == "203.0.113.7", "a registered IP is changed with modifyIP"
            with pytest.raises(IpNotWhitelistedError):
                await broker.place_order(instrument=reliance, qty=1, side=Side.BUY, product=ProductType.CNC,
                                         order_type=OrderType.MARKET)
