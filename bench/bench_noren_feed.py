"""Benchmark: Noren feed decoding, tt-connect's NorenDecoder beside the official SDK's own path.

Run: ``python bench/bench_noren_feed.py``. Frames are the JSON messages a Noren socket sends for
500 NSE/NFO instruments: one snapshot each (``tk`` touchline, ``dk`` depth) then deltas carrying
only the keys that changed (``tf``/``df``: last price, volume, a few depth levels), string values
throughout (reference 3.9.3). Ours turns each into a complete canonical Tick (deltas merged
into the last Tick of that instrument, instrument attached, steady state: tokens resolved).

Two levels, both side by side in one process (rounds interleaved: the machine is shared and noisy):

* **message**: ``NorenApi.__on_data_callback`` of the official ``NorenRestApiOAuth`` (what
  websocket-client calls per message: ``json.loads`` and dispatch to the subscriber callback) against
  ``NorenDecoder.decode``. The SDK hands out partial dicts of strings; the "+merge" row adds what an SDK
  user must do to get what ours gives, merging each delta into the instrument's last state.
* **wire**: the same messages as WebSocket frames, through each side's whole receive path: the SDK's
  websocket-client (``recv_data_frame``, its UTF-8 validation, ``decode``, ``WebSocketApp._callback``
  into the SDK's callback, the settings the SDK leaves at their defaults) against aiohttp's reader
  (what tt-connect's transport runs) and ``NorenDecoder``.

The SDK runs from its own install directory (the two Noren SDK generations install one module
name). Best of five rounds; prints a table and one JSON line.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROUNDS = 5
INSTRUMENTS = 500
DELTAS = 40
SDK = "NorenRestApiOAuth==0.0.41"
CACHE = Path(__file__).resolve().parent / ".cache"


def frames(feed: str, seed: int = 7) -> list[str]:
    """One snapshot per instrument, then ``DELTAS`` rounds of deltas, as a Noren socket sends them."""
    rng = random.Random(seed)
    out: list[str] = []
    state: dict[str, dict[str, float]] = {}
    for i in range(INSTRUMENTS):
        exch, token = ("NSE", str(1000 + i)) if i % 2 else ("NFO", str(40000 + i))
        price = round(rng.uniform(50, 5000), 1)
        state[token] = {"lp": price}
        snap: dict[str, str] = {"t": f"{feed}k", "e": exch, "tk": token, "ts": f"SYM{i}-EQ", "pp": "2", "ti": "0.05",
                                "ls": "1", "lp": f"{price:.2f}", "pc": "0.41", "v": str(rng.randint(10**4, 10**7)),
                                "o": f"{price - 3:.2f}", "h": f"{price + 5:.2f}", "l": f"{price - 7:.2f}",
                                "c": f"{price - 1.2:.2f}", "ap": f"{price - 0.4:.2f}", "oi": "0", "poi": "0",
                                "ft": "1736137800"}
        if feed == "t":
            snap.update(bp1=f"{price - 0.05:.2f}", sp1=f"{price:.2f}", bq1="120", sq1="80")
        else:
            snap.update(ltq="5", ltt="09:15:07", tbq="123456", tsq="98765", uc=f"{price * 1.2:.2f}",
                        lc=f"{price * 0.8:.2f}")
            for level in range(1, 6):
                snap.update({f"bp{level}": f"{price - 0.05 * level:.2f}", f"bq{level}": str(rng.randint(1, 900)),
                             f"bo{level}": str(rng.randint(1, 30)), f"sp{level}": f"{price + 0.05 * level:.2f}",
                             f"sq{level}": str(rng.randint(1, 900)), f"so{level}": str(rng.randint(1, 30))})
        out.append(json.dumps(snap, separators=(",", ":")))
    for step in range(DELTAS):
        for i in range(INSTRUMENTS):
            exch, token = ("NSE", str(1000 + i)) if i % 2 else ("NFO", str(40000 + i))
            price = state[token]["lp"] = round(state[token]["lp"] + rng.choice((-0.05, 0.05, 0.1)), 2)
            delta: dict[str, str] = {"t": f"{feed}f", "e": exch, "tk": token, "lp": f"{price:.2f}",
                                     "v": str(10**5 + step * 17 + i), "ft": str(1736137801 + step)}
            if step % 3 == 0:
                delta["pc"] = "0.43"
                delta["ap"] = f"{price - 0.3:.2f}"
            if feed == "t" and step % 2:
                delta.update(bp1=f"{price - 0.05:.2f}", bq1=str(rng.randint(1, 900)))
            if feed == "d":
                delta["ltq"] = str(rng.randint(1, 50))
                for level in rng.sample(range(1, 6), 2):
                    delta.update({f"bp{level}": f"{price - 0.05 * level:.2f}", f"bq{level}": str(rng.randint(1, 900)),
                                  f"sq{level}": str(rng.randint(1, 900))})
            out.append(json.dumps(delta, separators=(",", ":")))
    return out


class _Context:
    broker = "shoonya"

    def __init__(self) -> None:
        from tt_connect.enums import Exchange, OptionType
        from tt_connect.instruments import Equity, Option

        self._tokens: dict[tuple[str, str], Any] = {}
        for i in range(INSTRUMENTS):
            if i % 2:
                self._tokens[("NSE", str(1000 + i))] = Equity(exchange=Exchange.NSE, symbol=f"SYM{i}")
            else:
                self._tokens[("NFO", str(40000 + i))] = Option(
                    exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2025, 1, 30), strike=20000.0 + i,
                    option_type=OptionType.CE)

    def by_token(self, segment: str, token: str) -> Any:
        return self._tokens[(segment, token)]

    def now(self) -> _dt.datetime:
        from tt_connect.timeutil import IST

        return _dt.datetime(2025, 1, 6, 9, 15, tzinfo=IST)


def wire_frames(messages: Sequence[str]) -> list[bytes]:
    """Each message as the unmasked text frame a server sends (RFC 6455 section 5.2)."""
    out = []
    for message in messages:
        payload = message.encode()
        size = len(payload)
        if size < 126:
            header = bytes((0x81, size))
        elif size < 1 << 16:
            header = bytes((0x81, 126)) + size.to_bytes(2, "big")
        else:
            header = bytes((0x81, 127)) + size.to_bytes(8, "big")
        out.append(header + payload)
    return out


def ours_wire(feed: str) -> float | None:
    """aiohttp's WebSocket reader (its C parser) feeding the decoder, frame by frame."""
    import asyncio

    from tt_connect import instruments
    from tt_connect.timeutil import IST
    from tt_connect_noren.feed import NorenDecoder

    try:
        from aiohttp._websocket.reader import WebSocketDataQueue, WebSocketReader
    except ImportError:  # a private module: another aiohttp may lay it out differently
        return None

    class _Protocol:
        def pause_reading(self) -> None: ...

        def resume_reading(self) -> None: ...

    instruments.set_validator(lambda inst: None)
    loop = asyncio.new_event_loop()
    queue = WebSocketDataQueue(_Protocol(), 1 << 24, loop=loop)  # type: ignore[arg-type]
    reader = WebSocketReader(queue, 1 << 22, compress=False, decode_text=True)
    decoder = NorenDecoder(_Context())  # type: ignore[arg-type]
    received = _dt.datetime(2025, 1, 6, 9, 15, tzinfo=IST)
    take = queue._buffer.popleft

    def receive(frame: bytes) -> None:
        reader.feed_data(frame)
        message, _ = take()
        decoder.decode(message.data, received)

    try:
        return best_rate(receive, wire_frames(frames(feed)))  # type: ignore[arg-type]
    finally:
        loop.close()


