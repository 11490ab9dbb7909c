"""KiteTicker: the official packets decode to what the official client reports, plus frames we build."""

from __future__ import annotations

import base64
import datetime as _dt
import struct

import msgspec
import pytest
from kite_mock_files import mock_bytes, mock_json
from tt_connect.driver_api import BrokerSymbol, Session
from tt_connect.enums import Exchange, OrderStatus, StreamMode
from tt_connect.errors import StreamingError
from tt_connect.instruments import Equity, Future, Index
from tt_connect.models import DepthLevel, OrderUpdate, Tick
from tt_connect.timeutil import IST
from tt_connect_zerodha.config import ZerodhaConfig
from tt_connect_zerodha.stream import KiteDecoder, KiteStream
from zerodha_fakes import FakeContext

RECEIVED = _dt.datetime(2021, 7, 5, 10, 41, 28, tzinfo=IST)


def frame(*packets: bytes) -> bytes:
    """Wrap bare packets the way the server does: count, then length-prefixed packets."""
    return struct.pack(">H", len(packets)) + b"".join(struct.pack(">H", len(p)) + p for p in packets)


def packet(name: str) -> bytes:
    return base64.b64decode(mock_bytes(name))


def ticks(decoder: KiteDecoder, data: bytes | str) -> list[Tick]:
    events = decoder.decode(data, RECEIVED)
    assert all(isinstance(e, Tick) for e in events)
    return events  # type: ignore[return-value]


def test_official_full_packet_matches_the_official_decoding(ctx: FakeContext) -> None:
    expected = mock_json("ticker_full.json")
    (tick,) = ticks(KiteDecoder(ctx), frame(packet("ticker_full.packet")))
    assert tick.instrument == Equity(exchange=Exchange.NSE, symbol="INFY")
    assert tick.mode is StreamMode.FULL
    assert tick.received_at == RECEIVED
    assert tick.last_price == expected["last_price"]
    assert tick.last_quantity == expected["last_quantity"]
    assert tick.average_price == expected["average_price"]
    assert (tick.volume, tick.buy_quantity, tick.sell_quantity) == (
        expected["volume"], expected["buy_quantity"], expected["sell_quantity"])
    assert (tick.open, tick.high, tick.low, tick.close) == tuple(
        expected["ohlc"][k] for k in ("open", "high", "low", "close"))
    assert tick.change == pytest.approx(expected["change"])
    assert (tick.oi, tick.oi_day_high, tick.oi_day_low) == (0, 0, 0)
    assert tick.last_trade_time == _dt.datetime.fromisoformat(expected["last_trade_time"])
    assert tick.exchange_timestamp == _dt.datetime.fromisoformat(expected["timestamp"])
    assert tick.exchange_timestamp is not None and tick.exchange_timestamp.utcoffset() == _dt.timedelta(hours=5.5)
    assert tick.depth is not None
    assert tick.depth.bids == tuple(DepthLevel(**level) for level in expected["depth"]["buy"])
    assert tick.depth.asks == tuple(DepthLevel(**level) for level in expected["depth"]["sell"])


def test_frames_of_full_packets_only_decode_as_packet_by_packet(ctx: FakeContext) -> None:
    """The all-full fast path (one iter_unpack) gives exactly the ticks of the packet-by-packet loop."""
    full = packet("ticker_full.packet")
    unknown = struct.pack(">I", (999 << 8) | 2) + full[4:]  # a full packet of a token no segment knows
    mixed = ticks(KiteDecoder(ctx), frame(full, unknown, full, struct.pack(">II", 408065, 100)))
    fast = ticks(KiteDecoder(ctx), frame(full, unknown, full))
    assert len(fast) == 2 and fast == mixed[:2] and mixed[2].mode is StreamMode.LTP
    # lengths 8 and 360 fill exactly two full packets' room: read packet by packet, never as full packets
    odd = frame(struct.pack(">II", 408065, 100), bytes(360))
    assert len(odd) == 2 + 2 * (2 + 184)
    assert [t.mode for t in ticks(KiteDecoder(ctx), odd)] == [StreamMode.LTP]


def test_official_quote_packet_matches_the_official_decoding(ctx: FakeContext) -> None:
    expected = mock_json("ticker_quote.json")
    (tick,) = ticks(KiteDecoder(ctx), frame(packet("ticker_quote.packet")))
    assert tick.mode is StreamMode.QUOTE
    assert (tick.last_price, tick.last_quantity, tick.average_price, tick.volume) == (
        expected["last_price"], expected["last_quantity"], expected["average_price"], expected["volume"])
    assert (tick.buy_quantity, tick.sell_quantity) == (expected["buy_quantity"], expected["sell_quantity"])
    assert tick.close == expected["ohlc"]["close"] and tick.open == expected["ohlc"]["open"]
    assert tick.depth is None and tick.exchange_timestamp is None


def test_ltp_packet_and_several_packets_per_frame(ctx: FakeContext) -> None:
    expected = mock_json("ticker_ltp.json")
    ltp = struct.pack(">II", 408065, 157315)
    decoded = ticks(KiteDecoder(ctx), frame(ltp, packet("ticker_quote.packet"), packet("ticker_full.packet")))
    assert [t.mode for t in decoded] == [StreamMode.LTP, StreamMode.QUOTE, StreamMode.FULL]
    assert decoded[0].last_price == expected["last_price"]


