"""Benchmark: Upstox v3 market-feed decoding, tt-connect's UpstoxDecoder beside the official SDK's path.

Run: ``python bench/bench_upstox_feed.py``. Frames are live ``FeedResponse`` messages for 500
NSE/NFO instruments in every wire mode (``ltpc``, ``full_d5``, ``full_d30``, ``option_greeks``),
one instrument per frame and ten per frame (bench/upstox_feed_frames.py). Ours yields complete
canonical Ticks with the instrument attached (steady state: keys already resolved). The SDK's
own path is what ``MarketDataStreamerV3.handle_message`` does with every message:
``FeedResponse.FromString`` on its generated class, then ``json_format.MessageToDict``. Both run
in this process on the same protobuf runtime, alternating round by round (seven rounds) so both see the
same machine noise; the ratio is the median of the rounds' own ratios (robust to a loaded machine),
shown with their range, beside each side's best rate.
Prints a table and one JSON line.
"""

from __future__ import annotations

import datetime as _dt
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROUNDS = 7
INSTRUMENTS = 500
TARGET_RATIO = 5.0


class _Context:
    broker = "upstox"

    def __init__(self) -> None:
        from tt_connect.enums import Exchange, OptionType
        from tt_connect.instruments import Equity, Option
        from upstox_feed_frames import equity_key, option_key

        self._keys: dict[str, Any] = {}
        for i in range(INSTRUMENTS):
            self._keys[equity_key(i)] = Equity(exchange=Exchange.NSE, symbol=f"STK{i:04d}")
            self._keys[option_key(i)] = Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 1, 30),
                                               strike=20000 + 50 * i, option_type=OptionType.CE)

    def by_token(self, segment: str, token: str) -> Any:
        return self._keys[token]

    def resolve(self, instrument: Any) -> Any:
        raise NotImplementedError

    def by_symbol(self, exchange: str, symbol: str) -> Any:
        raise NotImplementedError

    def now(self) -> _dt.datetime:
        return _dt.datetime(2025, 1, 6, 10, 0)


def _rate(decode: Callable[[bytes], object], frames: Sequence[bytes]) -> float:
    started = time.perf_counter()
    for frame in frames:
        decode(frame)
    return len(frames) / (time.perf_counter() - started)


def _side_by_side(ours: Callable[[bytes], object], theirs: Callable[[bytes], object] | None,
                  frames: Sequence[bytes]) -> tuple[float, float | None, list[float]]:
    """Alternate the two decoders round by round (both see the same machine noise); best rates, round ratios."""
    best_ours, best_theirs, ratios = 0.0, 0.0, []
    for _ in range(ROUNDS):
        mine = _rate(ours, frames)
        best_ours = max(best_ours, mine)
        if theirs is not None:
            other = _rate(theirs, frames)
            best_theirs = max(best_theirs, other)
            ratios.append(mine / other)
    return best_ours, (best_theirs if theirs is not None else None), ratios


def _sdk_path() -> Callable[[bytes], object] | None:
    try:
        from google.protobuf import json_format
        from upstox_client.feeder.proto import MarketDataFeedV3_pb2
    except ImportError:
        return None
    parse = MarketDataFeedV3_pb2.FeedResponse.FromString
    to_dict = json_format.MessageToDict

    def decode(frame: bytes) -> object:
        return to_dict(parse(frame))

    return decode


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from google.protobuf.internal import api_implementation
    from tt_connect import instruments
    from tt_connect.timeutil import IST
    from tt_connect_upstox.stream import UpstoxDecoder
    from upstox_feed_frames import frames

    instruments.set_validator(lambda inst: None)
    context = _Context()
    received = _dt.datetime.now(IST)
    sdk = _sdk_path()
    print(f"protobuf runtime: {api_implementation.Type()}")
    print(f"{'frames':<30}{'tt-connect ticks/s':>20}{'SDK path ticks/s':>19}{'median':>8}{'per round':>14}")
    summary: dict[str, Any] = {"protobuf": api_implementation.Type()}
    for mode in ("ltpc", "full_d5", "full_d30", "option_greeks"):
        for per_frame in (1, 10):
            batch = frames(mode, 20_000 // per_frame, instruments=INSTRUMENTS, per_frame=per_frame)
            decoder = UpstoxDecoder(context)  # type: ignore[arg-type]
            assert len(decoder.decode(batch[0], received)) == per_frame
            ours, theirs, rounds = _side_by_side(lambda f, d=decoder: d.decode(f, received), sdk, batch)
            ours *= per_frame
            theirs = theirs * per_frame if theirs is not None else None
            ratio = statistics.median(rounds) if rounds else None
            spread = f"{min(rounds):.1f}-{max(rounds):.1f}x" if rounds else "-"
            label = f"{mode}, {per_frame} per frame"
            print(f"{label:<30}{ours:>20,.0f}{(f'{theirs:,.0f}' if theirs else 'not installed'):>19}"
                  f"{(f'{ratio:.1f}x' if ratio else '-'):>8}{spread:>14}")
            summary[f"{mode}x{per_frame}"] = {"ours_ticks_per_s": round(ours),
                                              "sdk_ticks_per_s": round(theirs) if theirs else None,
                                              "ratio": round(ratio, 2) if ratio else None,
                                              "round_ratios": [round(r, 2) for r in rounds]}
    ratios = [v["ratio"] for v in summary.values() if isinstance(v, dict) and v["ratio"]]
    if ratios:
        verdict = "meets" if min(ratios) >= TARGET_RATIO else "MISSES"
        print(f"lowest ratio {min(ratios):.1f}x: {verdict} the {TARGET_RATIO:.0f}x target")
    print(json.dumps(summary))
    from results import figure, record

    record("upstox_feed", [figure(f"{key} decode", v["ours_ticks_per_s"], "ticks/s", baseline=v["sdk_ticks_per_s"],
                                  baseline_name="upstox SDK path")
                           for key, v in summary.items() if isinstance(v, dict)], summary)


if __name__ == "__main__":
    main()
