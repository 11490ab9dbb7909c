"""The option chain with Greeks, PCR and max pain, strikes by ATM offset and expiries by name, on paper."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import pytest
from tt_connect import AsyncTTConnect
from tt_connect.enums import OptionType
from tt_connect.errors import InputError, InstrumentNotFoundError
from tt_connect.options.black76 import black76_price
from tt_connect.options.chain import max_pain, years_to_expiry


@pytest.fixture
async def broker() -> AsyncIterator[AsyncTTConnect]:
    async with AsyncTTConnect("paper", instruments_db=":memory:") as client:
        yield client


async def test_greeks_reprice_every_quote_and_parity_holds_within_a_tick(broker: AsyncTTConnect) -> None:
    expiry = broker.expiry("NIFTY", "monthly")
    chain = await broker.option_chain("NIFTY", expiry, with_greeks=True)
    assert chain.forward is not None and chain.atm_strike is not None
    future = next(f for f in broker.futures("NIFTY") if f.expiry == expiry)
    years = chain.years_to_expiry
    assert years is not None and years == pytest.approx(years_to_expiry(expiry, broker._rt.clock.now()), abs=1e-4)
    priced = 0
    for row in chain.rows:
        for quote, greeks, call in ((row.call_quote, row.call_greeks, True), (row.put_quote, row.put_greeks, False)):
            if greeks is None or quote is None:
                continue
            priced += 1
            assert 0 < greeks.iv < 5 and -1 <= greeks.delta <= 1 and greeks.gamma >= 0 and greeks.vega >= 0
            model = black76_price(chain.forward, row.strike, years, greeks.iv, call=call)
            assert model == pytest.approx(quote.last_price, abs=1e-6)
    assert priced > 20
    tick = broker.tick_size(future)
    near = [r for r in chain.rows if r.call_quote and r.put_quote and abs(r.strike - chain.forward) < 300]
    assert near
    for row in near:
        assert row.call_quote is not None and row.put_quote is not None
        parity = row.call_quote.last_price - row.put_quote.last_price
        # Each of the call, the put and the future is quoted on the tick grid (half a tick of rounding
        # each), so tick-rounded quotes agree with parity to within a tick and a half, no closer.
        assert parity == pytest.approx(math.exp(-0.065 * years) * (chain.forward - row.strike), abs=1.5 * tick)
    atm = next(r for r in chain.rows if r.strike == chain.atm_strike)
    assert atm.call_greeks is not None and 0.4 < atm.call_greeks.delta < 0.6
    assert chain.pcr is not None and chain.pcr > 0
    assert chain.max_pain in {r.strike for r in chain.rows}


async def test_max_pain_is_where_writers_pay_least(broker: AsyncTTConnect) -> None:
    chain = await broker.option_chain("NIFTY", "nearest", with_quotes=True)
    best = max_pain(chain)
    assert best is not None

    def payout(settle: float) -> float:
        return sum((r.call_quote.oi if r.call_quote else 0) * max(settle - r.strike, 0) +
                   (r.put_quote.oi if r.put_quote else 0) * max(r.strike - settle, 0) for r in chain.rows)

    assert all(payout(best) <= payout(r.strike) for r in chain.rows)


async def test_strikes_by_offset_from_the_money(broker: AsyncTTConnect) -> None:
    expiry = broker.expiry("NIFTY", "weekly")
    strikes = broker.strikes("NIFTY", expiry)
    spot = await broker.underlying_price("NIFTY")
    atm = await broker.option("NIFTY", expiry, offset=0, option_type="ce")
    assert atm.strike == min(strikes, key=lambda k: abs(k - spot)) and atm.option_type is OptionType.CE
    above = await broker.option("NIFTY", "weekly", offset=2, option_type=OptionType.PE)
    assert strikes.index(above.strike) == strikes.index(atm.strike) + 2 and above.expiry == expiry
    below = await broker.option("NIFTY", expiry, offset=-3)
    assert strikes.index(below.strike) == strikes.index(atm.strike) - 3
    with pytest.raises(InstrumentNotFoundError, match="off the chain"):
        await broker.option("NIFTY", expiry, offset=10_000)
    with pytest.raises(InputError):
        await broker.option("NIFTY", expiry, offset=1.5)  # type: ignore[arg-type]


def test_expiries_by_name_are_in_order(broker: AsyncTTConnect) -> None:
    nearest, monthly, following = (broker.expiry("NIFTY", n) for n in ("nearest", "monthly", "next_monthly"))
    assert nearest <= monthly < following and following.month != monthly.month
    assert broker.expiry("NIFTY", "weekly") == nearest
    with pytest.raises(InputError, match="which must be one of"):
        broker.expiry("NIFTY", "fortnightly")


async def test_a_price_reply_without_the_underlying_is_a_typed_error(broker: AsyncTTConnect,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from tt_connect.errors import BrokerUnavailableError
    from tt_connect.market_data import MarketData

    async def nothing(self: MarketData, instruments: object) -> dict[object, float]:
        return {}

    monkeypatch.setattr(MarketData, "ltp", nothing)
    with pytest.raises(BrokerUnavailableError, match="no last price"):
        await broker.underlying_price("NIFTY")
    with pytest.raises(BrokerUnavailableError):
        await broker.option("NIFTY", "weekly", offset=1)
