"""The market-feed decoder: DhanHQ v2 binary packets -> complete canonical Ticks, and the subscribe messages."""

from __future__ import annotations

import datetime as _dt

import msgspec
import pytest
from dhan_fakes import IST_SHIFT, FakeContext, disconnect, full, nifty_call, oi, prev_close, quote, reliance, ticker
from tt_connect.driver_api import BrokerSymbol, StreamRejected
from tt_connect.enums import StreamMode
from tt_connect.errors import StreamingError
from tt_connect.models import DepthLevel
from tt_connect.timeutil import IST
from tt_connect_dhan.config import DhanConfig
from tt_connect_dhan.stream import DhanDecoder, DhanStream

NOW = _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)
TRADED_AT = _dt.datetime(2025, 1, 6, 9, 59, 58, tzinfo=IST)
LTT = int(TRADED_AT.timestamp()) + IST_SHIFT  # Dhan counts IST wall-clock seconds


def _levels() -> list[tuple[int, int, int, int, float, float]]:
    return [(100 * (i + 1), 90 * (i + 1), i + 1, i + 2, 2905.05 - 0.05 * i, 2905.10 + 0.05 * i) for i in range(5)]


def test_full_packet_gives_a_complete_tick_with_five_levels_each_side(ctx: FakeContext) -> None:
    decoder = DhanDecoder(ctx)
    assert decoder.decode(prev_close(1, 2885, 2890.4, 0), NOW) == []
    (tick,) = decoder.decode(full(1, 2885, ltp=2905.05, ltt=LTT, oi_values=(0, 0, 0), levels=_levels()), NOW)
    assert tick.instrument == reliance()
    assert tick.mode is StreamMode.FULL
    assert tick.last_price == 2905.05  # float32 on the wire, rounded to the paisa
    assert (tick.last_quantity, tick.volume, tick.buy_quantity, tick.sell_quantity) == (25, 120_000, 5_000, 4_000)
    assert tick.average_price == 2903.55
    assert (tick.open, tick.high, tick.low) == (2895.05, 2910.05, 2893.05)
    assert tick.close == 2890.4  # the Prev Close packet, not the packet's post-close field (0 in the session)
    assert tick.change == pytest.approx(14.65)
    assert tick.last_trade_time == TRADED_AT and tick.exchange_timestamp == TRADED_AT
    assert tick.received_at == NOW
    assert tick.depth is not None
    assert tick.depth.bids[0] == DepthLevel(2905.05, 100, 1)
    assert tick.depth.asks[4] == DepthLevel(2905.3, 450, 6)
    assert [level.price for level in tick.depth.bids] == [2905.05, 2905.0, 2904.95, 2904.9, 2904.85]


def test_derivative_full_packet_carries_oi_and_its_day_range(ctx: FakeContext) -> None:
    (tick,) = DhanDecoder(ctx).decode(full(2, 43650, ltp=120.5, ltt=LTT, oi_values=(5_000_000, 5_100_000,
                                                                                      4_900_000), levels=_levels()),
                                      NOW)
    assert tick.instrument == nifty_call()
    assert (tick.oi, tick.oi_day_high, tick.oi_day_low) == (5_000_000, 5_100_000, 4_900_000)


def test_quote_tick_carries_the_oi_and_previous_close_sent_in_their_own_packets(ctx: FakeContext) -> None:
    decoder = DhanDecoder(ctx)
    decoder.decode(prev_close(2, 43650, 118.0, 4_800_000), NOW)
    decoder.decode(oi(2, 43650, 5_000_000), NOW)
    (tick,) = decoder.decode(quote(2, 43650, ltp=120.5, ltq=75, ltt=LTT, atp=119.9, volume=900, sell=300, buy=450,
                                   o=117.0, c=0.0, h=121.0, low=116.5), NOW)
    assert tick.mode is StreamMode.QUOTE
    assert (tick.last_price, tick.close, tick.change, tick.oi) == (120.5, 118.0, 2.5, 5_000_000)
    assert (tick.buy_quantity, tick.sell_quantity, tick.last_quantity) == (450, 300, 75)
    assert tick.depth is None and tick.last_trade_time == TRADED_AT


