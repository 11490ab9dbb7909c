"""Realistic Upstox v3 market-feed frames (``FeedResponse``) for the decoder benchmark and tests.

Each frame is what the feed sends for a live update: ``type`` live_feed, ``currentTs`` in epoch
ms, and a map ``instrument_key -> Feed`` in one of the wire modes (``ltpc``, ``full_d5``,
``full_d30``, ``option_greeks``). Values are drawn from a seeded generator, so the frames are
the same on every run.
"""

from __future__ import annotations

import random

from tt_connect_upstox.feed_proto import FeedResponse, RequestMode

START_MS = 1_736_137_800_000
"""2025-01-06 10:00 IST, in epoch milliseconds."""


def equity_key(i: int) -> str:
    return f"NSE_EQ|INE{i:06d}01"


def option_key(i: int) -> str:
    return f"NSE_FO|{40000 + i}"


def frames(mode: str, count: int, *, instruments: int = 500, per_frame: int = 1, seed: int = 7) -> list[bytes]:
    """Return ``count`` serialised frames of ``per_frame`` feeds each, cycling through ``instruments``."""
    rng = random.Random(seed)
    out: list[bytes] = []
    n = 0
    for i in range(count):
        response = FeedResponse(type=1, currentTs=START_MS + i * 10)
        for _ in range(per_frame):
            index = n % instruments
            n += 1
            key = option_key(index) if index % 2 else equity_key(index)
            feed = response.feeds[key]
            ltp = round(rng.uniform(50, 3000), 2)
            close = round(ltp * rng.uniform(0.97, 1.03), 2)
            ltt = START_MS + i * 10 - rng.randint(0, 900)
            if mode == "ltpc":
                feed.ltpc.ltp, feed.ltpc.ltt, feed.ltpc.ltq, feed.ltpc.cp = ltp, ltt, rng.randint(1, 500), close
                feed.requestMode = RequestMode["ltpc"]
                continue
            if mode == "option_greeks":
                greeks = feed.firstLevelWithGreeks
                greeks.ltpc.ltp, greeks.ltpc.ltt, greeks.ltpc.ltq, greeks.ltpc.cp = ltp, ltt, 75, close
                greeks.firstDepth.bidP, greeks.firstDepth.bidQ = ltp - 0.05, 750
                greeks.firstDepth.askP, greeks.firstDepth.askQ = ltp + 0.05, 1500
                g = greeks.optionGreeks
                g.delta, g.theta, g.gamma, g.vega, g.rho = 0.52, -12.3, 0.0011, 9.8, 3.1
                greeks.vtt, greeks.oi, greeks.iv = rng.randint(10**5, 10**7), float(rng.randint(10**4, 10**6)), 0.14
                feed.requestMode = RequestMode["option_greeks"]
                continue
            market = feed.fullFeed.marketFF
            market.ltpc.ltp, market.ltpc.ltt, market.ltpc.ltq, market.ltpc.cp = ltp, ltt, rng.randint(1, 500), close
            levels = 30 if mode == "full_d30" else 5
            for level in range(levels):
                quote = market.marketLevel.bidAskQuote.add()
                quote.bidQ, quote.bidP = rng.randint(1, 5000), round(ltp - 0.05 * (level + 1), 2)
                quote.askQ, quote.askP = rng.randint(1, 5000), round(ltp + 0.05 * (level + 1), 2)
            for interval, volume in (("1d", rng.randint(10**5, 10**7)), ("I1", rng.randint(10, 10**4)),
                                     ("I30", rng.randint(10**3, 10**5))):
                bar = market.marketOHLC.ohlc.add()
                bar.interval, bar.open, bar.high, bar.low, bar.close = interval, close, ltp * 1.01, ltp * 0.99, ltp
                bar.vol, bar.ts = volume, START_MS
            market.atp, market.vtt = round(ltp * 0.998, 2), rng.randint(10**5, 10**7)
            market.oi = float(rng.randint(10**4, 10**6)) if index % 2 else 0.0
            market.tbq, market.tsq = float(rng.randint(10**4, 10**6)), float(rng.randint(10**4, 10**6))
            if index % 2:
                g = market.optionGreeks
                g.delta, g.theta, g.gamma, g.vega, g.rho = 0.52, -12.3, 0.0011, 9.8, 3.1
                market.iv = 0.14
            feed.requestMode = RequestMode["full_d30" if levels == 30 else "full_d5"]
        out.append(response.SerializeToString())
    return out
