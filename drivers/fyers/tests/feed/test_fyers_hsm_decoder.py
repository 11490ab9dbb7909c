"""The HSM decoder against frames built by hand from the protocol facts, the encoder's frames, and noise."""

from __future__ import annotations

import datetime as _dt
import random
import struct

import pytest
from fyers_feed_fakes import Endpoints
from tt_connect.driver_api import BrokerSymbol, StreamRejected
from tt_connect.enums import Exchange, StreamMode
from tt_connect.errors import StreamingError, TTConnectError
from tt_connect.instruments import Equity, Index
from tt_connect.models import DepthLevel
from tt_connect.testing import StaticContext
from tt_connect.timeutil import IST
from tt_connect_fyers.feed import encoder
from tt_connect_fyers.feed.protocol import NO_VALUE, QUOTE_FIELDS, hsm_key
from tt_connect_fyers.feed.stream import FyersStream

NOW = _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)
SBIN = BrokerSymbol(token="10100000003045", symbol="NSE:SBIN-EQ", exchange="NSE", segment="NSE_CM", lot_size=1,
                    tick_size=0.05)
NIFTY = BrokerSymbol(token="101000000026000", symbol="NSE:NIFTY50-INDEX", exchange="NSE", segment="NSE_CM",
                     lot_size=1, tick_size=0.05)
# ltp, volume, ltt, feed time, bid size, ask size, bid, ask, ltq, total buy, total sell, atp, OI, low, high,
# year high, year low, lower circuit, upper circuit, open, previous close
QUOTE = [80050, 123456, 1736137800, 1736137801, 40, 55, 80045, 80055, 7, 9000, 8000, 80012, 0, 79000, 81000,
         91000, 60000, 64000, 96000, 79500, 79900]
DEPTH = [80045, 80040, 80035, 80030, 80025, 80055, 80060, 80065, 80070, 80075,
         40, 41, 42, 43, 44, 55, 56, 57, 58, 59, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]


@pytest.fixture
def stream() -> FyersStream:
    return FyersStream(Endpoints())


@pytest.fixture
def ctx(static_instruments: None) -> StaticContext:
    context = StaticContext("fyers")
    context.list(Equity(exchange=Exchange.NSE, symbol="SBIN"), SBIN)
    context.list(Index(exchange=Exchange.NSE, symbol="NIFTY 50"), NIFTY)
    return context


def _snapshot_by_hand(topic_id: int, topic: str, values: list[int], precision: int = 2) -> bytes:
    """A data frame with one snapshot record, laid out field by field as data_ws.py reads it."""
    name = topic.encode()
    record = (bytes([83]) + struct.pack(">H", topic_id) + bytes([len(name)]) + name + bytes([len(values)])
              + b"".join(struct.pack(">i", v) for v in values) + b"\x00\x00" + struct.pack(">H", 1)
              + bytes([precision]) + b"\x03NSE" + b"\x043045" + b"\x07SBIN-EQ")
    body = bytes([6]) + struct.pack(">I", 1) + struct.pack(">H", 1) + record
    return struct.pack(">H", len(body)) + body


def test_client_frames_match_the_sdk_layout() -> None:
    assert encoder.ping_frame() == b"\x00\x01\x0b"
    key, source = "k3y", "PythonSDK-3.2.0"
    expected = (struct.pack(">H", 18 + len(key) + len(source) - 2) + b"\x01\x04" + b"\x01\x00\x03k3y" + b"\x02\x00\x01P"
                + b"\x03\x00\x01\x01" + b"\x04\x00\x0f" + source.encode())
    assert encoder.auth_frame(key, source) == expected
    assert encoder.mode_frame()[2:] == b"\x0c\x02" + b"\x01\x00\x08" + struct.pack(">Q", 1 << 11) + b"\x02\x00\x01F"
    assert encoder.ack_frame(77) == struct.pack(">HBBBHI", 9, 3, 1, 1, 4, 77)
    sub = encoder.subscribe_frame(["sf|nse_cm|3045"])
    assert sub[2:] == b"\x04\x02\x01\x00\x11\x00\x01\x0esf|nse_cm|3045\x02\x00\x01\x0b"


