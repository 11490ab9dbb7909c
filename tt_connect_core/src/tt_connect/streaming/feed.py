"""The seam between the streaming engine and where its events come from.

:class:`~tt_connect.streaming.StreamEngine` is two halves. The front half
(subscribers, merged wishes, routing, conflation, ``on_error``) is the same
for every source; the back half is a :class:`FeedBackend`: it is told the
merged state the subscribers want (instruments with their modes, and whether
anyone wants order updates) and hands canonical events to a :class:`FeedSink`.

The default backend is :class:`~tt_connect.streaming.socket_feed.SocketFeed`,
the broker's own sockets. Another backend (a bus that a hub process fills,
for instance ``tt-connect-redis``) gives a client the same ``subscribe(...)``
with the same handlers, modes, conflation and error semantics. A hub, in
turn, is a :class:`FeedSink` over a ``SocketFeed``: it publishes what the
broker sends instead of routing it to handlers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from tt_connect.enums import StreamMode
from tt_connect.instruments import Instrument
from tt_connect.models import OrderUpdate, Tick

__all__ = ["FeedBackend", "FeedSink", "StreamEvent"]

StreamEvent = Tick | OrderUpdate


class FeedSink(Protocol):
    """Receives what a feed produces. Called on the event loop, never concurrently."""

    def deliver(self, events: Sequence[StreamEvent]) -> bool:
        """Take decoded events; return True if work was queued (the feed then yields once)."""
        ...

    def report(self, error: BaseException) -> None:
        """Hear feed-wide trouble the stream survives (a failed connect, an undecodable frame, a gap)."""
        ...

    def count_reconnect(self) -> None:
        """Note that a connection was re-established after its first connect."""
        ...


class FeedBackend(Protocol):
    """Where a stream's ticks and order updates come from.

    The engine calls :meth:`bind` once, then :meth:`check` and :meth:`want`
    under its own lock whenever the subscribers change, so a backend sees one
    change at a time. ``want`` always receives the *whole* wanted state; the
    backend sends only the difference to wherever it subscribes.
    """

    @property
    def carries_order_updates(self) -> bool:
        """Return True if this feed can deliver order updates."""
        ...

    @property
    def live_connections(self) -> int:
        """Return how many of the feed's connections are up right now."""
        ...

    def bind(self, sink: FeedSink) -> None:
        """Give the feed the sink its events go to (before the first :meth:`want`)."""
        ...

    def check(self, instruments: Collection[Instrument]) -> None:
        """Refuse, before anything changes, a wanted set this feed cannot carry.

        ``instruments`` is every instrument that would be wanted after the change.
        Raises ``SubscriptionLimitError`` past the feed's capacity and
        ``InstrumentNotFoundError`` for an instrument the broker does not list.
        """
        ...

    async def want(self, wanted: Mapping[Instrument, StreamMode], order_updates: bool) -> None:
        """Make the feed carry exactly ``wanted`` (each in its mode), and order updates if asked."""
        ...

    async def until_live(self, instruments: Collection[Instrument], order_updates: bool, timeout: float) -> None:
        """Wait at most ``timeout`` seconds until what carries these is connected (never raises on timeout)."""
        ...

    def acknowledge(self, update: OrderUpdate) -> None:
        """Note that every subscriber that received ``update`` has handled it (at-least-once feeds ack it)."""
        ...

    async def reconnect(self) -> None:
        """Reconnect now with the current session (after a re-login), keeping what is wanted."""
        ...

    async def close(self) -> None:
        """Stop every connection and task of the feed. Idempotent."""
        ...
