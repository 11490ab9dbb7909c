"""The feed decoder: snapshots then deltas become complete Ticks; acks, heartbeats and order updates."""

from __future__ import annotations

import datetime as _dt
import json

import pytest
from noren_fakes import NOW, FakeContext
from tt_connect.driver_api import StreamRejected
from tt_connect.enums import StreamMode
from tt_connect.errors import StreamingError
from tt_connect.models import OrderUpdate, Tick
from tt_connect.timeutil import IST
from tt_connect_noren.feed import NorenDecoder
from tt_connect_noren.parsing import noren_order_to_order

AT = _dt.datetime(2026, 11, 25, 10, 15, 5, tzinfo=IST)


def _frame(**fields: str) -> str:
    return json.dumps(fields)


def _depth_snapshot() -> str:
    levels = {}
    for i in range(1, 6):
        levels.update({f"bp{i}": f"{2905 - i * 0.05:.2f}", f"bq{i}": str(10 * i), f"bo{i}": str(i),
                       f"sp{i}": f"{2905 + i * 0.05:.2f}", f"sq{i}": str(11 * i), f"so{i}": str(i + 1)})
    return _frame(t="dk", e="NSE", tk="2885", ts="RELIANCE-EQ", lp="2905.00", c="2890.00", o="2895.00",
                  h="2910.00", l="2880.00", v="1000", ap="2901.00", ltq="5", ltt="10:15:01", tbq="700", tsq="800",
                  ft="1795590905", **levels)


def _ticks(decoded: list[Tick | OrderUpdate]) -> list[Tick]:
    assert all(isinstance(item, Tick) for item in decoded)
    return decoded  # type: ignore[return-value]


def test_a_touchline_snapshot_gives_a_complete_quote_tick(ctx: FakeContext) -> None:
    decoder = NorenDecoder(ctx)
    (tick,) = _ticks(decoder.decode(_frame(t="tk", e="NSE", tk="2885", lp="2905.10", c="2890.00", o="2895.00",
                                           h="2910", l="2880", v="12345", ap="2901.55", bp1="2905.05",
                                           sp1="2905.10", ft="1795590905"), AT))
    assert tick.mode is StreamMode.QUOTE and tick.depth is None
    assert (tick.last_price, tick.close, tick.volume, tick.average_price) == (2905.1, 2890.0, 12345, 2901.55)
    assert tick.change == pytest.approx(15.1)
    assert tick.exchange_timestamp == _dt.datetime.fromtimestamp(1795590905, IST)
    assert tick.instrument == ctx.by_token("NSE", "2885")


def test_a_delta_carries_only_changes_and_the_tick_keeps_everything_else(ctx: FakeContext) -> None:
    decoder = NorenDecoder(ctx)
    decoder.decode(_frame(t="tk", e="NSE", tk="2885", lp="2905.10", c="2890.00", o="2895.00", v="100"), AT)
    (tick,) = _ticks(decoder.decode(_frame(t="tf", e="NSE", tk="2885", lp="2906.00"), AT))
    assert (tick.last_price, tick.open, tick.close, tick.volume) == (2906.0, 2895.0, 2890.0, 100)
    assert tick.change == pytest.approx(16.0)
    (later,) = _ticks(decoder.decode(_frame(t="tf", e="NSE", tk="2885", v="150"), AT))
    assert (later.last_price, later.volume) == (2906.0, 150)


def test_depth_deltas_rebuild_only_the_levels_they_name(ctx: FakeContext) -> None:
    decoder = NorenDecoder(ctx)
    (snapshot,) = _ticks(decoder.decode(_depth_snapshot(), AT))
    assert snapshot.mode is StreamMode.FULL and snapshot.depth is not None
    assert [level.quantity for level in snapshot.depth.bids] == [10, 20, 30, 40, 50]
    assert snapshot.last_trade_time == _dt.datetime.combine(NOW.date(), _dt.time(10, 15, 1), IST)
    (tick,) = _ticks(decoder.decode(_frame(t="df", e="NSE", tk="2885", bq2="99", sp5="2906.00"), AT))
    assert tick.depth is not None
    assert [level.quantity for level in tick.depth.bids] == [10, 99, 30, 40, 50]
    assert tick.depth.bids[1].price == snapshot.depth.bids[1].price
    assert tick.depth.asks[4].price == 2906.0 and tick.depth.asks[4].quantity == 55
    assert tick.depth.asks[0] is snapshot.depth.asks[0]
    assert (tick.last_price, tick.buy_quantity) == (2905.0, 700)


