"""An offline wheelhouse: our wheels built without a network, plus the dependencies this env already has.

The test environment must not reach a package index, so the third-party wheels a fresh install needs
are repacked from the distributions installed here (an installed ``.dist-info`` keeps the ``WHEEL``
tags and the ``RECORD`` of every file; zipping those files again gives the wheel they came from).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

_NOT_IN_A_WHEEL = {"INSTALLER", "REQUESTED", "RECORD", "direct_url.json"}


def offline_pip_env() -> dict[str, str]:
    """The environment for a pip that sees no index, no configured find-links and no cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k != "PYTHONPATH"}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_NO_CACHE_DIR="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def build_wheels(paths: Iterable[Path], wheelhouse: Path) -> list[Path]:
    """Build a wheel of each project with this environment's build backend (no isolation, no index).

    Hatchling projects are built in-process with hatchling's wheel builder (what its PEP 517 hook runs,
    without a pip and an interpreter per project); any other backend goes through ``pip wheel``.
    """
    from hatchling.builders.wheel import WheelBuilder

    built: list[Path] = []
    others: list[Path] = []
    for path in paths:
        backend = tomllib.loads((path / "pyproject.toml").read_text(encoding="utf-8")).get("build-system", {})
        if backend.get("build-backend") == "hatchling.build":
            built += [Path(w) for w in WheelBuilder(str(path)).build(directory=str(wheelhouse), versions=["standard"])]
        else:
            others.append(path)
    if others:
        before = set(wheelhouse.glob("*.whl"))
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--quiet",
                        "--wheel-dir", str(wheelhouse), *map(str, others)],
                       check=True, env=offline_pip_env(), capture_output=True, text=True)
        built += sorted(set(wheelhouse.glob("*.whl")) - before)
    return built


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dependency_closure(requirements: Iterable[str], skip: set[str]) -> list[metadata.Distribution]:
    """The installed distributions that ``requirements`` pull in, transitively (markers evaluated here)."""
    environment = {**default_environment(), "extra": ""}
    found: dict[str, metadata.Distribution] = {}
    pending = [Requirement(r) for r in requirements]
    while pending:
        req = pending.pop()
        name = _normalize(req.name)
        if name in skip or name in found or (req.marker is not None and not req.marker.evaluate(environment)):
            continue
        dist = metadata.distribution(req.name)
        found[name] = dist
        for extra in req.extras or {""}:
            scoped = {**environment, "extra": extra}
            for line in dist.requires or ():
                sub = Requirement(line)
                if sub.marker is None or sub.marker.evaluate(scoped):
                    pending.append(Requirement(str(sub).split(";")[0]))
    return list(found.values())


def _record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def repack(dist: metadata.Distribution, wheelhouse: Path) -> Path:
    """Zip an installed distribution back into the wheel it was installed from."""
    wheel_meta = dist.read_text("WHEEL") or ""
    tags = [line.split(":", 1)[1].strip() for line in wheel_meta.splitlines() if line.startswith("Tag:")]
    parts = [sorted({t.split("-")[i] for t in tags}) for i in range(3)]
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    target = wheelhouse / f"{name}-{dist.version}-{'-'.join('.'.join(p) for p in parts)}.whl"
    records: list[str] = []
    record_name = ""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as wheel:
        for file in dist.files or ():
            arcname = file.as_posix()
            if arcname.startswith("..") or "__pycache__" in arcname:
                continue  # scripts and data outside site-packages are regenerated; bytecode is rebuilt
            if ".dist-info/" in arcname and arcname.rsplit("/", 1)[1] in _NOT_IN_A_WHEEL:
                if arcname.endswith("/RECORD"):
                    record_name = arcname
                continue
            data = Path(str(file.locate())).read_bytes()
            wheel.writestr(arcname, data)
            records.append(_record_line(arcname, data))
        records.append(f"{record_name},,")
        wheel.writestr(record_name, "\n".join(records) + "\n")
    return target
