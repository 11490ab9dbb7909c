"""The portfolio stream (``/v2/feed/portfolio-stream-feed``): order updates -> canonical OrderUpdates.

A socket of its own, separate from the market feed. The URL's ``update_types`` asks for
``order`` (``position``, ``holding`` and ``gtt_order`` exist too; tt-connect has no canonical
event for them yet). Each message is JSON text; an order update carries ``update_type:
"order"`` and the order's fields as the order book writes them (PROTOCOL.md marks the exact
field set unverified), so it parses like an order-book row. Anything else is skipped.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

import msgspec
from tt_connect.driver_api import DriverContext
from tt_connect.errors import InstrumentError
from tt_connect.models import OrderUpdate, Tick

from tt_connect_upstox.parsing import upstox_order_to_order

__all__ = ["UpstoxOrderDecoder"]


class UpstoxOrderDecoder:
    """Text frames with ``update_type: "order"`` -> OrderUpdate; other updates and unreadable frames -> nothing."""

    def __init__(self, ctx: DriverContext) -> None:
        self._ctx = ctx

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        try:
            message: Any = msgspec.json.decode(frame)
        except msgspec.DecodeError:
            return []
        if not isinstance(message, Mapping) or message.get("update_type") != "order" or not message.get("order_id"):
            return []
        try:
            order = upstox_order_to_order(self._ctx, message)
        except InstrumentError:
            return []  # an order on a contract today's master does not list: nothing canonical to say
        return [OrderUpdate(order=order, received_at=received_at, raw=message)]
