"""Benchmark: DhanHQ v2 feed decoding, tt-connect's DhanDecoder beside the official dhanhq SDK's parser.

Run: ``python bench/bench_dhan_feed.py``. Frames are realistic packets for 500 NSE equity and
F&O instruments as the feed sends them (Ticker 16 bytes, Quote 50, Full 162 with 5 depth levels),
made by the emulator's packers from a moving paper market. Ours produces complete canonical Ticks
(instrument attached, previous close and OI merged, prices rounded to the paisa, times as aware
datetimes; steady state: instruments already resolved). The SDK's path is
``dhanhq.marketfeed.MarketFeed.process_data``, what its receive loop hands ``on_message``: a dict
per packet with prices formatted as text. Both decode the same frames in alternating rounds; the
best of seven is kept. Prints a table and one JSON line.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

ROUNDS = 7
INSTRUMENTS = 500
FRAMES = 20_000


def _market() -> tuple[Any, list[tuple[int, int, Any]]]:
    """A context listing 500 instruments and, per instrument, a stream of moving quotes."""
    from tt_connect import instruments as instruments_module
    from tt_connect.driver_api import BrokerSymbol
    from tt_connect.enums import Exchange, OptionType
    from tt_connect.instruments import Equity, Option
    from tt_connect.paper.engine import PaperQuote
    from tt_connect.testing import StaticContext
    from tt_connect.timeutil import IST

    instruments_module.set_validator(lambda inst: None)
    ctx = StaticContext("dhan")
    rng = random.Random(7)
    start = _dt.datetime(2025, 1, 6, 9, 15, tzinfo=IST)
    quotes: list[tuple[int, int, Any]] = []
    books = []
    for i in range(INSTRUMENTS):
        if i % 2:
            segment, sid = 1, 1000 + i
            instrument: Any = Equity(exchange=Exchange.NSE, symbol=f"STK{i}")
            name = "NSE_EQ"
        else:
            segment, sid = 2, 40_000 + i
            instrument = Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 1, 30),
                                strike=20_000 + 50 * i, option_type=OptionType.CE)
            name = "NSE_FNO"
        ctx.list(instrument, BrokerSymbol(token=str(sid), symbol=str(i), exchange=name, segment=name, lot_size=1,
                                          tick_size=0.05))
        books.append((segment, sid, rng.randint(2_000, 500_000) * 0.05))
    for n in range(FRAMES):
        segment, sid, level = books[n % INSTRUMENTS]
        last = round(level + rng.randint(-40, 40) * 0.05, 2)
        bids = tuple((round(last - 0.05 * (k + 1), 2), rng.randint(1, 5000), rng.randint(1, 40)) for k in range(5))
        asks = tuple((round(last + 0.05 * (k + 1), 2), rng.randint(1, 5000), rng.randint(1, 40)) for k in range(5))
        quote = PaperQuote(token=sid, last_price=last, last_quantity=rng.randint(1, 500),
                           volume=100_000 + n * 7, open=round(level - 2.5, 2), high=round(level + 3.0, 2),
                           low=round(level - 3.0, 2), close=round(level - 1.0, 2),
                           oi=0 if segment == 1 else 1_000_000 + n, bids=bids, asks=asks,
                           timestamp=start + _dt.timedelta(seconds=n // 50))
        quotes.append((segment, sid, quote))
    return ctx, quotes


def _frames(kind: str, quotes: Sequence[tuple[int, int, Any]]) -> list[bytes]:
    from tt_connect_dhan.emulator.frames import full_packet, quote_packet, ticker_packet

    pack = {"ticker": ticker_packet, "quote": quote_packet, "full": full_packet}[kind]
    return [pack(segment, sid, quote) for segment, sid, quote in quotes]


def _best(function: Callable[[bytes], Any], frames: Sequence[bytes]) -> float:
    started = time.perf_counter()
    for frame in frames:
        function(frame)
    return time.perf_counter() - started


def main() -> None:
    from dhanhq.marketfeed import MarketFeed
    from tt_connect.timeutil import IST
    from tt_connect_dhan.emulator.frames import prev_close_packet
    from tt_connect_dhan.stream import DhanDecoder

    ctx, quotes = _market()
    sdk = MarketFeed.__new__(MarketFeed)  # the parser needs no connection: skip the constructor's event loop
    received = _dt.datetime.now(IST)
    summary: dict[str, Any] = {"instruments": INSTRUMENTS, "frames": FRAMES}
    print(f"Dhan feed decoding, {FRAMES} frames over {INSTRUMENTS} instruments (best of {ROUNDS} rounds)")
    print(f"{'packet':<10}{'tt-connect us':>15}{'dhanhq us':>12}{'ratio':>8}")
    for kind in ("full", "quote", "ticker"):
        frames = _frames(kind, quotes)
        decoder = DhanDecoder(ctx)
        for segment, sid, quote in quotes[:INSTRUMENTS]:
            decoder.decode(prev_close_packet(segment, sid, quote.close, quote.oi), received)
        ticks = decoder.decode(frames[0], received)
        assert ticks and ticks[0].last_price == quotes[0][2].last_price, ticks
        ours_runs, sdk_runs = [], []
        decode = functools.partial(decoder.decode, received_at=received)
        for _ in range(ROUNDS):
            ours_runs.append(_best(decode, frames))
            sdk_runs.append(_best(sdk.process_data, frames))
        ours, theirs = min(ours_runs) / FRAMES * 1e6, min(sdk_runs) / FRAMES * 1e6
        ratios = sorted(s / o for s, o in zip(sdk_runs, ours_runs))
        print(f"{kind:<10}{ours:>15.2f}{theirs:>12.2f}{theirs / ours:>7.1f}x  (round ratios {ratios[0]:.1f}-"
              f"{ratios[-1]:.1f}x)")
        summary[kind] = {"ours_us": round(ours, 3), "sdk_us": round(theirs, 3), "ratio": round(theirs / ours, 2),
                         "ratio_range": [round(ratios[0], 2), round(ratios[-1], 2)]}
    print(json.dumps(summary))
    from results import figure, record

    record("dhan_feed", [figure(f"{kind} decode", summary[kind]["ours_us"], "us/frame", better="lower",
                                baseline=summary[kind]["sdk_us"], baseline_name="dhanhq")
                         for kind in ("full", "quote", "ticker")], summary)


if __name__ == "__main__":
    main()
