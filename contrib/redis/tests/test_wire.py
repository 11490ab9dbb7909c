"""The bus's encodings round-trip every tick field, and bad bus settings are refused clearly."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator

import pytest
from tt_connect import instruments
from tt_connect.enums import Exchange, OptionType, StreamMode
from tt_connect.errors import ConfigurationError
from tt_connect.instruments import Equity, Option
from tt_connect.models import Depth, DepthLevel, Tick
from tt_connect.timeutil import IST
from tt_connect_redis import BusKeys
from tt_connect_redis.wire import (
    decode_holds,
    decode_instrument,
    decode_tick_entry,
    encode_holds,
    encode_tick_entry,
    instrument_key,
    keyed_tick,
    tick_from_entry,
)


@pytest.fixture(autouse=True)
def _permissive() -> Iterator[None]:
    previous = instruments.set_validator(lambda _i: None)
    yield
    instruments.set_validator(previous)


def test_a_full_tick_survives_the_bus_with_its_depth_and_ist_timestamps() -> None:
    option = Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2026, 1, 29), strike=24_050.5,
                    option_type=OptionType.PE)
    at = _dt.datetime(2026, 1, 5, 10, 15, 30, 123_456, tzinfo=IST)
    tick = Tick(instrument=option, mode=StreamMode.FULL, last_price=101.25, received_at=at, last_quantity=75,
                volume=1_234_500, oi=98_765, exchange_timestamp=at - _dt.timedelta(seconds=1),
                depth=Depth(bids=(DepthLevel(101.2, 750, 3),), asks=(DepthLevel(101.3, 1500, 5),)))
    key = instrument_key(option)
    entry = decode_tick_entry(encode_tick_entry("hub1", 7, [keyed_tick(key, tick)]))
    assert (entry.hub, entry.seq) == ("hub1", 7)
    back = tick_from_entry(option, entry.ticks[0])
    assert back == tick
    assert back.received_at.utcoffset() == _dt.timedelta(hours=5, minutes=30)
    assert decode_instrument(key) == option


def test_an_ltp_tick_is_a_few_dozen_bytes_besides_its_key() -> None:
    infy = Equity(exchange=Exchange.NSE, symbol="INFY")
    tick = Tick(instrument=infy, mode=StreamMode.LTP, last_price=1500.5,
                received_at=_dt.datetime(2026, 1, 5, 10, 0, tzinfo=IST))
    key = instrument_key(infy)
    assert len(encode_tick_entry("h", 1, [keyed_tick(key, tick)])) - len(key) < 40


def test_holds_round_trip_with_modes() -> None:
    infy = Equity(exchange=Exchange.NSE, symbol="INFY")
    holds = decode_holds(encode_holds({infy: StreamMode.QUOTE}))
    assert holds.modes == {instrument_key(infy).decode(): StreamMode.QUOTE.value}


@pytest.mark.parametrize(("namespace", "shards"), [("", 4), ("two words", 4), ("ok", 0), ("ok", 2.5)])
def test_bad_bus_settings_raise_configuration_errors(namespace: str, shards: object) -> None:
    with pytest.raises(ConfigurationError):
        BusKeys(namespace, shards)  # type: ignore[arg-type]


def test_every_key_of_a_bus_shares_one_cluster_hash_slot() -> None:
    keys = BusKeys("zerodha:user_id:abc", shards=8)
    names = [keys.control, keys.orders, keys.order_seq, keys.hub, keys.holds("c1"), keys.tick_stream(3)]
    assert all("{zerodha:user_id:abc}" in name for name in names)
    assert keys.shard_of(b"x") == keys.shard_of(b"x") and 0 <= keys.shard_of(b"y") < 8
