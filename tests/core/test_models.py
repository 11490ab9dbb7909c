from __future__ import annotations

import datetime as dt

import msgspec
import pytest
from tt_connect.enums import Exchange, OrderStatus, OrderType, ProductType, Side, StreamMode
from tt_connect.instruments import Equity
from tt_connect.models import (
    IST,
    Candle,
    Depth,
    DepthLevel,
    Funds,
    Order,
    OrderUpdate,
    Position,
    Quote,
    SegmentFunds,
    Tick,
)

pytestmark = pytest.mark.usefixtures("static_instruments")

NOW = dt.datetime(2025, 1, 6, 9, 15, tzinfo=IST)


def reliance() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="RELIANCE")


def order(**changes: object) -> Order:
    fields: dict[str, object] = dict(
        order_id="1", instrument=reliance(), side=Side.BUY, qty=10, order_type=OrderType.MARKET,
        product=ProductType.CNC, status=OrderStatus.COMPLETE, placed_at=NOW,
    )
    fields.update(changes)
    return Order(**fields)  # type: ignore[arg-type]


def test_raw_payload_takes_no_part_in_equality_or_hash() -> None:
    a = order(raw={"broker": "zerodha"})
    b = order(raw={"broker": "angelone", "extra": 1})
    assert a == b and hash(a) == hash(b)
    assert order(qty=11) != a
    assert "raw" not in repr(a)


def test_models_are_frozen() -> None:
    with pytest.raises(AttributeError):
        order().qty = 5  # type: ignore[misc]


def test_ist_is_plus_five_thirty() -> None:
    assert IST.utcoffset(None) == dt.timedelta(hours=5, minutes=30)
    assert order().placed_at is not None and order().placed_at.utcoffset() == dt.timedelta(hours=5, minutes=30)


def test_models_serialise_to_json_and_back() -> None:
    tick = Tick(
        instrument=reliance(), mode=StreamMode.FULL, last_price=2500.5, received_at=NOW,
        depth=Depth(bids=(DepthLevel(price=2500.0, quantity=10, orders=2),),
                    asks=(DepthLevel(price=2501.0, quantity=5),)),
    )
    assert msgspec.json.decode(msgspec.json.encode(tick), type=Tick) == tick
    update = OrderUpdate(order=order(), received_at=NOW)
    assert msgspec.json.decode(msgspec.json.encode(update), type=OrderUpdate) == update
    funds = Funds(equity=SegmentFunds(available_cash=10.0, available_margin=8.0, used_margin=2.0))
    assert funds.available_margin == 8.0
    candle = Candle(timestamp=NOW, open=1, high=2, low=0.5, close=1.5, volume=100)
    assert candle.oi == 0


def test_position_quantity_is_signed_and_quote_defaults_are_zero() -> None:
    short = Position(instrument=reliance(), product=ProductType.MIS, quantity=-10, average_price=1.0,
                     last_price=1.0)
    assert short.quantity < 0
    quote = Quote(instrument=reliance(), last_price=1.0)
    assert quote.volume == 0 and quote.depth is None
