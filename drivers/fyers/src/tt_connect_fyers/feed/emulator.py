"""Both Fyers sockets served from an emulator's paper market (mounted by the Fyers emulator app).

Data socket (HSM, ``/hsm/v1-5/prod``): the client logs in with the ``hsm_key`` of a live access
token (a handshake carrying an ``Authorization`` header is never answered, as the real gateway
does), sets full or lite mode, subscribes ``sf|``/``dp|``/``if|`` topics and gets, per topic,
a snapshot ``S`` then, every market step, one data frame of ``U`` updates (INT32_MIN where a
value did not change) or ``L`` last prices in lite mode. With ``ack_count`` > 0 the auth reply
asks for acknowledgements and the server stops sending once three windows go unacknowledged.
Pause/resume (7/8) stop and restart a channel; more than ``symbol_limit`` instruments on a socket
get custom message 51001.

Order socket (``/trade/v3``): ``authorization: <app_id>:<token>`` on the upgrade (else HTTP 403),
``SUB_ORD`` subscriptions acknowledged with code 1605, ``ping`` answered ``pong``, and every
order change pushed as ``{"s": "ok", "orders": {...}}`` in the socket's raw snake_case keys.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from aiohttp import web
from tt_connect.emulation import EmulatorHost, StreamClient
from tt_connect.paper.engine import PaperQuote

from tt_connect_fyers.feed.encoder import (
    auth_reply,
    custom_frame,
    data_frame,
    lite_record,
    reply_frame,
    snapshot_record,
    unchanged,
    update_record,
)
from tt_connect_fyers.feed.order_stream import ORDER_KEYS
from tt_connect_fyers.feed.protocol import (
    ACK,
    AUTH,
    LITE_MODE,
    MODE,
    PAUSE,
    PING,
    RESUME,
    SUBSCRIBE,
    UNSUBSCRIBE,
    index_name,
    topic_parts,
)

__all__ = ["FeedState", "add_routes", "on_message", "order_frame", "order_row", "publish"]

_U16 = struct.Struct(">H")
_U64 = struct.Struct(">Q")
_RAW_KEYS = {rest: raw for raw, rest in ORDER_KEYS.items()}
_UNACKED_WINDOWS = 3


class _Listed:
    __slots__ = ("fy_token", "index", "precision", "ticker", "token")

    def __init__(self, token: int, fy_token: str, ticker: str, precision: int, index: bool) -> None:
        self.token, self.fy_token, self.ticker, self.precision, self.index = token, fy_token, ticker, precision, index


class FeedState:
    """What the sockets need of the emulator: its instruments by topic, who a credential belongs to.

    ``hsm_user`` maps a data-socket ``hsm_key`` to its user (None: not a live session);
    ``socket_user`` maps the order socket's ``authorization`` header the same way.
    """

    def __init__(self, *, hsm_user: Callable[[str], str | None], socket_user: Callable[[str], str | None],
                 ack_count: int = 0, symbol_limit: int = 5000) -> None:
        self.hsm_user = hsm_user
        self.socket_user = socket_user
        self.ack_count = ack_count
        self.symbol_limit = symbol_limit
        self.topics: dict[str, tuple[int, str]] = {}
        """Topic -> (engine token, topic kind ``sf``/``dp``/``if``)."""
        self.listed: dict[int, _Listed] = {}

    def add(self, token: int, fy_token: str, ticker: str, *, precision: int = 2) -> None:
        """List an engine instrument under its fyToken and ticker (``NSE:SBIN-EQ``, ``NSE:NIFTY50-INDEX``)."""
        parts = topic_parts(fy_token)
        if parts is None:
            return
        segment, exchange_token = parts
        index = ticker.endswith("-INDEX")
        self.listed[token] = _Listed(token, fy_token, ticker, precision, index)
        if index:
            self.topics[f"if|{segment}|{index_name(ticker)}"] = (token, "if")
        else:
            self.topics[f"sf|{segment}|{exchange_token}"] = (token, "sf")
            self.topics[f"dp|{segment}|{exchange_token}"] = (token, "dp")


def add_routes(host: EmulatorHost, feed: FeedState, app: web.Application, *, data_path: str = "/hsm/v1-5/prod",
               order_path: str = "/trade/v3") -> None:
    """Register the data socket and the order socket."""

    async def data_socket(request: web.Request) -> web.StreamResponse:
        return await host.serve_stream(request, "", state={
            "kind": "hsm", "mute": "Authorization" in request.headers, "topic_ids": {}, "sent": {}, "number": 0,
            "acked": 0, "paused": False, "lite": False, "authed": False})

    async def order_socket(request: web.Request) -> web.StreamResponse:
        user = feed.socket_user(request.headers.get("authorization", ""))
        if user is None:
            raise web.HTTPForbidden(text="Unauthorized")
        return await host.serve_stream(request, user, state={"kind": "fyers_orders", "lists": set()})

    app.router.add_get(data_path, data_socket)
    app.router.add_get(order_path, order_socket)


# -- client messages -------------------------------------------------------------------------


def _fields(message: bytes) -> tuple[int, dict[int, bytes]] | None:
    """A client frame's type and fields by id (the length prefix is not trusted: the SDK's is wrong)."""
    if len(message) < 4:
        return None
    kind, count = message[2], message[3]
    offset, fields = 4, {}
    for _ in range(count):
        if offset + 3 > len(message):
            return None
        field_id = message[offset]
        size = _U16.unpack_from(message, offset + 1)[0]
        offset += 3
        if offset + size > len(message):
            return None
        fields[field_id] = message[offset:offset + size]
        offset += size
    return kind, fields


def _topic_list(raw: bytes) -> list[str] | None:
    if len(raw) < 2:
        return None
    count, offset, out = _U16.unpack_from(raw, 0)[0], 2, []
    for _ in range(count):
        if offset >= len(raw):
            return None
        size = raw[offset]
        topic = raw[offset + 1:offset + 1 + size]
        if len(topic) != size:
            return None
        out.append(topic.decode("ascii", errors="replace"))
        offset += 1 + size
    return out


async def on_message(host: EmulatorHost, feed: FeedState, client: StreamClient, message: str | bytes) -> None:
    """Handle one client message on either socket."""
    if client.state.get("kind") == "fyers_orders":
        _order_request(client, message)
        return
    if client.state.get("kind") != "hsm" or isinstance(message, str) or client.state["mute"]:
        return
    if message[:3] == bytes((0, 1, PING)):
        return
    parsed = _fields(message)
    if parsed is None:
        return
    kind, fields = parsed
    state = client.state
    if kind == AUTH:
        user = feed.hsm_user(fields.get(1, b"").decode("ascii", errors="replace"))
        if user is None:
            client.push(auth_reply(False))
            client.push(custom_frame(-300, "Please provide valid token", AUTH))
            return
        client.user_id, state["authed"] = user, True
        client.push(auth_reply(True, feed.ack_count))
        return
    if not state["authed"]:
        return
    if kind == MODE:
        state["lite"] = fields.get(2, b"") == bytes((LITE_MODE,))
        client.push(reply_frame(MODE))
        if not state["lite"]:
            state["sent"].clear()  # back to full mode: the next update repeats every value
    elif kind in (SUBSCRIBE, UNSUBSCRIBE):
        topics = _topic_list(fields.get(1, b""))
        if topics is None:
            client.push(reply_frame(kind, ok=False))
            return
        if kind == SUBSCRIBE:
            _subscribe(host, feed, client, topics)
        else:
            for topic in topics:
                state["topic_ids"].pop(topic, None)
                state["sent"].pop(topic, None)
            client.push(reply_frame(UNSUBSCRIBE))
    elif kind in (PAUSE, RESUME):
        state["paused"] = kind == PAUSE
        client.push(reply_frame(kind))
    elif kind == ACK and len(fields.get(1, b"")) == 4:
        state["acked"] = struct.unpack(">I", fields[1])[0]


def _subscribe(host: EmulatorHost, feed: FeedState, client: StreamClient, topics: list[str]) -> None:
    state = client.state
    ids: dict[str, int] = state["topic_ids"]
    known = [t for t in topics if t in feed.topics]
    instruments = {feed.topics[t][0] for t in [*ids, *known]}
    if len(instruments) > feed.symbol_limit:
        client.push(custom_frame(51001, f"Symbol limit of {feed.symbol_limit} exceeded for your plan", SUBSCRIBE))
        return
    client.push(reply_frame(SUBSCRIBE))
    records = []
    for topic in known:
        topic_id = ids.get(topic)
        if topic_id is None:
            state["next_id"] = topic_id = state.get("next_id", 0) % 65_535 + 1
            ids[topic] = topic_id
        token, kind = feed.topics[topic]
        listed = feed.listed[token]
        values = _values(host, kind, host.engine.quote(token), listed.precision)
        state["sent"][topic] = values
        exchange, _, rest = listed.ticker.partition(":")
        records.append(snapshot_record(topic_id, topic, values, precision=listed.precision, exchange=exchange,
                                       token=listed.fy_token[10:], symbol=rest))
    if records:
        state["number"] += 1
        client.push(data_frame(state["number"], records))


def _order_request(client: StreamClient, message: str | bytes) -> None:
    if message in ("ping", b"ping"):
        client.push("pong")
        return
    try:
        request: Any = msgspec.json.decode(message)
    except msgspec.DecodeError:
        return
    if not isinstance(request, dict) or request.get("T") != "SUB_ORD" or not isinstance(request.get("SLIST"), list):
        client.push(msgspec.json.encode({"s": "error", "code": -1600, "message": "Invalid request"}).decode())
        return
    lists: set[str] = client.state["lists"]
    names = {str(item) for item in request["SLIST"]}
    if request.get("SUB_T") == -1:
        lists -= names
        client.push(msgspec.json.encode({"code": 1605, "message": "Successfully unsubscribed", "s": "ok"}).decode())
    else:
        lists |= names
        client.push(msgspec.json.encode({"code": 1605, "message": "Successfully subscribed", "s": "ok"}).decode())


# -- market frames ---------------------------------------------------------------------------


def _values(host: EmulatorHost, kind: str, quote: PaperQuote, precision: int) -> list[int]:
    """A topic's wire values for a paper quote (prices as integers of 10**-precision)."""
    scale: int = 10 ** precision

    def p(value: float) -> int:
        return round(value * scale)

    now = int(host.clock.now().timestamp())
    traded = int(quote.timestamp.timestamp())
    if kind == "if":
        return [p(quote.last_price), p(quote.close), now, p(quote.high), p(quote.low), p(quote.open)]
    bids = list(quote.bids[:5]) + [(0.0, 0, 0)] * (5 - len(quote.bids[:5]))
    asks = list(quote.asks[:5]) + [(0.0, 0, 0)] * (5 - len(quote.asks[:5]))
    if kind == "dp":
        return ([p(b[0]) for b in bids] + [p(a[0]) for a in asks] + [b[1] for b in bids] + [a[1] for a in asks]
                + [b[2] for b in bids] + [a[2] for a in asks])
    average = (quote.high + quote.low + quote.last_price) / 3
    return [p(quote.last_price), quote.volume, traded, now, bids[0][1], asks[0][1], p(bids[0][0]), p(asks[0][0]),
            quote.last_quantity, sum(b[1] for b in quote.bids), sum(a[1] for a in quote.asks), p(average), quote.oi,
            p(quote.low), p(quote.high), p(quote.high * 1.25), p(quote.low * 0.8), p(quote.close * 0.8),
            p(quote.close * 1.2), p(quote.open), p(quote.close)]


