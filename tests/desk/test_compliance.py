"""SEBI's rules built in: the per-exchange order rate, the order journal, a slice meeting a 429."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.compliance import OrderJournal, OrderRateLimiter
from tt_connect.drivers import register_driver, unregister_driver
from tt_connect.enums import Exchange, OrderType, ProductType, Side
from tt_connect.errors import OrderNotFoundError, OrderNotOpenError
from tt_connect.instruments import Equity
from tt_connect.transport import MockTransport

from tests.client.book_only_driver import BookBroker, BookDriver


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_no_window_of_the_order_rate_ever_holds_more_than_its_limit_of_arrivals() -> None:
    clock = FakeClock()
    limiter = OrderRateLimiter(10, now=lambda: clock.now, sleep=clock.sleep)
    departed: list[float] = []
    replied: list[float] = []
    for n in range(50):
        async with limiter.slot("NSE"):
            departed.append(clock.now)
            await clock.sleep(0.3 if n % 10 == 0 else 0.01)  # a cold connection now and then: a slow reply
            replied.append(clock.now)
    # An order arrives somewhere between leaving and its reply: even the latest possible arrival of one
    # and the earliest of another ten later are a full second apart.
    for i in range(len(departed) - 10):
        assert departed[i + 10] >= replied[i] + 1.0
    assert departed[10] == pytest.approx(replied[0] + 1.0), "no longer than the rule needs"
    before = clock.now
    async with limiter.slot("NFO"):  # another exchange has its own window
        assert clock.now == before


def _journal(directory: Path) -> list[dict[str, object]]:
    (path,) = directory.glob("book-*.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(autouse=True)
def book_registered() -> Iterator[None]:
    register_driver("book", BookDriver)
    yield
    unregister_driver("book")


async def test_every_order_action_is_journaled_with_its_outcome(tmp_path: Path) -> None:
    book = BookBroker()
    async with AsyncTTConnect("book", transport=MockTransport(book), instruments_db=":memory:",
                              session_store="memory", journal=str(tmp_path)) as client:
        reliance = Equity(exchange=Exchange.NSE, symbol="RELIANCE")
        order_id = await client.place_order(reliance, 2, Side.BUY, ProductType.CNC, OrderType.LIMIT, price=2800.0,
                                            tag="jr")
        await client.modify_order(order_id, qty=3)
        await client.cancel_order(order_id)
        with pytest.raises(OrderNotFoundError):
            await client.cancel_order("nope")
    entries = _journal(tmp_path)
    assert [e["action"] for e in entries] == ["place", "modify", "cancel"]
    placed = entries[0]
    assert placed["tag"].startswith("jr") and placed["outcome"] == {"order_id": order_id}
    assert placed["request"]["qty"] == 2 and placed["request"]["instrument"]["symbol"] == "RELIANCE"
    assert entries[1]["request"]["qty"] == 3 and entries[2]["outcome"] == {"order_id": order_id}


async def test_a_refused_order_is_journaled_with_its_error(tmp_path: Path) -> None:
    journal = OrderJournal(tmp_path, "book")
    book = BookBroker()
    async with AsyncTTConnect("book", transport=MockTransport(book), instruments_db=":memory:",
                              session_store="memory", journal=str(tmp_path)) as client:
        book.orders.clear()
        order_id = await client.place_order("NSE:RELIANCE", 1, "BUY", "CNC", "LIMIT", price=2800.0)
        book.orders[order_id]["status"] = "COMPLETE"
        with pytest.raises(OrderNotOpenError):
            await client.cancel_order(order_id)
    refused = _journal(tmp_path)[-1]
    assert refused["action"] == "cancel" and refused["outcome"]["error"] == "OrderNotOpenError"
    assert journal.path(__import__("datetime").date(2026, 1, 1)) == tmp_path / "book-2026-01-01.jsonl"


async def test_the_journal_can_be_turned_off(tmp_path: Path) -> None:
    assert OrderJournal.from_option("off", "book").directory is None
    assert OrderJournal.from_option(str(tmp_path), "book").directory == tmp_path


async def test_a_slice_whose_second_child_meets_a_429_still_places_every_child_once() -> None:
    class Refusing(BookBroker):
        def __init__(self) -> None:
            super().__init__()
            self.posts = 0

        def __call__(self, request):  # type: ignore[no-untyped-def]
            from tt_connect.driver_api import HttpResponse

            if request.method == "POST" and request.url.endswith("/orders"):
                self.posts += 1
                if self.posts == 2:
                    return HttpResponse(status=429, headers={"Retry-After": "0"},
                                        body=b'{"error": {"code": "RATE", "message": "too many"}}')
            return super().__call__(request)

    book = Refusing()
    async with AsyncTTConnect("book", transport=MockTransport(book), instruments_db=":memory:",
                              session_store="memory", journal="off", retry_base_delay=0.0) as client:
        future = client.futures("NIFTY")[0]
        sliced = await client.place_sliced(future, 3000, "BUY", "NRML", "MARKET")
    assert sliced.complete and [c.qty for c in sliced.children] == [1800, 1200]
    assert sorted(row["qty"] for row in book.orders.values()) == [1200, 1800], "each child placed once"
    assert book.posts == 3, "the second child's 429 was sent again, once"


async def test_a_burst_of_orders_leaves_at_the_regulatory_rate() -> None:
    book = BookBroker()
    arrivals: list[float] = []
    loop = asyncio.get_running_loop()

    def timed(request):  # type: ignore[no-untyped-def]
        if request.method == "POST":
            arrivals.append(loop.time())
        return book(request)

    async with AsyncTTConnect("book", transport=MockTransport(timed), instruments_db=":memory:",
                              session_store="memory", journal="off", order_rate_per_exchange=20) as client:
        await asyncio.gather(*(client.place_order("NSE:RELIANCE", 1, "BUY", "CNC", "MARKET") for _ in range(45)))
    assert len(arrivals) == 45
    for i, start in enumerate(arrivals):
        assert sum(1 for t in arrivals[i:] if t < start + 1.0) <= 20
