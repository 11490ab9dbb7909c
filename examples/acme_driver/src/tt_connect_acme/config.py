"""Acme's settings: the API key and secret (a silent login every day) and every URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from tt_connect.driver_api import DriverConfig

__all__ = ["AcmeConfig"]


class AcmeConfig(DriverConfig, frozen=True, kw_only=True):
    """Credentials and endpoints; every URL is a field so tests can point the driver at the emulator.

    Attributes
    ----------
    api_key, api_secret
        The app's credentials: ``POST /v1/session`` exchanges them for the day's token.
    api_url, ws_url, instruments_url
        The REST root, the stream socket and the instrument master CSV.
    """

    api_key: str
    api_secret: str
    api_url: str = "https://api.acme.invalid"
    ws_url: str = "wss://stream.acme.invalid/v1/stream"
    instruments_url: str = "https://api.acme.invalid/v1/instruments.csv"

    account_field: ClassVar[str] = "api_key"
    announcement_aliases: ClassVar[Mapping[str, str]] = {"rest_url": "api_url"}
    announcement_ignored: ClassVar[frozenset[str]] = frozenset({"broker", "user_id"})
