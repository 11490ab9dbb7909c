"""Socket routes of the Dhan emulator: the market feed, the 20/200-level depth feeds, order updates.

Market feed (``/feed?version=2&token=&clientId=&authType=2``): JSON requests (15/17/21
subscribe, +1 unsubscribe, 12 disconnect; at most 100 instruments a message, 5000 a
socket, 5 sockets a user: a sixth disconnects the oldest with reason 805), binary
little-endian replies; a Prev Close packet follows every subscription and derivatives in
Quote mode get an OI packet beside each quote. A dead token is answered with a
Disconnect packet (reason 807) and the socket closes. The server pings every 10 s.

Depth feeds (``/twentydepth``, ``/twohundreddepth``): request 23, NSE_EQ and NSE_FNO
only, 50 instruments (20 levels) or one (200 levels) a socket; bid and ask packets apart.

Order updates (``/order-update``): the client logs in with
``{"LoginReq": {"MsgCode": 42, "ClientId", "Token"}, "UserType": "SELF"}``; every order
change then arrives as ``{"Type": "order_alert", "Data": {...}}``.
"""

from __future__ import annotations

import random
import struct
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web
from tt_connect.emulation import StreamClient
from tt_connect.paper.engine import PaperOrder
from tt_connect.paper.prices import on_tick_grid
from tt_connect.timeutil import IST

from tt_connect_dhan.emulator.frames import (
    depth_packets,
    disconnect_packet,
    full_packet,
    oi_packet,
    prev_close_packet,
    quote_packet,
    ticker_packet,
)
from tt_connect_dhan.emulator.wire import SEGMENT_CODES, rejection_text

if TYPE_CHECKING:
    from tt_connect_dhan.emulator.app import DhanEmulator

__all__ = ["add_routes", "on_message", "order_frame", "publish"]

MAX_PER_MESSAGE = 100
MAX_PER_SOCKET = 5000
MAX_SOCKETS = 5
MAX_DEPTH_20 = 50
_SUBSCRIBE = {15: "ticker", 17: "quote", 21: "full"}
_UNSUBSCRIBE = {code + 1: mode for code, mode in _SUBSCRIBE.items()}
_DEPTH_SEGMENTS = ("NSE_EQ", "NSE_FNO")
_UPDATE_STATUS = {"OPEN": "Pending", "TRIGGER_PENDING": "Pending", "COMPLETE": "Traded", "CANCELLED": "Cancelled",
                  "REJECTED": "Rejected"}
_UPDATE_PRODUCTS = {"CNC": "C", "INTRADAY": "I", "MARGIN": "M", "MTF": "F", "CO": "V", "BO": "B"}
_UPDATE_ORDER_TYPES = {"MARKET": "MKT", "LIMIT": "LMT", "SL": "SL", "SL_M": "SLM"}


def add_routes(emulator: DhanEmulator, app: web.Application) -> None:
    """Register the four sockets."""

    def user(request: web.Request) -> str | None:
        token = request.query.get("token", "")
        found = emulator.sessions.user_of(token) if token else None
        return found if found is not None and request.query.get("clientId") == found else None

    async def refuse(request: web.Request, reason: int, depth: bool) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        packet = disconnect_packet(reason) if not depth else _depth_disconnect(reason)
        await ws.send_bytes(packet)
        await ws.close()
        return ws

    async def feed(request: web.Request) -> web.StreamResponse:
        found = user(request)
        if found is None or request.query.get("version") != "2" or request.query.get("authType") != "2":
            return await refuse(request, 807 if request.query.get("token") else 809, depth=False)
        mine = [c for c in emulator.streams if c.user_id == found and c.state.get("kind") == "feed"]
        for oldest in sorted(mine, key=lambda c: c.state["opened"])[:max(len(mine) - MAX_SOCKETS + 1, 0)]:
            oldest.push(disconnect_packet(805))
            oldest.state["closing"] = True
        emulator.feeds_opened += 1
        return await emulator.serve_stream(request, found, heartbeat=10.0,
                                           state={"kind": "feed", "opened": emulator.feeds_opened})

    def depth_route(levels: int) -> Any:
        async def handler(request: web.Request) -> web.StreamResponse:
            found = user(request)
            if found is None:
                return await refuse(request, 807 if request.query.get("token") else 809, depth=True)
            return await emulator.serve_stream(request, found, heartbeat=10.0,
                                               state={"kind": "depth", "levels": levels})
        return handler

    async def order_updates(request: web.Request) -> web.StreamResponse:
        return await emulator.serve_stream(request, "", heartbeat=10.0, state={"kind": "orders"})

    r = app.router
    r.add_get("/feed", feed)
    r.add_get("/twentydepth", depth_route(20))
    r.add_get("/twohundreddepth", depth_route(200))
    r.add_get("/order-update", order_updates)


