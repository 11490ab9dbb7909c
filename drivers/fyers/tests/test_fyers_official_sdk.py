"""The official Fyers SDK (``fyers-apiv3`` 3.2.0), unmodified, against the emulator: the auth-code login, profile,
funds, the symbol master, quotes, depth, candles, a market order, the order and trade books, positions,
holdings, a limit order modified then cancelled, refusals, a GTT, a bogus token and logout.

The SDK pins aiohttp 3.9.3, requests 2.31.0 and websocket-client 1.6.1, which would downgrade the aiohttp
our emulators run on, so it lives in a venv of its own: ``nox -s fyers_sdk`` builds it and runs this test
with ``TT_CONNECT_FYERS_SDK_PYTHON`` naming its interpreter. The emulator runs in this process; the script's
guard refuses every host but 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from tt_connect_fyers.emulator import FyersEmulator

SCRIPT = Path(__file__).parent / "sdk" / "fyers_official_vs_emulator.py"
SDK_PYTHON = os.environ.get("TT_CONNECT_FYERS_SDK_PYTHON", "")

pytestmark = pytest.mark.skipif(not SDK_PYTHON, reason="the official SDK runs from a venv of its own: nox -s tests")


def test_the_official_sdk_works_against_the_emulator(tmp_path: Path) -> None:
    with FyersEmulator(tick_interval=0.05) as emulator:
        announcement = json.dumps(emulator.announcement())
        done = subprocess.run([SDK_PYTHON, str(SCRIPT), "--announcement", announcement, "--logs", str(tmp_path)],
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
        checks = json.loads(done.stdout.strip().splitlines()[-1])
        assert emulator.logins == 1 and emulator.logouts == 1
    assert checks["profile"] == emulator.fy_id
    assert checks["instruments"] > 200 and checks["market_order"] == 2
    assert checks["bogus_token"] in (-8, -15, -16, -17)
    assert (tmp_path / "fyersApi.log").exists(), "the SDK logs where it was told, not into the repository"
