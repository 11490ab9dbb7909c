"""An intraday trend-follower with a trailing stop. It never names a broker.

The broker comes from the config file's ``broker = "..."`` line, so the same
script trades on the paper broker, on a broker's emulator or on a live account:

    python examples/trailing_stop_strategy.py --config tt-connect.toml --seconds 20

What it does, for one NSE stock, as an intraday (MIS) trade of ``--qty`` shares:

1. reads a quote and goes with the day's move: long above the previous close,
   short below it (a market order);
2. places a stop-loss-market order ``--stop-pct`` away from the fill;
3. streams ticks and trails the stop behind the best price seen, modifying the
   order at most once a second and only by whole ticks;
4. at the end (or when the stop fills) cancels what is open, squares off, and
   prints one JSON summary line.

Everything broker-specific (symbols, order types on the wire, sessions,
reconnects, retries) is the library's job.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from tt_connect import AsyncTTConnect, Equity, Exchange, OrderStatus, OrderType, ProductType, Side, StreamMode
from tt_connect.models import Tick


def on_grid(price: float, tick: float) -> float:
    """Round a price to the instrument's tick size."""
    return round(round(price / tick) * tick, 2)


class TrailingStop:
    """The strategy's state: the best price since entry and where the stop should be."""

    def __init__(self, side: Side, entry: float, stop_pct: float, tick: float) -> None:
        self.side = side
        self.best = entry
        self.distance = entry * stop_pct / 100
        self.tick = tick
        self.ticks_seen = 0

    def stop_for(self, price: float) -> float:
        return on_grid(price - self.distance if self.side is Side.BUY else price + self.distance, self.tick)

    def observe(self, tick: Tick) -> None:
        self.ticks_seen += 1
        better = tick.last_price > self.best if self.side is Side.BUY else tick.last_price < self.best
        if better:
            self.best = tick.last_price

    def improves(self, current_stop: float) -> float | None:
        """The new stop when trailing moves it at least one tick in our favour, else None."""
        wanted = self.stop_for(self.best)
        gained = wanted - current_stop if self.side is Side.BUY else current_stop - wanted
        return wanted if gained >= self.tick - 1e-9 else None


async def run(config: str, symbol: str, qty: int, seconds: float, stop_pct: float) -> dict[str, Any]:
    async with AsyncTTConnect.from_config(config) as broker:
        stock = Equity(exchange=Exchange.NSE, symbol=symbol)
        tick_size = broker.tick_size(stock)
        quote = (await broker.quote([stock]))[stock]
        side = Side.BUY if quote.last_price >= quote.close else Side.SELL
        exit_side = Side.SELL if side is Side.BUY else Side.BUY

        entry_id = await broker.place_order(instrument=stock, qty=qty, side=side, product=ProductType.MIS,
                                            order_type=OrderType.MARKET, tag="trail")
        entry = await broker.order(entry_id)
        for _ in range(50):
            if entry.status.is_terminal:
                break
            await asyncio.sleep(0.1)
            entry = await broker.order(entry_id)
        if entry.status is not OrderStatus.COMPLETE:
            return {"broker": broker.broker, "symbol": symbol, "entered": False, "reason": entry.status_message}

        trail = TrailingStop(side, entry.average_price, stop_pct, tick_size)
        stop_price = trail.stop_for(entry.average_price)
        stop_id = await broker.place_order(instrument=stock, qty=qty, side=exit_side, product=ProductType.MIS,
                                           order_type=OrderType.SL_M, trigger_price=stop_price, tag="stop")
        modifications = 0
        subscription = await broker.subscribe([stock], on_tick=trail.observe, mode=StreamMode.QUOTE)
        try:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                await asyncio.sleep(1.0)
                stop = await broker.order(stop_id)
                if stop.status.is_terminal:
                    break
                new_stop = trail.improves(stop_price)
                if new_stop is not None:
                    await broker.modify_order(stop_id, trigger_price=new_stop)
                    stop_price, modifications = new_stop, modifications + 1
        finally:
            await subscription.unsubscribe()

        stop = await broker.order(stop_id)
        stopped_out = stop.status is OrderStatus.COMPLETE
        if not stop.status.is_terminal:
            await broker.cancel_order(stop_id)
        open_qty = sum(p.quantity for p in await broker.positions()
                       if p.instrument == stock and p.product is ProductType.MIS)
        if open_qty:
            await broker.place_order(instrument=stock, qty=abs(open_qty),
                                     side=Side.SELL if open_qty > 0 else Side.BUY, product=ProductType.MIS,
                                     order_type=OrderType.MARKET, tag="squareoff")
        final = [p for p in await broker.positions() if p.instrument == stock and p.product is ProductType.MIS]
        ours = [o for o in await broker.orders() if o.order_id == entry_id or o.tag.startswith(("stop", "square"))]
        return {
            "broker": broker.broker,
            "symbol": symbol,
            "entered": True,
            "side": side.value,
            "entry_price": entry.average_price,
            "ticks": trail.ticks_seen,
            "stop_modifications": modifications,
            "stopped_out": stopped_out,
            "net_quantity": sum(p.quantity for p in final),
            "realised_pnl": round(sum(p.pnl for p in final), 2),
            "orders": sorted(o.status.value for o in ours),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="tt-connect.toml", help="tt-connect.toml naming the broker")
    parser.add_argument("--symbol", default="RELIANCE")
    parser.add_argument("--qty", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--stop-pct", type=float, default=0.5)
    args = parser.parse_args()
    summary = asyncio.run(run(args.config, args.symbol, args.qty, args.seconds, args.stop_pct))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
