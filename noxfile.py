"""Developer sessions: tests, lint, typecheck, conformance, bench, demo, build, fyers_sdk.

Every session installs the core, every driver under ``drivers/`` and every add-on
under ``contrib/`` in editable mode, so a new directory is picked up without
editing this file; ``build`` finds the distributions the same way. The tests of
``contrib/redis`` start a real ``redis-server`` (found on PATH; ``.ci/run`` installs it).
The official Fyers SDK's pins clash with ours: ``tests`` (and ``fyers_sdk``, its tests alone) run it from a
venv of its own.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "venv"

ROOT = Path(__file__).parent
CORE = "./tt_connect_core"
# hatchling: tests/packaging builds the wheels offline (no build isolation) with the test env's backend.
TEST_DEPS = ["pytest>=8", "pytest-asyncio>=0.23", "pytest-timeout>=2.3", "hatchling>=1.26"]


def packages(*patterns: str) -> list[str]:
    """Every distribution matching ``patterns`` (drivers, examples, contrib), as editable install arguments."""
    found = sorted(p.parent for pattern in patterns for p in ROOT.glob(f"{pattern}/pyproject.toml"))
    args: list[str] = []
    for path in found:
        args += ["-e", f"./{path.relative_to(ROOT)}[test]"]
    return args


def distributions() -> list[Path]:
    """Every distribution in the repository: the core, then each driver, then each contrib package."""
    found = [ROOT / CORE]
    for group in ("drivers", "contrib"):
        found += sorted(p.parent for p in (ROOT / group).glob("*/pyproject.toml"))
    return found


def install_all(session: nox.Session, *extra: str) -> None:
    session.install("-e", CORE, *packages("drivers/*", "examples/*", "contrib/*"), *extra)


def fyers_sdk_python(session: nox.Session) -> str:
    """The interpreter of a venv of its own (inside this session's) holding the official Fyers SDK.

    fyers-apiv3 3.2.0 pins aiohttp 3.9.3, requests 2.31.0 and websocket-client 1.6.1, so it cannot share
    our venv; its tests (in our venv, with our aiohttp) start the emulator and drive that interpreter.
    """
    sdk = Path(session.virtualenv.location) / "fyers-apiv3"
    python = sdk / "bin" / "python"
    if not python.exists():
        session.run("python", "-m", "venv", str(sdk))
        session.run(str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "fyers-apiv3==3.2.0", external=True)
    return str(python)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite (core, drivers, conformance, the official SDKs against the emulators)."""
    install_all(session, *TEST_DEPS)
    session.run("pytest", *session.posargs, env={"TT_CONNECT_FYERS_SDK_PYTHON": fyers_sdk_python(session)})


@nox.session
def conformance(session: nox.Session) -> None:
    """Run only the driver conformance suite, for every installed driver."""
    install_all(session, *TEST_DEPS)
    session.run("pytest", "-m", "conformance", *session.posargs)


@nox.session(name="fyers_sdk")
def fyers_sdk(session: nox.Session) -> None:
    """Only the official Fyers SDK's tests against the Fyers emulator (``tests`` runs them too)."""
    install_all(session, *TEST_DEPS)
    session.run("pytest", "drivers/fyers/tests/test_fyers_official_sdk.py",
                "drivers/fyers/tests/feed/test_fyers_sdk_sockets.py", *session.posargs,
                env={"TT_CONNECT_FYERS_SDK_PYTHON": fyers_sdk_python(session)})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the whole repository."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the core, then over every driver's and add-on's package (against the core's sources)."""
    install_all(session, "mypy>=1.10", *TEST_DEPS)
    session.run("mypy", "--strict", "tt_connect_core/src/tt_connect")
    found = sorted(str(p.relative_to(ROOT)) for pattern in ("drivers/*/src/tt_connect_*",
                                                             "examples/*/src/tt_connect_*",
                                                             "contrib/*/src/tt_connect_*")
                   for p in ROOT.glob(pattern))
    session.run("mypy", "--strict", *found, env={"MYPYPATH": "tt_connect_core/src"})


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: every ``bench_*.py`` (tables), and one JSON file with every figure (bench/results.py).

    The file is ``$TTC_BENCH_JSON`` or ``bench/results/bench.json``; compare two with
    ``python bench/compare.py A.json B.json``.
    """
    install_all(session, *TEST_DEPS, "kiteconnect")
    out = Path(session.env.get("TTC_BENCH_JSON") or ROOT / "bench" / "results" / "bench.json")
    out.unlink(missing_ok=True)
    for script in sorted((ROOT / "bench").glob("bench_*.py")):
        session.run("python", str(script.relative_to(ROOT)), *session.posargs, env={"TTC_BENCH_JSON": str(out)})
    session.log(f"every figure: {out}")


@nox.session
def demo(session: nox.Session) -> None:
    """Install the core and run the paper-broker demo."""
    session.install("-e", CORE)
    session.run("tt-connect", "demo")


@nox.session
def build(session: nox.Session) -> None:
    """Build an sdist and a wheel of every distribution into dist/ (the wheelhouse to install from)."""
    session.install("build>=1.2")
    out = ROOT / "dist"
    out.mkdir(exist_ok=True)
    for path in distributions():
        session.run("python", "-m", "build", "--outdir", str(out), str(path))
    session.log(f"wheelhouse: {out}; install the wheels by file name (README, Install), or collect their "
                "dependencies too with pip wheel for an offline machine")
