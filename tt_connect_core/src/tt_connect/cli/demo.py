"""``tt-connect demo``: stream, trade and report on the paper broker, with no credentials."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from tt_connect.cli.commands import funds, orders, positions
from tt_connect.cli.output import plain, render_table
from tt_connect.errors import TTConnectError

__all__ = ["demo"]


async def demo(args: argparse.Namespace) -> None:
    from tt_connect.client import AsyncTTConnect
    from tt_connect.enums import Exchange, OrderType, ProductType, Side, StreamMode
    from tt_connect.instruments import Equity, Future

    print("tt-connect demo on the built-in paper broker (no credentials, no network)\n")
    async with AsyncTTConnect("paper", instruments_db=args.instruments_db) as broker:
        reliance = Equity(exchange=Exchange.NSE, symbol="RELIANCE")
        infy = Equity(exchange=Exchange.NSE, symbol="INFY")
        nifty_fut = broker.futures("NIFTY")[0]
        assert isinstance(nifty_fut, Future)
        expiry = broker.nearest_expiry("NIFTY")
        chain = broker.strikes("NIFTY", expiry)
        spot = (await broker.ltp(nifty_fut))[nifty_fut]
        atm = min(chain, key=lambda k: abs(k - spot))
        from tt_connect.enums import OptionType
        from tt_connect.instruments import Option

        atm_call = Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=expiry, strike=atm,
                          option_type=OptionType.CE)
        watch = [reliance, infy, nifty_fut, atm_call]
        print(f"Streaming {', '.join(str(i) for i in watch)} for {args.seconds:g}s...")
        seen: dict[str, Any] = {}
        updates: list[Any] = []

        def on_tick(tick: Any) -> None:
            seen[str(tick.instrument)] = tick

        sub = await broker.subscribe(watch, on_tick=on_tick, mode=StreamMode.FULL,
                                     on_order_update=updates.append)
        await asyncio.sleep(args.seconds)
        rows = [{"instrument": k, "last_price": t.last_price, "volume": t.volume,
                 "best_bid": t.depth.bids[0].price if t.depth and t.depth.bids else None,
                 "best_ask": t.depth.asks[0].price if t.depth and t.depth.asks else None}
                for k, t in seen.items()]
        print(render_table(rows, ["instrument", "last_price", "volume", "best_bid", "best_ask"], "Last ticks"))
        print(f"\nstream stats: {plain(sub.stats)}\n")

        print(f"BUY 10 {reliance} at market (CNC)")
        await broker.place_order(instrument=reliance, qty=10, side=Side.BUY, product=ProductType.CNC,
                                 order_type=OrderType.MARKET)
        lot = broker.lot_size(nifty_fut)
        print(f"SELL {lot} {nifty_fut} at market (NRML, one lot)")
        await broker.place_order(instrument=nifty_fut, qty=lot, side=Side.SELL, product=ProductType.NRML,
                                 order_type=OrderType.MARKET)
        infy_ltp = (await broker.ltp(infy))[infy]
        tick = broker.tick_size(infy)
        low = round(round(infy_ltp * 0.95 / tick) * tick, 2)
        print(f"BUY 5 {infy} LIMIT {low:.2f} (5% below market: rests in the book)")
        limit_id = await broker.place_order(instrument=infy, qty=5, side=Side.BUY, product=ProductType.MIS,
                                            order_type=OrderType.LIMIT, price=low)
        lower = round(round(infy_ltp * 0.94 / tick) * tick, 2)
        print(f"MODIFY {limit_id}: price {lower:.2f}, qty 8")
        await broker.modify_order(limit_id, qty=8, price=lower)
        print(f"CANCEL {limit_id}")
        await broker.cancel_order(limit_id)
        try:
            await broker.place_order(instrument=nifty_fut, qty=lot + 1, side=Side.BUY,
                                     product=ProductType.NRML, order_type=OrderType.MARKET)
        except TTConnectError as exc:
            print(f"refused before sending, as it should be: {type(exc).__name__}: {exc}")
        await asyncio.sleep(min(args.seconds, 0.5))
        await sub.unsubscribe()
        print()
        args.json = False
        await orders(broker, args)
        print()
        await positions(broker, args)
        print()
        await funds(broker, args)
        print(f"\norder updates received on the stream: {len(updates)}")
    print("\nDone. The same code runs on any broker: TTConnect(\"zerodha\", config).")
