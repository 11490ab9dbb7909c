"""AngelOne's order-update socket (``wss://tns.angelone.in/smart-order-update``) -> OrderUpdate.

A socket of its own, separate from the market feed (reference 2.13.5): Bearer
JWT in the handshake (smartapi-python also sends the api key, client code and
feed token), a text ``ping`` every 10 s answered by ``pong``, nothing to
subscribe. Each update is JSON text; the documented shape is ``{"user-id",
"status-code", "order-status", "error-message", "orderData": {...}}`` with
``orderData`` holding an order-book row. The reference marks that shape
[UNVERIFIED] (the SDKs pass the messages through raw), so the decoder relies on
``orderData`` alone, parses it like an order-book row, and skips anything else.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from tt_connect.driver_api import BrokerStream, BrokerSymbol, DriverContext, Session
from tt_connect.enums import StreamMode
from tt_connect.errors import SessionExpiredError
from tt_connect.models import OrderUpdate, Tick

from tt_connect_angelone.config import AngelOneConfig
from tt_connect_angelone.parsing import angel_order_to_order

__all__ = ["AngelOrderDecoder", "AngelOrderStream"]

BROKER = "angelone"


class AngelOrderDecoder:
    """Text frames with ``orderData`` -> OrderUpdate; ``pong`` and unknown messages -> nothing."""

    def __init__(self, ctx: DriverContext) -> None:
        self._ctx = ctx

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        if not isinstance(frame, str) or frame == "pong":
            return []
        try:
            message: Any = msgspec.json.decode(frame)
        except msgspec.DecodeError:
            return []
        data = message.get("orderData") if isinstance(message, Mapping) else None
        if not isinstance(data, Mapping) or not data.get("orderid"):
            return []
        return [OrderUpdate(order=angel_order_to_order(self._ctx, data), received_at=received_at, raw=message)]


class AngelOrderStream(BrokerStream):
    """The order-update socket (``AngelStream.order_updates``): nothing to subscribe, JSON order rows."""

    max_instruments_per_connection = 0
    max_connections = 1
    stale_after = 25.0
    """The server answers every ping; 20 s without a pong means a dead socket (reference 2.13.5), plus slack."""
    ping_interval: float | None = 10.0
    carries_order_updates = True

    def __init__(self, config: AngelOneConfig) -> None:
        self._config = config

    def url(self, session: Session | None) -> str:
        return self._config.order_ws_url

    def headers(self, session: Session | None) -> Mapping[str, str]:
        """Bearer JWT, plus the identity headers smartapi-python also sends."""
        if session is None:
            raise SessionExpiredError("the AngelOne order-update socket needs a logged-in session", broker=BROKER)
        headers = {"Authorization": f"Bearer {session.access_token}", "x-api-key": self._config.api_key,
                   "x-client-code": session.user_id or self._config.client_code}
        if session.feed_token:
            headers["x-feed-token"] = session.feed_token
        return headers

    def ping(self) -> str:
        return "ping"

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        return []

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        return []

    def decoder(self, ctx: DriverContext) -> AngelOrderDecoder:
        return AngelOrderDecoder(ctx)
