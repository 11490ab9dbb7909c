"""The example strategy runs unchanged on Dhan: the same script, a config file whose ``broker`` line says dhan."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.examples.test_example_strategy import _run, _write_config

pytest.importorskip("tt_connect_dhan")


def test_the_same_strategy_trades_and_ends_flat_on_dhan(tmp_path: Path) -> None:
    from tt_connect_dhan.emulator import DhanEmulator

    with DhanEmulator(tick_interval=0.1) as emulator:
        dhan = {k: v for k, v in emulator.driver_config().items() if k not in ("pin", "totp_secret", "access_token",
                                                                              "api_key", "api_secret")}
        dhan.update(pin="$DHAN_PIN", totp_secret="$DHAN_TOTP_SECRET")
        config = tmp_path / "tt-connect.toml"
        _write_config(config, "dhan", {"dhan": dhan})
        summary = _run(config, {"DHAN_PIN": emulator.pin, "DHAN_TOTP_SECRET": emulator.totp_secret})
    assert summary["broker"] == "dhan" and summary["entered"] is True
    assert summary["ticks"] > 0, "the stream delivered no ticks"
    assert summary["net_quantity"] == 0, "the strategy must end flat"
    assert summary["orders"] and "COMPLETE" in summary["orders"]
    assert all(status in ("COMPLETE", "CANCELLED") for status in summary["orders"]), summary["orders"]
