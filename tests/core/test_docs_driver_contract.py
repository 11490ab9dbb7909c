"""Every part of the driver contract is documented in docs/writing-a-driver.md (datasette-style)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from tt_connect import driver_api, hookspecs
from tt_connect.driver_api import BrokerApi, BrokerAuth, BrokerStream, DriverConfig, DriverPlugin
from tt_connect.driver_api.context import DriverContext

GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "writing-a-driver.md").read_text(encoding="utf-8")


def _documented(name: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", GUIDE) is not None


def _public(cls: type) -> set[str]:
    return {name for name in vars(cls) if not name.startswith("_")}


def test_every_name_driver_authors_import_is_documented() -> None:
    missing = [name for name in driver_api.__all__ if not _documented(name)]
    assert not missing, f"docs/writing-a-driver.md does not mention {missing}"


def test_every_hook_is_documented() -> None:
    hooks = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("ttc_")]
    assert hooks
    missing = [name for name in hooks if not _documented(name)]
    assert not missing, f"docs/writing-a-driver.md does not mention the hooks {missing}"


def test_every_member_of_the_contract_classes_is_documented() -> None:
    members = {
        "DriverPlugin": _public(DriverPlugin) - {n for n in _public(DriverPlugin) if n.startswith("ttc_")},
        "BrokerApi": _public(BrokerApi),
        "BrokerAuth": _public(BrokerAuth),
        "BrokerStream": _public(BrokerStream),
        "DriverConfig": _public(DriverConfig),
        "DriverContext": _public(DriverContext),
    }
    missing = {cls: sorted(n for n in names if not _documented(n)) for cls, names in members.items()}
    missing = {cls: names for cls, names in missing.items() if names}
    assert not missing, f"docs/writing-a-driver.md does not mention {missing}"
