"""An option chain's analytics: the forward, each contract's IV and Greeks, PCR and max pain.

Computed from one batch of quotes, so every figure describes the same moment. The forward is the
expiry's future when one is listed (its last price); otherwise the forward put-call parity implies
at the strike nearest the money, ``K + e^{rT} (C - P)``.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping

import msgspec

from tt_connect.instruments import Instrument
from tt_connect.instruments_db.catalogue import OptionChain, OptionChainRow
from tt_connect.models import Quote
from tt_connect.options.black76 import DEFAULT_RATE, Greeks, black76_greeks, implied_volatility
from tt_connect.timeutil import IST

__all__ = ["analysed", "max_pain", "parity_forward", "put_call_ratio", "years_to_expiry"]

_EXPIRY_TIME = _dt.time(15, 30)


def years_to_expiry(expiry: _dt.date, now: _dt.datetime) -> float:
    """ACT/365 from ``now`` to 15:30 IST on expiry day (0 once it has passed)."""
    close = _dt.datetime.combine(expiry, _EXPIRY_TIME, IST)
    return max((close - now.astimezone(IST)).total_seconds(), 0.0) / (365.0 * 86400.0)


def _last(quote: Quote | None) -> float | None:
    return quote.last_price if quote is not None and quote.last_price > 0 else None


def parity_forward(chain: OptionChain, spot: float | None, years: float, rate: float) -> float | None:
    """Return the forward implied by the quoted call and put nearest ``spot`` (or the chain's middle)."""
    priced = [r for r in chain.rows if _last(r.call_quote) is not None and _last(r.put_quote) is not None]
    if not priced:
        return None
    middle = spot if spot is not None else priced[len(priced) // 2].strike
    row = min(priced, key=lambda r: abs(r.strike - middle))
    assert row.call_quote is not None and row.put_quote is not None
    return row.strike + math.exp(rate * years) * (row.call_quote.last_price - row.put_quote.last_price)


def _greeks(quote: Quote | None, forward: float, strike: float, years: float, call: bool,
            rate: float) -> Greeks | None:
    if quote is not None and quote.greeks is not None:
        return quote.greeks  # the broker's own (Upstox's option_greeks feed)
    premium = _last(quote)
    if premium is None:
        return None
    vol = implied_volatility(premium, forward, strike, years, call=call, rate=rate)
    return None if vol is None else black76_greeks(forward, strike, years, vol, call=call, rate=rate)


def put_call_ratio(chain: OptionChain) -> float | None:
    """Return puts' open interest over calls' (None when no call has any)."""
    calls = sum(r.call_quote.oi for r in chain.rows if r.call_quote is not None)
    puts = sum(r.put_quote.oi for r in chain.rows if r.put_quote is not None)
    return puts / calls if calls else None


def max_pain(chain: OptionChain) -> float | None:
    """Return the expiry price, among the strikes, at which the open options are worth least."""
    open_interest = [(r.strike, r.call_quote.oi if r.call_quote else 0, r.put_quote.oi if r.put_quote else 0)
                     for r in chain.rows]
    if not any(c or p for _, c, p in open_interest):
        return None

    def payout(settle: float) -> float:
        return sum(c * max(settle - k, 0.0) + p * max(k - settle, 0.0) for k, c, p in open_interest)

    return min((k for k, _, _ in open_interest), key=payout)


def analysed(chain: OptionChain, quotes: Mapping[Instrument, Quote], *, future_price: float | None,
             spot: float | None, now: _dt.datetime, rate: float = DEFAULT_RATE) -> OptionChain:
    """Return the chain with quotes, the forward, every contract's IV and Greeks, PCR and max pain."""
    quoted = chain.with_quotes(dict(quotes))
    years = years_to_expiry(chain.expiry, now)
    forward = future_price or parity_forward(quoted, spot, years, rate) or spot
    rows: list[OptionChainRow] = []
    for row in quoted.rows:
        if forward is None or years <= 0:
            rows.append(row)
            continue
        rows.append(msgspec.structs.replace(
            row, call_greeks=_greeks(row.call_quote, forward, row.strike, years, True, rate),
            put_greeks=_greeks(row.put_quote, forward, row.strike, years, False, rate)))
    atm = min((r.strike for r in rows), key=lambda k: abs(k - forward)) if forward and rows else None
    analysed_chain = msgspec.structs.replace(quoted, rows=tuple(rows), forward=forward, atm_strike=atm,
                                             years_to_expiry=years, rate=rate)
    return msgspec.structs.replace(analysed_chain, pcr=put_call_ratio(analysed_chain),
                                   max_pain=max_pain(analysed_chain))
