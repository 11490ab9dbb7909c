"""Frames of both Fyers sockets as the server sends them, built with the feed's own encoder, for the frame
fuzz tier: every HSM reply kind, snapshots then updates in full and lite mode, an index, depth, and the
order socket's JSON messages. The HSM decoder drops topics nobody subscribed, so the tier's stream is
given :data:`SUBSCRIPTIONS` first (:class:`SubscribedHooks`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from tt_connect.driver_api import BrokerStream, BrokerSymbol
from tt_connect.enums import StreamMode
from tt_connect.testing import FrameCase
from tt_connect_fyers.feed.emulator import order_row
from tt_connect_fyers.feed.encoder import (
    auth_reply,
    custom_frame,
    data_frame,
    lite_record,
    ping_frame,
    reply_frame,
    snapshot_record,
    unchanged,
    update_record,
)
from tt_connect_fyers.feed.protocol import AUTH, MODE, NO_VALUE, PAUSE, RESUME, SUBSCRIBE, UNSUBSCRIBE

__all__ = ["SUBSCRIPTIONS", "SubscribedHooks", "order_socket_frames", "stream_frames"]


def _symbol(token: str, ticker: str, segment: str) -> BrokerSymbol:
    return BrokerSymbol(token=token, symbol=ticker, exchange=ticker.partition(":")[0], segment=segment, lot_size=1,
                        tick_size=0.05)


SBIN = _symbol("10100000003045", "NSE:SBIN-EQ", "NSE_CM")
RELIANCE = _symbol("10100000002885", "NSE:RELIANCE-EQ", "NSE_CM")
NIFTY = _symbol("101000000026000", "NSE:NIFTY50-INDEX", "NSE_CM")
NIFTY_CALL = _symbol("101125013043650", "NSE:NIFTY25JAN24000CE", "NSE_FO")
SUBSCRIPTIONS: tuple[tuple[tuple[BrokerSymbol, ...], StreamMode], ...] = (
    ((SBIN,), StreamMode.FULL), ((RELIANCE,), StreamMode.LTP), ((NIFTY, NIFTY_CALL), StreamMode.QUOTE))
"""Every mode the decoder serves (the rows of ``fyers_fakes.fyers_listing``)."""

LTT = 1736137800
# ltp, volume, ltt, feed time, bid size, ask size, bid, ask, ltq, total buy, total sell, atp, OI, low, high,
# year high, year low, lower circuit, upper circuit, open, previous close
QUOTE = [80050, 123456, LTT, LTT + 1, 40, 55, 80045, 80055, 7, 9000, 8000, 80012, 0, 79000, 81000,
         91000, 60000, 64000, 96000, 79500, 79900]
QUOTE_NEXT = [80060, 123460, LTT + 2, LTT + 2, 40, 50, 80055, 80065, 4, 9004, 7990, 80013, 0, 79000, 81000,
              91000, 60000, 64000, 96000, 79500, 79900]
DEPTH = [80045, 80040, 80035, 80030, 80025, 80055, 80060, 80065, 80070, 80075,
         40, 41, 42, 43, 44, 55, 56, 57, 58, 59, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
DEPTH_NEXT = [80055, 80040, 80035, 80030, 80025, 80065, 80060, 80065, 80070, 80075,
              12, 41, 42, 43, 44, 50, 56, 57, 58, 59, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10]
# ltp, previous close, feed time, high, low, open
INDEX = [2400050, 2390000, LTT + 1, 2410000, 2380000, 2395000]
INDEX_NEXT = [2400500, 2390000, LTT + 3, 2410000, 2380000, 2395000]


def _snap(topic_id: int, topic: str, values: Sequence[int], symbol: BrokerSymbol) -> bytes:
    exchange, _, name = symbol.symbol.partition(":")
    return snapshot_record(topic_id, topic, values, exchange=exchange, token=symbol.token[10:], symbol=name)


def stream_frames() -> list[FrameCase]:
    """The data socket's frames, case by case as one connection would receive them."""
    sbin_sf, sbin_dp = _snap(1, "sf|nse_cm|3045", QUOTE, SBIN), _snap(2, "dp|nse_cm|3045", DEPTH, SBIN)
    option = [24050, 900, LTT, LTT, 75, 75, 24000, 24100, 75, 3000, 2800, 24010, 1_200_000, 23000, 25000,
              40000, 1000, 5, 60000, 23500, 23900]
    return [
        FrameCase(name="login, mode and request replies, a ping", frames=[
            auth_reply(True), reply_frame(MODE), reply_frame(SUBSCRIBE), reply_frame(UNSUBSCRIBE, ok=False),
            reply_frame(PAUSE), reply_frame(RESUME), ping_frame()]),
        FrameCase(name="full: quote and depth snapshots, then updates, acknowledged every 2 frames", frames=[
            auth_reply(True, 2), data_frame(1, [sbin_sf, sbin_dp]),
            data_frame(2, [update_record(1, unchanged(QUOTE, QUOTE_NEXT)),
                           update_record(2, unchanged(DEPTH, DEPTH_NEXT))]),
            data_frame(3, [update_record(1, [NO_VALUE] * len(QUOTE)), update_record(2, DEPTH)])]),
        FrameCase(name="lite: a snapshot, then last prices alone and together", frames=[
            data_frame(7, [_snap(5, "sf|nse_cm|2885", QUOTE, RELIANCE)]), data_frame(8, [lite_record(5, 80075)]),
            data_frame(9, [lite_record(5, 80080), lite_record(5, NO_VALUE), lite_record(1, 80090)])]),
        FrameCase(name="index snapshot, then an update", frames=[
            data_frame(1, [_snap(9, "if|nse_cm|Nifty 50", INDEX, NIFTY)]),
            data_frame(2, [update_record(9, unchanged(INDEX, INDEX_NEXT))])]),
        FrameCase(name="an option and a topic nobody subscribed in one frame, then a full update", frames=[
            data_frame(1, [_snap(3, "sf|nse_fo|43650", option, NIFTY_CALL),
                           _snap(4, "sf|nse_cm|99999", QUOTE, SBIN), update_record(4, QUOTE_NEXT)]),
            data_frame(2, [update_record(3, option)])]),
        FrameCase(name="server messages", frames=[
            custom_frame(51001, "Symbol limit of 5000 exceeded for your plan", SUBSCRIBE),
            custom_frame(11, "Subscribed", 0)]),
        FrameCase(name="refused login", frames=[
            auth_reply(False), custom_frame(-300, "Please provide valid token", AUTH)]),
    ]


