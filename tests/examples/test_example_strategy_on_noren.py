"""The example strategy, unchanged, on each Noren profile's emulator: only the config file's ``broker`` differs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.examples.test_example_strategy import _run, _write_config

PROFILES = ("shoonya", "flattrade", "noren")


@pytest.fixture(scope="module")
def noren_brokers() -> Iterator[tuple[dict[str, dict[str, Any]], dict[str, str]]]:
    """A section per profile (secrets as env references), an emulator behind each."""
    emulators = pytest.importorskip("tt_connect_noren.emulator")
    sections: dict[str, dict[str, Any]] = {}
    env: dict[str, str] = {}
    from tt_connect.redact import is_secret_key

    running = [emulators.EMULATORS[name](tick_interval=0.1).start() for name in PROFILES]
    try:
        for emulator in running:
            section = {k: v for k, v in emulator.driver_config().items() if k != "broker"}
            for key in [k for k in section if is_secret_key(k)]:
                variable = f"NOREN_{emulator.broker.upper()}_{key.upper()}"
                env[variable] = section[key]
                section[key] = f"${variable}"
            sections[emulator.broker] = section
        yield sections, env
    finally:
        for emulator in running:
            emulator.stop()


@pytest.mark.parametrize("broker", PROFILES)
def test_the_same_strategy_trades_and_ends_flat_on_each_noren_profile(
        broker: str, noren_brokers: tuple[dict[str, dict[str, Any]], dict[str, str]], tmp_path: Path) -> None:
    sections, env = noren_brokers
    config = tmp_path / "tt-connect.toml"
    _write_config(config, broker, sections)
    summary = _run(config, env)
    assert summary["broker"] == broker and summary["entered"] is True
    assert summary["ticks"] > 0, "the stream delivered no ticks"
    assert summary["net_quantity"] == 0, "the strategy must end flat"
    assert summary["orders"] and all(status in ("COMPLETE", "CANCELLED") for status in summary["orders"])