def test_a_hand_built_snapshot_gives_a_complete_quote_tick(ctx: StaticContext, stream: FyersStream) -> None:
    stream.subscribe([SBIN], StreamMode.QUOTE)
    [tick] = stream.decoder(ctx).decode(_snapshot_by_hand(7, "sf|nse_cm|3045", QUOTE), NOW)
    assert tick.instrument == Equity(exchange=Exchange.NSE, symbol="SBIN") and tick.mode is StreamMode.QUOTE
    assert (tick.last_price, tick.average_price, tick.open, tick.high, tick.low, tick.close) == (
        800.5, 800.12, 795.0, 810.0, 790.0, 799.0)
    assert (tick.volume, tick.last_quantity, tick.buy_quantity, tick.sell_quantity) == (123456, 7, 9000, 8000)
    assert tick.change == pytest.approx(1.5)
    assert tick.last_trade_time == _dt.datetime.fromtimestamp(1736137800, IST)
    assert tick.exchange_timestamp == _dt.datetime.fromtimestamp(1736137801, IST)
    assert tick.depth is None


def test_updates_apply_on_the_snapshot_and_keep_unchanged_values(ctx: StaticContext, stream: FyersStream) -> None:
    stream.subscribe([SBIN], StreamMode.QUOTE)
    decoder = stream.decoder(ctx)
    decoder.decode(encoder.data_frame(1, [encoder.snapshot_record(9, "sf|nse_cm|3045", QUOTE)]), NOW)
    changed = list(QUOTE)
    changed[0], changed[1], changed[14] = 81100, 124000, 81100
    update = encoder.update_record(9, encoder.unchanged(QUOTE, changed))
    [tick] = decoder.decode(encoder.data_frame(2, [update]), NOW)
    assert (tick.last_price, tick.volume, tick.high, tick.low, tick.close) == (811.0, 124000, 811.0, 790.0, 799.0)
    # An update naming fewer fields than the snapshot changes only those.
    [tick] = decoder.decode(encoder.data_frame(3, [encoder.update_record(9, [81200])]), NOW)
    assert (tick.last_price, tick.volume) == (812.0, 124000)


def test_full_mode_joins_the_depth_topic_into_the_tick(ctx: StaticContext, stream: FyersStream) -> None:
    stream.subscribe([SBIN], StreamMode.FULL)
    decoder = stream.decoder(ctx)
    frame = encoder.data_frame(1, [encoder.snapshot_record(1, "sf|nse_cm|3045", QUOTE),
                                   encoder.snapshot_record(2, "dp|nse_cm|3045", DEPTH)])
    ticks = decoder.decode(frame, NOW)
    assert [t.mode for t in ticks] == [StreamMode.FULL, StreamMode.FULL]
    depth = ticks[-1].depth
    assert depth is not None
    assert depth.bids[0] == DepthLevel(800.45, 40, 1) and depth.asks[4] == DepthLevel(800.75, 59, 10)
    moved = list(DEPTH)
    moved[10] = 99
    [tick] = decoder.decode(encoder.data_frame(2, [encoder.update_record(2, encoder.unchanged(DEPTH, moved))]), NOW)
    assert tick.depth is not None and tick.depth.bids[0].quantity == 99 and tick.last_price == 800.5


def test_the_subscribers_mode_decides_the_tick_and_a_step_down_drops_depth(ctx: StaticContext,
                                                                          stream: FyersStream) -> None:
    stream.subscribe([SBIN], StreamMode.FULL)
    decoder = stream.decoder(ctx)
    decoder.decode(encoder.data_frame(1, [encoder.snapshot_record(1, "sf|nse_cm|3045", QUOTE),
                                          encoder.snapshot_record(2, "dp|nse_cm|3045", DEPTH)]), NOW)
    messages = stream.subscribe([SBIN], StreamMode.LTP)
    assert messages == [encoder.subscribe_frame(["sf|nse_cm|3045"]), encoder.unsubscribe_frame(["dp|nse_cm|3045"])]
    [tick] = decoder.decode(encoder.data_frame(2, [encoder.update_record(1, [80100])]), NOW)
    assert tick.mode is StreamMode.LTP and tick.last_price == 801.0 and tick.volume == 0
    assert decoder.decode(encoder.data_frame(3, [encoder.update_record(2, DEPTH)]), NOW) == []
    stream.unsubscribe([SBIN])
    assert decoder.decode(encoder.data_frame(4, [encoder.update_record(1, [80200])]), NOW) == []


