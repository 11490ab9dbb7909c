"""Benchmark: Fyers HSM data-socket decoding, tt-connect's HsmDecoder beside the official fyers-apiv3 SDK's.

Run: ``python bench/bench_fyers_feed.py``. Frames are what the data socket sends for 500 NSE
instruments after their snapshots: ``U`` updates of the 21 quote values (INT32_MIN where a value
did not change), ``U`` updates of the 30 depth values beside them in FULL mode, and lite ``L``
records, made by the driver's encoder from a random walk. Ours produces complete canonical Ticks
(instrument attached, prices scaled, times as aware datetimes, depth joined in FULL mode). The
SDK's path is ``FyersDataSocket.__response_msg``, what its socket thread hands every message: it
updates its per-topic dicts and calls ``on_message`` with a dict per tick.

fyers-apiv3 3.2.0 pins aiohttp 3.9.3, so it never shares our venv: the SDK decodes in a worker
process of its own interpreter (``FYERS_SDK_PYTHON`` or ``TT_CONNECT_FYERS_SDK_PYTHON``, else the venv
``nox -s fyers_sdk`` builds, else a venv this script makes once under ``.nox/fyers_sdk_bench``).
Both decode the same frames in alternating rounds (ours, then the worker's, each timed inside its
process in CPU time, so a busy machine's scheduling does not land on one side); the best of seven is kept.
Prints a table and one JSON line.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import pickle
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROUNDS = 7
INSTRUMENTS = 500
FRAMES = 20_000
ROOT = Path(__file__).resolve().parent.parent
SDK_PIN = "fyers-apiv3==3.2.0"


def _symbols() -> list[Any]:
    from tt_connect.driver_api import BrokerSymbol

    return [BrokerSymbol(token=f"1010000000{1000 + i}", symbol=f"NSE:STK{i}-EQ", exchange="NSE", segment="NSE_CM",
                         lot_size=1, tick_size=0.05) for i in range(INSTRUMENTS)]


def _frames() -> dict[str, Any]:
    """Snapshots, then the update frames of every scenario (one record a frame, as most HSM frames carry)."""
    from tt_connect_fyers.feed import encoder

    rng = random.Random(18)
    start = int(_dt.datetime(2025, 1, 6, 9, 15, tzinfo=_dt.UTC).timestamp())
    quotes, depths, snapshots = [], [], []
    for i in range(INSTRUMENTS):
        level = rng.randint(2_000, 500_000) * 5
        quote = [level, 100_000, start, start, 40, 55, level - 5, level + 5, 7, 9000, 8000, level, 0, level - 300,
                 level + 300, level * 2, level // 2, level * 8 // 10, level * 12 // 10, level - 200, level - 100]
        depth = ([level - 5 * (k + 1) for k in range(5)] + [level + 5 * (k + 1) for k in range(5)]
                 + [rng.randint(1, 5000) for _ in range(10)] + [rng.randint(1, 40) for _ in range(10)])
        quotes.append(quote)
        depths.append(depth)
        snapshots.append(encoder.data_frame(i, [
            encoder.snapshot_record(2 * i + 1, f"sf|nse_cm|{1000 + i}", quote),
            encoder.snapshot_record(2 * i + 2, f"dp|nse_cm|{1000 + i}", depth)]))
    quote_frames, full_frames, lite_frames = [], [], []
    for n in range(FRAMES):
        i = n % INSTRUMENTS
        old = quotes[i]
        new = list(old)
        new[0] = max(old[0] + rng.randint(-8, 8) * 5, 5)
        new[1] = old[1] + rng.randint(1, 500)
        new[2] = new[3] = start + n // 50
        new[8] = rng.randint(1, 500)
        new[9], new[10] = old[9] + rng.randint(-50, 50), old[10] + rng.randint(-50, 50)
        new[6], new[7] = new[0] - 5, new[0] + 5
        new[13], new[14] = min(old[13], new[0]), max(old[14], new[0])
        quotes[i] = new
        quote_frames.append(encoder.data_frame(FRAMES + n, [encoder.update_record(2 * i + 1,
                                                                                  encoder.unchanged(old, new))]))
        lite_frames.append(encoder.data_frame(FRAMES + n, [encoder.lite_record(2 * i + 1, new[0])]))
        if n % 2:
            before = depths[i]
            moved = [new[0] - 5 * (k + 1) for k in range(5)] + [new[0] + 5 * (k + 1) for k in range(5)] + [
                max(q + rng.randint(-30, 30), 1) for q in before[10:20]] + before[20:]
            depths[i] = moved
            update = encoder.update_record(2 * i + 2, encoder.unchanged(before, moved))
            full_frames.append(encoder.data_frame(FRAMES + n, [update]))
        else:
            full_frames.append(quote_frames[-1])
    topics = {f"{p}|nse_cm|{1000 + i}": f"NSE:STK{i}-EQ" for i in range(INSTRUMENTS) for p in ("sf", "dp")}
    return {"snapshots": snapshots, "topics": topics,
            "quote": quote_frames, "full": full_frames, "lite": lite_frames}


def _time(function: Callable[[bytes], Any], frames: Sequence[bytes]) -> float:
    started = time.process_time()
    for frame in frames:
        function(frame)
    return time.process_time() - started


# -- the SDK's side, in its own interpreter ------------------------------------------------------


def _sdk_worker(path: str) -> None:
    """Run in the SDK's venv: load the frames, then time one scenario per ``<kind>`` line on stdin."""
    import base64

    from fyers_apiv3.FyersWebsocket.data_ws import FyersDataSocket

    data = pickle.loads(Path(path).read_bytes())
    claims = base64.urlsafe_b64encode(json.dumps({"exp": 4102444800, "hsm_key": "bench"}).encode()).decode()
    logs = tempfile.mkdtemp()
    seen = [0]

    def on_message(message: dict[str, Any]) -> None:
        seen[0] += 1

    socket: Any = None
    for line in sys.stdin:
        kind = line.strip()
        if not kind:
            continue
        if socket is None or kind == "reset":
            FyersDataSocket._instance = None
            socket = FyersDataSocket(access_token=f"e30.{claims}.c2ln", log_path=logs, on_message=on_message)
            socket.symbol_token = dict(data["topics"])
            socket.lite = False
            for frame in data["snapshots"]:
                socket._FyersDataSocket__response_msg(frame)
            if kind == "reset":
                print(json.dumps({"ok": True, "messages": seen[0]}), flush=True)
                continue
        socket.lite = kind == "lite"
        decode = socket._FyersDataSocket__response_msg
        elapsed = _time(decode, data[kind])
        print(json.dumps({"seconds": elapsed, "messages": seen[0]}), flush=True)


