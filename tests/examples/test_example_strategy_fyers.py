"""The example strategy runs unchanged on Fyers: the same script, a config file whose ``broker`` line says fyers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.examples.test_example_strategy import _run, _write_config

pytest.importorskip("tt_connect_fyers")


def test_the_same_strategy_trades_and_ends_flat_on_fyers(tmp_path: Path) -> None:
    from tt_connect_fyers.emulator import FyersEmulator

    with FyersEmulator(tick_interval=0.1) as emulator:
        fyers = {k: v for k, v in emulator.driver_config().items() if k not in ("access_token", "app_secret", "pin",
                                                                               "totp_secret", "auth_code")}
        fyers.update(access_token="$FYERS_ACCESS_TOKEN")
        config = tmp_path / "tt-connect.toml"
        _write_config(config, "fyers", {"fyers": fyers})
        summary = _run(config, {"FYERS_ACCESS_TOKEN": emulator.access_token})
    assert summary["broker"] == "fyers" and summary["entered"] is True
    assert summary["ticks"] > 0, "the stream delivered no ticks"
    assert summary["net_quantity"] == 0, "the strategy must end flat"
    assert summary["orders"] and "COMPLETE" in summary["orders"]
    assert all(status in ("COMPLETE", "CANCELLED") for status in summary["orders"]), summary["orders"]
