"""The repository's distributions, read from their pyproject files (shared by the packaging tests)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE_DIR = ROOT / "tt_connect_core"


@dataclass(frozen=True)
class Distribution:
    """One pyproject in the repository: where it is, its name, version and driver entry points."""

    path: Path
    name: str
    version: str
    dependencies: tuple[str, ...]
    extras: dict[str, tuple[str, ...]]
    drivers: tuple[str, ...]
    """Names it registers under the ``tt_connect.drivers`` entry-point group."""

    @property
    def group(self) -> str:
        """``core``, ``drivers`` or ``contrib``."""
        return "core" if self.path == CORE_DIR else self.path.parent.name


def _version(project: dict[str, object], pyproject: dict[str, object], path: Path) -> str:
    """The static version, or the ``__version__`` hatch reads when the version is dynamic."""
    if isinstance(project.get("version"), str):
        return str(project["version"])
    tool = pyproject.get("tool", {})
    assert isinstance(tool, dict)
    source = tool.get("hatch", {}).get("version", {}).get("path")
    assert isinstance(source, str), f"{path}: the version is neither static nor a hatch version path"
    found = re.search(r'^__version__ = "([^"]+)"', (path / source).read_text(encoding="utf-8"), re.M)
    assert found, f"{path / source} sets no __version__"
    return found.group(1)


def read(path: Path) -> Distribution:
    data = tomllib.loads((path / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    entry_points = project.get("entry-points", {}).get("tt_connect.drivers", {})
    extras = {name: tuple(reqs) for name, reqs in project.get("optional-dependencies", {}).items()}
    return Distribution(path=path, name=project["name"], version=_version(project, data, path),
                        dependencies=tuple(project.get("dependencies", ())), extras=extras,
                        drivers=tuple(sorted(entry_points)))


def every_distribution() -> list[Distribution]:
    """The core, each ``drivers/*`` and each ``contrib/*`` distribution (the globs ``nox -s build`` uses)."""
    paths = [CORE_DIR]
    for group in ("drivers", "contrib"):
        paths += sorted(p.parent for p in (ROOT / group).glob("*/pyproject.toml"))
    return [read(p) for p in paths]


def examples() -> list[Distribution]:
    """The example distributions (``examples/*``): not published, but the shape third parties copy."""
    return [read(p.parent) for p in sorted((ROOT / "examples").glob("*/pyproject.toml"))]