def test_lite_records_are_ltp_ticks(ctx: StaticContext, stream: FyersStream) -> None:
    stream.subscribe([SBIN], StreamMode.QUOTE)
    decoder = stream.decoder(ctx)
    decoder.decode(encoder.data_frame(1, [encoder.snapshot_record(4, "sf|nse_cm|3045", QUOTE)]), NOW)
    [tick] = decoder.decode(encoder.data_frame(2, [encoder.lite_record(4, 80125)]), NOW)
    assert tick.mode is StreamMode.LTP and tick.last_price == 801.25


def test_index_topics_carry_their_six_values(ctx: StaticContext, stream: FyersStream) -> None:
    assert stream.subscribe([NIFTY], StreamMode.FULL) == [encoder.subscribe_frame(["if|nse_cm|Nifty 50"])]
    values = [2435055, 2420010, 1736137801, 2441000, 2419000, 2425000]
    decoder = stream.decoder(ctx)
    [tick] = decoder.decode(encoder.data_frame(1, [encoder.snapshot_record(3, "if|nse_cm|Nifty 50", values)]), NOW)
    assert tick.instrument == Index(exchange=Exchange.NSE, symbol="NIFTY 50") and tick.mode is StreamMode.QUOTE
    assert (tick.last_price, tick.close, tick.high, tick.low, tick.open) == (24350.55, 24200.1, 24410.0, 24190.0,
                                                                              24250.0)
    assert tick.exchange_timestamp == _dt.datetime.fromtimestamp(1736137801, IST)
    moved = [2445000, NO_VALUE, 1736137802, 2445000, NO_VALUE, NO_VALUE]
    [tick] = decoder.decode(encoder.data_frame(2, [encoder.update_record(3, moved)]), NOW)
    assert (tick.last_price, tick.close, tick.high, tick.low) == (24450.0, 24200.1, 24450.0, 24190.0)


def test_precision_and_multiplier_scale_prices(ctx: StaticContext, stream: FyersStream) -> None:
    stream.subscribe([SBIN], StreamMode.QUOTE)
    record = encoder.snapshot_record(1, "sf|nse_cm|3045", [832512, *QUOTE[1:]], precision=4, multiplier=2)
    [tick] = stream.decoder(ctx).decode(encoder.data_frame(1, [record]), NOW)
    assert tick.last_price == pytest.approx(41.6256)


def test_missing_snapshot_values_read_as_zero(ctx: StaticContext, stream: FyersStream) -> None:
    stream.subscribe([SBIN], StreamMode.QUOTE)
    values = list(QUOTE)
    values[QUOTE_FIELDS.index("prev_close_price")] = NO_VALUE
    [tick] = stream.decoder(ctx).decode(encoder.data_frame(1, [encoder.snapshot_record(1, "sf|nse_cm|3045",
                                                                                       values)]), NOW)
    assert tick.close == 0.0 and tick.change == 0.0


def test_topics_never_subscribed_and_updates_before_a_snapshot_are_skipped(ctx: StaticContext,
                                                                           stream: FyersStream) -> None:
    decoder = stream.decoder(ctx)
    assert decoder.decode(encoder.data_frame(1, [encoder.snapshot_record(1, "sf|nse_cm|9999", QUOTE),
                                                 encoder.update_record(5, QUOTE)]), NOW) == []
    assert decoder.skipped == 2


def test_the_auth_reply_sets_the_ack_window_and_acks_are_queued(ctx: StaticContext, stream: FyersStream) -> None:
    stream.subscribe([SBIN], StreamMode.QUOTE)
    decoder = stream.decoder(ctx)
    decoder.decode(encoder.auth_reply(True, ack_count=2), NOW)
    assert decoder.authenticated and decoder.ack_count == 2
    for number in (10, 11, 12):
        decoder.decode(encoder.data_frame(number, []), NOW)
    assert decoder.replies == [encoder.ack_frame(11)]


def test_a_refused_login_refuses_the_socket_and_asks_for_a_new_session(ctx: StaticContext,
                                                                      stream: FyersStream) -> None:
    with pytest.raises(StreamRejected) as refused:
        stream.decoder(ctx).decode(encoder.auth_reply(False), NOW)
    assert refused.value.session_dead
    with pytest.raises(StreamRejected):
        stream.decoder(ctx).decode(encoder.custom_frame(-300, "Please provide valid token", 1), NOW)


def test_control_replies_and_custom_messages_yield_nothing(ctx: StaticContext, stream: FyersStream) -> None:
    decoder = stream.decoder(ctx)
    for frame in (encoder.reply_frame(4), encoder.reply_frame(5, ok=False), encoder.reply_frame(12),
                  encoder.custom_frame(51001, "Symbol limit exceeded", 4), b"\x00\x01\x0b", "text"):
        assert decoder.decode(frame, NOW) == []


