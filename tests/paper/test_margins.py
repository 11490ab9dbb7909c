"""Paper margins against worked examples computed here, independently, from the documented model.

The model (docs/paper-margins.md): per underlying, 16 scenarios (price 0, +-1/3, +-2/3, +-3/3 of the
price scan range with volatility +- the volatility scan range; +-2 PSR at unchanged volatility, 35 %
of the loss), options repriced with Black-76 at the volatility implied by their last price;
SPAN = max(0, worst loss - net option value); exposure 2 % (index) / 3.5 % (stock) of the notional
of futures (futures price) and short options (spot). The pricer, the implied volatility and the
scan below are this file's own, so a slip in the engine's code cannot hide in both.
"""

from __future__ import annotations

import datetime as dt
import math
from statistics import NormalDist

import pytest
from tt_connect.paper import PaperEngine, build_universe
from tt_connect.paper.margins import MarginOrder, basket_margin, order_margin
from tt_connect.paper.span import SpanLeg, SpanParameters, span_margin
from tt_connect.paper.universe import UniverseRow
from tt_connect.timeutil import IST, ManualClock

TODAY = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=IST)
RATE = 0.065
N = NormalDist()
GRID = [(0, 1, 1), (0, -1, 1), (1 / 3, 1, 1), (1 / 3, -1, 1), (-1 / 3, 1, 1), (-1 / 3, -1, 1), (2 / 3, 1, 1),
        (2 / 3, -1, 1), (-2 / 3, 1, 1), (-2 / 3, -1, 1), (1, 1, 1), (1, -1, 1), (-1, 1, 1), (-1, -1, 1),
        (2, 0, 0.35), (-2, 0, 0.35)]
# NIFTY's annual volatility of 13 % is a daily sigma of 0.82 %: 6 sigma x sqrt(2) = 6.95 %, under the
# 9.3 % floor; 25 % of 13 % = 3.25 points, under the 4-point floor. RELIANCE's 22 %: 11.8 % -> 14.2 %.
NIFTY_PSR, NIFTY_VSR, INDEX_EXPOSURE = 0.093, 0.04, 0.02
STOCK_PSR, STOCK_VSR, STOCK_EXPOSURE = 0.142, 0.10, 0.035


def b76(forward: float, strike: float, years: float, vol: float, call: bool) -> float:
    root = vol * math.sqrt(years)
    d1 = (math.log(forward / strike) + root * root / 2) / root
    d2 = d1 - root
    if call:
        return math.exp(-RATE * years) * (forward * N.cdf(d1) - strike * N.cdf(d2))
    return math.exp(-RATE * years) * (strike * N.cdf(-d2) - forward * N.cdf(-d1))


def implied(price: float, forward: float, strike: float, years: float, call: bool) -> float:
    low, high = 1e-4, 5.0
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if b76(forward, strike, years, mid, call) < price else (low, mid)
    return (low + high) / 2


@pytest.fixture
def engine() -> PaperEngine:
    return PaperEngine(build_universe(TODAY, seed=7), seed=7, capital=1_000_000, clock=ManualClock(NOW))


def years(row: UniverseRow) -> float:
    assert row.expiry is not None
    return (dt.datetime.combine(row.expiry, dt.time(15, 30), IST) - NOW).total_seconds() / (365 * 86400)


def option(engine: PaperEngine, strike: float, kind: str = "CE", symbol: str = "NIFTY") -> UniverseRow:
    rows = [r for r in engine.rows.values() if r.symbol == symbol and r.kind == "OPT" and r.strike == strike
            and r.option_type == kind]
    return min(rows, key=lambda r: r.expiry or TODAY)


def future(engine: PaperEngine, symbol: str = "NIFTY") -> UniverseRow:
    return min((r for r in engine.rows.values() if r.symbol == symbol and r.kind == "FUT"),
               key=lambda r: r.expiry or TODAY)


