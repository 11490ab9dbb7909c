"""Black-76 against textbook values, an independent numerical reference, and its own identities."""

from __future__ import annotations

import math

import pytest
from tt_connect.options.black76 import black76_greeks, black76_price, implied_volatility


def _lognormal_reference(forward: float, strike: float, years: float, vol: float, rate: float, call: bool) -> float:
    """The discounted expected payoff under a lognormal forward, by Simpson's rule (no closed form used)."""
    sd = vol * math.sqrt(years)
    mu = math.log(forward) - 0.5 * sd * sd
    steps, low, high = 20_000, mu - 12 * sd, mu + 12 * sd
    width = (high - low) / steps
    total = 0.0
    for i in range(steps + 1):
        x = low + i * width
        density = math.exp(-((x - mu) ** 2) / (2 * sd * sd)) / (sd * math.sqrt(2 * math.pi))
        payoff = max(math.exp(x) - strike, 0.0) if call else max(strike - math.exp(x), 0.0)
        weight = 1 if i in (0, steps) else (4 if i % 2 else 2)
        total += weight * payoff * density
    return math.exp(-rate * years) * total * width / 3


def test_hulls_futures_put_example() -> None:
    # Hull, Options, Futures and Other Derivatives: a crude-oil futures put, F=K=20, r=9%, 4 months, 25% vol: 1.12.
    assert black76_price(20.0, 20.0, 4 / 12, 0.25, call=False, rate=0.09) == pytest.approx(1.12, abs=0.005)


def test_hulls_stock_option_example_through_its_forward() -> None:
    # Hull: S=42, K=40, r=10%, sigma=20%, six months: c=4.76, p=0.81 (Black-Scholes = Black-76 on F=S e^{rT}).
    forward = 42.0 * math.exp(0.1 * 0.5)
    assert black76_price(forward, 40.0, 0.5, 0.2, call=True, rate=0.1) == pytest.approx(4.76, abs=0.005)
    assert black76_price(forward, 40.0, 0.5, 0.2, call=False, rate=0.1) == pytest.approx(0.81, abs=0.005)


@pytest.mark.parametrize(("forward", "strike", "years", "vol"), [
    (24500.0, 24500.0, 7 / 365, 0.12), (24500.0, 25500.0, 30 / 365, 0.15), (51000.0, 48000.0, 0.25, 0.2),
    (1450.0, 1500.0, 2 / 365, 0.35),
])
def test_prices_match_an_independent_numerical_reference(forward: float, strike: float, years: float,
                                                          vol: float) -> None:
    for call in (True, False):
        closed = black76_price(forward, strike, years, vol, call=call, rate=0.065)
        reference = _lognormal_reference(forward, strike, years, vol, 0.065, call)
        assert closed == pytest.approx(reference, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize(("forward", "strike", "years", "vol"), [
    (24500.0, 24600.0, 10 / 365, 0.13), (1000.0, 900.0, 0.5, 0.3), (300.0, 330.0, 40 / 365, 0.45),
])
def test_greeks_match_finite_differences_of_the_price(forward: float, strike: float, years: float,
                                                      vol: float) -> None:
    rate = 0.065

    def price(f: float = forward, t: float = years, v: float = vol, r: float = rate, call: bool = True) -> float:
        return black76_price(f, strike, t, v, call=call, rate=r)

    for call in (True, False):
        greeks = black76_greeks(forward, strike, years, vol, call=call, rate=rate)
        h = forward * 1e-4
        delta = (price(forward + h, call=call) - price(forward - h, call=call)) / (2 * h)
        gamma = (price(forward + h, call=call) - 2 * price(call=call) + price(forward - h, call=call)) / h ** 2
        vega = (price(v=vol + 1e-5, call=call) - price(v=vol - 1e-5, call=call)) / 2e-5 / 100
        day = 1e-5
        theta = (price(t=years - day, call=call) - price(t=years + day, call=call)) / (2 * day) / 365
        rho = (price(r=rate + 1e-6, call=call) - price(r=rate - 1e-6, call=call)) / 2e-6 / 100
        assert greeks.delta == pytest.approx(delta, rel=1e-6, abs=1e-6)
        assert greeks.gamma == pytest.approx(gamma, rel=1e-4, abs=1e-6)
        assert greeks.vega == pytest.approx(vega, rel=1e-6, abs=1e-6)
        assert greeks.theta == pytest.approx(theta, rel=1e-6, abs=1e-6)
        assert greeks.rho == pytest.approx(rho, rel=1e-6, abs=1e-6)


def test_put_call_parity_holds_exactly() -> None:
    forward, strike, years, vol, rate = 24500.0, 24650.0, 12 / 365, 0.14, 0.065
    call = black76_price(forward, strike, years, vol, call=True, rate=rate)
    put = black76_price(forward, strike, years, vol, call=False, rate=rate)
    assert call - put == pytest.approx(math.exp(-rate * years) * (forward - strike), abs=1e-9)


@pytest.mark.parametrize("vol", [0.05, 0.15, 0.6, 2.0])
@pytest.mark.parametrize("strike", [18000.0, 24500.0, 30000.0])
def test_implied_volatility_inverts_the_price(vol: float, strike: float) -> None:
    for call in (True, False):
        premium = black76_price(24500.0, strike, 20 / 365, vol, call=call)
        if premium < 1e-6:
            continue
        found = implied_volatility(premium, 24500.0, strike, 20 / 365, call=call)
        assert found is not None
        assert black76_price(24500.0, strike, 20 / 365, found, call=call) == pytest.approx(premium, abs=1e-6)


def test_a_premium_below_intrinsic_has_no_implied_volatility() -> None:
    assert implied_volatility(50.0, 24500.0, 24000.0, 0.1, call=True) is None
    assert implied_volatility(0.0, 24500.0, 24000.0, 0.1, call=True) is None