def _depth_disconnect(reason: int) -> bytes:
    """Depth feeds' disconnect: the 12-byte header (the SDK reads the reason at offset 8), the reason again."""
    return struct.pack("<hBBiIh", 14, 50, 0, 0, reason, reason)


def _instruments(emulator: DhanEmulator, request: dict[str, Any]) -> list[int] | None:
    listed = request.get("InstrumentList")
    if not isinstance(listed, list):
        return None
    out = []
    for item in listed:
        if isinstance(item, dict):
            token = emulator.listing.token(str(item.get("ExchangeSegment")), item.get("SecurityId"))
            if token is not None:
                out.append(token)
    return out


async def on_message(emulator: DhanEmulator, client: StreamClient, message: str | bytes) -> None:
    """Handle one client message on any of the sockets."""
    if isinstance(message, bytes):
        return  # the SDK follows a disconnect request with an 83-byte v1 header: nothing to do
    try:
        request = msgspec.json.decode(message)
    except msgspec.DecodeError:
        return
    if not isinstance(request, dict):
        return
    kind = client.state.get("kind")
    if kind == "orders":
        _order_login(emulator, client, request)
        return
    code = request.get("RequestCode")
    if code == 12:
        client.state["closing"] = True
        await client.ws.close()
        return
    if kind == "depth":
        _depth_request(emulator, client, request, code)
        return
    tokens = _instruments(emulator, request)
    if tokens is None or (code not in _SUBSCRIBE and code not in _UNSUBSCRIBE):
        client.push(disconnect_packet(814))
        return
    if len(request.get("InstrumentList") or ()) > MAX_PER_MESSAGE:
        client.push(disconnect_packet(804))
        return
    if code in _SUBSCRIBE:
        if len(set(client.subscriptions) | set(tokens)) > MAX_PER_SOCKET:
            client.push(disconnect_packet(804))
            return
        for token in tokens:
            client.subscriptions[token] = _SUBSCRIBE[code]
            quote = emulator.engine.quote(token)
            client.push(prev_close_packet(_segment(emulator, token), emulator.listing.security_id[token], quote.close,
                                          quote.oi))
    else:
        for token in tokens:
            if client.subscriptions.get(token) == _UNSUBSCRIBE[code]:
                del client.subscriptions[token]


def _segment(emulator: DhanEmulator, token: int) -> int:
    return SEGMENT_CODES[emulator.listing.segment[token]]


def _depth_request(emulator: DhanEmulator, client: StreamClient, request: dict[str, Any], code: object) -> None:
    levels = client.state["levels"]
    if levels == 200 and code == 23:
        token = emulator.listing.token(str(request.get("ExchangeSegment")), request.get("SecurityId"))
        tokens = [token] if token is not None else []
    else:
        tokens = _instruments(emulator, request) or []
    tokens = [t for t in tokens if emulator.listing.segment[t] in _DEPTH_SEGMENTS]
    if code == 24:
        for token in tokens:
            client.subscriptions.pop(token, None)
        return
    if code != 23:
        client.push(_depth_disconnect(814))
        return
    limit = 1 if levels == 200 else MAX_DEPTH_20
    if len(set(client.subscriptions) | set(tokens)) > limit:
        client.push(_depth_disconnect(804))
        return
    for token in tokens:
        client.subscriptions[token] = "depth"


def _book(emulator: DhanEmulator, token: int, rows: int) -> tuple[list[tuple[float, int, int]], ...]:
    """``rows`` levels a side around the paper touch (the engine itself keeps five)."""
    row = emulator.engine.rows[token]
    bid, ask = emulator.engine.touch(token)
    rng = random.Random(hash((token, bid, rows)))
    tick = row.tick_size
    bids = [(on_tick_grid(bid - i * tick, tick), rng.randrange(1, 40) * row.lot_size, rng.randrange(1, 12))
            for i in range(rows) if bid - i * tick > 0]
    asks = [(on_tick_grid(ask + i * tick, tick), rng.randrange(1, 40) * row.lot_size, rng.randrange(1, 12))
            for i in range(rows)]
    return bids, asks


