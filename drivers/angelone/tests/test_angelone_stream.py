"""SmartWebSocketV2: frames packed field by field at the reference's offsets, decoded to Ticks."""

from __future__ import annotations

import datetime as _dt

import msgspec
import pytest
from angelone_fakes import (
    SAMPLE_ASKS,
    SAMPLE_BIDS,
    SAMPLE_QUOTE,
    FakeContext,
    ltp_frame,
    nifty_call,
    quote_frame,
    sbin,
    snap_quote_frame,
)
from tt_connect.driver_api import BrokerSymbol, Session
from tt_connect.enums import Exchange, OptionType, StreamMode
from tt_connect.errors import SessionExpiredError, StreamingError
from tt_connect.instruments import Option
from tt_connect.models import DepthLevel, Tick
from tt_connect.timeutil import IST
from tt_connect_angelone.config import AngelOneConfig
from tt_connect_angelone.stream import AngelDecoder, AngelStream

NOW = _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)


def _ticks(decoder: AngelDecoder, frame: bytes) -> list[Tick]:
    events = decoder.decode(frame, NOW)
    assert all(isinstance(event, Tick) for event in events)
    return [event for event in events if isinstance(event, Tick)]


@pytest.fixture
def spec() -> AngelStream:
    return AngelStream(AngelOneConfig(api_key="smartkey", client_code="A123456", access_token="jwt-1"))


def test_ltp_packet_decodes_price_in_rupees_with_the_instrument(spec: AngelStream, ctx: FakeContext) -> None:
    frame = ltp_frame(1, "3045", sequence=7, exchange_ms=1736137800123, ltp_paise=61240)
    (tick,) = _ticks(spec.decoder(ctx), frame)
    assert (tick.instrument, tick.mode, tick.last_price, tick.received_at) == (sbin(), StreamMode.LTP, 612.4, NOW)


def test_quote_packet_carries_ohlc_volume_and_doubles_for_totals(spec: AngelStream, ctx: FakeContext) -> None:
    (tick,) = _ticks(spec.decoder(ctx), quote_frame(2, "43650", SAMPLE_QUOTE))
    assert tick.instrument == nifty_call() and tick.mode is StreamMode.QUOTE
    assert (tick.last_price, tick.last_quantity, tick.average_price, tick.volume) == (612.4, 12, 610.55, 3556150)
    assert (tick.buy_quantity, tick.sell_quantity) == (1221749, 2132715)
    assert (tick.open, tick.high, tick.low, tick.close) == (608.0, 615.0, 605.1, 608.1)
    assert tick.change == pytest.approx(4.3) and tick.depth is None
    assert tick.exchange_timestamp == _dt.datetime(2025, 1, 6, 10, 0, 0, 123000, tzinfo=IST)


def test_snap_quote_packet_has_five_levels_each_side_and_open_interest(spec: AngelStream,
                                                                       ctx: FakeContext) -> None:
    quote = {**SAMPLE_QUOTE, "oi": 4567800}
    (tick,) = _ticks(spec.decoder(ctx), snap_quote_frame(1, "3045", quote, SAMPLE_BIDS, SAMPLE_ASKS))
    assert tick.mode is StreamMode.FULL and tick.oi == 4567800
    assert tick.depth is not None
    assert tick.depth.bids == tuple(DepthLevel(price / 100, qty, orders) for qty, price, orders in SAMPLE_BIDS)
    assert tick.depth.asks[4] == DepthLevel(612.65, 60, 2)
    assert tick.last_trade_time == _dt.datetime(2025, 1, 6, 9, 59, 59, tzinfo=IST)
    assert tick.close == 608.1


def test_currency_prices_use_their_own_divisor(spec: AngelStream, ctx: FakeContext) -> None:
    usdinr = Option(exchange=Exchange.CDS, symbol="USDINR", expiry=_dt.date(2025, 1, 24), strike=83.25,
                    option_type=OptionType.CE)
    (tick,) = _ticks(spec.decoder(ctx), ltp_frame(13, "1189", sequence=1, exchange_ms=0, ltp_paise=2_500_000))
    assert tick.instrument == usdinr and tick.last_price == 0.25 and tick.exchange_timestamp is None


