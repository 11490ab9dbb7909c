"""The README's Python snippets run verbatim on the paper broker."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    return [textwrap.dedent(b) for b in blocks]


def test_the_readme_opens_with_the_demo_and_test_commands() -> None:
    bash = re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S)[0].strip().splitlines()
    assert bash[0].endswith("tt-connect demo")
    assert bash[1].endswith("nox -s tests")
    ci = (README.parent / ".ci" / "run").read_text()
    assert bash[1] in ci, ".ci/run must call exactly the README's test command"


@pytest.mark.parametrize("index", [0, 2])
def test_readme_snippet_runs_as_printed(index: int, tmp_path: Path) -> None:
    code = python_blocks()[index]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip()


def test_readme_instrument_error_snippet_names_suggestions(tmp_path: Path) -> None:
    blocks = python_blocks()
    # Built instruments stay valid after the client closes: the catalogue remains registered.
    code = blocks[0] + "\n" + blocks[1]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "18000" in result.stdout


def test_readme_config_file_swap_runs(tmp_path: Path) -> None:
    toml = re.findall(r"```toml\n(.*?)```", README.read_text(), flags=re.S)[0]
    (tmp_path / "tt-connect.toml").write_text(toml)
    code = "\n".join(["from tt_connect import TTConnect", python_blocks()[3],
                      "print(broker.broker, len(broker.orders()))", "broker.close()"])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path, env={**os.environ, "KITE_API_SECRET": "unused-here"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["paper", "0"]