async def publish(host: EmulatorHost, feed: FeedState, client: StreamClient) -> None:
    """Push one data frame of updates for everything the socket subscribed (called every market step)."""
    state = client.state
    if state.get("kind") != "hsm" or not state["authed"] or state["paused"] or not state["topic_ids"]:
        return
    if feed.ack_count and state["number"] - state["acked"] > feed.ack_count * _UNACKED_WINDOWS:
        return  # the client stopped acknowledging: the server stops sending
    sent: dict[str, list[int]] = state["sent"]
    records = []
    for topic, topic_id in state["topic_ids"].items():
        token, kind = feed.topics[topic]
        precision = feed.listed[token].precision
        if state["lite"]:
            if kind != "dp":
                records.append(lite_record(topic_id, round(host.engine.ltp(token) * 10 ** precision)))
            continue
        values = _values(host, kind, host.engine.quote(token), precision)
        before = sent.get(topic)
        sent[topic] = values
        records.append(update_record(topic_id, values if before is None else unchanged(before, values)))
    if records:
        state["number"] += 1
        client.push(data_frame(state["number"], records))


# -- order updates ---------------------------------------------------------------------------


def order_row(rest: Mapping[str, Any]) -> dict[str, Any]:
    """An order of the REST book (``orderBook[]``) in the order socket's raw snake_case keys.

    The inverse of ``map.json``'s ``order_mapper`` (REST-only keys such as ``pan`` or ``lp`` are not
    sent), plus the raw keys the SDK does not rename (``ord_status``, ``status_msg``, epochs).
    """
    raw = {_RAW_KEYS[key]: value for key, value in rest.items() if key in _RAW_KEYS}
    raw["ord_status"] = rest.get("status")
    raw["status_msg"] = rest.get("message", "")
    return raw


def order_frame(client: StreamClient, rest_row: Callable[[], Mapping[str, Any]]) -> str | None:
    """An order change as the order socket pushes it, to a socket that subscribed ``orders``."""
    if client.state.get("kind") != "fyers_orders" or "orders" not in client.state["lists"]:
        return None
    return msgspec.json.encode({"s": "ok", "orders": order_row(rest_row())}).decode()