def hand_margin(engine: PaperEngine, legs: list[tuple[UniverseRow, int]], psr: float, vsr: float,
                exposure_rate: float) -> tuple[float, float]:
    """(SPAN, exposure) of net positions, from the documented formula."""
    spot = engine.market.prices.levels[legs[0][0].underlying]
    losses = [0.0] * 16
    nov = notional = 0.0
    for row, qty in legs:
        price = engine.ltp(row.token)
        if row.kind == "FUT":
            for j, (move, _v, cover) in enumerate(GRID):
                losses[j] += cover * qty * (price - price * (1 + move * psr))
            notional += abs(qty) * price
            continue
        assert row.strike is not None
        call = row.option_type == "CE"
        forward = spot * math.exp(RATE * years(row))
        vol = implied(price, forward, row.strike, years(row), call)
        for j, (move, vmove, cover) in enumerate(GRID):
            value = b76(forward * (1 + move * psr), row.strike, years(row), vol + vmove * vsr, call)
            losses[j] += cover * qty * (price - value)
        nov += qty * price
        notional += -qty * spot if qty < 0 else 0.0
    return max(0.0, max(losses) - nov), exposure_rate * notional


def market(row: UniverseRow, side: str, qty: int) -> MarginOrder:
    return MarginOrder(token=row.token, side=side, qty=qty, order_type="MARKET", product="NRML")


def test_the_inputs_are_the_documented_ones(engine: PaperEngine) -> None:
    assert engine.market.prices.vols["NIFTY"] == 0.13 and engine.market.prices.vols["RELIANCE"] == 0.22
    assert 6 * 0.13 / math.sqrt(252) * math.sqrt(2) < NIFTY_PSR < 6 * 0.22 / math.sqrt(252) * math.sqrt(2) < STOCK_PSR


def test_a_naked_short_nifty_call_is_span_plus_exposure(engine: PaperEngine) -> None:
    call = option(engine, 24450)
    span, exposure = hand_margin(engine, [(call, -75)], NIFTY_PSR, NIFTY_VSR, INDEX_EXPOSURE)
    margin = order_margin(engine, market(call, "SELL", 75))
    assert exposure == pytest.approx(0.02 * 24350 * 75)
    assert margin["span"] == pytest.approx(span, abs=0.05) and margin["exposure"] == pytest.approx(exposure, abs=0.05)
    assert margin["total"] == pytest.approx(span + exposure, abs=0.1) and margin["option_premium"] == 0


def test_a_far_short_is_margined_by_the_extreme_move(engine: PaperEngine) -> None:
    far = option(engine, 27200)  # beyond +1 PSR: only the +2 PSR move, at 35 %, really hurts it
    spot = engine.market.prices.levels["NIFTY"]
    assert far.strike is not None and far.strike > spot * (1 + NIFTY_PSR) * 1.02
    span, exposure = hand_margin(engine, [(far, -75)], NIFTY_PSR, NIFTY_VSR, INDEX_EXPOSURE)
    forward = spot * math.exp(RATE * years(far))
    extreme = 0.35 * 75 * (b76(forward * (1 + 2 * NIFTY_PSR), far.strike, years(far),
                               implied(engine.ltp(far.token), forward, far.strike, years(far), True), True)
                           - engine.ltp(far.token))
    assert span == pytest.approx(extreme + 75 * engine.ltp(far.token))
    margin = order_margin(engine, market(far, "SELL", 75))
    assert margin["span"] == pytest.approx(span, abs=0.05) and margin["exposure"] == pytest.approx(exposure, abs=0.05)


def test_a_long_option_needs_its_premium_only(engine: PaperEngine) -> None:
    call = option(engine, 24650)
    _bid, ask = engine.touch(call.token)
    margin = order_margin(engine, market(call, "BUY", 150))
    assert margin["option_premium"] == margin["total"] == pytest.approx(150 * ask) and margin["span"] == 0
    assert hand_margin(engine, [(call, 150)], NIFTY_PSR, NIFTY_VSR, INDEX_EXPOSURE) == (0.0, 0.0)


