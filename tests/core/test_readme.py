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


_INDEX_INSTALL = re.compile(r"""pip install\s+(?:-U\s+|--upgrade\s+)*["']?tt[-_]connect""")
"""``pip install tt-connect...`` by name: from the index, where that name is another project's for now."""


def _our_texts() -> list[Path]:
    root = README.parent
    found = [README, *sorted((root / "docs").rglob("*.md")), *sorted(root.glob("drivers/*/README.md")),
             *sorted(root.glob("contrib/*/README.md"))]
    found += sorted(root.glob("tt_connect_core/src/**/*.py")) + sorted(root.glob("drivers/*/src/**/*.py"))
    return found


def test_no_doc_or_message_of_ours_installs_tt_connect_from_the_index() -> None:
    """Allowed only where the line says it is about the future (once published) or forbids the index."""
    offenders = []
    for path in _our_texts():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if _INDEX_INSTALL.search(line) and "once published" not in line.lower() and "--no-index" not in line:
                offenders.append(f"{path.relative_to(README.parent)}:{number}: {line.strip()}")
    assert offenders == []
