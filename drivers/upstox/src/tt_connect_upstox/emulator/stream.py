"""Streaming routes: the v3 market feed (protobuf) and the portfolio stream (JSON order updates).

Both sockets are authorised the way Upstox does it: ``GET .../authorize`` (Bearer) answers
``data.authorized_redirect_uri``, a socket URL carrying a one-time ``code``; connecting to the
plain feed URL with the Bearer header is answered with a 302 to such a URL (the official SDK's
websocket client follows it). On the market feed, requests are JSON sent as **binary** frames
(``{"guid", "method": "sub"|"change_mode"|"unsub", "data": {"instrumentKeys", "mode"}}``, mode
``ltpc`` by default); replies are ``FeedResponse`` messages: ``market_info`` right after the
connect, ``initial_feed`` after a subscription, ``live_feed`` every market step. The request
mode ``full`` answers as ``full_d5``. The portfolio stream sends each order change as JSON text
(``update_type: "order"``) when ``update_types`` asks for orders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import msgspec
from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal, StreamClient
from tt_connect.paper.engine import PaperOrder, PaperQuote

from tt_connect_upstox.feed_proto import FeedResponse, RequestMode

if TYPE_CHECKING:
    from tt_connect_upstox.emulator.app import UpstoxEmulator

__all__ = ["add_routes", "feed_frame", "on_message", "order_frame", "publish"]

_MODES = {"ltpc": "ltpc", "full": "full_d5", "option_greeks": "option_greeks", "full_d30": "full_d30"}
"""Request mode -> the ``requestMode`` the replies carry."""
_MARKET_INFO, _INITIAL, _LIVE = 2, 0, 1
_NORMAL_OPEN, _NORMAL_CLOSE = 2, 3
_SEGMENTS = ("NSE_EQ", "NSE_FO", "NSE_INDEX", "BSE_EQ", "BSE_FO", "BSE_INDEX", "NCD_FO", "BCD_FO", "MCX_FO")
_HEARTBEAT = 10.0
"""Seconds between the server's WebSocket pings (the feed-authorize page: a standard ping frame)."""


def _ms(quote: PaperQuote) -> int:
    return int(quote.timestamp.timestamp() * 1000)


def _fill_ltpc(ltpc: Any, quote: PaperQuote) -> None:
    ltpc.ltp, ltpc.ltt, ltpc.ltq, ltpc.cp = quote.last_price, _ms(quote), quote.last_quantity, quote.close


def _levels(emu: UpstoxEmulator, quote: PaperQuote, count: int) -> list[tuple[float, int, float, int]]:
    """Bid/ask pairs, best first; beyond the engine's five levels the book steps on by the tick size."""
    tick = emu.listing.row(quote.token).tick_size
    bids, asks = list(quote.bids), list(quote.asks)
    while bids and len(bids) < count:
        price, qty, orders = bids[-1]
        bids.append((round(price - tick, 2), qty, orders)) if price - tick > 0 else bids.append((0.0, 0, 0))
    while asks and len(asks) < count:
        price, qty, orders = asks[-1]
        asks.append((round(price + tick, 2), qty, orders))
    return [(b[0], b[1], a[0], a[1]) for b, a in zip(bids[:count], asks[:count], strict=False)]


def feed_frame(emu: UpstoxEmulator, subscriptions: dict[int, str], kind: int) -> bytes:
    """One ``FeedResponse`` for every subscribed token, each in its mode."""
    response = FeedResponse(type=kind, currentTs=int(emu.clock.now().timestamp() * 1000))
    for token, mode in subscriptions.items():
        quote = emu.engine.quote(token)
        feed = response.feeds[emu.listing.key[token]]
        feed.requestMode = RequestMode[_MODES[mode]]
        row = emu.listing.row(token)
        if mode == "ltpc":
            _fill_ltpc(feed.ltpc, quote)
        elif mode == "option_greeks":
            greeks = feed.firstLevelWithGreeks
            _fill_ltpc(greeks.ltpc, quote)
            for bid_p, bid_q, ask_p, ask_q in _levels(emu, quote, 1):
                greeks.firstDepth.bidP, greeks.firstDepth.bidQ = bid_p, bid_q
                greeks.firstDepth.askP, greeks.firstDepth.askQ = ask_p, ask_q
            greeks.vtt, greeks.oi = quote.volume, float(quote.oi)
        elif row.kind == "IDX":
            index = feed.fullFeed.indexFF
            _fill_ltpc(index.ltpc, quote)
            _ohlc(index.marketOHLC, quote)
        else:
            market = feed.fullFeed.marketFF
            _fill_ltpc(market.ltpc, quote)
            for bid_p, bid_q, ask_p, ask_q in _levels(emu, quote, 30 if mode == "full_d30" else 5):
                level = market.marketLevel.bidAskQuote.add()
                level.bidP, level.bidQ, level.askP, level.askQ = bid_p, bid_q, ask_p, ask_q
            _ohlc(market.marketOHLC, quote)
            market.atp = round((quote.high + quote.low + quote.last_price) / 3, 2)
            market.vtt, market.oi = quote.volume, float(quote.oi)
            market.tbq, market.tsq = float(sum(q for _, q, _ in quote.bids)), float(sum(q for _, q, _ in quote.asks))
    return bytes(response.SerializeToString())


