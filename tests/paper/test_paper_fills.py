"""The fill rules of live-data paper (tt_connect.paper.fills), on books written out by hand."""

from __future__ import annotations

from tt_connect.paper.fills import crossed, walk

ASKS = [(100.0, 10, 2), (100.05, 5, 1), (100.1, 20, 4)]
BIDS = [(99.95, 8, 3), (99.9, 4, 1)]


def test_a_market_buy_takes_each_level_up_to_its_size() -> None:
    assert walk(ASKS, "BUY", 12, None, last_price=99.98, tick=0.05) == [(10, 100.0), (2, 100.05)]


def test_a_market_order_past_the_book_fills_the_rest_at_the_worst_displayed_price() -> None:
    assert walk(BIDS, "SELL", 20, None, last_price=99.98, tick=0.05) == [(8, 99.95), (12, 99.9)]
    assert walk(ASKS, "BUY", 50, None, last_price=99.98, tick=0.05) == [(10, 100.0), (5, 100.05), (35, 100.1)]


def test_an_arriving_limit_walks_up_to_its_price_and_leaves_the_rest() -> None:
    assert walk(ASKS, "BUY", 30, 100.05, last_price=99.98, tick=0.05) == [(10, 100.0), (5, 100.05)]
    assert walk(ASKS, "BUY", 30, 99.95, last_price=99.98, tick=0.05) == []


def test_slippage_moves_prices_against_the_order_on_the_tick_grid_but_never_past_a_limit() -> None:
    # 10 bps of 100.00 is 0.10: a buy pays 100.10, a sell of 99.95 gets 99.85 (99.85005 rounded down)
    assert walk(ASKS[:1], "BUY", 5, None, last_price=99.98, tick=0.05, slippage_bps=10) == [(5, 100.1)]
    assert walk(BIDS[:1], "SELL", 5, None, last_price=99.98, tick=0.05, slippage_bps=10) == [(5, 99.85)]
    assert walk(ASKS[:1], "BUY", 5, 100.05, last_price=99.98, tick=0.05, slippage_bps=10) == [(5, 100.05)]
    # 1 bp of 100.00 is 0.01, less than a tick: rounded outward, a whole tick
    assert walk(ASKS[:1], "BUY", 5, None, last_price=99.98, tick=0.05, slippage_bps=1) == [(5, 100.05)]


def test_without_depth_the_last_price_is_the_book() -> None:
    assert walk([], "BUY", 7, None, last_price=250.0, tick=0.05) == [(7, 250.0)]
    assert walk([], "BUY", 7, 249.0, last_price=250.0, tick=0.05) == []
    assert walk([], "SELL", 7, 249.0, last_price=250.0, tick=0.05) == [(7, 250.0)]


def test_a_resting_limit_is_crossed_by_the_opposite_quote_or_the_last_trade() -> None:
    assert crossed("BUY", 100.0, best_opposite=100.0, last_price=100.2)
    assert crossed("BUY", 100.0, best_opposite=100.05, last_price=99.95)
    assert not crossed("BUY", 100.0, best_opposite=100.05, last_price=100.02)
    assert crossed("SELL", 100.0, best_opposite=100.0, last_price=99.8)
    assert not crossed("SELL", 100.0, best_opposite=None, last_price=99.95)
