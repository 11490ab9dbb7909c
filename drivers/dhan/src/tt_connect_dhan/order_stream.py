"""Dhan's order-update socket (``wss://api-order-update.dhan.co``) -> canonical OrderUpdates.

A socket of its own (PROTOCOL.md, "Order updates"): nothing in the URL, the client's first
message logs in, ``{"LoginReq": {"MsgCode": 42, "ClientId", "Token"}, "UserType": "SELF"}``;
every order change then arrives as ``{"Type": "order_alert", "Data": {...}}``. No reply
confirms the login; the server pings.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from tt_connect.driver_api import BrokerStream, BrokerSymbol, DriverContext, Session
from tt_connect.enums import StreamMode
from tt_connect.errors import InstrumentError, SessionExpiredError
from tt_connect.models import OrderUpdate, Tick

from tt_connect_dhan.config import DhanConfig
from tt_connect_dhan.mapping import BROKER
from tt_connect_dhan.parsing import dhan_update_to_order

__all__ = ["DhanOrderDecoder", "DhanOrderUpdates", "login_message"]


def login_message(client_id: str, token: str) -> str:
    """The socket's login (MsgCode 42, an integer as the SDK sends it)."""
    return msgspec.json.encode({"LoginReq": {"MsgCode": 42, "ClientId": client_id, "Token": token},
                                "UserType": "SELF"}).decode()


class DhanOrderDecoder:
    """``order_alert`` messages -> OrderUpdate; anything else (and orders on unknown instruments) -> nothing."""

    def __init__(self, ctx: DriverContext) -> None:
        self._ctx = ctx

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        try:
            message: Any = msgspec.json.decode(frame)
        except msgspec.DecodeError:
            return []
        if not isinstance(message, Mapping) or message.get("Type") != "order_alert":
            return []
        data = message.get("Data")
        if not isinstance(data, Mapping):
            return []
        try:
            order = dhan_update_to_order(self._ctx, data)
        except InstrumentError:
            return []  # an order on a contract today's master lacks (an expired one): not ours to show
        return [OrderUpdate(order=order, received_at=received_at, raw=message)]


class DhanOrderUpdates(BrokerStream):
    """The order-update socket: no instruments, a login message right after connecting, JSON updates."""

    max_instruments_per_connection = 0
    max_connections = 1
    stale_after = 0.0
    """No application heartbeat: a quiet account sends nothing for hours (the server's pings keep it alive)."""
    carries_order_updates = True

    def __init__(self, config: DhanConfig) -> None:
        self._config = config

    def url(self, session: Session | None) -> str:
        return self._config.order_ws_url

    def handshake(self, session: Session | None) -> list[str | bytes]:
        """The login message (MsgCode 42), sent before anything else."""
        if session is None:
            raise SessionExpiredError("the Dhan order-update socket needs a logged-in session", broker=BROKER)
        return [login_message(session.user_id or self._config.client_id, session.access_token)]

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        return []

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        return []

    def decoder(self, ctx: DriverContext) -> DhanOrderDecoder:
        return DhanOrderDecoder(ctx)
