"""The example strategy runs unchanged on every broker: only the config file's ``broker`` line differs."""

from __future__ import annotations

import contextlib
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
def brokers() -> Iterator[tuple[dict[str, dict[str, Any]], dict[str, str]]]:
    """Every broker section of one config file (an emulator behind each), and the env holding its secrets."""
    sections: dict[str, dict[str, Any]] = {"paper": {"seed": 11}}
    env: dict[str, str] = {}
    with contextlib.ExitStack() as running:
        try:
            from tt_connect_zerodha.emulator import KiteEmulator
        except ImportError:
            pass
        else:
            kite = running.enter_context(KiteEmulator(tick_interval=0.1))
            secrets = ("api_secret", "password", "totp_secret", "access_token", "request_token")
            zerodha = {k: v for k, v in kite.driver_config().items() if k not in secrets}
            zerodha.update(web_login=True, api_secret="$KITE_API_SECRET", password="$KITE_PASSWORD",
                           totp_secret="$KITE_TOTP_SECRET")
            sections["zerodha"] = zerodha
            env.update(KITE_API_SECRET=kite.api_secret, KITE_PASSWORD=kite.password,
                       KITE_TOTP_SECRET=kite.totp_secret)
        try:
            from tt_connect_angelone.emulator import SmartApiEmulator
        except ImportError:
            pass
        else:
            angel = running.enter_context(SmartApiEmulator(tick_interval=0.1))
            # The announcement as a config section, its secrets as environment references (never inline).
            secrets = ("pin", "totp_secret", "access_token", "refresh_token", "feed_token")
            angelone = {k: v for k, v in angel.driver_config().items() if k not in secrets}
            angelone.update(pin="$ANGEL_PIN", totp_secret="$ANGEL_TOTP_SECRET")
            sections["angelone"] = angelone
            env.update(ANGEL_PIN=angel.pin, ANGEL_TOTP_SECRET=angel.totp_secret)
        try:
            from tt_connect_upstox.emulator import UpstoxEmulator
        except ImportError:
            pass
        else:
            upstox = running.enter_context(UpstoxEmulator(tick_interval=0.1))
            section = {k: v for k, v in upstox.driver_config().items() if k not in ("access_token", "api_secret")}
            section.update(access_token="$UPSTOX_ACCESS_TOKEN", api_secret="$UPSTOX_API_SECRET")
            sections["upstox"] = section
            env.update(UPSTOX_ACCESS_TOKEN=upstox.access_token, UPSTOX_API_SECRET=upstox.api_secret)
        yield sections, env


def _run(config: Path, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(SCRIPT), "--config", str(config), "--seconds", "4"],
                          capture_output=True, text=True, timeout=120, env={**os.environ, **env}, cwd=config.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary


@pytest.mark.parametrize("broker", ["paper", "zerodha", "angelone", "upstox"])
def test_the_same_strategy_trades_and_ends_flat_on_each_broker(
        broker: str, brokers: tuple[dict[str, dict[str, Any]], dict[str, str]], tmp_path: Path) -> None:
    sections, env = brokers
    if broker not in sections:
        pytest.skip(f"the {broker} driver is not installed")
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
    for name in ("paper", "zerodha", "angelone", "kite", "smartapi", "upstox"):
        assert name not in code.lower(), f"the strategy mentions {name!r}"


def test_the_same_strategy_runs_on_paper_over_the_kite_emulators_market(
        brokers: tuple[dict[str, dict[str, Any]], dict[str, str]], tmp_path: Path) -> None:
    """Live-data paper: the account is simulated, the instruments, quotes, depth and ticks are Kite's.

    The config file differs from the zerodha run in two lines (``broker = "paper"`` and the paper
    table's ``market = "zerodha"``); the [zerodha] table is the same one, and the script is unchanged.
    """
    sections, env = brokers
    if "zerodha" not in sections:
        pytest.skip("the zerodha driver is not installed")
    config = tmp_path / "tt-connect.toml"
    paper = {"market": "zerodha", "charges": True, "market_hours": "always"}  # the emulator trades at any hour
    _write_config(config, "paper", {**sections, "paper": paper})
    summary = _run(config, env)
    assert summary["broker"] == "paper" and summary["entered"] is True
    assert summary["ticks"] > 0, "the live stream delivered no ticks"
    assert summary["net_quantity"] == 0, "the strategy must end flat"
    assert summary["orders"] and "COMPLETE" in summary["orders"]
    assert all(status in ("COMPLETE", "CANCELLED") for status in summary["orders"]), summary["orders"]
    assert 2000 < summary["entry_price"] < 4000, "the entry filled at the emulator's RELIANCE price"
