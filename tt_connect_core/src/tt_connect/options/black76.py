"""Black-76: European options on a forward (the future of the option's expiry), Greeks and implied vol.

Why Black-76 on the future rather than Black-Scholes on spot: an Indian index or stock future already
prices in the carry and the expected dividends, so valuing the option on it needs no dividend
assumption, and the only rate left is the discounting one (the premium is paid today, the payoff at
expiry). Where no future of the expiry is listed the chain uses the forward implied by put-call parity
at the strike nearest the money, or spot carried at the rate.

Conventions: ``years`` to expiry on ACT/365 to 15:30 IST on expiry day; ``rate`` continuously
compounded (default 6.5 %, near the 91-day T-bill yield); ``theta`` per calendar day; ``vega`` per one
volatility point (0.01); ``rho`` per one rate point.
"""

from __future__ import annotations

import math

import msgspec

__all__ = ["DEFAULT_RATE", "Greeks", "black76_greeks", "black76_price", "implied_volatility", "norm_cdf", "norm_pdf"]

DEFAULT_RATE = 0.065
_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class Greeks(msgspec.Struct, frozen=True, kw_only=True):
    """One option's implied volatility and sensitivities (see the module's conventions)."""

    iv: float
    delta: float
    gamma: float
    theta: float
    vega: float
    rho: float = 0.0
    source: str = "black76"
    """``black76`` when computed by tt-connect, or the broker's name when it served them (Upstox)."""


def norm_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / _SQRT2))


def norm_pdf(x: float) -> float:
    return _INV_SQRT_2PI * math.exp(-0.5 * x * x)


def _d1_d2(forward: float, strike: float, years: float, vol: float) -> tuple[float, float]:
    root = vol * math.sqrt(years)
    d1 = (math.log(forward / strike) + 0.5 * vol * vol * years) / root
    return d1, d1 - root


def black76_price(forward: float, strike: float, years: float, vol: float, *, call: bool,
                  rate: float = DEFAULT_RATE) -> float:
    """Return the premium of a European option on ``forward``."""
    discount = math.exp(-rate * max(years, 0.0))
    if years <= 0 or vol <= 0:
        intrinsic = forward - strike if call else strike - forward
        return discount * max(intrinsic, 0.0)
    d1, d2 = _d1_d2(forward, strike, years, vol)
    if call:
        return discount * (forward * norm_cdf(d1) - strike * norm_cdf(d2))
    return discount * (strike * norm_cdf(-d2) - forward * norm_cdf(-d1))


def black76_greeks(forward: float, strike: float, years: float, vol: float, *, call: bool,
                   rate: float = DEFAULT_RATE) -> Greeks:
    """Return the Greeks at ``vol`` (delta and gamma with respect to the forward)."""
    if years <= 0 or vol <= 0:
        itm = forward > strike if call else forward < strike
        return Greeks(iv=max(vol, 0.0), delta=(1.0 if call else -1.0) if itm else 0.0, gamma=0.0, theta=0.0,
                      vega=0.0)
    discount = math.exp(-rate * years)
    root = math.sqrt(years)
    d1 = _d1_d2(forward, strike, years, vol)[0]
    pdf = norm_pdf(d1)
    price = black76_price(forward, strike, years, vol, call=call, rate=rate)
    delta = discount * (norm_cdf(d1) if call else norm_cdf(d1) - 1.0)
    gamma = discount * pdf / (forward * vol * root)
    vega = discount * forward * pdf * root
    # dV/dt at a fixed forward: the decay of the optionality plus the discounting of the premium.
    theta_year = -discount * forward * pdf * vol / (2.0 * root) + rate * price
    return Greeks(iv=vol, delta=delta, gamma=gamma, theta=theta_year / 365.0, vega=vega / 100.0,
                  rho=-years * price / 100.0)


def implied_volatility(premium: float, forward: float, strike: float, years: float, *, call: bool,
                       rate: float = DEFAULT_RATE, low: float = 1e-4, high: float = 5.0,
                       tolerance: float = 1e-10) -> float | None:
    """Return the volatility that reprices ``premium``, or None when no volatility can (below intrinsic).

    Newton steps on vega, safeguarded by bisection inside a bracket, so deep in- or out-of-the-money
    options (tiny vega) still converge.
    """
    if premium <= 0 or forward <= 0 or strike <= 0 or years <= 0:
        return None
    floor = black76_price(forward, strike, years, low, call=call, rate=rate)
    ceiling = black76_price(forward, strike, years, high, call=call, rate=rate)
    if not floor - 1e-12 <= premium <= ceiling + 1e-12:
        return None
    vol = 0.3
    for _ in range(100):
        price = black76_price(forward, strike, years, vol, call=call, rate=rate)
        error = price - premium
        if abs(error) < tolerance:
            return vol
        if error > 0:
            high = vol
        else:
            low = vol
        d1 = _d1_d2(forward, strike, years, vol)[0]
        vega = math.exp(-rate * years) * forward * norm_pdf(d1) * math.sqrt(years)
        step = vol - error / vega if vega > 1e-12 else (low + high) / 2
        vol = step if low < step < high else (low + high) / 2
    return vol
