"""The official Noren SDKs, unmodified, against the emulator: login, profile, funds, instruments, quote, orders,
portfolio, a bogus token and the socket (market depth and order updates).

Both SDK generations install the module ``NorenRestApiPy``, so each is installed into a directory of its own
(``pip install --no-deps --target``; their only imports, requests and websocket-client, are this environment's)
and the script runs in a subprocess with that directory on its path. The emulator runs in this process; the
script's guard refuses every host but 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tt_connect_noren.emulator import EMULATORS

SCRIPT = Path(__file__).parent / "sdk" / "noren_official_vs_emulator.py"
SDKS = {"oauth": "NorenRestApiOAuth==0.0.41", "legacy": "NorenRestApiPy==0.0.22"}
GENERATION = {"shoonya": "oauth", "flattrade": "legacy", "noren": "legacy"}


def _cache() -> Path:
    configured = os.environ.get("TT_CONNECT_NOREN_SDK_CACHE")
    if configured:
        return Path(configured)
    return Path(sys.prefix) / "noren-sdks"  # inside the test environment (.nox/tests): rebuilt with it


@pytest.fixture(scope="session")
def sdk_paths() -> dict[str, Path]:
    paths = {}
    for generation, requirement in SDKS.items():
        target = _cache() / requirement.replace("==", "-")
        if not (target / "NorenRestApiPy" / "NorenApi.py").exists():
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-cache-dir",
                            "--disable-pip-version-check", "--target", str(target), requirement], check=True,
                           timeout=300)
        paths[generation] = target
    return paths


@pytest.mark.parametrize("broker", ["shoonya", "flattrade", "noren"])
def test_official_sdk_of_the_profiles_generation_works_against_the_emulator(broker: str,
                                                                            sdk_paths: dict[str, Path]) -> None:
    with EMULATORS[broker](tick_interval=0.05) as emulator:
        announcement = json.dumps(emulator.announcement())
        env = {**os.environ, "PYTHONPATH": str(sdk_paths[GENERATION[broker]])}
        done = subprocess.run([sys.executable, str(SCRIPT), "--announcement", announcement], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
        checks = json.loads(done.stdout.strip().splitlines()[-1])
    assert checks["broker"] == broker
    assert checks["sdk"] == ("NorenRestApiOAuth" if GENERATION[broker] == "oauth" else "NorenRestApiPy")
    assert checks["bogus_token"].startswith("Session Expired")
    assert checks["stream"]["ticks"] >= 2 and checks["stream"]["order_updates"] >= 1
    assert emulator.logins >= 1


@pytest.mark.parametrize("broker", ["shoonya", "flattrade"])
def test_tt_connect_emulate_passes_the_official_sdk_test_of_its_generation(broker: str,
                                                                           sdk_paths: dict[str, Path]) -> None:
    """``tt-connect emulate <broker>`` in a process of its own; the script reads its announcement line."""
    command = Path(sys.executable).with_name("tt-connect")
    env = {**os.environ, "PYTHONPATH": str(sdk_paths[GENERATION[broker]])}
    done = subprocess.run([sys.executable, str(SCRIPT), str(command), broker], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    checks = json.loads(done.stdout.strip().splitlines()[-1])
    assert checks["broker"] == broker and checks["login"] is True
    assert checks["stream"]["order_updates"] >= 1
