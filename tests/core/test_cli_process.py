"""The command as a process: a pipe closed by its reader and Ctrl-C end it quietly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# SIGINT back to Python's default handler: a suite started in the background inherits it ignored.
CLI = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
       "from tt_connect.cli import main; sys.exit(main(sys.argv[1:]))")


def cli(*argv: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CLI, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kwargs)  # type: ignore[call-overload]


def test_a_json_stream_read_by_head_prints_whole_lines_and_exits_141_without_a_traceback() -> None:
    process = cli("stream", "NSE:TCS", "--json", "--seconds", "60")
    assert process.stdout is not None and process.stderr is not None
    lines = [process.stdout.readline() for _ in range(3)]  # what `| head -3` reads, then it goes away
    process.stdout.close()
    code = process.wait(timeout=60)
    err = process.stderr.read()
    assert [json.loads(line)["instrument"] for line in lines] == ["NSE:TCS"] * 3
    assert code == 141
    assert err == ""


@pytest.fixture
def kite_config(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    emulator_module = pytest.importorskip("tt_connect_zerodha.emulator")
    with emulator_module.KiteEmulator() as kite:
        settings = kite.announcement()
        lines = ['broker = "zerodha"', "[zerodha]"]
        lines += [f'{key} = "{settings[key]}"' for key in ("api_url", "login_url", "web_url", "ws_url",
                                                          "instruments_url", "api_key")]
        lines += ['access_token = { env = "KITE_ACCESS_TOKEN" }', "[client]", 'session_store = "memory"']
        path = tmp_path / "kite.toml"
        path.write_text("\n".join(lines) + "\n")
        yield path, {**os.environ, "KITE_ACCESS_TOKEN": kite.access_token}


def test_ctrl_c_on_a_stream_against_an_emulator_exits_130_and_closes_every_session(
        kite_config: tuple[Path, dict[str, str]]) -> None:
    path, env = kite_config
    process = cli("stream", "NSE:INFY", "--config", str(path), "--seconds", "60", env=env)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    assert "NSE:INFY" in first, process.stderr.read()
    process.send_signal(signal.SIGINT)
    code = process.wait(timeout=60)
    err = process.stderr.read()
    assert code == 130
    assert err == "", "nothing on stderr: no traceback, no unclosed client session or connector"