def test_the_credit_spread_needs_far_less_than_the_naked_short(engine: PaperEngine) -> None:
    short, long = option(engine, 24450), option(engine, 24650)
    basket = basket_margin(engine, [market(short, "SELL", 75), market(long, "BUY", 75)])
    naked = order_margin(engine, market(short, "SELL", 75))["total"]
    span, exposure = hand_margin(engine, [(short, -75), (long, 75)], NIFTY_PSR, NIFTY_VSR, INDEX_EXPOSURE)
    premium = 75 * engine.touch(long.token)[1]
    assert basket["final"]["span"] == pytest.approx(span, abs=0.05)
    assert basket["final"]["exposure"] == pytest.approx(exposure, abs=0.05)
    assert basket["final"]["total"] == pytest.approx(span + exposure + premium, abs=0.1)
    assert basket["initial"]["total"] == pytest.approx(naked + premium, abs=0.05)
    assert basket["final"]["total"] < naked / 3
    # The spread's worst case is the strikes' width less the credit, and SPAN adds the credit back (NOV).
    assert span <= 200 * 75 + 1


def test_a_future_is_its_scan_range_plus_exposure(engine: PaperEngine) -> None:
    fut = future(engine)
    price = engine.ltp(fut.token)
    margin = order_margin(engine, market(fut, "BUY", 75))
    assert margin["span"] == pytest.approx(NIFTY_PSR * price * 75, abs=0.05)  # the +-3/3 move beats 35 % of 2 PSR
    assert margin["exposure"] == pytest.approx(INDEX_EXPOSURE * price * 75, abs=0.05)
    stock = future(engine, "RELIANCE")
    reliance = order_margin(engine, market(stock, "SELL", 500))
    stock_price = engine.ltp(stock.token)
    assert reliance["span"] == pytest.approx(STOCK_PSR * stock_price * 500, abs=0.05)
    assert reliance["exposure"] == pytest.approx(STOCK_EXPOSURE * stock_price * 500, abs=0.05)


def test_a_future_hedged_with_an_option_gets_the_benefit(engine: PaperEngine) -> None:
    fut, put, call = future(engine), option(engine, 24350, "PE"), option(engine, 24450)
    alone = order_margin(engine, market(fut, "BUY", 75))["total"]
    protective = basket_margin(engine, [market(fut, "BUY", 75), market(put, "BUY", 75)])["final"]
    span, exposure = hand_margin(engine, [(fut, 75), (put, 75)], NIFTY_PSR, NIFTY_VSR, INDEX_EXPOSURE)
    assert protective["span"] == pytest.approx(span, abs=0.05) and protective["exposure"] == pytest.approx(exposure)
    assert protective["total"] == pytest.approx(span + exposure + 75 * engine.touch(put.token)[1], abs=0.1)
    assert protective["total"] < alone / 2
    covered = basket_margin(engine, [market(fut, "BUY", 75), market(call, "SELL", 75)])
    span, exposure = hand_margin(engine, [(fut, 75), (call, -75)], NIFTY_PSR, NIFTY_VSR, INDEX_EXPOSURE)
    assert covered["final"]["total"] == pytest.approx(span + exposure, abs=0.1)
    assert covered["final"]["total"] < covered["initial"]["total"] * 0.7


def test_delivery_blocks_the_full_value(engine: PaperEngine) -> None:
    reliance = next(r for r in engine.rows.values() if r.symbol == "RELIANCE" and r.kind == "EQ")
    margin = order_margin(engine, MarginOrder(token=reliance.token, side="BUY", qty=10, order_type="MARKET",
                                              product="CNC"))
    assert margin["var"] == margin["total"] == pytest.approx(10 * engine.touch(reliance.token)[1])