async def publish(emulator: DhanEmulator, client: StreamClient) -> None:
    """Push one round of packets to a socket (called every market step)."""
    kind = client.state.get("kind")
    if kind == "orders" or client.state.get("closing"):
        return
    listing, engine = emulator.listing, emulator.engine
    for token, mode in list(client.subscriptions.items()):
        segment, security_id = _segment(emulator, token), listing.security_id[token]
        if kind == "depth":
            bids, asks = _book(emulator, token, client.state["levels"])
            client.push(depth_packets(segment, security_id, bids, asks, rows=client.state["levels"]))
            continue
        quote = engine.quote(token)
        if mode == "ticker":
            client.push(ticker_packet(segment, security_id, quote))
        elif mode == "quote":
            client.push(quote_packet(segment, security_id, quote))
            if listing.row(token).kind in ("FUT", "OPT"):
                client.push(oi_packet(segment, security_id, quote.oi))
        else:
            client.push(full_packet(segment, security_id, quote))


def _order_login(emulator: DhanEmulator, client: StreamClient, request: dict[str, Any]) -> None:
    login = request.get("LoginReq")
    if not isinstance(login, dict) or str(login.get("MsgCode")) != "42":
        return
    token = str(login.get("Token") or "")
    found = emulator.sessions.user_of(token) if token else None
    if found is None or str(login.get("ClientId")) != found or request.get("UserType", "SELF") != "SELF":
        client.state["closing"] = True
        client.kill()
        return
    client.user_id = found
    client.state["authorised"] = True


def order_frame(emulator: DhanEmulator, order: PaperOrder, client: StreamClient) -> str | None:
    """An order change as the order-update socket sends it (keys as in the docs' sample)."""
    if client.state.get("kind") != "orders" or not client.state.get("authorised"):
        return None
    listing = emulator.listing
    row = listing.row(order.token)
    extra = emulator.order_extra.get(order.order_id, {})
    product = str(extra.get("productType") or {"CNC": "CNC", "MIS": "INTRADAY", "NRML": "MARGIN"}[order.product])
    status = _UPDATE_STATUS.get(order.status, "Transit")
    if status == "Pending" and order.filled_qty:
        status = "Part_Traded"
    stamp = order.updated_at.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")
    data = {
        "Exchange": "NSE", "Segment": {"EQ": "E", "IDX": "I"}.get(row.kind, "D"), "Source": "P",
        "SecurityId": str(listing.security_id[order.token]), "ClientId": emulator.client_id,
        "ExchOrderNo": order.exchange_order_id, "OrderNo": order.order_id, "Product": _UPDATE_PRODUCTS[product],
        "TxnType": order.side[0], "OrderType": _UPDATE_ORDER_TYPES[order.order_type], "Validity": order.validity,
        "DiscQuantity": int(extra.get("disclosedQuantity") or 0), "DiscQtyRem": 0,
        "RemainingQuantity": 0 if order.status in ("COMPLETE", "CANCELLED", "REJECTED")
        else order.qty - order.filled_qty,
        "Quantity": order.qty, "TradedQty": order.filled_qty, "Price": order.price,
        "TriggerPrice": order.trigger_price, "TradedPrice": round(order.average_price, 2),
        "AvgTradedPrice": round(order.average_price, 2), "AlgoOrdNo": 0,
        "OffMktFlag": "1" if extra.get("afterMarketOrder") else "0",
        "OrderDateTime": order.placed_at.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S"), "ExchOrderTime": stamp,
        "LastUpdatedTime": stamp, "Remarks": "NA", "MktType": "NL",
        "ReasonDescription": rejection_text(order) if order.status in ("REJECTED", "CANCELLED") else "CONFIRMED",
        "LegNo": 1, "Instrument": listing.instrument_name(row), "Symbol": listing.trading_symbol(order.token),
        "ProductName": product, "Status": status, "LotSize": row.lot_size, "StrikePrice": row.strike or 0.0,
        "ExpiryDate": row.expiry.isoformat() if row.expiry else "0001-01-01", "OptType": row.option_type or "XX",
        "DisplayName": listing.display_name(order.token), "Isin": row.isin or "NA", "Series": "EQ",
        "GoodTillDaysDate": "", "RefLtp": emulator.engine.ltp(order.token), "TickSize": row.tick_size,
        "AlgoId": "0", "Multiplier": 1, "CorrelationId": order.tag,
    }
    return msgspec.json.encode({"Type": "order_alert", "Data": data}).decode()
