"""The v3 market-feed decoder: FeedResponse frames in every mode -> complete canonical Ticks."""

from __future__ import annotations

import datetime as _dt

import pytest
from tt_connect.enums import StreamMode
from tt_connect.errors import StreamingError
from tt_connect.timeutil import IST
from tt_connect_upstox.feed_proto import FeedResponse, RequestMode
from tt_connect_upstox.stream import UpstoxDecoder, wire_mode
from upstox_fakes import NIFTY_CE, NIFTY_INDEX, RELIANCE, FakeContext

RECEIVED = _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)
NOW_MS = 1_736_137_800_000  # 2025-01-06 10:00 IST


def _full(key: str, *, ltp: float = 2905.5, cp: float = 2890.0, levels: int = 5, depth: bool = True,
          ohlc: bool = True, ltpc: bool = True) -> bytes:
    response = FeedResponse(type=1, currentTs=NOW_MS)
    feed = response.feeds[key]
    feed.requestMode = RequestMode["full_d30" if levels == 30 else "full_d5"]
    market = feed.fullFeed.marketFF
    if ltpc:
        market.ltpc.ltp, market.ltpc.ltt, market.ltpc.ltq, market.ltpc.cp = ltp, NOW_MS - 500, 7, cp
    if depth:
        for i in range(levels):
            level = market.marketLevel.bidAskQuote.add()
            level.bidP, level.bidQ = ltp - 0.05 * (i + 1), 100 + i
            level.askP, level.askQ = ltp + 0.05 * (i + 1), 200 + i
    if ohlc:
        for interval, o in (("I1", 1.0), ("1d", 2880.0), ("I30", 2.0)):
            bar = market.marketOHLC.ohlc.add()
            bar.interval, bar.open, bar.high, bar.low, bar.close = interval, o, 2910.0, 2875.0, ltp
    market.atp, market.vtt, market.oi, market.tbq, market.tsq = 2899.1, 1_234_567, 0.0, 45_000.0, 51_000.0
    return response.SerializeToString()


def test_ltpc_frame_gives_an_ltp_tick_with_the_previous_close_and_change(ctx: FakeContext) -> None:
    response = FeedResponse(type=1, currentTs=NOW_MS)
    ltpc = response.feeds[RELIANCE].ltpc
    ltpc.ltp, ltpc.ltt, ltpc.ltq, ltpc.cp = 2905.5, NOW_MS - 1000, 12, 2890.0
    (tick,) = UpstoxDecoder(ctx).decode(response.SerializeToString(), RECEIVED)
    assert tick.instrument == ctx.keys[RELIANCE] and tick.mode is StreamMode.LTP
    assert (tick.last_price, tick.close) == (2905.5, 2890.0)
    assert tick.change == pytest.approx(15.5)
    assert tick.last_trade_time is None and tick.exchange_timestamp is None, "an LTP tick promises the price only"
    assert tick.received_at == RECEIVED


def test_full_frame_gives_depth_day_ohlc_volume_and_totals(ctx: FakeContext) -> None:
    (tick,) = UpstoxDecoder(ctx).decode(_full(RELIANCE), RECEIVED)
    assert tick.mode is StreamMode.FULL and (tick.last_price, tick.last_quantity, tick.close) == (2905.5, 7, 2890.0)
    assert tick.last_trade_time == _dt.datetime(2025, 1, 6, 9, 59, 59, 500000, tzinfo=IST)
    assert tick.exchange_timestamp == _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)
    assert (tick.open, tick.high, tick.low) == (2880.0, 2910.0, 2875.0)  # the 1d bar, not I1 or I30
    assert (tick.volume, tick.average_price, tick.buy_quantity, tick.sell_quantity) == (1_234_567, 2899.1, 45_000,
                                                                                        51_000)
    assert tick.depth is not None and len(tick.depth.bids) == len(tick.depth.asks) == 5
    assert tick.depth.bids[0].price == pytest.approx(2905.45) and tick.depth.bids[0].quantity == 100
    assert tick.depth.asks[4].price == pytest.approx(2905.75) and tick.depth.asks[4].quantity == 204


def test_full_d30_frame_keeps_all_thirty_levels(ctx: FakeContext) -> None:
    (tick,) = UpstoxDecoder(ctx).decode(_full(RELIANCE, levels=30), RECEIVED)
    assert tick.depth is not None and len(tick.depth.bids) == 30 and len(tick.depth.asks) == 30


def test_a_frame_without_depth_or_ohlc_keeps_the_previous_values_of_that_instrument(ctx: FakeContext) -> None:
    decoder = UpstoxDecoder(ctx)
    (first,) = decoder.decode(_full(RELIANCE), RECEIVED)
    (second,) = decoder.decode(_full(RELIANCE, ltp=2906.0, depth=False, ohlc=False), RECEIVED)
    assert second.last_price == 2906.0
    assert second.depth == first.depth and (second.open, second.high, second.low) == (first.open, first.high, first.low)
    (third,) = decoder.decode(_full(RELIANCE, ltpc=False, depth=False), RECEIVED)
    assert third.last_price == 2906.0 and third.close == 2890.0


