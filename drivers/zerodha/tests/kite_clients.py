"""Clients of a running Kite emulator, shared by the tests that drive one: ours, and raw HTTP."""

from __future__ import annotations

from typing import Any

import aiohttp
from tt_connect import AsyncTTConnect
from tt_connect_zerodha.emulator import KiteEmulator


def web_login_config(emulator: KiteEmulator, **overrides: Any) -> dict[str, Any]:
    """The emulator's announcement, logging in by the (unofficial) web login: sessions renew by themselves."""
    return {**emulator.driver_config(), "web_login": True, **overrides}


def client(emulator: KiteEmulator, config: dict[str, Any] | None = None, **options: Any) -> AsyncTTConnect:
    return AsyncTTConnect("zerodha", config or web_login_config(emulator), instruments_db=":memory:",
                          session_store="memory", **options)


async def kite_get(emulator: KiteEmulator, path: str, token: str | None = None) -> tuple[int, Any]:
    """``GET path`` as the official clients send it, with the emulator's ready access token by default."""
    headers = {"X-Kite-Version": "3", "Authorization": f"token {emulator.api_key}:{token or emulator.access_token}"}
    async with aiohttp.ClientSession() as http, http.get(f"{emulator.base_url}{path}", headers=headers) as reply:
        return reply.status, await reply.json(content_type=None)