def sdk_wire(feed: str, on_data: Callable[..., None]) -> float:
    """websocket-client's receive path as the SDK's WebSocketApp runs it, over an in-memory socket."""
    import websocket  # type: ignore[import-untyped]

    class _Socket:
        def __init__(self) -> None:
            self.data = memoryview(b"")
            self.at = 0

        def gettimeout(self) -> float:
            return 0.0

        def recv(self, size: int) -> bytes:
            chunk = self.data[self.at:self.at + size].tobytes()
            self.at += len(chunk)
            return chunk

    raw = _Socket()
    ws = websocket.WebSocket()  # skip_utf8_validation stays False, as the SDK leaves it
    ws.sock, ws.connected = raw, True
    app = websocket.WebSocketApp("ws://127.0.0.1:9/", on_data=lambda _ws, *args: on_data(None, *args))
    text = websocket.ABNF.OPCODE_TEXT

    def receive(frame: bytes) -> None:
        raw.data, raw.at = memoryview(frame), 0
        opcode, got = ws.recv_data_frame(True)
        data = got.data.decode("utf-8") if opcode == text else got.data
        app._callback(app.on_data, data, got.opcode, True)

    return best_rate(receive, wire_frames(frames(feed)))  # type: ignore[arg-type]


def best_rate(decode: Callable[[str], object], batch: Sequence[str]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for frame in batch:
            decode(frame)
        best = min(best, time.perf_counter() - started)
    return len(batch) / best


def ours(feed: str) -> float:
    from tt_connect import instruments
    from tt_connect.timeutil import IST
    from tt_connect_noren.feed import NorenDecoder

    instruments.set_validator(lambda inst: None)
    decoder = NorenDecoder(_Context())  # type: ignore[arg-type]
    batch = frames(feed)
    received = _dt.datetime(2025, 1, 6, 9, 15, tzinfo=IST)
    produced = decoder.decode(batch[-1], received)
    assert produced and produced[0].last_price > 0  # type: ignore[union-attr]
    return best_rate(lambda frame: decoder.decode(frame, received), batch)


def sdk_child(feed: str) -> None:
    """Run in a subprocess with the SDK's directory on the path: print the three rates as JSON.

    Ours runs in the same process, its rounds interleaved with the SDK's, so machine noise
    (other processes on a shared box) hits both sides alike.
    """
    from NorenRestApiPy.NorenApi import NorenApi  # type: ignore[import-not-found]

    batch = frames(feed)
    delivered: list[object] = []
    api = NorenApi(host="http://127.0.0.1:9/", websocket="ws://127.0.0.1:9/")
    api._NorenApi__subscribe_callback = delivered.append  # what start_websocket(subscribe_callback=) stores
    on_data = api._NorenApi__on_data_callback
    state: dict[tuple[str, str], dict[str, Any]] = {}

    def merge(message: dict[str, Any]) -> None:
        key = (message["e"], message["tk"])
        if message["t"][1] == "k":
            state[key] = message
        else:
            state[key].update(message)

    merging = NorenApi(host="http://127.0.0.1:9/", websocket="ws://127.0.0.1:9/")
    merging._NorenApi__subscribe_callback = merge
    merge_data = merging._NorenApi__on_data_callback
    mine, raw, merged, mine_wire, raw_wire = 0.0, 0.0, 0.0, 0.0, 0.0
    for _ in range(3):
        mine = max(mine, ours(feed))
        raw = max(raw, best_rate(lambda frame: on_data(None, frame, 1, True), batch))
        merged = max(merged, best_rate(lambda frame: merge_data(None, frame, 1, True), batch))
        mine_wire = max(mine_wire, ours_wire(feed) or 0.0)
        raw_wire = max(raw_wire, sdk_wire(feed, on_data))
    assert delivered and state
    print(json.dumps({"ours": mine, "raw": raw, "merged": merged, "ours_wire": mine_wire or None,
                      "sdk_wire": raw_wire}))


def sdk_directory() -> Path:
    """Install the SDK (no dependencies: requests and websocket-client come from this environment) once."""
    target = CACHE / "noren-oauth-sdk"
    if not (target / "NorenRestApiPy" / "NorenApi.py").exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-cache-dir",
                        "--target", str(target), SDK], check=True)
    return target


