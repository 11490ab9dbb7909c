"""The Python snippets of the feature pages run as printed, on the paper broker."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ("history.md", "options.md", "triggers.md", "calendar.md")

# One interpreter runs every snippet, each in fresh globals: one start-up instead of one per snippet.
RUNNER = """
import contextlib, io, json, sys, traceback
results = []
for name, code in json.loads(sys.stdin.read()):
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, name, "exec"), {"__name__": "__main__"})
        results.append([name, "" if out.getvalue().strip() else "printed nothing"])
    except BaseException:
        results.append([name, traceback.format_exc()[-3000:]])
print(json.dumps(results))
"""


def snippets() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        blocks = re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(encoding="utf-8"), flags=re.S)
        found += [(f"docs/{page} snippet {index + 1}", textwrap.dedent(block)) for index, block in enumerate(blocks)]
    return found


def test_every_feature_page_snippet_runs_on_paper_and_prints(tmp_path: Path) -> None:
    found = snippets()
    assert len(found) >= 7
    assert [name for name, code in found if 'TTConnect("paper")' not in code] == [], \
        "a feature snippet runs on paper, so that it is tested"
    done = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(found), capture_output=True, text=True,
                          timeout=180, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    failures = {name: problem for name, problem in json.loads(done.stdout.splitlines()[-1]) if problem}
    assert failures == {}