def test_ticker_packet_is_an_ltp_tick(ctx: FakeContext) -> None:
    (tick,) = DhanDecoder(ctx).decode(ticker(0, 13, 24350.05, LTT), NOW)
    assert (tick.mode, tick.last_price, tick.instrument.symbol) == (StreamMode.LTP, 24350.05, "NIFTY 50")


def test_currency_prices_keep_four_decimals(ctx: FakeContext) -> None:
    (tick,) = DhanDecoder(ctx).decode(ticker(3, 9021, 0.1275, LTT), NOW)
    assert tick.last_price == 0.1275


def test_several_packets_in_one_message_are_all_decoded(ctx: FakeContext) -> None:
    message = ticker(1, 2885, 2905.0, LTT) + oi(2, 43650, 10) + ticker(0, 13, 24000.0, LTT)
    ticks = DhanDecoder(ctx).decode(message, NOW)
    assert [t.last_price for t in ticks] == [2905.0, 24000.0]


def test_an_unknown_security_is_skipped_and_resolved_once(ctx: FakeContext) -> None:
    decoder = DhanDecoder(ctx)
    for _ in range(3):
        assert decoder.decode(ticker(1, 999_999, 10.0, LTT), NOW) == []
        decoder.decode(ticker(1, 2885, 2905.0, LTT), NOW)
    assert ctx.token_lookups[("NSE_EQ", "999999")] == 1
    assert ctx.token_lookups[("NSE_EQ", "2885")] == 1


def test_market_status_packets_and_text_frames_yield_nothing(ctx: FakeContext) -> None:
    status = bytes([7, 8, 0, 0, 0, 0, 0, 0])
    assert DhanDecoder(ctx).decode(status, NOW) == []
    assert DhanDecoder(ctx).decode("hello", NOW) == []


def test_disconnect_for_an_expired_token_refuses_the_socket_and_asks_for_a_new_session(ctx: FakeContext) -> None:
    with pytest.raises(StreamRejected) as caught:
        DhanDecoder(ctx).decode(disconnect(807), NOW)
    assert caught.value.session_dead and "807" in caught.value.message


def test_disconnect_for_too_many_connections_refuses_the_socket_with_a_live_session(ctx: FakeContext) -> None:
    with pytest.raises(StreamRejected) as caught:
        DhanDecoder(ctx).decode(disconnect(805), NOW)
    assert not caught.value.session_dead and "805" in caught.value.message


def test_a_truncated_packet_is_refused_with_a_streaming_error(ctx: FakeContext) -> None:
    with pytest.raises(StreamingError):
        DhanDecoder(ctx).decode(full(1, 2885, ltp=1.0, ltt=LTT, oi_values=(0, 0, 0), levels=_levels())[:100], NOW)


def _symbols(count: int) -> list[BrokerSymbol]:
    return [BrokerSymbol(token=str(1000 + i), symbol=f"S{i}", exchange="NSE_EQ", segment="NSE_EQ", lot_size=1,
                         tick_size=0.05) for i in range(count)]


def test_subscriptions_go_a_hundred_instruments_a_message_with_the_mode_code() -> None:
    spec = DhanStream(DhanConfig(client_id="1000000001", access_token="t"))
    messages = [msgspec.json.decode(m) for m in spec.subscribe(_symbols(250), StreamMode.FULL)]
    assert [m["RequestCode"] for m in messages] == [21, 21, 21]
    assert [m["InstrumentCount"] for m in messages] == [100, 100, 50]
    assert messages[0]["InstrumentList"][0] == {"ExchangeSegment": "NSE_EQ", "SecurityId": "1000"}


def test_unsubscribe_names_every_mode() -> None:
    spec = DhanStream(DhanConfig(client_id="1000000001", access_token="t"))
    codes = sorted(msgspec.json.decode(m)["RequestCode"] for m in spec.unsubscribe(_symbols(3)))
    assert codes == [16, 18, 22]
