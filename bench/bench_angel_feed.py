"""Benchmark: SmartWebSocketV2 frame decoding, tt-connect's AngelDecoder beside smartapi-python's parser.

Run: ``python bench/bench_angel_feed.py``. Frames are realistic packets for 500 NSE/NFO
instruments (LTP 51 bytes, QUOTE 123, SNAP_QUOTE 379 with best-5 depth), laid out as in
reference 2.13.4. Ours produces canonical Ticks with the instrument attached (steady state:
tokens already resolved); smartapi-python's ``SmartWebSocketV2._parse_binary_data`` produces a
dict of raw integers per frame. Its module is loaded from its file, skipping the package
``__init__`` (which makes a network call at import). Best of five rounds; prints a table and
one JSON line.
"""

from __future__ import annotations

import datetime as _dt
import importlib.util
import json
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

ROUNDS = 5
INSTRUMENTS = 500


def _frames(kind: str, count: int) -> list[bytes]:
    from tt_connect_angelone.stream import LTP_PACKET, QUOTE_PACKET, SNAP_QUOTE_PACKET

    rng = random.Random(7)
    frames = []
    for i in range(count):
        exchange_type, token = (1, 1000 + i % INSTRUMENTS) if i % 2 else (2, 40000 + i % INSTRUMENTS)
        raw_token = str(token).encode()
        ltp = rng.randint(10_000, 2_500_000)
        ms = 1736137800000 + i
        if kind == "ltp":
            frames.append(LTP_PACKET.pack(1, exchange_type, raw_token, i, ms, ltp))
            continue
        quote = (i, ms, ltp, rng.randint(1, 500), ltp - 50, rng.randint(10**5, 10**7), float(rng.randint(10**4, 10**6)),
                 float(rng.randint(10**4, 10**6)), ltp - 300, ltp + 500, ltp - 700, ltp - 120)
        if kind == "quote":
            frames.append(QUOTE_PACKET.pack(2, exchange_type, raw_token, *quote))
            continue
        depth: list[int] = []
        for side, flag in ((-1, 1), (1, 0)):
            for level in range(5):
                depth += [flag, rng.randint(1, 5000), ltp + side * 5 * (level + 1), rng.randint(1, 40)]
        frames.append(SNAP_QUOTE_PACKET.pack(3, exchange_type, raw_token, *quote, ms // 1000, rng.randint(0, 10**7),
                                             0.5, *depth, ltp + 10_000, ltp - 10_000, ltp + 50_000, ltp - 50_000))
    return frames


class _Context:
    broker = "angelone"

    def __init__(self) -> None:
        from tt_connect.enums import Exchange, OptionType
        from tt_connect.instruments import Equity, Option

        self._tokens: dict[tuple[str, str], Any] = {}
        for i in range(INSTRUMENTS):
            self._tokens[("NSE", str(1000 + i))] = Equity(exchange=Exchange.NSE, symbol=f"STK{i:04d}")
            self._tokens[("NFO", str(40000 + i))] = Option(
                exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 1, 30), strike=20000 + 50 * i,
                option_type=OptionType.CE)

    def by_token(self, segment: str, token: str) -> Any:
        return self._tokens[(segment, token)]

    def resolve(self, instrument: Any) -> Any:
        raise NotImplementedError

    def by_symbol(self, exchange: str, symbol: str) -> Any:
        raise NotImplementedError

    def now(self) -> _dt.datetime:
        return _dt.datetime(2025, 1, 6, 10, 0)


def _best_rate(decode: Callable[[bytes], object], frames: Sequence[bytes]) -> float:
    best = 0.0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for frame in frames:
            decode(frame)
        best = max(best, len(frames) / (time.perf_counter() - started))
    return best


def _sdk_parser() -> Callable[[bytes], object] | None:
    spec = importlib.util.find_spec("SmartApi")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = f"{next(iter(spec.submodule_search_locations))}/smartWebSocketV2.py"
    module_spec = importlib.util.spec_from_file_location("smartapi_ws_v2_bench", path)
    if module_spec is None or module_spec.loader is None:
        return None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    parser = object.__new__(module.SmartWebSocketV2)  # __init__ only wires a socket and log files
    import logging

    logging.getLogger().setLevel(logging.CRITICAL)
    parse: Callable[[bytes], object] = parser._parse_binary_data
    return parse


def main() -> None:
    from tt_connect import instruments
    from tt_connect.timeutil import IST
    from tt_connect_angelone.config import AngelOneConfig
    from tt_connect_angelone.stream import AngelStream

    instruments.set_validator(lambda inst: None)
    decoder = AngelStream(AngelOneConfig(api_key="k", client_code="A1", access_token="t")).decoder(_Context())
    received = _dt.datetime.now(IST)
    sdk = _sdk_parser()
    print(f"{'packet':<22}{'tt-connect ticks/s':>20}{'smartapi-python frames/s':>27}{'ratio':>8}")
    summary: dict[str, Any] = {}
    for kind, label in (("ltp", "LTP (51 B)"), ("quote", "QUOTE (123 B)"), ("snap", "SNAP_QUOTE (379 B)")):
        frames = _frames(kind, 50_000)
        assert len(decoder.decode(frames[0], received)) == 1
        ours = _best_rate(lambda f: decoder.decode(f, received), frames)
        theirs = _best_rate(sdk, frames) if sdk is not None else None
        ratio = ours / theirs if theirs else None
        print(f"{label:<22}{ours:>20,.0f}{(f'{theirs:,.0f}' if theirs else 'not installed'):>27}"
              f"{(f'{ratio:.1f}x' if ratio else '-'):>8}")
        summary[kind] = {"ours_per_s": round(ours), "smartapi_per_s": round(theirs) if theirs else None,
                         "ratio": round(ratio, 2) if ratio else None}
    print(json.dumps(summary))
    from results import figure, record

    record("angel_feed", [figure(f"{kind} decode", v["ours_per_s"], "ticks/s", baseline=v["smartapi_per_s"],
                                 baseline_name="smartapi-python") for kind, v in summary.items()], summary)


if __name__ == "__main__":
    main()
