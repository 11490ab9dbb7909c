"""Build every wheel, install core and drivers into a new venv with --no-index, and list the drivers there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from distributions import every_distribution
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
    needed = [r for d in INSTALLED for r in d.dependencies]
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


@pytest.mark.slow
def test_a_fresh_venv_installs_offline_from_the_wheelhouse_and_lists_every_driver(
        wheelhouse: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    extras = ",".join(sorted(DISTRIBUTIONS[0].extras))
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index", "--find-links",
         str(wheelhouse), "--quiet", "--no-compile", f"tt-connect[{extras}]"],
        env=offline_pip_env(), capture_output=True, text=True, cwd=tmp_path)
    assert install.returncode == 0, install.stderr[-3000:]

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([str(python), "-c", "import tt_connect; print(tt_connect.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path, env=env)
    assert Path(where.stdout.strip()).is_relative_to(venv), "the checkout leaked into the new venv"
    listed = subprocess.run([str(venv / "bin" / "tt-connect"), "drivers", "--json"],
                            capture_output=True, text=True, cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr[-3000:]
    report = {entry["name"]: entry for entry in json.loads(listed.stdout)}
    expected = {"paper"} | {name for d in INSTALLED for name in d.drivers}
    assert set(report) == expected
    assert all("operations" in entry for entry in report.values()), "a driver listed without its matrix"