def test_a_new_decoder_starts_without_state(ctx: FakeContext) -> None:
    UpstoxDecoder(ctx).decode(_full(RELIANCE), RECEIVED)
    (tick,) = UpstoxDecoder(ctx).decode(_full(RELIANCE, depth=False, ohlc=False), RECEIVED)
    assert tick.depth is not None and tick.depth.bids == () and tick.open == 0.0


def test_index_full_frame_gives_ltp_and_ohlc_without_depth(ctx: FakeContext) -> None:
    response = FeedResponse(type=1, currentTs=NOW_MS)
    index = response.feeds[NIFTY_INDEX].fullFeed.indexFF
    index.ltpc.ltp, index.ltpc.cp = 24_350.5, 24_300.0
    bar = index.marketOHLC.ohlc.add()
    bar.interval, bar.open, bar.high, bar.low, bar.close = "1d", 24_310.0, 24_400.0, 24_280.0, 24_350.5
    (tick,) = UpstoxDecoder(ctx).decode(response.SerializeToString(), RECEIVED)
    assert tick.instrument == ctx.keys[NIFTY_INDEX] and tick.depth is None
    assert (tick.last_price, tick.open, tick.high, tick.low, tick.close) == (24_350.5, 24_310.0, 24_400.0, 24_280.0,
                                                                            24_300.0)


def test_option_greeks_frame_gives_a_quote_tick_with_the_best_bid_and_ask(ctx: FakeContext) -> None:
    response = FeedResponse(type=1, currentTs=NOW_MS)
    greeks = response.feeds[NIFTY_CE].firstLevelWithGreeks
    greeks.ltpc.ltp, greeks.ltpc.cp, greeks.ltpc.ltq = 112.5, 100.0, 75
    greeks.firstDepth.bidP, greeks.firstDepth.bidQ = 112.4, 750
    greeks.firstDepth.askP, greeks.firstDepth.askQ = 112.6, 1500
    greeks.vtt, greeks.oi, greeks.optionGreeks.delta = 9_000_000, 4_500_000.0, 0.52
    (tick,) = UpstoxDecoder(ctx).decode(response.SerializeToString(), RECEIVED)
    assert tick.mode is StreamMode.QUOTE and (tick.volume, tick.oi) == (9_000_000, 4_500_000)
    assert tick.depth is not None and tick.depth.bids[0].price == 112.4 and tick.depth.asks[0].quantity == 1500


def test_one_frame_with_many_instruments_gives_one_tick_each_and_skips_unknown_keys(ctx: FakeContext) -> None:
    response = FeedResponse(type=1, currentTs=NOW_MS)
    for key in (RELIANCE, NIFTY_CE, "NSE_EQ|INE000X00000", "not-a-key"):
        response.feeds[key].ltpc.ltp = 10.0
    decoder = UpstoxDecoder(ctx)
    ticks = decoder.decode(response.SerializeToString(), RECEIVED)
    assert {t.instrument for t in ticks} == {ctx.keys[RELIANCE], ctx.keys[NIFTY_CE]}
    lookups = ctx.lookups
    decoder.decode(response.SerializeToString(), RECEIVED)
    assert ctx.lookups == lookups, "keys are resolved once per decoder, known or not"


def test_market_info_frame_records_segment_status_and_yields_no_tick(ctx: FakeContext) -> None:
    response = FeedResponse(type=2, currentTs=NOW_MS)
    response.marketInfo.segmentStatus["NSE_EQ"] = 2
    response.marketInfo.segmentStatus["MCX_FO"] = 3
    decoder = UpstoxDecoder(ctx)
    assert decoder.decode(response.SerializeToString(), RECEIVED) == []
    assert decoder.segment_status == {"NSE_EQ": "NORMAL_OPEN", "MCX_FO": "NORMAL_CLOSE"}


def test_a_frame_that_is_not_a_feed_response_is_a_streaming_error(ctx: FakeContext) -> None:
    with pytest.raises(StreamingError, match="not a FeedResponse"):
        UpstoxDecoder(ctx).decode(b"\x0a\xff\xff\xff", RECEIVED)
    assert UpstoxDecoder(ctx).decode("a text frame", RECEIVED) == []


def test_wire_modes_map_quote_and_full_to_full_and_thirty_levels_on_request() -> None:
    assert wire_mode(StreamMode.LTP) == "ltpc"
    assert wire_mode(StreamMode.QUOTE) == wire_mode(StreamMode.FULL) == "full"
    assert wire_mode(StreamMode.FULL, depth_levels=30) == "full_d30"
    assert wire_mode(StreamMode.LTP, depth_levels=30) == "ltpc"
