"""The base of every driver's settings Struct."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import msgspec

from tt_connect.redact import REDACTED

__all__ = ["DriverConfig"]


class DriverConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every driver's config Struct: unknown keys are refused by name.

    Subclasses add their fields; fields whose names look secret (``api_secret``,
    ``password``, ``totp_secret``...) are hidden from ``repr``. Every endpoint
    URL a driver uses must be a field, so a test can point it at an emulator.
    """

    account_field: ClassVar[str] = ""
    """The field that names the account (``api_key``, ``client_code``...): sessions are stored
    per account, under a hash of its value, so two accounts never share a session."""
    announcement_aliases: ClassVar[Mapping[str, str]] = {}
    """Keys of the driver's emulator announcement that name a config field differently."""
    announcement_ignored: ClassVar[frozenset[str]] = frozenset()
    """Keys of the emulator announcement that are not settings (``broker``, test-only credentials the
    client never takes, like a request token): accepted and dropped, so the announcement line is a
    valid config as it is."""

    @classmethod
    def normalise(cls, raw: Mapping[str, Any]) -> Mapping[str, Any]:
        """Reshape the user's settings before validation (the paper broker nests a live broker's); as is by default."""
        return raw

    def __repr__(self) -> str:
        from tt_connect.redact import is_secret_key

        shown = []
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if is_secret_key(name) and value not in (None, ""):
                value = REDACTED
            shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def secrets(self) -> dict[str, str]:
        """Return the secret-looking fields that are set, for redaction and login."""
        from tt_connect.redact import is_secret_key

        out: dict[str, str] = {}
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, str) and value and is_secret_key(name):
                out[name] = value
        return out

    def account(self) -> str:
        """Return the value that names the account, or "" when the driver declares none."""
        if not self.account_field:
            return ""
        value = getattr(self, self.account_field, "")
        return value if isinstance(value, str) else str(value)