def test_the_handshake_logs_in_with_the_jwt_hsm_key_then_sets_full_mode(stream: FyersStream) -> None:
    from fyers_feed_fakes import jwt, session

    token = jwt({"exp": 4102444800, "hsm_key": "abc123"})
    assert hsm_key(token) == "abc123" and hsm_key(f"APP-100:{token}") == "abc123"
    assert stream.handshake(session(token)) == [encoder.auth_frame("abc123"), encoder.mode_frame()]
    assert stream.headers(session(token)) == {}
    with pytest.raises(StreamRejected):
        stream.handshake(session("not-a-jwt"))


def test_subscriptions_go_fifteen_hundred_topics_a_frame(stream: FyersStream) -> None:
    symbols = [BrokerSymbol(token=f"1010000000{1000 + i}", symbol=f"NSE:S{i}-EQ", exchange="NSE", segment="NSE_CM",
                            lot_size=1, tick_size=0.05) for i in range(1000)]
    frames = stream.subscribe(symbols, StreamMode.FULL)
    assert len(frames) == 2  # 2000 topics
    assert frames[0][4:7] == b"\x01" + struct.pack(">H", 2 + sum(len(f"sf|nse_cm|{1000 + i}") + 1 for i in range(750))
                                                   + sum(len(f"dp|nse_cm|{1000 + i}") + 1 for i in range(750)))


def test_random_bytes_raise_only_typed_errors(ctx: StaticContext, stream: FyersStream) -> None:
    stream.subscribe([SBIN, NIFTY], StreamMode.FULL)
    rng = random.Random(18)
    valid = [encoder.data_frame(1, [encoder.snapshot_record(1, "sf|nse_cm|3045", QUOTE),
                                    encoder.snapshot_record(2, "dp|nse_cm|3045", DEPTH)]),
             encoder.data_frame(2, [encoder.update_record(1, QUOTE), encoder.lite_record(1, 80000)]),
             encoder.auth_reply(True, 5), encoder.custom_frame(51001, "limit", 4)]
    decoder = stream.decoder(ctx)
    for round_ in range(20_000):
        if round_ % 3 == 0:
            frame = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 80)))
        elif round_ % 3 == 1:
            base = rng.choice(valid)
            frame = base[:rng.randrange(len(base))]
        else:
            base = bytearray(rng.choice(valid))
            for _ in range(rng.randrange(1, 4)):
                base[rng.randrange(len(base))] = rng.randrange(256)
            frame = bytes(base)
        try:
            decoder.decode(frame, NOW)
        except (TTConnectError, StreamRejected):
            pass


def test_a_truncated_data_frame_is_a_streaming_error(ctx: StaticContext, stream: FyersStream) -> None:
    stream.subscribe([SBIN], StreamMode.QUOTE)
    frame = encoder.data_frame(1, [encoder.snapshot_record(1, "sf|nse_cm|3045", QUOTE)])
    with pytest.raises(StreamingError):
        stream.decoder(ctx).decode(frame[:-9], NOW)


def test_a_topic_id_given_to_another_topic_follows_the_new_snapshot(ctx: StaticContext, stream: FyersStream) -> None:
    stream.subscribe([SBIN], StreamMode.FULL)
    decoder = stream.decoder(ctx)
    decoder.decode(encoder.data_frame(1, [encoder.snapshot_record(1, "sf|nse_cm|3045", QUOTE)]), NOW)
    decoder.decode(encoder.data_frame(2, [encoder.snapshot_record(2, "dp|nse_cm|3045", DEPTH)]), NOW)
    decoder.decode(encoder.data_frame(3, [encoder.snapshot_record(2, "sf|nse_cm|3045", QUOTE),
                                          encoder.snapshot_record(1, "dp|nse_cm|3045", DEPTH)]), NOW)
    [tick] = decoder.decode(encoder.data_frame(4, [encoder.update_record(2, [80300])]), NOW)
    assert tick.last_price == 803.0 and tick.depth is not None
    [tick] = decoder.decode(encoder.data_frame(5, [encoder.update_record(1, [80290, *DEPTH[1:]])]), NOW)
    assert tick.last_price == 803.0 and tick.depth is not None and tick.depth.bids[0].price == 802.9
