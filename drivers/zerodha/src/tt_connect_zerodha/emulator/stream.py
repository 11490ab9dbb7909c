"""The Kite emulator's pushes: the StreamRoutes socket (binary ticks, order updates) and order postbacks.

A binary frame is ``uint16 count`` then per packet ``uint16 length`` + the packet, all big-endian.
Packet sizes name the mode: 8 (ltp), 44 (quote), 184 (full with 5+5 depth levels); indices send 8,
28 (quote) or 32 (full). Prices are integers in paise (this emulator lists only NSE/NFO/indices,
divisor 100). A socket with nothing subscribed gets a 1-byte heartbeat. Order updates are text frames
``{"type": "order", "data": <postback>}``; postbacks are the same object POSTed as raw JSON to the
app's postback URL for COMPLETE, CANCELLED, REJECTED and UPDATE events (reference 1.15).
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import aiohttp
import msgspec
from aiohttp import web
from tt_connect.emulation import StreamClient
from tt_connect.paper.engine import PaperOrder, PaperQuote

from tt_connect_zerodha.emulator.wire import kite_postback

if TYPE_CHECKING:
    from tt_connect_zerodha.emulator.app import KiteEmulator

__all__ = ["HEARTBEAT", "StreamRoutes", "Postbacks", "frame", "index_packet", "market_packet"]

HEARTBEAT = b"\x00"
"""The 1-byte frame Kite sends when it has nothing else to say."""

_U16 = struct.Struct(">H")
_LTP = struct.Struct(">II")
_QUOTE = struct.Struct(">11I")
_FULL_HEAD = struct.Struct(">16I")
_LEVEL = struct.Struct(">IIH2x")
_INDEX_QUOTE = struct.Struct(">7I")
_INDEX_FULL = struct.Struct(">8I")


def _paise(price: float) -> int:
    return max(round(price * 100), 0)


def _signed_paise(price: float) -> int:
    return round(price * 100) & 0xFFFFFFFF


def market_packet(token: int, quote: PaperQuote, mode: str) -> bytes:
    """One tradable instrument's packet in ``ltp``, ``quote`` or ``full`` mode."""
    if mode == "ltp":
        return _LTP.pack(token, _paise(quote.last_price))
    average = (quote.high + quote.low + quote.last_price) / 3
    head = (token, _paise(quote.last_price), quote.last_quantity, _paise(average), quote.volume,
            sum(q for _, q, _ in quote.bids), sum(q for _, q, _ in quote.asks),
            _paise(quote.open), _paise(quote.high), _paise(quote.low), _paise(quote.close))
    if mode == "quote":
        return _QUOTE.pack(*head)
    stamp = int(quote.timestamp.timestamp())
    packet = bytearray(_FULL_HEAD.pack(*head, stamp, quote.oi, quote.oi, quote.oi, stamp))
    for side in (quote.bids, quote.asks):
        levels = list(side)[:5]
        levels += [(0.0, 0, 0)] * (5 - len(levels))
        for price, quantity, orders in levels:
            packet += _LEVEL.pack(quantity, _paise(price), orders)
    return bytes(packet)


def index_packet(token: int, quote: PaperQuote, mode: str) -> bytes:
    """An index's packet: last, high, low, open, close, change (and the exchange time in full mode)."""
    if mode == "ltp":
        return _LTP.pack(token, _paise(quote.last_price))
    fields = (token, _paise(quote.last_price), _paise(quote.high), _paise(quote.low), _paise(quote.open),
              _paise(quote.close), _signed_paise(quote.last_price - quote.close))
    if mode == "quote":
        return _INDEX_QUOTE.pack(*fields)
    return _INDEX_FULL.pack(*fields, int(quote.timestamp.timestamp()))


def frame(packets: Sequence[bytes]) -> bytes:
    """Join packets into one binary message."""
    out = bytearray(_U16.pack(len(packets)))
    for packet in packets:
        out += _U16.pack(len(packet))
        out += packet
    return bytes(out)