def _sdk_python() -> str:
    found = os.environ.get("FYERS_SDK_PYTHON") or os.environ.get("TT_CONNECT_FYERS_SDK_PYTHON")
    if found:
        return found
    for place in ("fyers_sdk/fyers-apiv3", "fyers_sdk_bench"):
        candidate = ROOT / ".nox" / place / "bin" / "python"
        if candidate.exists() and subprocess.run([str(candidate), "-c", "import fyers_apiv3"],
                                                 capture_output=True).returncode == 0:
            return str(candidate)
    venv = ROOT / ".nox" / "fyers_sdk_bench"
    print(f"(making a venv for the official SDK, {SDK_PIN}, under {venv})", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", SDK_PIN], check=True)
    return python


class _Worker:
    def __init__(self, python: str, frames_path: str) -> None:
        self._process = subprocess.Popen(
            [python, str(Path(__file__).resolve()), "--sdk-worker", frames_path], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, cwd=tempfile.gettempdir())

    def ask(self, kind: str) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(kind + "\n")
        self._process.stdin.flush()
        answer: dict[str, Any] = json.loads(self._process.stdout.readline())
        return answer

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)


# -- ours, side by side --------------------------------------------------------------------------


def main() -> None:
    from tt_connect import instruments as instruments_module
    from tt_connect.enums import Exchange, StreamMode
    from tt_connect.instruments import Equity
    from tt_connect.testing import StaticContext
    from tt_connect.timeutil import IST
    from tt_connect_fyers.feed.stream import FyersStream

    class _Endpoints:
        app_id, ws_url, order_ws_url = "BENCH-100", "ws://127.0.0.1/hsm", "ws://127.0.0.1/trade"

    instruments_module.set_validator(lambda inst: None)
    symbols = _symbols()
    ctx = StaticContext("fyers")
    for i, symbol in enumerate(symbols):
        ctx.list(Equity(exchange=Exchange.NSE, symbol=f"STK{i}"), symbol)
    data = _frames()
    with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as handle:
        handle.write(pickle.dumps(data))
    worker = _Worker(_sdk_python(), handle.name)
    received = _dt.datetime.now(IST)
    summary: dict[str, Any] = {"instruments": INSTRUMENTS, "frames": FRAMES}
    print(f"Fyers HSM decoding, {FRAMES} frames over {INSTRUMENTS} instruments (best of {ROUNDS} rounds)")
    print(f"{'frames':<10}{'tt-connect us':>15}{'fyers-apiv3 us':>16}{'ratio':>8}")
    try:
        worker.ask("reset")
        for kind, mode in (("full", StreamMode.FULL), ("quote", StreamMode.QUOTE), ("lite", StreamMode.LTP)):
            stream = FyersStream(_Endpoints())
            stream.subscribe(symbols, mode)
            decoder = stream.decoder(ctx)
            for frame in data["snapshots"]:
                decoder.decode(frame, received)
            ticks = decoder.decode(data[kind][0], received)
            assert ticks and ticks[0].mode is mode and ticks[0].last_price > 0, ticks
            decode = functools.partial(decoder.decode, received_at=received)
            ours_runs, sdk_runs = [], []
            for _ in range(ROUNDS):
                ours_runs.append(_time(decode, data[kind]))
                sdk_runs.append(worker.ask(kind)["seconds"])
            ours, theirs = min(ours_runs) / FRAMES * 1e6, min(sdk_runs) / FRAMES * 1e6
            ratios = sorted(s / o for s, o in zip(sdk_runs, ours_runs, strict=True))
            print(f"{kind:<10}{ours:>15.2f}{theirs:>16.2f}{theirs / ours:>7.1f}x  (round ratios {ratios[0]:.1f}-"
                  f"{ratios[-1]:.1f}x)")
            summary[kind] = {"ours_us": round(ours, 3), "sdk_us": round(theirs, 3), "ratio": round(theirs / ours, 2),
                             "ratio_range": [round(ratios[0], 2), round(ratios[-1], 2)]}
    finally:
        worker.close()
        os.unlink(handle.name)
    print(json.dumps(summary))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--sdk-worker":
        _sdk_worker(sys.argv[2])
    else:
        main()