ORDER_ROW: dict[str, Any] = {
    "clientId": "X00001", "id": "25010600000001", "exchOrdId": "1100000000000001", "qty": 10, "remainingQuantity": 4,
    "filledQty": 6, "disclosedQty": 0, "limitPrice": 800.5, "stopPrice": 0.0, "tradedPrice": 800.5, "type": 1,
    "fyToken": "10100000003045", "exchange": 10, "segment": 10, "symbol": "NSE:SBIN-EQ", "instrument": 0,
    "message": "", "offlineOrder": False, "orderDateTime": "06-Jan-2025 09:20:01", "orderValidity": "DAY",
    "productType": "CNC", "side": 1, "status": 6, "source": "API", "orderTag": "1:conformancetag1"}


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def order_socket_frames() -> FrameCase:
    """The order socket's messages: the subscription ack, a pong, an order change, a trade, an expired token."""
    trade = {"id_fill": "T1", "id": "25010600000001", "qty_traded": 6, "price_traded": 800.5,
             "fy_token": "10100000003045"}
    return FrameCase(name="order socket: ack, pong, an order, a trade, an expired token", order_socket=True, frames=[
        _json({"code": 1605, "message": "Successfully subscribed", "s": "ok"}), "pong",
        _json({"s": "ok", "orders": order_row(ORDER_ROW)}), _json({"s": "ok", "trades": trade}),
        _json({"s": "error", "code": -8, "message": "Your token has expired."})])


class SubscribedHooks:
    """The driver's plugin hooks, except that the stream they make has :data:`SUBSCRIPTIONS` subscribed."""

    def __init__(self, hook: Any) -> None:
        self._hook = hook

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hook, name)

    def ttc_stream(self, config: Any) -> BrokerStream | None:
        stream: BrokerStream | None = self._hook.ttc_stream(config=config)
        if stream is not None:
            for symbols, mode in SUBSCRIPTIONS:
                stream.subscribe(symbols, mode)
        return stream
