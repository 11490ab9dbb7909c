"""docs/emulators.md: each emulator's shell session and config file work as printed."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from tt_connect.drivers import _first_party_drivers, load_driver

DOC = Path(__file__).resolve().parents[2] / "docs" / "emulators.md"
TEXT = DOC.read_text(encoding="utf-8")
SECTIONS = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", TEXT, flags=re.S | re.M))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env() -> dict[str, str]:
    """This interpreter's scripts (tt-connect) first on PATH, as in the venv the docs assume."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def test_every_emulator_we_ship_has_a_section() -> None:
    shipped = [name for name in sorted(_first_party_drivers()) if load_driver(name).description.emulator]
    assert shipped and [name for name in shipped if name not in SECTIONS] == []


def _run_section(broker: str, workdir: Path) -> str:
    """Run one section's shell session with its config file; return what went wrong, or ""."""
    section = SECTIONS[broker]
    config_name = re.search(r"^`([\w.-]+\.toml)`:", section, flags=re.M)
    toml = re.search(r"```toml\n(.*?)```", section, flags=re.S)
    shell = re.search(r"```bash\n(.*?)```", section, flags=re.S)
    if not (config_name and toml and shell):
        return "the section needs `name.toml`:, a toml block and a bash block"
    printed_port = re.search(r"127\.0\.0\.1:(\d+)", toml.group(1))
    if printed_port is None or f"--port {printed_port.group(1)}" not in shell.group(1):
        return "the config and the session must name the same 127.0.0.1 port"
    port = str(_free_port())  # the printed port may be taken on a shared machine
    workdir.mkdir()
    (workdir / config_name.group(1)).write_text(toml.group(1).replace(printed_port.group(1), port))
    script = shell.group(1).replace(f"--port {printed_port.group(1)}", f"--port {port}")
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
                          cwd=workdir, env=_env(), timeout=120)
    if done.returncode != 0:
        return done.stderr[-2000:]
    ticks = [line for line in done.stdout.splitlines() if "NSE:INFY" in line]
    return "" if len(ticks) == 3 else f"expected 3 ticks, got: {done.stdout[-1000:]}"


def test_every_section_runs_as_printed_against_its_emulator(tmp_path: Path) -> None:
    """All sections at once: each is mostly waiting on process start-ups, so they overlap well."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        problems = dict(zip(SECTIONS, pool.map(lambda b: _run_section(b, tmp_path / b), SECTIONS)))
    assert {broker: problem for broker, problem in problems.items() if problem} == {}


def test_the_announcement_snippet_runs_as_printed(tmp_path: Path) -> None:
    (code,) = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=_env(),
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[0]
