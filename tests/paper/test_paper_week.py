"""A week of paper trading on the exchange calendar, with a clock the test moves.

The week of Monday 23 November 2026: Monday is the NIFTY expiry (Tuesday's, moved back a day because
Tuesday 24 November, Guru Nanak Jayanti, is an exchange holiday); the holiday itself; T+1 settlement
that therefore lands on Wednesday; an intraday square-off; orders at 17:00 IST; a weekend.
"""

from __future__ import annotations

import datetime as dt

import pytest
from tt_connect.calendar import MarketCalendar
from tt_connect.paper import PaperEngine, PaperRejection, build_universe
from tt_connect.paper.session import settlement_price
from tt_connect.timeutil import IST, ManualClock

MONDAY = dt.date(2026, 11, 23)


def at(day: int, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(dt.date(2026, 11, day), dt.time.fromisoformat(hhmm), IST)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(at(23, "09:20"))


@pytest.fixture
def engine(clock: ManualClock) -> PaperEngine:
    return PaperEngine(build_universe(MONDAY, seed=7), seed=7, capital=2_000_000, clock=clock,
                       calendar=MarketCalendar(clock))


def token(engine: PaperEngine, symbol: str, kind: str = "EQ", **match: object) -> int:
    return next(t for t, r in engine.rows.items()
                if r.symbol == symbol and r.kind == kind and all(getattr(r, k) == v for k, v in match.items()))


def move(engine: PaperEngine, clock: ManualClock, when: dt.datetime, seconds: float = 1.0) -> None:
    """Set the clock, then step the market (the day's events run first, at their own times)."""
    clock.set(when)
    engine.step(seconds)


def position(engine: PaperEngine, tok: int, product: str) -> int:
    pos = engine.positions.get((tok, product))
    return pos.quantity if pos else 0


def test_a_week_on_the_exchange_calendar(engine: PaperEngine, clock: ManualClock) -> None:
    infy, reliance, tcs = token(engine, "INFY"), token(engine, "RELIANCE"), token(engine, "TCS")
    fut = token(engine, "NIFTY", "FUT", expiry=MONDAY)
    spot = engine.market.prices.levels["NIFTY"]
    strike = min({r.strike for r in engine.rows.values() if r.kind == "OPT" and r.symbol == "NIFTY"
                  and r.expiry == MONDAY and r.strike is not None}, key=lambda k: abs(k - (spot - 200)))
    call = token(engine, "NIFTY", "OPT", expiry=MONDAY, strike=strike, option_type="CE")
    held_infy = engine.holdings[infy].quantity

    # Monday, expiry day, 09:20: a delivery buy, an intraday buy, a future and an in-the-money call.
    assert engine.market_open
    engine.place(token=infy, side="BUY", qty=5, order_type="MARKET", product="CNC")
    engine.place(token=reliance, side="BUY", qty=10, order_type="MARKET", product="MIS")
    fut_buy = engine.place(token=fut, side="BUY", qty=75, order_type="MARKET", product="NRML")
    call_buy = engine.place(token=call, side="BUY", qty=75, order_type="MARKET", product="NRML")
    resting = engine.place(token=tcs, side="BUY", qty=1, order_type="LIMIT", product="CNC",
                           price=round(engine.ltp(tcs) * 0.9, 1))
    cash_before_settlement = engine.cash

    # 15:25: the broker squared the intraday position off at 15:20 with a tagged market order.
    move(engine, clock, at(23, "15:25"))
    assert position(engine, reliance, "MIS") == 0
    squares = [o for o in engine.orders.values() if o.tag == "AUTO_SQUAREOFF"]
    assert [(o.token, o.side, o.qty, o.status) for o in squares] == [(reliance, "SELL", 10, "COMPLETE")]
    assert squares[0].placed_at == at(23, "15:20")
    assert position(engine, fut, "NRML") == 75  # F&O carry-forward is not intraday

    # 15:31: the close. Expiring contracts settled in cash at the final settlement price; DAY orders expired.
    move(engine, clock, at(23, "15:31"), seconds=0.0)  # the prices stay where the settlement read them
    fut_settle = settlement_price(engine, engine.rows[fut])
    call_settle = settlement_price(engine, engine.rows[call])
    assert call_settle == pytest.approx(max(engine.market.prices.levels["NIFTY"] - strike, 0.0), abs=0.05)
    assert position(engine, fut, "NRML") == 0 and position(engine, call, "NRML") == 0
    assert engine.positions[(fut, "NRML")].realised == pytest.approx((fut_settle - fut_buy.average_price) * 75)
    assert engine.cash == pytest.approx(cash_before_settlement + (fut_settle - fut_buy.average_price) * 75
                                        + call_settle * 75)
    assert call_buy.average_price > 0
    assert engine.orders[resting.order_id].status == "CANCELLED"
    assert "expired" in engine.orders[resting.order_id].message
    assert engine.holdings[infy].quantity == held_infy  # T+1: not yet

    # 15:45, the closing session (closing-price trades only): paper does not simulate it and refuses.
    move(engine, clock, at(23, "15:45"))
    with pytest.raises(PaperRejection, match=r"closed \(closing session\)"):
        engine.place(token=tcs, side="BUY", qty=1, order_type="MARKET", product="CNC")

    # 17:00: a regular LIMIT or MARKET order is refused, as the brokers do; an AMO is queued.
    move(engine, clock, at(23, "17:00"))
    for kind, price in (("LIMIT", round(engine.ltp(tcs), 1)), ("MARKET", 0.0)):
        with pytest.raises(PaperRejection) as refused:
            engine.place(token=tcs, side="BUY", qty=1, order_type=kind, product="CNC", price=price)
        assert refused.value.code == "MARKET_CLOSED"
        assert "after the close" in refused.value.message and "Wed 25 Nov 09:15" in refused.value.message
    amo = engine.place(token=tcs, side="BUY", qty=2, order_type="MARKET", product="CNC", amo=True)
    assert (amo.status, amo.variety, amo.filled_qty) == ("OPEN", "AMO", 0)

    # Tuesday, a holiday: closed all day, the AMO waits, and T+1 has not come (Tuesday is no settlement day).
    move(engine, clock, at(24, "11:00"))
    with pytest.raises(PaperRejection, match="holiday: Prakash Gurpurb"):
        engine.place(token=tcs, side="BUY", qty=1, order_type="MARKET", product="CNC")
    assert engine.orders[amo.order_id].status == "OPEN"
    assert engine.holdings[infy].quantity == held_infy

    # Wednesday 09:05, the equity pre-open: Monday's delivery buy has settled into holdings, the books are
    # today's, equity orders are collected but F&O ones refused, and nothing trades until 09:15.
    move(engine, clock, at(25, "09:05"))
    assert engine.holdings[infy].quantity == held_infy + 5
    assert (infy, "CNC") not in engine.positions and (reliance, "MIS") not in engine.positions
    assert set(engine.orders) == {amo.order_id}
    pre_open = engine.place(token=infy, side="BUY", qty=1, order_type="MARKET", product="CNC")
    assert pre_open.status == "OPEN"
    with pytest.raises(PaperRejection, match=r"the NFO market is closed \(before the open\)"):
        engine.place(token=token(engine, "NIFTY", "FUT", expiry=dt.date(2026, 12, 29)), side="BUY", qty=75,
                     order_type="MARKET", product="NRML")
    assert engine.orders[amo.order_id].status == "OPEN"

    # 09:15: the open works the AMO and the pre-open order at the opening market.
    move(engine, clock, at(25, "09:15"))
    assert engine.orders[amo.order_id].status == "COMPLETE"
    assert engine.orders[pre_open.order_id].status == "COMPLETE"

    # Friday after the close, then Saturday: closed for the weekend until Monday's open.
    move(engine, clock, at(28, "10:00"))
    status = engine.day.status("NSE")
    assert status is not None and status.reason == "weekend" and status.next_open == at(30, "09:15")
    assert engine.holdings[tcs].quantity >= 2  # Wednesday's AMO buy settled Thursday
    funds = engine.funds()
    assert funds["available_margin"] == pytest.approx(funds["available_cash"] - funds["used_margin"], abs=0.01)


def test_square_off_time_is_the_brokers(clock: ManualClock) -> None:
    engine = PaperEngine(build_universe(MONDAY, seed=7), clock=clock, calendar=MarketCalendar(clock),
                         square_off_at=dt.time(15, 10))
    sbin = token(engine, "SBIN")
    engine.place(token=sbin, side="SELL", qty=4, order_type="MARKET", product="MIS")
    move(engine, clock, at(23, "15:09"))
    assert position(engine, sbin, "MIS") == -4
    move(engine, clock, at(23, "15:11"))
    assert position(engine, sbin, "MIS") == 0


def test_a_restart_replays_the_days_it_missed(clock: ManualClock, tmp_path: object) -> None:
    state = f"{tmp_path}/paper.json"
    first = PaperEngine(build_universe(MONDAY), clock=clock, state_file=state, calendar=MarketCalendar(clock))
    infy = token(first, "INFY")
    held = first.holdings[infy].quantity
    first.place(token=infy, side="BUY", qty=3, order_type="MARKET", product="CNC")
    clock.set(at(26, "10:00"))  # the process was down from Monday morning to Thursday
    second = PaperEngine(build_universe(MONDAY), clock=clock, state_file=state, calendar=MarketCalendar(clock))
    assert {h.token: h.quantity for h, _ in second.holding_rows()}[infy] == held + 3


def test_without_a_calendar_the_market_never_closes(clock: ManualClock) -> None:
    engine = PaperEngine(build_universe(MONDAY), clock=clock)
    clock.set(at(24, "23:00"))
    order = engine.place(token=token(engine, "INFY"), side="BUY", qty=1, order_type="MARKET", product="MIS")
    assert order.status == "COMPLETE"
    engine.close_market()
    with pytest.raises(PaperRejection, match="the NSE market is closed"):
        engine.place(token=token(engine, "INFY"), side="BUY", qty=1, order_type="MARKET", product="MIS")


def test_history_ends_now_without_a_calendar_too(clock: ManualClock) -> None:
    engine = PaperEngine(build_universe(MONDAY), clock=clock)
    candles = engine.candles(token(engine, "TCS"), 300, at(20, "09:00"), at(27, "15:30"))
    assert candles and max(c[0] for c in candles) <= clock.now()
    assert {c[0].date() for c in candles} == {dt.date(2026, 11, 20), dt.date(2026, 11, 23)}


def test_a_forced_open_overrides_the_calendar(engine: PaperEngine, clock: ManualClock) -> None:
    clock.set(at(24, "11:00"))
    assert not engine.market_open
    engine.open_market()
    assert engine.market_open
    engine.day.force(None)
    assert not engine.market_open


def test_history_never_reaches_past_now(engine: PaperEngine, clock: ManualClock) -> None:
    infy = token(engine, "INFY")
    now = at(23, "11:07")
    clock.set(now)
    minutes = engine.candles(infy, 60, at(19, "09:00"), at(27, "15:30"))
    assert minutes and max(c[0] for c in minutes) <= now
    assert max(c[0] for c in minutes) >= now - dt.timedelta(minutes=1)
    days = engine.candles(infy, 86400, at(16, "00:00"), at(30, "00:00"))
    assert max(c[0] for c in days).date() == now.date()
    clock.set(at(25, "12:00"))
    dates = {c[0].date() for c in engine.candles(infy, 86400, at(16, "00:00"), at(30, "00:00"))}
    assert {dt.date(2026, 11, 23), dt.date(2026, 11, 25)} <= dates and max(dates) == dt.date(2026, 11, 25)
    assert dt.date(2026, 11, 24) not in dates  # no candle on the holiday


def test_muhurat_day_trades_its_evening_hour_and_squares_off_before_its_end() -> None:
    clock = ManualClock(dt.datetime(2025, 10, 21, 12, 0, tzinfo=IST))
    engine = PaperEngine(build_universe(dt.date(2025, 10, 21)), clock=clock, calendar=MarketCalendar(clock))
    infy = token(engine, "INFY")
    with pytest.raises(PaperRejection, match="before the open"):
        engine.place(token=infy, side="BUY", qty=1, order_type="MARKET", product="MIS")
    clock.set(dt.datetime(2025, 10, 21, 13, 50, tzinfo=IST))
    assert engine.place(token=infy, side="BUY", qty=1, order_type="MARKET", product="MIS").status == "COMPLETE"
    move(engine, clock, dt.datetime(2025, 10, 21, 14, 40, tzinfo=IST))
    squared = [o for o in engine.orders.values() if o.tag == "AUTO_SQUAREOFF"]
    assert [o.placed_at.time() for o in squared] == [dt.time(14, 35)] and position(engine, infy, "MIS") == 0
