"""Fyers' order/trade/position socket (``wss://socket.fyers.in/trade/v3``) -> canonical OrderUpdates.

The handshake carries ``authorization: <app_id>:<access_token>`` (a wrong token: HTTP 403 on
the upgrade); the client then subscribes ``{"T": "SUB_ORD", "SLIST": ["orders"], "SUB_T": 1}``
(ack ``{"code": 1605, ...}``) and pings with the text ``ping`` every 10 s (``pong`` back).
An order change arrives as ``{"s": "ok", "orders": {...}}`` with snake_case keys, which the SDK
renames to the REST order book's names (``map.json`` ``order_mapper``); the decoder renames them
the same way, so one order parser reads the REST book and the socket alike.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import msgspec
from tt_connect.driver_api import BrokerStream, BrokerSymbol, DriverContext, Session, StreamRejected
from tt_connect.enums import StreamMode
from tt_connect.errors import TTConnectError
from tt_connect.models import Order, OrderUpdate, Tick

from tt_connect_fyers.parsing import fyers_order_to_order

__all__ = ["ORDER_KEYS", "FyersOrderDecoder", "FyersOrderUpdates", "OrderParser", "rest_order_row",
           "subscribe_message"]

BROKER = "fyers"
OrderParser = Callable[[DriverContext, Mapping[str, Any]], Order]
"""Reads one order in the REST order book's spelling (``orderBook[]`` of ``/orders``)."""

ORDER_KEYS: Mapping[str, str] = {
    "client_id": "clientId", "id": "id", "id_parent": "parentId", "id_exchange": "exchOrdId", "qty": "qty",
    "qty_remaining": "remainingQuantity", "qty_filled": "filledQty", "price_limit": "limitPrice",
    "price_stop": "stopPrice", "price_traded": "tradedPrice", "ord_type": "type", "fy_token": "fyToken",
    "exchange": "exchange", "segment": "segment", "symbol": "symbol", "instrument": "instrument",
    "oms_msg": "message", "offline_flag": "offlineOrder", "time_oms": "orderDateTime", "validity": "orderValidity",
    "product_type": "productType", "tran_side": "side", "org_ord_status": "status", "ord_source": "source",
    "symbol_exch": "ex_sym", "symbol_desc": "description", "ordertag": "orderTag", "take_profit": "takeProfit",
    "stop_loss": "stopLoss", "leg_type": "legType", "id_fyers": "id_fyers",
}
"""Raw order-socket key -> the REST order book's key (``map.json`` ``order_mapper``, plus ``id_fyers`` kept)."""

def subscribe_message(lists: Sequence[str] = ("orders",), on: bool = True) -> str:
    """``SUB_ORD`` for ``orders``/``trades``/``positions``/``edis``/``pricealerts``/``login``; ``SUB_T`` -1 drops."""
    return msgspec.json.encode({"T": "SUB_ORD", "SLIST": list(lists), "SUB_T": 1 if on else -1}).decode()


def rest_order_row(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A socket order renamed to the REST book's keys (unknown keys are kept as they came)."""
    return {ORDER_KEYS.get(key, key): value for key, value in raw.items()}


class FyersOrderDecoder:
    """``orders`` messages -> OrderUpdate; acks, pongs, trades, positions and orders we cannot read -> nothing."""

    def __init__(self, ctx: DriverContext, parse: OrderParser) -> None:
        self._ctx = ctx
        self._parse = parse

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        if frame in ("pong", b"pong"):
            return []
        try:
            message: Any = msgspec.json.decode(frame)
        except msgspec.DecodeError:
            return []
        if not isinstance(message, Mapping):
            return []
        raw = message.get("orders")
        if not isinstance(raw, Mapping):
            if message.get("s") == "error" and message.get("code") in (-8, -15, -16, -17):
                raise StreamRejected("Fyers refused the order socket: the access token is no longer valid",
                                     session_dead=True)
            return []
        try:
            order = self._parse(self._ctx, rest_order_row(raw))
        except TTConnectError:
            return []  # an order on a contract today's master lacks, or spellings we do not know: not ours to show
        return [OrderUpdate(order=order, received_at=received_at, raw=message)]


class _Credentials(Protocol):
    @property
    def app_id(self) -> str: ...
    @property
    def order_ws_url(self) -> str: ...


class FyersOrderUpdates(BrokerStream):
    """The order socket: no instruments; the token in the handshake header, one ``SUB_ORD``, JSON updates."""

    max_instruments_per_connection = 0
    max_connections = 1
    stale_after = 35.0
    """The server answers every 10 s ping with ``pong``: three missed answers mean a dead socket."""
    ping_interval: float | None = 10.0
    carries_order_updates = True

    def __init__(self, config: _Credentials, parse_order: OrderParser | None = None) -> None:
        """``parse_order`` reads a REST-spelled order (default: the REST translator's own parser)."""
        self._config = config
        self._parse = parse_order or fyers_order_to_order

    def url(self, session: Session | None) -> str:
        return self._config.order_ws_url

    def headers(self, session: Session | None) -> Mapping[str, str]:
        if session is None:
            raise StreamRejected("the Fyers order socket needs a logged-in session", session_dead=True)
        return {"authorization": f"{self._config.app_id}:{session.access_token}"}

    def handshake(self, session: Session | None) -> list[str | bytes]:
        return [subscribe_message()]

    def ping(self) -> str:
        return "ping"

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        return []

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        return []

    def decoder(self, ctx: DriverContext) -> FyersOrderDecoder:
        return FyersOrderDecoder(ctx, self._parse)
