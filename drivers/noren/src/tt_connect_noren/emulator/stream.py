"""The emulator's socket: connect/ack in both generations, touchline and depth snapshots then deltas, ``om``.

Connect with ``{"t":"c","susertoken"}`` (legacy) or ``{"t":"a","accesstoken"}`` (OAuth,
Flattrade) and get ``ck``/``ak`` with ``s: OK``; subscribe ``{"t":"t"|"d","k":"NSE|2885#..."}``
and get one ``tk``/``dk`` snapshot per instrument, then ``tf``/``df`` deltas carrying only
the keys whose value changed; ``{"t":"o"}`` adds ``om`` order updates. The SDKs' keep-alive
is a WebSocket ping carrying ``{"t":"h"}``, which aiohttp answers; a text ``{"t":"h"}`` is ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from tt_connect.emulation import Refusal, StreamClient
from tt_connect.paper.engine import PaperOrder, PaperQuote

from tt_connect_noren.emulator.wire import money, noren_order

if TYPE_CHECKING:
    from tt_connect_noren.emulator.app import NorenEmulator

__all__ = ["on_stream_message", "order_frame", "publish"]


def _encode(message: dict[str, Any]) -> str:
    return msgspec.json.encode(message).decode()


def _touchline(quote: PaperQuote) -> dict[str, str]:
    change = (quote.last_price - quote.close) / quote.close * 100 if quote.close else 0.0
    best_bid = quote.bids[0] if quote.bids else (0.0, 0, 0)
    best_ask = quote.asks[0] if quote.asks else (0.0, 0, 0)
    return {"lp": money(quote.last_price), "pc": f"{change:.2f}", "v": str(quote.volume), "o": money(quote.open),
            "h": money(quote.high), "l": money(quote.low), "c": money(quote.close),
            "ap": money((quote.high + quote.low + quote.last_price) / 3), "oi": str(quote.oi), "poi": str(quote.oi),
            "bp1": money(best_bid[0]), "sp1": money(best_ask[0]), "bq1": str(best_bid[1]), "sq1": str(best_ask[1]),
            "ft": str(int(quote.timestamp.timestamp()))}


def _depth(emu: NorenEmulator, paper: int, quote: PaperQuote) -> dict[str, str]:
    out = _touchline(quote)
    band = 0.2 if emu.listing.row(paper).kind == "EQ" else 0.5
    out.update(ltq=str(quote.last_quantity), ltt=quote.timestamp.strftime("%H:%M:%S"),
               tbq=str(sum(q for _, q, _ in quote.bids)), tsq=str(sum(q for _, q, _ in quote.asks)),
               uc=money(quote.close * (1 + band)), lc=money(quote.close * (1 - band)))
    for side, levels in (("b", quote.bids), ("s", quote.asks)):
        for i in range(5):
            price, qty, orders = levels[i] if i < len(levels) else (0.0, 0, 0)
            out.update({f"{side}p{i + 1}": money(price), f"{side}q{i + 1}": str(qty), f"{side}o{i + 1}": str(orders)})
    return out


def _fields(emu: NorenEmulator, feed: str, paper: int) -> dict[str, str]:
    quote = emu.engine.quote(paper)
    return _depth(emu, paper, quote) if feed == "d" else _touchline(quote)


def _snapshot(emu: NorenEmulator, client: StreamClient, feed: str, paper: int) -> None:
    fields = _fields(emu, feed, paper)
    client.state["sent"][(feed, paper)] = fields
    identity = emu.listing.identity(paper)
    client.push(_encode({"t": f"{feed}k", "e": identity["exch"], "tk": identity["token"], "ts": identity["tsym"],
                         "pp": identity["pp"], "ti": identity["ti"], "ls": identity["ls"], **fields}))


async def publish(emu: NorenEmulator, client: StreamClient) -> None:
    """Push one delta per subscribed instrument whose values changed since the last frame it got."""
    if not client.state.get("user"):
        return
    sent: dict[tuple[str, int], dict[str, str]] = client.state["sent"]
    for (feed, paper), before in list(sent.items()):
        now = _fields(emu, feed, paper)
        changed = {key: value for key, value in now.items() if before.get(key) != value}
        if not changed:
            continue
        sent[(feed, paper)] = now
        identity = emu.listing.identity(paper)
        client.push(_encode({"t": f"{feed}f", "e": identity["exch"], "tk": identity["token"], **changed}))


def _instruments(emu: NorenEmulator, keys: object) -> list[int]:
    out = []
    for key in str(keys or "").split("#"):
        exchange, _, token = key.partition("|")
        try:
            out.append(emu.listing.find_token(exchange, token))
        except Refusal:
            continue  # Noren ignores a key it does not know
    return out


async def _connect(emu: NorenEmulator, client: StreamClient, message: dict[str, Any]) -> None:
    kind = message.get("t")
    ack = "ck" if kind == "c" else "ak"
    token = str(message.get("susertoken") if kind == "c" else message.get("accesstoken") or "")
    user = emu.user_tokens.user_of(token) or (emu.sessions.user_of(token) if kind == "a" else None)
    if user is None or message.get("uid") not in (None, user):
        # sent at once, not queued: the socket closes right after
        await client.ws.send_str(_encode({"t": ack, "s": "NOT_OK", "emsg": "Invalid Session Key"}))
        await client.ws.close()
        return
    client.user_id = user
    client.state["user"] = user
    client.push(_encode({"t": ack, "s": "OK", "uid": user}))


async def on_stream_message(emu: NorenEmulator, client: StreamClient, message: str | bytes) -> None:
    try:
        decoded = msgspec.json.decode(message)
    except msgspec.DecodeError:
        return
    if not isinstance(decoded, dict):
        return
    kind = decoded.get("t")
    if kind in ("c", "a"):
        await _connect(emu, client, decoded)
        return
    if not client.state.get("user"):
        return  # nothing is served before a successful connect
    if kind in ("t", "d"):
        for paper in _instruments(emu, decoded.get("k")):
            _snapshot(emu, client, str(kind), paper)
    elif kind in ("u", "ud"):
        feed = "t" if kind == "u" else "d"
        for paper in _instruments(emu, decoded.get("k")):
            client.state["sent"].pop((feed, paper), None)
        client.push(_encode({"t": "uk" if kind == "u" else "udk", "k": decoded.get("k", "")}))
    elif kind == "o":
        client.state["orders"] = True
        client.push(_encode({"t": "ok"}))


def order_frame(emu: NorenEmulator, order: PaperOrder, client: StreamClient) -> str | None:
    """An ``om`` message for a socket that subscribed to order updates."""
    if not client.state.get("orders"):
        return None
    from tt_connect_noren.emulator.orders import report_type, shown

    history = emu.engine.history.get(order.order_id, [])
    previous = history[-2] if len(history) > 1 else None
    row = noren_order(emu.listing, shown(emu, order), uid=emu.user_id,
                      fields=emu.order_fields.get(order.order_id, {}), report="om")
    row.update(t="om", reporttype=report_type(previous, order))
    row.pop("stat", None)
    return _encode(row)