def sdk(feed: str) -> dict[str, float] | None:
    try:
        directory = sdk_directory()
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"(the official SDK could not be installed: {exc})")
        return None
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(directory), str(Path(__file__).parent)]))
    with tempfile.TemporaryDirectory() as work:
        out = subprocess.run([sys.executable, __file__, "sdk", feed], check=True, capture_output=True, text=True,
                             env=env, cwd=work)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    summary: dict[str, Any] = {}
    print(f"Noren feed: {INSTRUMENTS} instruments, a snapshot each then {DELTAS} deltas each")
    print(f"{'feed':<10}{'ours msg/s':>12}{'SDK':>10}{'ratio':>7}{'SDK+merge':>11}{'ratio':>7}"
          f"{'ours wire':>11}{'SDK wire':>10}{'ratio':>7}")
    for feed, label in (("t", "touchline"), ("d", "depth")):
        theirs = sdk(feed)
        mine = theirs["ours"] if theirs else ours(feed)
        raw = theirs["raw"] if theirs else None
        merged = theirs["merged"] if theirs else None
        mine_wire = theirs.get("ours_wire") if theirs else None
        sdk_wire_rate = theirs.get("sdk_wire") if theirs else None
        summary[label] = {"ours_per_s": round(mine), "sdk_raw_per_s": round(raw) if raw else None,
                          "ratio_raw": round(mine / raw, 2) if raw else None,
                          "sdk_merged_per_s": round(merged) if merged else None,
                          "ratio_merged": round(mine / merged, 2) if merged else None,
                          "ours_wire_per_s": round(mine_wire) if mine_wire else None,
                          "sdk_wire_per_s": round(sdk_wire_rate) if sdk_wire_rate else None,
                          "ratio_wire": round(mine_wire / sdk_wire_rate, 2) if mine_wire and sdk_wire_rate else None}
        row = summary[label]
        print(f"{label:<10}{mine:>12,.0f}{raw or 0:>10,.0f}{row['ratio_raw'] or 0:>7.2f}{merged or 0:>11,.0f}"
              f"{row['ratio_merged'] or 0:>7.2f}{mine_wire or 0:>11,.0f}{sdk_wire_rate or 0:>10,.0f}"
              f"{row['ratio_wire'] or 0:>7.2f}")
    print(json.dumps(summary))
    from results import figure, record

    figures = []
    for label, row in summary.items():
        figures.append(figure(f"{label} decode", row["ours_per_s"], "msg/s", baseline=row["sdk_raw_per_s"],
                              baseline_name="NorenRestApiOAuth"))
        figures.append(figure(f"{label} decode vs SDK+merge", row["ours_per_s"], "msg/s",
                              baseline=row["sdk_merged_per_s"], baseline_name="NorenRestApiOAuth + merge"))
        figures.append(figure(f"{label} wire", row["ours_wire_per_s"], "msg/s", baseline=row["sdk_wire_per_s"],
                              baseline_name="websocket-client + SDK"))
    record("noren_feed", figures, summary)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "sdk":
        sdk_child(sys.argv[2])
    else:
        main()
