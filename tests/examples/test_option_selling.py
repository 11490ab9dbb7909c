"""The option-selling example runs as a user would run it, and ends flat."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
