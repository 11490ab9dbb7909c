"""Acme's stream socket: JSON subscriptions, ticks every market step, order updates, heartbeats."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web
from tt_connect.emulation import StreamClient
from tt_connect.paper.engine import PaperOrder

if TYPE_CHECKING:
    from tt_connect_acme.emulator.app import AcmeEmulator

__all__ = ["StreamRoutes"]

_HEARTBEAT = msgspec.json.encode({"t": "hb"}).decode()


class StreamRoutes:
    def __init__(self, host: AcmeEmulator) -> None:
        self.host = host

    def add(self, app: web.Application) -> None:
        app.router.add_get("/v1/stream", self.serve)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        host = self.host
        user = host.sessions.user_of(host.session_routes.token_of(request))
        if user is None:
            return web.json_response({"status": "error", "error": {"code": "ACM-401", "message": "token expired"}},
                                     status=401)
        return await host.serve_stream(request, user)

    async def on_message(self, client: StreamClient, message: str | bytes) -> None:
        try:
            data: Any = msgspec.json.decode(message)
        except msgspec.DecodeError:
            client.push(msgspec.json.encode({"t": "error", "code": "ACM-400", "message": "not JSON"}).decode())
            return
        tokens = [self.host.listing.token[k] for k in data.get("keys", ()) if k in self.host.listing.token]
        if data.get("op") == "sub":
            for token in tokens:
                client.subscriptions[token] = "full" if data.get("mode") == "full" else "ltp"
        elif data.get("op") == "unsub":
            for token in tokens:
                client.subscriptions.pop(token, None)

    async def publish(self, client: StreamClient) -> None:
        listing, engine = self.host.listing, self.host.engine
        for token, mode in list(client.subscriptions.items()):
            client.push(msgspec.json.encode(listing.tick(engine.quote(token), mode == "full")).decode())
        client.push(_HEARTBEAT)

    def order_frame(self, order: PaperOrder) -> str:
        return msgspec.json.encode({"t": "order", "order": self.host.listing.order(order)}).decode()