class StreamRoutes:
    """The ``/ws`` socket of one emulator: subscriptions by Kite token, frames every market step."""

    def __init__(self, host: KiteEmulator) -> None:
        self._host = host

    def add(self, app: web.Application) -> None:
        app.router.add_get("/ws", self._connect)

    async def _connect(self, request: web.Request) -> web.StreamResponse:
        """``/ws?api_key=..&access_token=..``: a dead token is refused at the handshake, as Kite does (403)."""
        host = self._host
        user = host.sessions.user_of(request.query.get("access_token", "")) \
            if request.query.get("api_key") == host.api_key else None
        if user is None:
            return web.Response(status=403, text="Invalid api_key or access_token", content_type="text/plain")
        return await host.serve_stream(request, user)

    def on_message(self, client: StreamClient, message: str | bytes) -> None:
        """``{"a": "subscribe"|"unsubscribe", "v": [tokens]}`` or ``{"a": "mode", "v": [mode, [tokens]]}``."""
        tokens = self._host.listing.paper_token
        try:
            request = msgspec.json.decode(message)
            action, value = request["a"], request["v"]
        except (msgspec.DecodeError, KeyError, TypeError):
            client.push(msgspec.json.encode({"type": "error", "data": "invalid message"}).decode())
            return
        if action == "subscribe":
            for kite in value:
                token = tokens.get(kite) if isinstance(kite, int) else None
                if token is not None:
                    client.subscriptions.setdefault(token, "quote")  # Kite's default mode after subscribe
        elif action == "unsubscribe":
            for kite in value:
                client.subscriptions.pop(tokens.get(kite, -1), None)
        elif action == "mode" and isinstance(value, list) and len(value) == 2:
            mode, chosen = value
            if mode in ("ltp", "quote", "full"):
                for kite in chosen:
                    token = tokens.get(kite)
                    if token is not None and token in client.subscriptions:
                        client.subscriptions[token] = mode

    def publish(self, client: StreamClient) -> None:
        host = self._host
        if not client.subscriptions:
            client.push(HEARTBEAT)
            return
        packets = []
        for token, mode in client.subscriptions.items():
            quote = host.engine.quote(token)
            kite = host.listing.kite_token[token]
            is_index = host.engine.rows[token].kind == "IDX"
            packets.append(index_packet(kite, quote, mode) if is_index else market_packet(kite, quote, mode))
        client.push(frame(packets))

    def order_frame(self, order: PaperOrder) -> str:
        """An order update, on every socket of the account (orders placed from any platform)."""
        host = self._host
        data = kite_postback(host.order_routes.row(order), user_id=host.user_id, app_id=host.app_id,
                             api_secret=host.api_secret)
        return msgspec.json.encode({"type": "order", "id": "", "data": data}).decode()


class Postbacks:
    """Order postbacks to the app's registered URL: raw JSON, as Kite sends them; a failed one is counted."""

    def __init__(self, host: KiteEmulator, url: str | None) -> None:
        self._host = host
        self.url = url
        self.failed = 0
        self._posted: dict[str, str] = {}
        self._deliveries: set[asyncio.Task[None]] = set()

    def deliver(self, order: PaperOrder) -> None:
        """Post a final state (COMPLETE, CANCELLED, REJECTED) or a change of a live order (UPDATE)."""
        if not self.url:
            return
        host = self._host
        data = kite_postback(host.order_routes.row(order), user_id=host.user_id, app_id=host.app_id,
                             api_secret=host.api_secret)
        status, seen = str(data.get("status")), self._posted.get(order.order_id)
        self._posted[order.order_id] = status
        if status not in ("COMPLETE", "CANCELLED", "REJECTED"):
            if seen is None or status != "OPEN":
                return  # a new order: Kite posts no "placed" event
            data = {**data, "status": "UPDATE"}
        delivery = asyncio.get_running_loop().create_task(self._post(self.url, data))
        self._deliveries.add(delivery)
        delivery.add_done_callback(self._deliveries.discard)

    async def _post(self, url: str, data: Mapping[str, Any]) -> None:
        try:
            async with aiohttp.ClientSession() as http, http.post(
                    url, data=msgspec.json.encode(dict(data)), headers={"Content-Type": "application/json"},
                    timeout=aiohttp.ClientTimeout(total=5)) as reply:
                if reply.status >= 400:
                    self.failed += 1
        except (aiohttp.ClientError, TimeoutError):
            self.failed += 1
