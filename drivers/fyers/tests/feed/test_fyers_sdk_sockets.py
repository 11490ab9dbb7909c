"""The official SDK's socket clients (``FyersDataSocket``, ``FyersOrderSocket``, fyers-apiv3 3.2.0) against the
emulator: full-mode quotes, depth and an index, lite mode, and an order update for a market order.

The SDK lives in a venv of its own (``nox -s fyers_sdk`` builds it and names its interpreter in
``TT_CONNECT_FYERS_SDK_PYTHON``); the emulator runs in this process, the script refuses every host but 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from tt_connect_fyers.emulator import FyersEmulator

SCRIPT = Path(__file__).parent / "sdk" / "fyers_sockets_vs_emulator.py"
SDK_PYTHON = os.environ.get("TT_CONNECT_FYERS_SDK_PYTHON", "")

pytestmark = pytest.mark.skipif(not SDK_PYTHON, reason="the official SDK runs from a venv of its own: nox -s tests")


def test_the_sdk_socket_clients_get_ticks_depth_and_order_updates(tmp_path: Path) -> None:
    with FyersEmulator(tick_interval=0.05) as emulator:
        symbols = ["NSE:RELIANCE-EQ", "NSE:NIFTY50-INDEX"]
        done = subprocess.run([SDK_PYTHON, str(SCRIPT), json.dumps(emulator.announcement()), json.dumps(symbols)],
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
        seen = json.loads(done.stdout.strip().splitlines()[-1])
    full = seen["full"]
    assert [m["message"] for m in full["acks"][:3]] == ["Authentication done", "Full Mode On", "Subscribed"]
    [quote], [depth], [index] = full["sf"], full["dp"], full["if"]
    assert quote["symbol"] == "NSE:RELIANCE-EQ" and quote["ltp"] > 0 and quote["prev_close_price"] > 0
    assert quote["bid_price"] < quote["ask_price"] and quote["vol_traded_today"] > 0
    assert depth["bid_price1"] < depth["ask_price1"] and depth["bid_size5"] > 0
    assert index["symbol"] == "NSE:NIFTY50-INDEX" and index["ltp"] > 1000
    assert seen["lite"] and all(set(m) == {"ltp", "symbol", "type"} for m in seen["lite"])
    assert seen["general"][0] == {"code": 1605, "message": "Successfully subscribed", "s": "ok"}
    order_id = seen["placed"]["id"]
    final = [m["orders"] for m in seen["orders"] if m["orders"]["id"] == order_id][-1]
    assert final["status"] == 2 and final["filledQty"] == 1 and final["orderTag"] == "1:sdksocket1"
    assert not full["errors"] and not seen["errors"]