def _ohlc(target: Any, quote: PaperQuote) -> None:
    bar = target.ohlc.add()
    bar.interval, bar.open, bar.high, bar.low, bar.close = "1d", quote.open, quote.high, quote.low, quote.last_price
    bar.vol, bar.ts = quote.volume, _ms(quote)


def _market_info(emu: UpstoxEmulator) -> bytes:
    response = FeedResponse(type=_MARKET_INFO, currentTs=int(emu.clock.now().timestamp() * 1000))
    for segment in _SEGMENTS:
        response.marketInfo.segmentStatus[segment] = _NORMAL_OPEN if emu.engine.market_open else _NORMAL_CLOSE
    return bytes(response.SerializeToString())


def add_routes(emu: UpstoxEmulator, app: web.Application) -> None:
    def socket_url(path: str, extra: dict[str, str], user: str) -> str:
        code = emu.sessions.issue_code("socket", user)
        return f"{emu.ws_base_url}{path}/socket?{urlencode({'requestId': code[:12], 'code': code, **extra})}"

    def authorize(path: str, *, portfolio: bool) -> Any:
        def handler(request: web.Request, body: dict[str, Any], user: str) -> Any:
            extra = _update_types(request) if portfolio else {}
            url = socket_url(path, extra, user)
            return {"authorized_redirect_uri": url, "authorizedRedirectUri": url}
        return handler

    def entry(path: str, *, portfolio: bool) -> Any:
        async def handler(request: web.Request) -> web.StreamResponse:
            try:
                user = emu.authenticate(request)
            except Refusal as refusal:
                return emu.refusal_response(refusal)
            raise web.HTTPFound(socket_url(path, _update_types(request) if portfolio else {}, user))
        return handler

    def socket(*, portfolio: bool) -> Any:
        async def handler(request: web.Request) -> web.StreamResponse:
            user = emu.sessions.redeem_code("socket", request.query.get("code", ""))
            if user is None:
                return emu.refusal_response(Refusal(ErrorKind.AUTH, "Invalid token used to access API",
                                                    code="UDAPI100050", status=401))
            if portfolio:
                kinds = set(request.query.get("update_types", "order").split(","))
                return await emu.serve_stream(request, user, heartbeat=_HEARTBEAT,
                                              state={"kind": "portfolio", "updates": kinds})
            return await emu.serve_stream(request, user, heartbeat=_HEARTBEAT, state={"kind": "market"})
        return handler

    market, portfolio = "/v3/feed/market-data-feed", "/v2/feed/portfolio-stream-feed"
    r = app.router
    r.add_get(f"{market}/authorize", emu.route(authorize(market, portfolio=False), body="none"))
    r.add_get(f"{portfolio}/authorize", emu.route(authorize(portfolio, portfolio=True), v2=True, body="none"))
    r.add_get(market, entry(market, portfolio=False))
    r.add_get(portfolio, entry(portfolio, portfolio=True))
    r.add_get(f"{market}/socket", socket(portfolio=False))
    r.add_get(f"{portfolio}/socket", socket(portfolio=True))


def _update_types(request: web.Request) -> dict[str, str]:
    wanted = request.query.get("update_types")
    return {"update_types": wanted} if wanted else {}


async def publish(emu: UpstoxEmulator, client: StreamClient) -> None:
    """Right after the connect: the market status; then every step: a live frame of the subscriptions."""
    if client.state.get("kind") != "market":
        return
    if not client.state.get("greeted"):
        client.state["greeted"] = True
        client.push(_market_info(emu))
        return
    if client.subscriptions:
        client.push(feed_frame(emu, client.subscriptions, _LIVE))


async def on_message(emu: UpstoxEmulator, client: StreamClient, message: str | bytes) -> None:
    """Handle one request frame; requests the feed does not understand are ignored, as Upstox does."""
    if client.state.get("kind") != "market":
        return
    try:
        request = msgspec.json.decode(message)
        method, data = request["method"], request["data"]
        keys, mode = data["instrumentKeys"], data.get("mode", "ltpc")
    except (msgspec.DecodeError, KeyError, TypeError):
        return
    if method not in ("sub", "change_mode", "unsub") or mode not in _MODES or not isinstance(keys, list):
        return
    tokens = [emu.listing.by_key[k] for k in keys if isinstance(k, str) and k in emu.listing.by_key]
    if method == "unsub":
        for token in tokens:
            client.subscriptions.pop(token, None)
        return
    added = {}
    for token in tokens:
        if method == "sub" or token in client.subscriptions:
            client.subscriptions[token] = str(mode)
            added[token] = str(mode)
    if added:
        client.push(feed_frame(emu, added, _INITIAL))


def order_frame(emu: UpstoxEmulator, order: PaperOrder, client: StreamClient) -> str | None:
    """An order change on a portfolio socket that asked for order updates, as JSON text."""
    if client.state.get("kind") != "portfolio" or "order" not in client.state.get("updates", ()):
        return None
    row = emu.listing.order(order)
    return msgspec.json.encode({"update_type": "order", "user_id": client.user_id, **row}).decode()
