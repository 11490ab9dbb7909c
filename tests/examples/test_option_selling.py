"""The option-selling example runs as a user would run it, and ends flat."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "option_selling.py"


def test_the_hedged_straddle_trades_and_ends_flat_on_paper(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--seconds", "0.5"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["outcome"] == "flat" and summary["closed"] == 4 and not summary["failed"]
    sides = [leg["side"] for leg in summary["legs"]]
    assert sides == ["BUY", "BUY", "SELL", "SELL"], "the wings go first"
    assert all(leg["order_id"] for leg in summary["legs"]) and len(summary["stops"]) == 2
    assert summary["pcr"] > 0 and all(0 < iv < 1 for iv in summary["atm_iv"])


@pytest.mark.parametrize(("broker", "emulator_path"), [
    ("zerodha", "tt_connect_zerodha.emulator:KiteEmulator"),
    ("angelone", "tt_connect_angelone.emulator:SmartApiEmulator"),
])
def test_the_same_script_trades_and_ends_flat_on_a_brokers_emulator(tmp_path: Path, broker: str,
                                                                    emulator_path: str) -> None:
    """The broker is a line in the config file: the script that ran on paper runs unchanged here."""
    module, _, name = emulator_path.partition(":")
    emulator_class = getattr(importlib.import_module(module), name)
    with emulator_class(tick_interval=0.05, enforce_rate_limits=False) as emulator:
        # Every setting from the environment, as a deployment keeps its secrets out of the file.
        values = {f"TTC_TEST_{key.upper()}": str(value) for key, value in emulator.driver_config().items()}
        settings = "\n".join(f'{key} = {{ env = "TTC_TEST_{key.upper()}" }}' for key in emulator.driver_config())
        config = tmp_path / "tt-connect.toml"
        config.write_text(f'broker = "{broker}"\n\n[{broker}]\n{settings}\n\n[client]\nsession_store = "memory"\n'
                          'instruments_db = ":memory:"\n', encoding="utf-8")
        env = {**os.environ, **values, "TT_CONNECT_DATA_DIR": str(tmp_path / "data")}
        done = subprocess.run([sys.executable, str(SCRIPT), "--config", str(config), "--seconds", "0.5"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=180, check=False, env=env)
        placed = [o for o in emulator.engine.orders.values()]
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["broker"] == broker and summary["outcome"] == "flat" and not summary["failed"]
    assert [leg["side"] for leg in summary["legs"]] == ["BUY", "BUY", "SELL", "SELL"], "the wings go first"
    assert len(placed) >= 4 + 2 + 4, "four legs, two stops and four closing orders reached the broker"
    assert summary["pcr"] > 0 and all(0 < iv < 1 for iv in summary["atm_iv"])
