"""Build every wheel, install core and drivers into a new venv with --no-index, and list the drivers there."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from distributions import ROOT, every_distribution
from wheelhouse import build_wheels, dependency_closure, offline_pip_env, repack

pytest.importorskip("hatchling", reason="the wheels are built with the test env's hatchling (nox -s tests has it)")

DISTRIBUTIONS = every_distribution()
INSTALLED = [d for d in DISTRIBUTIONS if d.group in ("core", "drivers")]


def _wheel_metadata(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return archive.read(name).decode()


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    house = tmp_path_factory.mktemp("wheelhouse")
    build_wheels([d.path for d in DISTRIBUTIONS], house)
    ours = {d.name for d in DISTRIBUTIONS}
    needed = [r for d in INSTALLED for r in d.dependencies] + ["hatchling"]  # the backend, for checkout installs
    for dist in dependency_closure(needed, skip=ours):
        repack(dist, house)
    return house


@pytest.mark.slow
def test_every_distribution_builds_one_wheel_at_the_shared_version(wheelhouse: Path) -> None:
    for dist in DISTRIBUTIONS:
        prefix = dist.name.replace("-", "_") + "-"
        built = [w for w in wheelhouse.glob(f"{prefix}*.whl") if w.name.split("-")[1][0].isdigit()]
        assert len(built) == 1, f"{dist.name}: {built}"
        assert built[0].name.startswith(f"{prefix}{dist.version}-py3-none-any")
        assert f"\nVersion: {dist.version}\n" in _wheel_metadata(built[0])


def _fresh_venv(tmp_path: Path) -> tuple[Path, Path]:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return venv, venv / "bin" / "python"


def _pip_install(python: Path, wheelhouse: Path, *args: str, cwd: Path) -> None:
    """pip install into ``python``'s environment, from the wheelhouse only."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index", "--find-links",
         str(wheelhouse), "--quiet", "--no-compile", *args],
        env=offline_pip_env(), capture_output=True, text=True, cwd=cwd)
    assert done.returncode == 0, done.stderr[-3000:]


def _listed_drivers(venv: Path, cwd: Path) -> dict[str, dict[str, object]]:
    """What ``tt-connect drivers --json`` of that venv reports, after checking it imports its own copy."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import tt_connect; print(tt_connect.__file__)"],
                           capture_output=True, text=True, check=True, cwd=cwd, env=env)
    assert Path(where.stdout.strip()).is_relative_to(venv), "the checkout leaked into the new venv"
    listed = subprocess.run([str(venv / "bin" / "tt-connect"), "drivers", "--json"],
                            capture_output=True, text=True, cwd=cwd, env=env)
    assert listed.returncode == 0, listed.stderr[-3000:]
    return {str(entry["name"]): entry for entry in json.loads(listed.stdout)}


@pytest.mark.slow
def test_a_fresh_venv_installs_offline_from_the_wheelhouse_and_lists_every_driver(
        wheelhouse: Path, tmp_path: Path) -> None:
    venv, python = _fresh_venv(tmp_path)
    extras = ",".join(sorted(name for d in INSTALLED for name in d.drivers))  # the driver extras of the core
    _pip_install(python, wheelhouse, f"tt-connect[{extras}]", cwd=tmp_path)
    report = _listed_drivers(venv, tmp_path)
    assert set(report) == {"paper"} | {name for d in INSTALLED for name in d.drivers}
    assert all("operations" in entry for entry in report.values()), "a driver listed without its matrix"


def _readme_command(pattern: str) -> list[str]:
    """The arguments of the README's command line that matches ``pattern``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(line for block in re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
                for line in block.splitlines() if re.search(pattern, line))
    return shlex.split(line.split("#")[0])


def test_the_readme_checkout_install_names_the_core_and_every_driver_directory() -> None:
    """``pip install ./tt_connect_core ./drivers/...`` builds what the wheelhouse test builds from those paths."""
    command = _readme_command(r"pip install \./tt_connect_core")
    paths = [found for p in command[command.index("install") + 1:] for found in sorted(ROOT.glob(p))]
    assert paths == [d.path for d in INSTALLED]


def test_the_wheel_files_the_readme_names_are_the_ones_the_build_writes() -> None:
    named = [a for a in _readme_command(r"pip install dist/") if a.endswith(".whl")]
    assert named
    versions = {d.name.replace("-", "_"): d.version for d in DISTRIBUTIONS}
    for wheel in named:
        name, version = Path(wheel).name.split("-")[:2]
        assert versions.get(name) == version, f"README names {wheel}; the build writes version {versions.get(name)}"