def test_the_funds_after_placing_the_spread_are_what_the_calculator_said(engine: PaperEngine) -> None:
    short, long = option(engine, 24450), option(engine, 24650)
    final = basket_margin(engine, [market(short, "SELL", 75), market(long, "BUY", 75)])["final"]["total"]
    before = engine.funds()
    hedge = engine.place(token=long.token, side="BUY", qty=75, order_type="MARKET", product="NRML")
    after_hedge = engine.funds()
    quoted = order_margin(engine, market(short, "SELL", 75))["total"]
    sold = engine.place(token=short.token, side="SELL", qty=75, order_type="MARKET", product="NRML")
    assert hedge.status == sold.status == "COMPLETE"
    after = engine.funds()
    span, exposure = hand_margin(engine, [(short, -75), (long, 75)], NIFTY_PSR, NIFTY_VSR, INDEX_EXPOSURE)
    assert after["used_margin"] == pytest.approx(span + exposure, abs=0.05)
    assert after["used_margin"] - after_hedge["used_margin"] == pytest.approx(quoted, abs=0.05), \
        "the short blocks what the calculator quoted for it"
    received = 75 * sold.average_price
    assert after["available_margin"] == pytest.approx(before["available_margin"] - final + received, abs=0.1)


def test_a_resting_order_gets_no_benefit_from_another_resting_order(engine: PaperEngine) -> None:
    short, long = option(engine, 24450), option(engine, 24650)
    engine.close_market()  # both rest as AMOs
    naked = order_margin(engine, market(short, "SELL", 75))["total"]
    bid = engine.touch(long.token)[0]
    engine.place(token=long.token, side="BUY", qty=75, order_type="LIMIT", product="NRML", price=bid, amo=True)
    engine.place(token=short.token, side="SELL", qty=75, order_type="MARKET", product="NRML", amo=True)
    assert engine.funds()["used_margin"] == pytest.approx(naked + 75 * bid, abs=0.05)


def test_the_short_option_minimum_floors_a_far_short_when_configured() -> None:
    far = SpanLeg(quantity=-75, price=0.05, forward=24400.0, years=7 / 365, strike=27000.0, call=True,
                  fallback_vol=0.13)
    params = SpanParameters(som_rate_index=0.03)
    result = span_margin([far], spot=24350.0, annual_vol=0.13, index=True, params=params)
    assert result.short_option_minimum == pytest.approx(0.03 * 24350 * 75)
    assert result.span == pytest.approx(0.03 * 24350 * 75 + 0.05 * 75)  # the minimum, less NOV (-3.75)
    assert span_margin([far], spot=24350.0, annual_vol=0.13, index=True).span < result.span


def test_the_long_dated_index_option_scans_wider() -> None:
    params = SpanParameters()
    assert params.price_scan_range(0.13, index=True, years=0.5) == 0.093
    assert params.price_scan_range(0.13, index=True, years=1.0) == 0.177
    assert params.price_scan_range(0.45, index=False) == pytest.approx(6 * 0.45 / math.sqrt(252) * math.sqrt(2))
    assert params.exposure_rate(0.80, index=False) == pytest.approx(1.5 * 0.80 / math.sqrt(252))


def test_a_short_index_option_on_its_expiry_day_carries_two_percent_more_exposure() -> None:
    tuesday = dt.date(2026, 12, 1)
    engine = PaperEngine(build_universe(tuesday, seed=7), seed=7, clock=ManualClock(
        dt.datetime(2026, 12, 1, 10, 0, tzinfo=IST)))
    expiring = [r for r in engine.rows.values() if r.symbol == "NIFTY" and r.kind == "OPT" and r.expiry == tuesday
                and r.option_type == "CE" and r.strike == 24500]
    later = [r for r in engine.rows.values() if r.symbol == "NIFTY" and r.kind == "OPT" and r.strike == 24500
             and r.option_type == "CE" and r.expiry == tuesday + dt.timedelta(days=7)]
    spot = engine.market.prices.levels["NIFTY"]
    today = order_margin(engine, market(expiring[0], "SELL", 75))
    next_week = order_margin(engine, market(later[0], "SELL", 75))
    assert today["exposure"] == pytest.approx((0.02 + 0.02) * spot * 75)
    assert next_week["exposure"] == pytest.approx(0.02 * spot * 75)