def test_index_packets_use_their_own_field_order(ctx: FakeContext) -> None:
    nifty = Index(exchange=Exchange.NSE, symbol="NIFTY 50")
    # token, last, high, low, open, close, change (unused), exchange timestamp
    full = struct.pack(">8I", 256265, 2450010, 2460000, 2440000, 2445000, 2430000, 0, 1625461887)
    quote = full[:28]
    first, second = ticks(KiteDecoder(ctx), frame(full, quote))
    assert first.instrument == nifty and first.mode is StreamMode.FULL
    assert (first.last_price, first.high, first.low, first.open, first.close) == (
        24500.1, 24600.0, 24400.0, 24450.0, 24300.0)
    assert first.change == pytest.approx(200.1)
    assert first.exchange_timestamp == _dt.datetime(2021, 7, 5, 10, 41, 27, tzinfo=IST)
    assert second.mode is StreamMode.QUOTE and second.exchange_timestamp is None


def test_currency_prices_use_the_segment_divisor(ctx: FakeContext) -> None:
    usdinr = Future(exchange=Exchange.CDS, symbol="USDINR", expiry=_dt.date(2021, 6, 28))
    (tick,) = ticks(KiteDecoder(ctx), frame(struct.pack(">II", 412675, 727550000)))
    assert tick.instrument == usdinr and tick.last_price == 72.755


def test_bse_currency_prices_divide_by_ten_thousand(ctx: FakeContext) -> None:
    bcd = Future(exchange=Exchange.BCD, symbol="USDINR", expiry=_dt.date(2021, 6, 28))
    token = (1234 << 8) | 6  # segment byte 6: BCD
    ctx.add(bcd, str(token), "USDINR21JUNFUT", "BCD", "BCD-FUT")
    (tick,) = ticks(KiteDecoder(ctx), frame(struct.pack(">II", token, 727550)))
    assert tick.instrument == bcd and tick.last_price == 72.755


def test_heartbeat_and_empty_frames_yield_nothing(ctx: FakeContext) -> None:
    decoder = KiteDecoder(ctx)
    assert decoder.decode(b"\x00", RECEIVED) == []
    assert decoder.decode(b"", RECEIVED) == []
    assert decoder.decode(struct.pack(">H", 0) + b"\x00\x00", RECEIVED) == []


def test_unknown_token_is_skipped_and_looked_up_only_once(ctx: FakeContext) -> None:
    decoder = KiteDecoder(ctx)
    unknown = struct.pack(">II", (999 << 8) | 2, 100)
    known = struct.pack(">II", 408065, 100)
    for _ in range(3):
        decoded = ticks(decoder, frame(unknown, known))
        assert [t.last_price for t in decoded] == [1.0]
    assert ctx.token_lookups[("NSE", "408065")] == 1
    assert ctx.token_lookups[("NFO-OPT", str((999 << 8) | 2))] == 1
    assert ctx.token_lookups[("NFO-FUT", str((999 << 8) | 2))] == 1


def test_futures_tokens_are_found_in_the_futures_segment(ctx: FakeContext) -> None:
    (tick,) = ticks(KiteDecoder(ctx), frame(struct.pack(">II", 13238786, 2500000)))
    assert tick.instrument == Future(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 8, 28))


def test_truncated_frame_is_refused_with_a_streaming_error(ctx: FakeContext) -> None:
    data = frame(packet("ticker_full.packet"))[:100]
    with pytest.raises(StreamingError):
        KiteDecoder(ctx).decode(data, RECEIVED)


def test_order_text_message_becomes_an_order_update(ctx: FakeContext) -> None:
    message = msgspec.json.encode({"type": "order", "data": mock_json("postback.json")}).decode()
    (update,) = KiteDecoder(ctx).decode(message, RECEIVED)
    assert isinstance(update, OrderUpdate)
    assert update.order.order_id == "220303000308932" and update.order.status is OrderStatus.COMPLETE
    assert update.received_at == RECEIVED


def test_error_text_message_raises_and_other_messages_are_ignored(ctx: FakeContext) -> None:
    decoder = KiteDecoder(ctx)
    with pytest.raises(StreamingError, match="Kite stream error"):
        decoder.decode('{"type": "error", "data": "Invalid mode"}', RECEIVED)
    assert decoder.decode('{"type": "message", "data": "Market closes early"}', RECEIVED) == []


@pytest.fixture
def spec() -> KiteStream:
    return KiteStream(ZerodhaConfig(api_key="kitefront", ws_url="ws://127.0.0.1:9/ws"))


def test_subscribe_sends_tokens_then_the_mode(spec: KiteStream) -> None:
    symbols = [BrokerSymbol(token="408065", symbol="INFY", exchange="NSE", segment="NSE", lot_size=1,
                            tick_size=0.05),
               BrokerSymbol(token="884737", symbol="TATAMOTORS", exchange="NSE", segment="NSE", lot_size=1,
                            tick_size=0.05)]
    subscribe, mode = spec.subscribe(symbols, StreamMode.FULL)
    assert msgspec.json.decode(subscribe) == {"a": "subscribe", "v": [408065, 884737]}
    assert msgspec.json.decode(mode) == {"a": "mode", "v": ["full", [408065, 884737]]}
    (unsubscribe,) = spec.unsubscribe(symbols[:1])
    assert msgspec.json.decode(unsubscribe) == {"a": "unsubscribe", "v": [408065]}
    assert spec.subscribe([], StreamMode.LTP) == []


def test_stream_url_carries_key_and_token_and_limits_match_kite(spec: KiteStream) -> None:
    session = Session(broker="zerodha", user_id="AB1234", access_token="tok123456",
                      created_at=RECEIVED, expires_at=RECEIVED + _dt.timedelta(hours=19))
    assert spec.url(session) == "ws://127.0.0.1:9/ws?api_key=kitefront&access_token=tok123456"
    assert spec.ping() is None and spec.ping_interval is None
    assert (spec.max_instruments_per_connection, spec.max_connections) == (3000, 3)
    assert 5 <= spec.stale_after <= 10 and spec.carries_order_updates
