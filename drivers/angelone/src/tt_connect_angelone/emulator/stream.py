"""SmartAPI's two sockets: SmartWebSocketV2 (binary ticks) and the order-update socket (JSON rows).

SmartWebSocketV2 (reference 2.13): the handshake carries ``Authorization: Bearer <jwt>``,
``x-api-key``, ``x-client-code`` and ``x-feed-token`` (or the same as query parameters);
JSON text subscribes (``action`` 1/0, ``params.mode``, ``tokenList``); text ``ping`` is
answered ``pong``. One tick per binary message, little-endian. A 27-byte head (mode, exchange
type, 25-byte NUL-padded ASCII token) then, by mode: LTP (51 bytes: sequence, exchange time in
ms, last price), QUOTE (123: + last quantity, average price, volume, total buy/sell quantity as
doubles, OHLC) and SNAP_QUOTE (379: + last trade time, open interest, OI change as a double, 5
buy and 5 sell levels of 20 bytes, circuits and 52-week range). Prices are in paise.

The order socket (reference 2.13.5) takes a Bearer JWT, nothing to subscribe, and pushes
``{"user-id", "status-code", "order-status", "error-message", "orderData"}`` per order change.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

import msgspec
from aiohttp import web
from tt_connect.emulation import StreamClient
from tt_connect.paper.engine import PaperOrder, PaperQuote

from tt_connect_angelone.emulator.wire import EXCHANGE_TYPES

if TYPE_CHECKING:
    from tt_connect_angelone.emulator.app import SmartApiEmulator

__all__ = ["FEED_PATH", "LTP", "ORDER_FEED_PATH", "QUOTE", "SNAP_QUOTE", "SmartApiSockets", "tick_frame"]

FEED_PATH = "/smart-stream"
ORDER_FEED_PATH = "/smart-order-update"

LTP, QUOTE, SNAP_QUOTE = 1, 2, 3

_HEAD = struct.Struct("<BB25sqqq")
_QUOTE_TAIL = struct.Struct("<qqqddqqqq")
_SNAP_TAIL = struct.Struct("<qqd")
_LEVEL = struct.Struct("<hqqh")
_LIMITS = struct.Struct("<qqqq")
assert _HEAD.size == 51 and _HEAD.size + _QUOTE_TAIL.size == 123 and _LEVEL.size == 20


def _paise(price: float) -> int:
    return round(price * 100)


def tick_frame(mode: int, exchange_type: int, token: str, sequence: int, quote: PaperQuote) -> bytes:
    """One binary message for ``token`` in ``mode``."""
    stamp_ms = int(quote.timestamp.timestamp() * 1000)
    out = bytearray(_HEAD.pack(mode, exchange_type, token.encode("ascii"), sequence, stamp_ms,
                               _paise(quote.last_price)))
    if mode == LTP:
        return bytes(out)
    average = (quote.high + quote.low + quote.last_price) / 3
    out += _QUOTE_TAIL.pack(quote.last_quantity, _paise(average), quote.volume,
                            float(sum(q for _, q, _ in quote.bids)), float(sum(q for _, q, _ in quote.asks)),
                            _paise(quote.open), _paise(quote.high), _paise(quote.low), _paise(quote.close))
    if mode == QUOTE:
        return bytes(out)
    out += _SNAP_TAIL.pack(int(quote.timestamp.timestamp()), quote.oi, 0.0)
    for flag, side in ((1, quote.bids), (0, quote.asks)):
        levels = list(side)[:5]
        levels += [(0.0, 0, 0)] * (5 - len(levels))
        for price, quantity, orders in levels:
            out += _LEVEL.pack(flag, quantity, _paise(price), orders)
    band = 0.2
    out += _LIMITS.pack(_paise(quote.close * (1 + band)), _paise(quote.close * (1 - band)),
                        _paise(quote.high * 1.3), _paise(quote.low * 0.7))
    assert len(out) == 379
    return bytes(out)


_SEGMENTS: dict[object, str] = {code: name for name, code in EXCHANGE_TYPES.items()}


def _error(correlation: object, message: str) -> str:
    return msgspec.json.encode({"correlationID": correlation if isinstance(correlation, str) else "",
                                "errorCode": "E1002", "errorMessage": message}).decode()


class SmartApiSockets:
    """Both sockets: who may open them, what subscribing means, what each frame carries."""

    def __init__(self, host: SmartApiEmulator) -> None:
        self._host = host
        self._listing = host.listing
        self._sequence = 0

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(FEED_PATH, self._feed)
        app.router.add_get(ORDER_FEED_PATH, self._order_feed)

    def _feed_user(self, request: web.Request) -> str | None:
        headers, query, login = request.headers, request.query, self._host.login
        token = headers.get("Authorization", "")
        token = token.partition(" ")[2] if token.startswith("Bearer ") else token
        api_key = headers.get("x-api-key") or query.get("apiKey")
        client = headers.get("x-client-code") or query.get("clientCode")
        feed = headers.get("x-feed-token") or query.get("feedToken")
        if api_key != self._host.api_key or feed is None or login.feed_tokens.user_of(feed) != client:
            return None
        if token and self._host.sessions.user_of(token) != client:
            return None
        return client

    async def _feed(self, request: web.Request) -> web.StreamResponse:
        user = self._feed_user(request)
        if user is None:
            return web.Response(status=401, text="Unauthorized", content_type="text/plain")
        return await self._host.serve_stream(request, user)

    async def _order_feed(self, request: web.Request) -> web.StreamResponse:
        user = self._host.login.bearer_user(request)
        if user is None:
            return web.Response(status=401, text="Unauthorized", content_type="text/plain")
        return await self._host.serve_stream(request, user, state={"kind": "orders"})

    def on_message(self, client: StreamClient, message: str | bytes) -> None:
        if message == "ping":
            client.push("pong")
            return
        if client.state.get("kind") == "orders":
            return
        try:
            request = msgspec.json.decode(message)
            action, params = request["action"], request["params"]
            mode, token_list = params["mode"], params["tokenList"]
        except (msgspec.DecodeError, KeyError, TypeError):
            client.push(_error("", "Invalid Request Payload."))
            return
        if mode not in (LTP, QUOTE, SNAP_QUOTE) or action not in (0, 1) or not isinstance(token_list, list):
            client.push(_error(request.get("correlationID"), "Invalid mode or action"))
            return
        for group in token_list:
            exchange = _SEGMENTS.get(group.get("exchangeType")) if isinstance(group, dict) else None
            if exchange is None:
                continue
            for token in group.get("tokens") or ():
                paper = self._listing.by_token.get((exchange, str(token)))
                if paper is None:
                    continue
                if action == 1:
                    client.subscriptions[paper] = str(mode)
                else:
                    client.subscriptions.pop(paper, None)

    def publish(self, client: StreamClient) -> None:
        if client.state.get("kind") == "orders":
            return
        for paper, mode in client.subscriptions.items():
            self._sequence += 1
            client.push(tick_frame(int(mode), self._listing.exchange_type(paper), self._listing.angel_token[paper],
                                   self._sequence, self._host.engine.quote(paper)))

    def order_frame(self, order: PaperOrder, client: StreamClient) -> str | None:
        if client.state.get("kind") != "orders":
            return None
        data = self._host.orders.row(order)
        message = {"user-id": client.user_id, "status-code": "200", "order-status": data["status"],
                   "error-message": data["text"], "orderData": data}
        return msgspec.json.encode(message).decode()
