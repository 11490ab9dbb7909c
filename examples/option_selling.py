"""Sell a hedged NIFTY straddle (an iron fly) with stops, then close it. It never names a broker.

    python examples/option_selling.py                            # on the built-in paper broker
    python examples/option_selling.py --config tt-connect.toml   # on whatever broker the file names

1. picks the weekly expiry, the ATM call and put, and wings ``--wings`` strikes out of the money;
2. prints the chain's forward, PCR, max pain and the ATM IVs (Black-76 Greeks);
3. places the four legs as one basket: margin checked first, the wings first, unwound if a leg fails;
4. places a stop-loss buy on each short leg at ``--stop`` times its premium;
5. after ``--seconds``, cancels the stops, closes every position of the trade, and prints a JSON summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from tt_connect import AsyncTTConnect, OptionType, OrderType, ProductType, Side
from tt_connect.models import OrderRequest


def _grid(price: float, tick: float) -> float:
    return round(round(price / tick) * tick, 2)


async def run(broker: AsyncTTConnect, wings: int, stop: float, seconds: float, lots: int) -> dict[str, Any]:
    expiry = broker.expiry("NIFTY", "weekly")
    chain = await broker.option_chain("NIFTY", expiry, with_greeks=True)
    atm = next(r for r in chain.rows if r.strike == chain.atm_strike)
    call = await broker.option("NIFTY", expiry, 0, OptionType.CE)
    put = await broker.option("NIFTY", expiry, 0, OptionType.PE)
    wing_call = await broker.option("NIFTY", expiry, wings, OptionType.CE)
    wing_put = await broker.option("NIFTY", expiry, -wings, OptionType.PE)
    qty = broker.lot_size(call) * lots
    legs = [OrderRequest(instrument=i, qty=qty, side=s, product=ProductType.NRML, order_type=OrderType.MARKET)
            for i, s in ((call, Side.SELL), (put, Side.SELL), (wing_call, Side.BUY), (wing_put, Side.BUY))]
    basket = await broker.place_basket(legs, unwind_on_failure=True)
    summary: dict[str, Any] = {
        "broker": broker.broker, "expiry": expiry.isoformat(), "forward": chain.forward, "pcr": chain.pcr,
        "max_pain": chain.max_pain, "atm": chain.atm_strike,
        "atm_iv": [g.iv if g else None for g in (atm.call_greeks, atm.put_greeks)],
        "legs": [{"instrument": str(leg.request.instrument), "side": leg.request.side.value,
                  "order_id": leg.order_id, "error": leg.error} for leg in basket.legs],
    }
    if not basket.complete:
        summary["outcome"] = "basket refused, unwound"
        return summary
    stops = []
    for short in (call, put):
        premium = (await broker.ltp(short))[short]
        trigger = _grid(max(premium * stop, premium + broker.tick_size(short)), broker.tick_size(short))
        stops.append(await broker.place_order(short, qty, Side.BUY, ProductType.NRML, OrderType.SL_M,
                                              trigger_price=trigger))
    summary["stops"] = stops
    await asyncio.sleep(seconds)
    cancelled = await broker.cancel_all(underlying="NIFTY")
    closed = await broker.close_all(underlying="NIFTY", product=ProductType.NRML)
    summary["cancelled"] = [item.subject for item in cancelled.done]
    summary["closed"] = len(closed.done)
    summary["failed"] = [item.error for item in (*cancelled.failed, *closed.failed)]
    open_legs = [p for p in await broker.positions() if p.instrument.underlying == "NIFTY" and p.quantity]
    summary["outcome"] = "flat" if not open_legs else f"{len(open_legs)} positions still open"
    return summary


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="a tt-connect.toml naming the broker (default: the paper broker)")
    parser.add_argument("--wings", type=int, default=4, help="strikes between the shorts and their hedges")
    parser.add_argument("--stop", type=float, default=2.0, help="stop at this multiple of each short's premium")
    parser.add_argument("--seconds", type=float, default=2.0, help="how long to hold the trade")
    parser.add_argument("--lots", type=int, default=1)
    args = parser.parse_args(argv)
    broker = AsyncTTConnect.from_config(args.config) if args.config else AsyncTTConnect("paper")
    async with broker:
        summary = await run(broker, args.wings, args.stop, args.seconds, args.lots)
    print(json.dumps(summary))
    return 0 if summary["outcome"] == "flat" else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
