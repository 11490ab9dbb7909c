"""The core owns order state: emulated reads from the books, the registry lent to drivers, TTL by cancel-after."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.drivers import register_driver, unregister_driver
from tt_connect.enums import Exchange, OrderStatus, OrderType, ProductType, RejectionReason, Side, Validity
from tt_connect.errors import OrderNotFoundError, OrderNotOpenError
from tt_connect.instruments import Equity
from tt_connect.transport import MockTransport

from tests.client.book_only_driver import BookBroker, BookDriver


@pytest.fixture(autouse=True)
def book_registered() -> Iterator[None]:
    register_driver("book", BookDriver)
    yield
    unregister_driver("book")


@pytest.fixture
def book() -> BookBroker:
    return BookBroker()


async def _client(book: BookBroker) -> AsyncTTConnect:
    client = AsyncTTConnect("book", transport=MockTransport(book), instruments_db=":memory:",
                            session_store="memory")
    await client.connect()
    return client


@pytest.fixture
async def client(book: BookBroker) -> AsyncIterator[AsyncTTConnect]:
    broker = await _client(book)
    yield broker
    await broker.close()


def reliance() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="RELIANCE")


async def test_one_order_its_history_and_its_trades_come_from_the_books(client: AsyncTTConnect,
                                                                        book: BookBroker) -> None:
    order_id = await client.place_order(reliance(), 5, "buy", "cnc", "market")
    book.fill(order_id)
    order = await client.order(order_id)
    assert order.status is OrderStatus.COMPLETE and order.filled_qty == 5
    assert [o.order_id for o in await client.order_history(order_id)] == [order_id]
    (trade,) = await client.order_trades(order_id)
    assert trade.order_id == order_id and trade.qty == 5
    assert not any(r.url.endswith(f"/{order_id}") for r in book.requests), "no per-order endpoint exists"


async def test_an_unknown_order_id_is_order_not_found_on_every_emulated_read(client: AsyncTTConnect) -> None:
    for read in (client.order, client.order_history, client.order_trades, client.cancel_order,
                 lambda oid: client.modify_order(oid, price=10.0)):
        with pytest.raises(OrderNotFoundError):
            await read("nope")


async def test_an_order_without_fills_has_no_trades_but_exists(client: AsyncTTConnect) -> None:
    order_id = await client.place_order(reliance(), 1, Side.BUY, ProductType.CNC, OrderType.LIMIT, price=2800.0)
    assert await client.order_trades(order_id) == []


async def test_a_fresh_client_modifies_and_cancels_an_order_another_client_placed(book: BookBroker) -> None:
    first = await _client(book)
    order_id = await first.place_order(reliance(), 2, Side.BUY, ProductType.CNC, OrderType.LIMIT, price=2800.0)
    await first.close()
    fresh = await _client(book)
    try:
        assert await fresh.modify_order(order_id, qty=3) == order_id
        assert book.orders[order_id]["qty"] == 3
        assert await fresh.cancel_order(order_id) == order_id
        assert book.orders[order_id]["status"] == "CANCELLED"
        with pytest.raises(OrderNotOpenError):
            await fresh.cancel_order(order_id)
    finally:
        await fresh.close()


async def test_the_core_reads_an_unknown_order_once_then_remembers_it(client: AsyncTTConnect,
                                                                    book: BookBroker) -> None:
    order_id = book.place(symbol="RELIANCE-EQ", side="BUY", qty=1, type="LIMIT", price=2800.0, tag="x",
                          validity="DAY")
    await client.modify_order(order_id, price=2790.0)
    await client.modify_order(order_id, price=2780.0)
    book_reads = [r for r in book.requests if r.method == "GET" and r.url.endswith("/orders")]
    assert len(book_reads) == 1


async def test_an_asynchronously_rejected_order_carries_its_canonical_reason(client: AsyncTTConnect) -> None:
    order_id = await client.place_order(reliance(), 5000, Side.BUY, ProductType.CNC, OrderType.MARKET)
    order = await client.order(order_id)
    assert order.status is OrderStatus.REJECTED
    assert order.rejection_reason is RejectionReason.INSUFFICIENT_FUNDS
    assert "Margin Exceeds" in order.status_message


async def test_an_emulated_ttl_goes_out_as_day_and_is_cancelled_when_it_runs_out(
        client: AsyncTTConnect, book: BookBroker, monkeypatch: pytest.MonkeyPatch) -> None:
    delays: list[float] = []
    real_sleep = asyncio.sleep

    async def instant(delay: float, *args: object) -> None:
        delays.append(delay)
        await real_sleep(0)

    order_id = await client.place_order(reliance(), 1, Side.BUY, ProductType.CNC, OrderType.LIMIT, price=2800.0,
                                        validity=Validity.TTL, validity_ttl=2)
    assert book.orders[order_id]["validity"] == "DAY"
    monkeypatch.setattr(asyncio, "sleep", instant)
    for _ in range(50):
        if book.orders[order_id]["status"] == "CANCELLED":
            break
        await real_sleep(0.01)
    assert book.orders[order_id]["status"] == "CANCELLED"
    assert 120.0 in delays


async def test_a_filled_ttl_order_is_left_alone_when_its_ttl_runs_out(client: AsyncTTConnect,
                                                                     book: BookBroker) -> None:
    order_id = await client.place_order(reliance(), 1, Side.BUY, ProductType.CNC, OrderType.LIMIT, price=2800.0,
                                        validity="ttl", validity_ttl=1)
    book.fill(order_id)
    await client._trading._expire(order_id)
    assert book.orders[order_id]["status"] == "COMPLETE"
    assert not any(r.url.endswith("/cancel") for r in book.requests)
