"""Streaming: one subscribe interface over reconnecting, sharded sockets.

The client delegates to :class:`StreamEngine`; drivers only describe their
socket (``tt_connect.driver_api.BrokerStream``). See ``docs/streaming.md``.
"""

from __future__ import annotations

from tt_connect.streaming.engine import StreamEngine
from tt_connect.streaming.subscriber import ErrorHandler, OrderUpdateHandler, StreamStats, Subscription, TickHandler

__all__ = ["ErrorHandler", "OrderUpdateHandler", "StreamEngine", "StreamStats", "Subscription", "TickHandler"]
