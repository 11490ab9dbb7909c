"""The async client through the public API, on the paper broker."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from tt_connect import (
    AsyncTTConnect,
    Equity,
    Exchange,
    Future,
    Option,
    OptionType,
    OrderType,
    ProductType,
    Side,
)
from tt_connect.enums import CandleInterval, OrderStatus, StreamMode, Validity, Variety
from tt_connect.errors import (
    ClientClosedError,
    ConfigurationError,
    InputError,
    InstrumentError,
    InstrumentNotFoundError,
    InsufficientFundsError,
    InvalidOrderError,
    OrderNotFoundError,
    UnknownBrokerError,
    UnsupportedOperationError,
)
from tt_connect.models import Tick
from tt_connect.testing import eventually


@pytest.fixture
async def broker() -> AsyncIterator[AsyncTTConnect]:
    async with AsyncTTConnect("paper", {"tick_interval": 0.02}, instruments_db=":memory:") as client:
        yield client


def reliance() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="RELIANCE")


async def test_market_buy_fills_and_shows_in_orders_trades_positions_and_funds(broker: AsyncTTConnect) -> None:
    before = await broker.funds()
    order_id = await broker.place_order(instrument=reliance(), qty=10, side=Side.BUY, product=ProductType.CNC,
                                        order_type=OrderType.MARKET)
    order = await broker.order(order_id)
    assert order.status is OrderStatus.COMPLETE and order.filled_qty == 10
    assert order.placed_at is not None and order.placed_at.utcoffset() == dt.timedelta(hours=5, minutes=30)
    trades = await broker.order_trades(order_id)
    assert sum(t.qty for t in trades) == 10
    assert any(t.order_id == order_id for t in await broker.trades())
    position = next(p for p in await broker.positions() if p.instrument == reliance())
    assert position.quantity == 10 and position.product is ProductType.CNC
    after = await broker.funds()
    spent = before.equity.available_cash - after.equity.available_cash
    assert spent == pytest.approx(order.average_price * 10, rel=1e-9)
    assert after.equity.available_margin == pytest.approx(after.equity.available_cash - after.equity.used_margin)


async def test_limit_order_rests_then_is_modified_and_cancelled(broker: AsyncTTConnect) -> None:
    last = (await broker.ltp(reliance()))[reliance()]
    price = round(round(last * 0.9 / 0.05) * 0.05, 2)
    order_id = await broker.place_order(instrument=reliance(), qty=5, side=Side.BUY, product=ProductType.MIS,
                                        order_type=OrderType.LIMIT, price=price)
    assert (await broker.order(order_id)).status is OrderStatus.OPEN
    await broker.modify_order(order_id, qty=7, price=round(price - 1, 2))
    modified = await broker.order(order_id)
    assert (modified.qty, modified.price) == (7, pytest.approx(price - 1))
    await broker.cancel_order(order_id)
    assert (await broker.order(order_id)).status is OrderStatus.CANCELLED
    history = await broker.order_history(order_id)
    assert [o.status for o in history][-1] is OrderStatus.CANCELLED and len(history) >= 3


async def test_stop_loss_market_triggers_when_the_price_crosses(broker: AsyncTTConnect) -> None:
    future = broker.futures("NIFTY")[0]
    last = (await broker.ltp(future))[future]
    trigger = round(round((last + 0.5) / 0.05) * 0.05, 2)
    order_id = await broker.place_order(instrument=future, qty=broker.lot_size(future), side=Side.BUY,
                                        product=ProductType.NRML, order_type=OrderType.SL_M, trigger_price=trigger)
    assert (await broker.order(order_id)).status is OrderStatus.TRIGGER_PENDING
    await broker.cancel_order(order_id)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"qty": 0}, InvalidOrderError),
        ({"qty": -3}, InvalidOrderError),
        ({"qty": 1.5}, InvalidOrderError),
        ({"side": "SIDEWAYS"}, InvalidOrderError),
        ({"order_type": OrderType.LIMIT}, InvalidOrderError),
        ({"order_type": OrderType.LIMIT, "price": 2900.03}, InvalidOrderError),
        ({"order_type": OrderType.MARKET, "price": 2900.0}, InvalidOrderError),
        ({"order_type": OrderType.SL_M}, InvalidOrderError),
        ({"product": ProductType.NRML}, UnsupportedOperationError),
        ({"qty": 10_000_000}, InsufficientFundsError),
        ({"instrument": "RELIANCE"}, InvalidOrderError),
        ({"tag": "this-tag-has-bad-chars"}, InvalidOrderError),
        ({"variety": Variety.ICEBERG}, InvalidOrderError),  # no iceberg_legs
        ({"variety": Variety.ICEBERG, "iceberg_legs": 1}, InvalidOrderError),
        ({"variety": Variety.ICEBERG, "iceberg_legs": "five"}, InvalidOrderError),
        ({"iceberg_legs": 3}, InvalidOrderError),  # legs without the iceberg variety
        ({"validity_ttl": 5}, InvalidOrderError),  # a TTL without Validity.TTL
        ({"validity": Validity.TTL}, InvalidOrderError),  # Validity.TTL without minutes
        ({"variety": Variety.CO, "product": ProductType.MIS}, InvalidOrderError),  # a cover order needs its stop
        ({"market_protection": 0}, InvalidOrderError),
        ({"market_protection": 101}, InvalidOrderError),
        ({"market_protection": -2}, InvalidOrderError),
        ({"market_protection": "auto"}, InvalidOrderError),
    ],
)
async def test_bad_orders_are_refused_with_a_tt_connect_error(
    broker: AsyncTTConnect, kwargs: dict[str, object], error: type[Exception]
) -> None:
    order = {"instrument": reliance(), "qty": 10, "side": Side.BUY, "product": ProductType.CNC,
             "order_type": OrderType.MARKET, **kwargs}
    with pytest.raises(error) as info:
        await broker.place_order(**order)  # type: ignore[arg-type]
    assert str(info.value)
    assert await broker.orders() == [], "a refused order must not reach the book"


async def test_market_protection_takes_a_percentage_or_minus_one_on_place_and_modify(broker: AsyncTTConnect) -> None:
    auto = await broker.place_order(instrument=reliance(), qty=1, side=Side.BUY, product=ProductType.CNC,
                                    order_type=OrderType.MARKET, market_protection=-1)
    price = (await broker.ltp(reliance()))[reliance()]
    resting = await broker.place_order(instrument=reliance(), qty=1, side=Side.BUY, product=ProductType.CNC,
                                       order_type=OrderType.LIMIT, price=round(price * 0.9, 1), market_protection=2.5)
    assert auto and await broker.modify_order(resting, market_protection=5) == resting  # the only change
    for bad in (0, 250, -1.5, "x"):
        with pytest.raises(InvalidOrderError, match="market_protection"):
            await broker.modify_order(resting, market_protection=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidOrderError, match="at least one of"):
        await broker.modify_order(resting)


async def test_lot_size_is_enforced_for_derivatives(broker: AsyncTTConnect) -> None:
    future = broker.futures("NIFTY")[0]
    lot = broker.lot_size(future)
    with pytest.raises(InvalidOrderError, match="lot size"):
        await broker.place_order(instrument=future, qty=lot + 1, side=Side.BUY, product=ProductType.NRML,
                                 order_type=OrderType.MARKET)


async def test_unknown_order_ids_are_order_not_found(broker: AsyncTTConnect) -> None:
    for call in (broker.cancel_order, broker.order, broker.order_history, broker.order_trades,
                 lambda oid: broker.modify_order(oid, price=10.0)):
        with pytest.raises(OrderNotFoundError):
            await call("999999")
    with pytest.raises(InputError):
        await broker.order_history("")


async def test_instrument_queries(broker: AsyncTTConnect) -> None:
    expiry = broker.nearest_expiry("NIFTY")
    monthly = broker.monthly_expiry("NIFTY")
    assert expiry <= monthly
    strikes = broker.strikes("NIFTY", expiry)
    assert strikes == sorted(strikes) and len(strikes) > 40
    chain = await broker.option_chain("NIFTY", expiry.isoformat(), with_quotes=True)
    atm = chain.rows[len(chain.rows) // 2]
    assert atm.call is not None and atm.put is not None and atm.call_quote is not None
    assert atm.call_quote.last_price > 0
    assert [f.expiry for f in broker.futures("BANKNIFTY")] == sorted(f.expiry for f in broker.futures("BANKNIFTY"))
    found = broker.search("RELI")
    assert found[0] == reliance()
    assert broker.tick_size(reliance()) == 0.05 and broker.lot_size(reliance()) == 1
    with pytest.raises(InstrumentNotFoundError, match="nearest strikes"):
        Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=expiry, strike=strikes[0] + 1,
               option_type=OptionType.CE)
    with pytest.raises(InstrumentNotFoundError, match="nearest expiries"):
        Future(exchange=Exchange.NFO, symbol="NIFTY", expiry=expiry + dt.timedelta(days=1))


async def test_search_ranks_the_index_named_after_the_text_before_its_derivatives(broker: AsyncTTConnect) -> None:
    found = broker.search("NIFTY", limit=5)
    assert str(found[0]) == "NSE:NIFTY 50"
    kinds = [i.kind.value for i in found]
    assert kinds[: kinds.count("IDX")] == ["IDX"] * kinds.count("IDX"), "indices first"
    assert broker.search("reliance")[0] == reliance(), "the exact cash symbol before its futures and options"


async def test_search_count_is_what_an_unlimited_search_finds(broker: AsyncTTConnect) -> None:
    total = broker.search_count("NIFTY")
    assert total > 100
    assert len(broker.search("NIFTY", limit=total + 50)) == total
    assert broker.search_count("NO SUCH THING") == 0
    with pytest.raises(InstrumentError, match="search needs some text"):
        broker.search_count("  ")


async def test_quotes_ltp_and_history(broker: AsyncTTConnect) -> None:
    future = broker.futures("NIFTY")[0]
    quotes = await broker.quote([reliance(), future])
    assert set(quotes) == {reliance(), future}
    assert quotes[future].depth is not None and len(quotes[future].depth.bids) == 5
    assert quotes[future].oi > 0
    end = dt.datetime.now(dt.UTC)
    candles = await broker.history(reliance(), CandleInterval.MINUTE_15, end - dt.timedelta(days=3), end)
    assert candles and all(c.low <= c.open <= c.high for c in candles)
    with pytest.raises(InputError):
        await broker.history(reliance(), CandleInterval.DAY, end - dt.timedelta(days=1), end - dt.timedelta(days=2))
    in_future = await broker.history(reliance(), "15m", (end - dt.timedelta(days=1)).isoformat(),
                                     end + dt.timedelta(days=3))
    assert in_future and max(c.timestamp for c in in_future) <= dt.datetime.now(dt.UTC)


async def test_streaming_ticks_and_order_updates_through_subscribe(broker: AsyncTTConnect) -> None:
    ticks: list[Tick] = []
    updates: list[object] = []
    sub = await broker.subscribe([reliance()], on_tick=ticks.append, mode=StreamMode.FULL,
                                 on_order_update=updates.append)
    await eventually(lambda: len(ticks) >= 3, what="three ticks")
    assert ticks[0].instrument == reliance() and ticks[0].depth is not None
    await broker.place_order(instrument=reliance(), qty=1, side=Side.BUY, product=ProductType.CNC,
                             order_type=OrderType.MARKET)
    await eventually(lambda: updates, what="an order update")
    await sub.unsubscribe()
    count = len(ticks)
    await asyncio.sleep(0.1)  # several market steps: nothing may arrive after unsubscribe
    assert len(ticks) == count


async def test_async_iteration_over_ticks(broker: AsyncTTConnect) -> None:
    seen = []
    async for tick in broker.stream([reliance()], StreamMode.LTP):
        seen.append(tick)
        if len(seen) == 2:
            break
    assert all(t.mode is StreamMode.LTP for t in seen)


async def test_a_closed_client_says_to_create_a_new_one() -> None:
    client = AsyncTTConnect("paper", instruments_db=":memory:")
    await client.connect()
    await client.close()
    with pytest.raises(ClientClosedError, match="create a new client"):
        await client.funds()


def test_unknown_broker_and_bad_config_are_configuration_errors() -> None:
    with pytest.raises(UnknownBrokerError, match="tt-connect-nosuchbroker"):
        AsyncTTConnect("nosuchbroker")  # a name no driver in this repository takes
    with pytest.raises(ConfigurationError, match="sede"):
        AsyncTTConnect("paper", {"sede": 1})
    with pytest.raises(ConfigurationError, match="seed"):
        AsyncTTConnect("paper", {"seed": "seven"})
    with pytest.raises(ConfigurationError, match="session_store"):
        AsyncTTConnect("paper", session_store="cloud")
    with pytest.raises(ConfigurationError, match="must be a dict"):
        AsyncTTConnect("paper", "seed=7")  # type: ignore[arg-type]


async def test_day_positions_are_todays_trades_and_refuse_a_non_boolean(broker: AsyncTTConnect) -> None:
    await broker.place_order(instrument=reliance(), qty=3, side=Side.BUY, product=ProductType.CNC,
                             order_type=OrderType.MARKET)
    (today,) = [p for p in await broker.positions(day=True) if p.instrument == reliance()]
    assert (today.quantity, today.buy_quantity, today.overnight_quantity) == (3, 3, 0)
    with pytest.raises(InputError, match="day must be True or False"):
        await broker.positions(day="yes")  # type: ignore[arg-type]