def test_tokens_are_resolved_once_per_decoder_and_unknown_ones_skipped(spec: AngelStream,
                                                                       ctx: FakeContext) -> None:
    decoder = spec.decoder(ctx)
    frame = ltp_frame(1, "3045", sequence=1, exchange_ms=1, ltp_paise=100)
    unknown = ltp_frame(1, "999999", sequence=1, exchange_ms=1, ltp_paise=100)
    for _ in range(50):
        assert len(decoder.decode(frame, NOW)) == 1
        assert decoder.decode(unknown, NOW) == []
    assert ctx.token_lookups[("NSE", "3045")] == 1 and ctx.token_lookups[("NSE", "999999")] == 1
    assert decoder.decode(ltp_frame(9, "3045", sequence=1, exchange_ms=1, ltp_paise=100), NOW) == []


def test_text_frames_pong_and_errors(spec: AngelStream, ctx: FakeContext) -> None:
    decoder = spec.decoder(ctx)
    assert decoder.decode("pong", NOW) == [] and decoder.decode("not json at all", NOW) == []
    with pytest.raises(StreamingError, match="Invalid token list") as caught:
        decoder.decode('{"correlationID":"ttcsub1","errorCode":"E1002","errorMessage":"Invalid token list"}', NOW)
    assert caught.value.code == "E1002"
    with pytest.raises(StreamingError, match="10 bytes"):
        decoder.decode(bytes(10), NOW)
    assert decoder.decode(bytes([4]) + bytes(442), NOW) == []


def test_subscribe_groups_tokens_by_exchange_type(spec: AngelStream) -> None:
    symbols = [BrokerSymbol(token="3045", symbol="SBIN-EQ", exchange="NSE", segment="NSE", lot_size=1,
                            tick_size=0.05),
               BrokerSymbol(token="43650", symbol="NIFTY30JAN2524000CE", exchange="NFO", segment="NFO",
                            lot_size=75, tick_size=0.05),
               BrokerSymbol(token="99926000", symbol="Nifty 50", exchange="NSE", segment="NSE", lot_size=1,
                            tick_size=0.05)]
    (message,) = spec.subscribe(symbols, StreamMode.FULL)
    assert isinstance(message, str)
    decoded = msgspec.json.decode(message)
    assert decoded["action"] == 1 and decoded["params"]["mode"] == 3 and len(decoded["correlationID"]) <= 10
    assert decoded["params"]["tokenList"] == [{"exchangeType": 1, "tokens": ["3045", "99926000"]},
                                              {"exchangeType": 2, "tokens": ["43650"]}]
    removals = [msgspec.json.decode(m) for m in spec.unsubscribe(symbols[:1])]
    assert [(m["action"], m["params"]["mode"]) for m in removals] == [(0, 1), (0, 2), (0, 3)]
    assert spec.subscribe([], StreamMode.LTP) == []
    with pytest.raises(StreamingError):
        spec.subscribe([BrokerSymbol(token="1", symbol="X", exchange="NCO", segment="NCO", lot_size=1,
                                     tick_size=0.01)], StreamMode.LTP)


def test_handshake_needs_the_session_and_its_feed_token(spec: AngelStream) -> None:
    assert spec.url(None) == "wss://smartapisocket.angelone.in/smart-stream"
    assert (spec.ping(), spec.ping_interval, spec.max_instruments_per_connection, spec.max_connections) == (
        "ping", 10.0, 1000, 3)
    session = Session(broker="angelone", user_id="A123456", access_token="jwt-1", created_at=NOW,
                      expires_at=NOW + _dt.timedelta(hours=1), feed_token="feed-1")
    assert spec.headers(session) == {"Authorization": "Bearer jwt-1", "x-api-key": "smartkey",
                                     "x-client-code": "A123456", "x-feed-token": "feed-1"}
    with pytest.raises(SessionExpiredError):
        spec.headers(None)
    with pytest.raises(StreamingError, match="feed token"):
        spec.headers(msgspec.structs.replace(session, feed_token=""))
