"""Streaming: one subscribe interface over reconnecting, sharded sockets."""

from __future__ import annotations

from tt_connect.streaming.engine import StreamEngine
from tt_connect.streaming.subscriber import OrderUpdateHandler, StreamStats, Subscription, TickHandler

__all__ = ["OrderUpdateHandler", "StreamEngine", "StreamStats", "Subscription", "TickHandler"]