def test_a_new_snapshot_replaces_the_state_of_that_instrument(ctx: FakeContext) -> None:
    decoder = NorenDecoder(ctx)
    decoder.decode(_frame(t="tk", e="NSE", tk="2885", lp="1.00", o="5.00"), AT)
    (tick,) = _ticks(decoder.decode(_frame(t="tk", e="NSE", tk="2885", lp="2.00"), AT))
    assert (tick.last_price, tick.open) == (2.0, 0.0)


def test_touchline_and_depth_of_one_token_are_kept_apart(ctx: FakeContext) -> None:
    decoder = NorenDecoder(ctx)
    decoder.decode(_frame(t="tk", e="NSE", tk="2885", lp="1.00"), AT)
    decoder.decode(_depth_snapshot(), AT)
    (quote,) = _ticks(decoder.decode(_frame(t="tf", e="NSE", tk="2885", v="7"), AT))
    assert quote.mode is StreamMode.QUOTE and quote.last_price == 1.0


def test_a_delta_before_any_snapshot_starts_from_a_blank_tick(ctx: FakeContext) -> None:
    (tick,) = _ticks(NorenDecoder(ctx).decode(_frame(t="df", e="NFO", tk="35002", lp="101.50", bp3="101.00"), AT))
    assert tick.last_price == 101.5 and tick.depth is not None and tick.depth.bids[2].price == 101.0


def test_an_unknown_token_is_skipped(ctx: FakeContext) -> None:
    decoder = NorenDecoder(ctx)
    assert decoder.decode(_frame(t="tk", e="NSE", tk="424242", lp="1"), AT) == []
    assert decoder.decode(_frame(t="tf", e="NSE", tk="424242", lp="2"), AT) == []


def test_a_blank_number_is_dropped_not_fatal(ctx: FakeContext) -> None:
    (tick,) = _ticks(NorenDecoder(ctx).decode(_frame(t="tk", e="NSE", tk="2885", lp="2905.10", v="", c="-"), AT))
    assert (tick.last_price, tick.volume, tick.close) == (2905.1, 0, 0.0)


def test_acks_and_heartbeats_yield_nothing_and_a_refused_connect_is_a_dead_session(ctx: FakeContext) -> None:
    decoder = NorenDecoder(ctx)
    for frame in ('{"t":"ck","s":"OK","uid":"FA12345"}', '{"t":"ak","s":"OK"}', '{"t":"ok"}', '{"t":"h"}',
                  '{"t":"uk","k":"NSE|2885"}'):
        assert decoder.decode(frame, AT) == []
    with pytest.raises(StreamRejected):
        decoder.decode('{"t":"ak","s":"NOT_OK","emsg":"Invalid Session Key"}', AT)
    with pytest.raises(StreamRejected):
        decoder.decode('{"t":"ck","k":"NOT_OK"}', AT)


def test_a_frame_that_is_not_json_is_a_streaming_error(ctx: FakeContext) -> None:
    with pytest.raises(StreamingError):
        NorenDecoder(ctx).decode("not json", AT)


def test_order_updates_go_through_the_order_parser(ctx: FakeContext) -> None:
    def parse(row: dict[str, object], received_at: _dt.datetime) -> OrderUpdate:
        return OrderUpdate(order=noren_order_to_order(ctx, row), received_at=received_at)  # type: ignore[arg-type]

    frame = _frame(t="om", norenordno="1", exch="NSE", tsym="RELIANCE-EQ", qty="1", prc="0", prd="I",
                   status="COMPLETE", reporttype="Fill", trantype="B", prctyp="MKT", ret="DAY", fillshares="1",
                   avgprc="2905.00")
    (update,) = NorenDecoder(ctx, parse).decode(frame, AT)
    assert isinstance(update, OrderUpdate) and update.order.filled_qty == 1
    assert NorenDecoder(ctx).decode(frame, AT) == []
