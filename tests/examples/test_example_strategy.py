"""The example strategy runs unchanged on every broker: only the config file's ``broker`` line differs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "trailing_stop_strategy.py"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _write_config(path: Path, broker: str, sections: dict[str, dict[str, Any]]) -> None:
    lines = [f'broker = "{broker}"', "", "[client]", 'session_store = "memory"', 'instruments_db = ":memory:"']
    for name, settings in sections.items():
        lines += ["", f"[{name}]"]
        for key, value in settings.items():
            lines.append(f"{key} = {{ env = \"{value[1:]}\" }}" if isinstance(value, str) and value.startswith("$")
                         else f"{key} = {_toml_value(value)}")
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def kite() -> Iterator[Any]:
    emulator_module = pytest.importorskip("tt_connect_zerodha.emulator")
    with emulator_module.KiteEmulator(tick_interval=0.1) as running:
        yield running


@pytest.fixture(scope="module")
def brokers(kite: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Every broker section of one config file, and the environment holding its secrets."""
    zerodha = {k: v for k, v in kite.driver_config().items() if k != "api_secret"}
    zerodha.update(web_login=True, user_id=kite.user_id, api_secret="$KITE_API_SECRET",
                   password="$KITE_PASSWORD", totp_secret="$KITE_TOTP_SECRET")
    env = {"KITE_API_SECRET": kite.api_secret, "KITE_PASSWORD": kite.password, "KITE_TOTP_SECRET": kite.totp_secret}
    return {"paper": {"seed": 11}, "zerodha": zerodha}, env


def _run(config: Path, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(SCRIPT), "--config", str(config), "--seconds", "4"],
                          capture_output=True, text=True, timeout=120, env={**os.environ, **env}, cwd=config.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary


@pytest.mark.parametrize("broker", ["paper", "zerodha"])
def test_the_same_strategy_trades_and_ends_flat_on_each_broker(
        broker: str, brokers: tuple[dict[str, dict[str, Any]], dict[str, str]], tmp_path: Path) -> None:
    sections, env = brokers
    config = tmp_path / "tt-connect.toml"
    _write_config(config, broker, sections)
    summary = _run(config, env)
    assert summary["broker"] == broker and summary["entered"] is True
    assert summary["ticks"] > 0, "the stream delivered no ticks"
    assert summary["net_quantity"] == 0, "the strategy must end flat"
    assert summary["orders"] and "COMPLETE" in summary["orders"]
    assert all(status in ("COMPLETE", "CANCELLED") for status in summary["orders"]), summary["orders"]


def test_the_script_never_names_a_broker() -> None:
    source = SCRIPT.read_text()
    code = source.split('"""', 2)[2]  # past the module docstring
    for name in ("paper", "zerodha", "angelone", "kite", "smartapi"):
        assert name not in code.lower(), f"the strategy mentions {name!r}"
