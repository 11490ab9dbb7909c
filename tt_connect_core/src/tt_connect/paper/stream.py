"""The paper broker's stream: JSON subscribe messages, JSON frames, canonical ticks."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

import msgspec

from tt_connect.driver_api import BrokerStream, BrokerSymbol, DriverContext, FrameDecoder, Session
from tt_connect.enums import StreamMode
from tt_connect.instruments import AnyInstrument
from tt_connect.models import Depth, DepthLevel, OrderUpdate, Tick
from tt_connect.paper.api import Finder, paper_order_to_order

__all__ = ["PaperDecoder", "PaperStream"]

_MODE_NAMES = {StreamMode.LTP: "ltp", StreamMode.QUOTE: "quote", StreamMode.FULL: "full"}
_MODES = {"ltp": StreamMode.LTP, "quote": StreamMode.QUOTE, "full": StreamMode.FULL}
_SEGMENTS = ("NSE_EQ", "NFO", "NSE_INDEX")


class _Frame(msgspec.Struct):
    type: str
    data: Any = None


class PaperDecoder:
    """Decodes paper frames; token -> instrument lookups are cached."""

    def __init__(self, ctx: DriverContext, find: Finder | None = None) -> None:
        self._ctx = ctx
        self._find = find
        self._instruments: dict[int, AnyInstrument] = {}
        self._decode = msgspec.json.Decoder(_Frame).decode

    def _instrument(self, token: int) -> AnyInstrument:
        found = self._instruments.get(token)
        if found is None:
            for segment in _SEGMENTS:
                try:
                    found = self._ctx.by_token(segment, str(token))
                    break
                except Exception:  # not in this segment
                    continue
            if found is None:
                found = self._ctx.by_token(_SEGMENTS[0], str(token))
            self._instruments[token] = found
        return found

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        message = self._decode(frame)
        if message.type == "order":
            order = (paper_order_to_order(self._ctx, message.data) if self._find is None else
                     paper_order_to_order(self._ctx, message.data, self._find))
            return [OrderUpdate(order=order, received_at=received_at)]
        if message.type != "ticks":
            return []
        out: list[Tick | OrderUpdate] = []
        for mode_name, q in message.data:
            mode = _MODES[mode_name]
            instrument = self._instrument(q["token"])
            if mode is StreamMode.LTP:
                out.append(Tick(instrument=instrument, mode=mode, last_price=q["last_price"],
                                received_at=received_at))
                continue
            depth = None
            if mode is StreamMode.FULL:
                depth = Depth(bids=tuple(DepthLevel(price=p, quantity=n, orders=o) for p, n, o in q["bids"]),
                              asks=tuple(DepthLevel(price=p, quantity=n, orders=o) for p, n, o in q["asks"]))
            buy = sum(level[1] for level in q["bids"])
            sell = sum(level[1] for level in q["asks"])
            out.append(Tick(
                instrument=instrument, mode=mode, last_price=q["last_price"], received_at=received_at,
                last_quantity=q["last_quantity"], volume=q["volume"], buy_quantity=buy, sell_quantity=sell,
                open=q["open"], high=q["high"], low=q["low"], close=q["close"],
                change=round(q["last_price"] - q["close"], 4), oi=q["oi"],
                exchange_timestamp=_dt.datetime.fromisoformat(q["timestamp"]) if mode is StreamMode.FULL else None,
                depth=depth))
        return out


class PaperStream(BrokerStream):
    """How the streaming engine talks to the paper market."""

    max_instruments_per_connection = 3000
    max_connections = 3
    stale_after = 30.0
    carries_order_updates = True

    def __init__(self, find: Finder | None = None) -> None:
        self._find = find

    def url(self, session: Session | None) -> str:
        return "paper://local/stream"

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        tokens = [int(s.token) for s in symbols]
        return [msgspec.json.encode({"a": "subscribe", "mode": _MODE_NAMES[mode], "tokens": tokens}).decode()]

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        tokens = [int(s.token) for s in symbols]
        return [msgspec.json.encode({"a": "unsubscribe", "tokens": tokens}).decode()]

    def decoder(self, ctx: DriverContext) -> FrameDecoder:
        return PaperDecoder(ctx, self._find)
