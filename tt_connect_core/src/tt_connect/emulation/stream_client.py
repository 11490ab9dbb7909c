"""One open streaming socket of an emulator: its subscriptions and an ordered, bounded outbox."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiohttp import web

__all__ = ["StreamClient"]

_STREAM_QUEUE = 10_000
"""Frames queued for a client that stopped reading, before new ones are dropped (as brokers drop them)."""


class StreamClient:
    """One open streaming socket: its subscriptions and an ordered outbox."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, user_id: str) -> None:
        self.ws = ws
        self.user_id = user_id
        self.subscriptions: dict[int, str] = {}
        """Emulator token -> the protocol's mode name."""
        self.state: dict[str, Any] = {}
        """Protocol-specific per-socket state (an emulator keeps what it needs here)."""
        self._transport = request.transport
        self._outbox: asyncio.Queue[str | bytes | None] = asyncio.Queue(_STREAM_QUEUE)
        self.dropped_frames = 0

    def push(self, frame: str | bytes) -> None:
        """Queue a frame; a full outbox (a client that stopped reading) drops it, as brokers do."""
        try:
            self._outbox.put_nowait(frame)
        except asyncio.QueueFull:
            self.dropped_frames += 1

    def kill(self) -> None:
        """Abort the TCP connection with no close handshake: what a network failure looks like."""
        if self._transport is not None:
            self._transport.abort()

    async def _write(self) -> None:
        while True:
            frame = await self._outbox.get()
            if frame is None or self.ws.closed:
                return
            try:
                if isinstance(frame, bytes):
                    await self.ws.send_bytes(frame)
                else:
                    await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return

    def _stop_writer(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self._outbox.put_nowait(None)
