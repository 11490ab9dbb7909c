"""Every distribution's metadata: versions in step and above the name's earlier public releases."""

from __future__ import annotations

import pytest
from distributions import Distribution, every_distribution, examples
from packaging.requirements import Requirement
from packaging.version import Version

DISTRIBUTIONS = every_distribution()
CORE = DISTRIBUTIONS[0]
DRIVERS = [d for d in DISTRIBUTIONS if d.group == "drivers"]
EARLIER_PUBLIC_RELEASE = Version("0.9.1")
"""The newest release of another project under the name tt-connect on the public index."""


def test_the_core_version_sorts_above_the_earlier_project_of_the_same_name() -> None:
    assert CORE.name == "tt-connect"
    assert Version(CORE.version) >= Version("1.0.0") > EARLIER_PUBLIC_RELEASE


@pytest.mark.parametrize("dist", DISTRIBUTIONS[1:], ids=lambda d: d.name)
def test_every_driver_and_contrib_package_is_in_step_with_the_core(dist: Distribution) -> None:
    assert dist.name.startswith("tt-connect-"), "every distribution of ours is named tt-connect-<name>"
    assert dist.version == CORE.version, f"{dist.path}: version {dist.version}, core {CORE.version}"
    _requires_our_core(dist)


@pytest.mark.parametrize("dist", examples(), ids=lambda d: d.name)
def test_an_example_third_parties_copy_requires_our_core_not_the_earlier_project(dist: Distribution) -> None:
    _requires_our_core(dist)


def _requires_our_core(dist: Distribution) -> None:
    cores = [Requirement(r) for r in dist.dependencies if Requirement(r).name == "tt-connect"]
    assert cores, f"{dist.name} must depend on tt-connect"
    assert Version(CORE.version) in cores[0].specifier
    assert EARLIER_PUBLIC_RELEASE not in cores[0].specifier, (
        f"{dist.name}: {cores[0]} would accept the unrelated tt-connect 0.9.x from the index")


@pytest.mark.parametrize("dist", DRIVERS, ids=lambda d: d.name)
def test_the_core_has_an_extra_per_driver_name(dist: Distribution) -> None:
    """``pip install "tt-connect[zerodha]"`` must resolve to our driver once published."""
    assert dist.drivers, f"{dist.name} registers no tt_connect.drivers entry point"
    for name in dist.drivers:
        assert name in CORE.extras, f'tt_connect_core/pyproject.toml lacks the extra {name} = ["{dist.name}>=..."]'
        wanted = [Requirement(r) for r in CORE.extras[name]]
        assert [r.name for r in wanted] == [dist.name]
        assert Version(dist.version) in wanted[0].specifier


def test_the_core_knows_every_driver_this_repository_ships() -> None:
    """UnknownBrokerError names the distribution of a shipped driver that is not installed, from this table."""
    from tt_connect.drivers import _SHIPPED_DRIVERS

    assert {name: d.name for d in DRIVERS for name in d.drivers} == _SHIPPED_DRIVERS, (
        "tt_connect_core/src/tt_connect/drivers.py: _SHIPPED_DRIVERS must list every drivers/* entry point")
