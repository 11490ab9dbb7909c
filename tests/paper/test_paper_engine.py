"""The paper engine on its own: universe, matching, rejections, accounting, persistence."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import duckdb
import pytest
from tt_connect.driver_api import CANONICAL_COLUMNS
from tt_connect.paper import PAPER_SELECT, PaperEngine, PaperRejection, build_universe, universe_csv
from tt_connect.paper.triggers import PaperGttLeg
from tt_connect.paper.universe import expiry_calendar
from tt_connect.timeutil import IST, ManualClock

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2026, 11, 25, 10, 0, tzinfo=IST))


@pytest.fixture
def engine(clock: ManualClock) -> PaperEngine:
    return PaperEngine(build_universe(TODAY, seed=7), seed=7, capital=1_000_000, clock=clock)


def token(engine: PaperEngine, symbol: str, kind: str = "EQ") -> int:
    return next(t for t, r in engine.rows.items() if r.symbol == symbol and r.kind == kind)


def test_universe_has_the_names_expiries_and_grids_traders_expect() -> None:
    rows = build_universe(TODAY, seed=7)
    equities = {r.symbol for r in rows if r.kind == "EQ"}
    assert {"RELIANCE", "INFY", "TCS", "HDFCBANK"} <= equities and len(equities) >= 200
    assert {r.symbol for r in rows if r.kind == "IDX"} == {"NIFTY 50", "NIFTY BANK", "NIFTY FIN SERVICE"}
    weekly, monthly = expiry_calendar(TODAY)
    assert all(d.weekday() == 1 for d in weekly + monthly)
    assert all((d + dt.timedelta(days=7)).month != d.month for d in monthly), "monthly = last Tuesday"
    nifty = [r for r in rows if r.symbol == "NIFTY" and r.kind == "OPT"]
    assert {r.expiry for r in nifty} == set(weekly) | set(monthly)
    assert {r.lot_size for r in nifty} == {75}
    strikes = sorted({r.strike for r in nifty if r.expiry == weekly[0]})
    assert {b - a for a, b in itertools.pairwise(strikes)} == {50.0}
    assert {r.lot_size for r in rows if r.symbol == "BANKNIFTY"} == {35}
    assert {r.tick_size for r in rows if r.kind == "EQ"} >= {0.05, 1.0}
    assert build_universe(TODAY, seed=7) == rows, "the universe is deterministic"


def test_the_select_maps_the_file_to_canonical_columns(tmp_path: Path) -> None:
    path = tmp_path / "paper.csv"
    path.write_bytes(universe_csv(build_universe(TODAY)))
    rel = duckdb.sql(PAPER_SELECT.format(source=f"read_csv('{path}', header=true, all_varchar=true)"))
    assert set(CANONICAL_COLUMNS) <= set(rel.columns)
    rows = rel.filter("symbol = 'NIFTY' AND kind = 'OPT'").limit(1).fetchall()
    assert rows and rows[0][rel.columns.index("lot_size")] == 75


def test_same_seed_same_market(clock: ManualClock) -> None:
    a = PaperEngine(build_universe(TODAY), seed=3, clock=clock)
    b = PaperEngine(build_universe(TODAY), seed=3, clock=clock)
    for _ in range(20):
        a.step(1.0)
        b.step(1.0)
    reliance = token(a, "RELIANCE")
    assert a.ltp(reliance) == b.ltp(reliance)


def test_limit_order_rests_until_the_price_crosses(engine: PaperEngine) -> None:
    t = token(engine, "RELIANCE")
    _bid, ask = engine.touch(t)
    order = engine.place(token=t, side="BUY", qty=1, order_type="LIMIT", product="CNC", price=ask + 0.05)
    assert order.status == "COMPLETE" and order.average_price == ask
    resting = engine.place(token=t, side="SELL", qty=1, order_type="LIMIT", product="CNC",
                           price=round(ask * 1.1, 1))
    assert resting.status == "OPEN"


def test_stop_loss_triggers_then_fills(engine: PaperEngine) -> None:
    t = token(engine, "INFY")
    last = engine.ltp(t)
    order = engine.place(token=t, side="BUY", qty=1, order_type="SL_M", product="MIS",
                         trigger_price=round(last + 0.05, 2))
    assert order.status == "TRIGGER_PENDING"
    for _ in range(2000):
        engine.step(30.0)
        if engine.orders[order.order_id].status == "COMPLETE":
            break
    statuses = [o.status for o in engine.order_history(order.order_id)]
    assert statuses[0] == "TRIGGER_PENDING" and statuses[-1] == "COMPLETE"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"qty": 3, "symbol": "NIFTY", "kind": "FUT", "product": "NRML"}, "LOT_SIZE"),
        ({"order_type": "LIMIT", "price": 2900.03}, "TICK_SIZE"),
        ({"qty": 100_000}, "FUNDS"),
        ({"side": "SELL", "symbol": "SBIN"}, "NO_HOLDINGS"),
        ({"product": "NRML"}, "PRODUCT"),
        ({"symbol": "NIFTY 50", "kind": "IDX"}, "NOT_TRADABLE"),
        ({"order_type": "SL", "trigger_price": 2800.0, "price": 2800.0}, "TRIGGER"),
        ({"order_type": "LIMIT", "price": 1.0}, "PRICE_BAND"),
        ({"order_type": "LIMIT", "price": 4000.0}, "PRICE_BAND"),
        ({"qty": 1875, "symbol": "NIFTY", "kind": "FUT", "product": "NRML"}, "FREEZE"),
    ],
)
def test_rejections_carry_a_code(engine: PaperEngine, fields: dict[str, object], code: str) -> None:
    symbol = str(fields.pop("symbol", "RELIANCE"))
    kind = str(fields.pop("kind", "EQ"))
    order = {"token": token(engine, symbol, kind), "side": "BUY", "qty": 1, "order_type": "MARKET",
             "product": "CNC", **fields}
    with pytest.raises(PaperRejection) as info:
        engine.place(**order)  # type: ignore[arg-type]
    assert info.value.code == code
    assert not engine.orders


def test_a_closed_market_refuses_regular_orders_and_keeps_amo_ones_until_it_opens(engine: PaperEngine) -> None:
    t = token(engine, "RELIANCE")
    engine.close_market()
    with pytest.raises(PaperRejection) as info:
        engine.place(token=t, side="BUY", qty=1, order_type="MARKET", product="CNC")
    assert info.value.code == "MARKET_CLOSED"
    amo = engine.place(token=t, side="BUY", qty=1, order_type="MARKET", product="CNC", amo=True)
    engine.step(5)
    assert engine.orders[amo.order_id].status == "OPEN"
    engine.open_market()
    assert engine.orders[amo.order_id].status == "COMPLETE"


def test_a_refusal_recorded_as_a_rejected_order_keeps_its_code(engine: PaperEngine) -> None:
    rejected = engine.place_or_reject(token=token(engine, "RELIANCE"), side="BUY", qty=100_000,
                                      order_type="MARKET", product="CNC")
    assert rejected.status == "REJECTED" and rejected.rejection_code == "FUNDS"


def test_funds_add_up_after_a_day_of_trading(engine: PaperEngine) -> None:
    reliance, fut = token(engine, "RELIANCE"), token(engine, "NIFTY", "FUT")
    option = next(t for t, r in engine.rows.items() if r.symbol == "NIFTY" and r.kind == "OPT")
    engine.place(token=reliance, side="BUY", qty=10, order_type="MARKET", product="CNC")
    engine.place(token=fut, side="SELL", qty=75, order_type="MARKET", product="NRML")
    engine.place(token=option, side="BUY", qty=75, order_type="MARKET", product="NRML")
    engine.step(60)
    engine.place(token=fut, side="BUY", qty=75, order_type="MARKET", product="NRML")
    engine.place(token=reliance, side="SELL", qty=4, order_type="MARKET", product="CNC")
    funds = engine.funds()
    assert funds["available_margin"] == pytest.approx(funds["available_cash"] - funds["used_margin"])
    cash_flows = sum((-1 if f.side == "BUY" else 1) * f.qty * f.price for f in engine.fills
                     if engine.rows[f.token].kind in ("EQ", "OPT"))
    fut_pos = engine.positions[(fut, "NRML")]
    assert fut_pos.quantity == 0
    assert funds["available_cash"] == pytest.approx(1_000_000 + cash_flows + fut_pos.realised)
    assert engine.positions[(reliance, "CNC")].quantity == 6


def test_delivery_sale_reduces_seeded_holdings(engine: PaperEngine) -> None:
    infy = token(engine, "INFY")
    held = {h.token: h.quantity for h, _ in engine.holding_rows()}
    engine.place(token=infy, side="SELL", qty=5, order_type="MARKET", product="CNC")
    after = {h.token: h.quantity for h, _ in engine.holding_rows()}
    assert after[infy] == held[infy] - 5


def test_state_persists_to_a_file_and_back(clock: ManualClock, tmp_path: Path) -> None:
    state = tmp_path / "paper.json"
    first = PaperEngine(build_universe(TODAY), clock=clock, state_file=str(state))
    t = token(first, "TCS")
    first.place(token=t, side="BUY", qty=2, order_type="MARKET", product="CNC")
    second = PaperEngine(build_universe(TODAY), clock=clock, state_file=str(state))
    assert second.cash == first.cash
    assert second.positions[(t, "CNC")].quantity == 2
    assert len(second.orders) == 1
    # GTTs live for a year: they survive a restart, and new ids do not collide with old ones.
    tcs_last = first.ltp(t)
    gtt = first.triggers.place(t, [PaperGttLeg(trigger_price=round(tcs_last * 0.5, 1), side="BUY", qty=1,
                                               product="CNC", price=round(tcs_last * 0.5, 1))], tcs_last)
    third = PaperEngine(build_universe(TODAY), clock=clock, state_file=str(state))
    assert third.triggers.get(gtt.gtt_id).legs == gtt.legs and third.triggers.get(gtt.gtt_id).status == "active"
    again = third.triggers.place(t, list(gtt.legs), tcs_last)
    assert again.gtt_id != gtt.gtt_id
    third.triggers.delete(gtt.gtt_id)
    assert PaperEngine(build_universe(TODAY), clock=clock, state_file=str(state)).triggers.get(
        gtt.gtt_id).status == "deleted"
    state.write_text("{not json")
    with pytest.raises(PaperRejection, match="cannot read paper state"):
        PaperEngine(build_universe(TODAY), clock=clock, state_file=str(state))


def test_candles_are_deterministic_and_in_market_hours(engine: PaperEngine) -> None:
    t = token(engine, "RELIANCE")
    start = dt.datetime(2026, 11, 19, 0, 0, tzinfo=IST)
    end = dt.datetime(2026, 11, 20, 23, 0, tzinfo=IST)
    a = engine.candles(t, 300, start, end)
    assert a == engine.candles(t, 300, start, end)
    assert len(a) == 2 * 75
    assert all(dt.time(9, 15) <= c[0].time() < dt.time(15, 30) for c in a)
