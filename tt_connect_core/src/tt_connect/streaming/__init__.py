"""Streaming: one subscribe interface over reconnecting, sharded sockets.

The client delegates to :class:`StreamEngine`; drivers only describe their
socket (``tt_connect.driver_api.BrokerStream``). The engine's events come from a
:class:`FeedBackend`: the broker's sockets (:class:`SocketFeed`) by default.
See ``docs/streaming.md``.
"""

from __future__ import annotations

from tt_connect.streaming.engine import StreamEngine
from tt_connect.streaming.feed import FeedBackend, FeedSink, StreamEvent
from tt_connect.streaming.socket_feed import SocketFeed
from tt_connect.streaming.subscriber import ErrorHandler, OrderUpdateHandler, StreamStats, Subscription, TickHandler

__all__ = [
    "ErrorHandler",
    "FeedBackend",
    "FeedSink",
    "OrderUpdateHandler",
    "SocketFeed",
    "StreamEngine",
    "StreamEvent",
    "StreamStats",
    "Subscription",
    "TickHandler",
]
