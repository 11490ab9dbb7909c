"""Acme's stream: one JSON socket for ticks and order updates, a heartbeat a second.

``{"op": "sub", "keys": [...], "mode": "ltp"|"full"}`` subscribes (a mode change is a new ``sub``),
``{"op": "unsub", "keys": [...]}`` unsubscribes. Frames: ``{"t": "tick", "k": key, "lp": ..., ...}``
(``b``/``a`` depth in full mode), ``{"t": "order", "order": {...}}`` and ``{"t": "hb"}``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from tt_connect.driver_api import BrokerStream, BrokerSymbol, DriverContext, Session, StreamRejected
from tt_connect.enums import StreamMode
from tt_connect.instruments import AnyInstrument
from tt_connect.models import OrderUpdate, Tick

from tt_connect_acme.config import AcmeConfig
from tt_connect_acme.parsing import acme_order_to_order, acme_tick_to_tick, instrument_of

__all__ = ["AcmeDecoder", "AcmeStream"]

_MODES = {StreamMode.LTP: "ltp", StreamMode.QUOTE: "full", StreamMode.FULL: "full"}
"""Acme has no middle mode: QUOTE is served as full (a richer tick than asked, never a poorer one)."""
_decode = msgspec.json.Decoder()


class AcmeDecoder:
    """JSON frames -> Ticks and OrderUpdates; instruments are looked up once per key per connection."""

    def __init__(self, ctx: DriverContext) -> None:
        self._ctx = ctx
        self._instruments: dict[str, AnyInstrument] = {}

    def _instrument(self, key: str) -> AnyInstrument:
        found = self._instruments.get(key)
        if found is None:
            found = self._instruments[key] = instrument_of(self._ctx, key)
        return found

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        data: Any = _decode.decode(frame)
        kind = data.get("t") if isinstance(data, Mapping) else None
        if kind == "tick":
            return [acme_tick_to_tick(self._instrument(data["k"]), data, received_at)]
        if kind == "order":
            return [OrderUpdate(order=acme_order_to_order(self._ctx, data["order"]), received_at=received_at,
                                raw=data)]
        if kind == "error":
            raise StreamRejected(str(data.get("message", "stream refused")), session_dead=data.get("code") == "ACM-401")
        return []


class AcmeStream(BrokerStream):
    max_instruments_per_connection = 500
    max_connections = 2
    stale_after = 5.0
    carries_order_updates = True

    def __init__(self, config: AcmeConfig) -> None:
        self._url = config.ws_url

    def url(self, session: Session | None) -> str:
        return self._url

    def headers(self, session: Session | None) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {session.access_token}"} if session else {}

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        keys = [f"{s.exchange}:{s.symbol}" for s in symbols]
        return [msgspec.json.encode({"op": "sub", "keys": keys, "mode": _MODES[mode]}).decode()]

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        keys = [f"{s.exchange}:{s.symbol}" for s in symbols]
        return [msgspec.json.encode({"op": "unsub", "keys": keys}).decode()]

    def decoder(self, ctx: DriverContext) -> AcmeDecoder:
        return AcmeDecoder(ctx)
