"""How a driver describes its streaming socket: URL, messages, limits and a frame decoder.

The core's streaming engine owns the sockets (connect, heartbeat, reconnect, resubscribe,
sharding); a :class:`BrokerStream` says what to send and how to read what arrives.
"""

from __future__ import annotations

import abc
import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Protocol

from tt_connect.driver_api.auth import Session
from tt_connect.driver_api.context import DriverContext
from tt_connect.driver_api.instruments import BrokerSymbol
from tt_connect.driver_api.wire import Call
from tt_connect.enums import StreamMode
from tt_connect.models import OrderUpdate, Tick

__all__ = ["BrokerStream", "FrameDecoder", "StreamRejected"]


class StreamRejected(Exception):
    """Raised by a decoder when the broker refuses the socket (a failed auth ack, a close frame).

    ``session_dead`` asks the core to renew the session before reconnecting.
    """

    def __init__(self, message: str, *, session_dead: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.session_dead = session_dead


class FrameDecoder(Protocol):
    """Turns one WebSocket message into canonical events (hot path: no per-field slicing).

    A decoder is made per connection and lives as long as that socket: per-token state (a
    snapshot followed by deltas) starts afresh on every reconnect. A decoder may also have a
    ``replies`` list: frames the connection sends back right after the frame that queued them
    (acknowledgements a broker asks for, Fyers' HSM socket).
    """

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]: ...


class BrokerStream(abc.ABC):
    """A broker's streaming socket (returned by its plugin's ``stream``).

    A broker whose order updates come on a socket of their own (AngelOne) leaves
    ``carries_order_updates`` False and sets ``order_updates`` to another BrokerStream for
    that socket (no instruments are ever subscribed on it; its decoder yields OrderUpdates).
    The core opens it only while someone wants order updates.
    """

    max_instruments_per_connection: int = 0
    """Instruments one socket may carry (0: none, an order-update socket)."""
    max_connections: int = 1
    """Sockets one account (api key) may hold open at once."""
    stale_after: float = 30.0
    """Seconds without any frame (ticks or heartbeats) after which the feed is dead."""
    ping_interval: float | None = None
    """Seconds between client pings, or None when the broker does not expect them."""
    carries_order_updates: bool = False
    """True when order updates arrive on the market-data socket (Kite)."""
    order_updates: BrokerStream | None = None
    """The separate order-update socket, when the broker has one."""

    @abc.abstractmethod
    def url(self, session: Session | None) -> str:
        """Return the socket URL (not called when :meth:`authorize` returns a call)."""

    def authorize(self, session: Session | None) -> Call[str] | None:
        """Return an HTTP call whose result is the socket URL, sent before every connect (Upstox)."""
        return None

    def headers(self, session: Session | None) -> Mapping[str, str]:
        """Return the headers of the WebSocket handshake."""
        return {}

    def handshake(self, session: Session | None) -> list[str | bytes]:
        """Return the messages sent right after connecting, before any subscription (an auth frame)."""
        return []

    def ping(self) -> str | bytes | None:
        """Return the client ping message, when ``ping_interval`` is set."""
        return None

    @abc.abstractmethod
    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        """Return the messages that subscribe ``symbols`` in ``mode`` (mode changes included)."""

    @abc.abstractmethod
    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        """Return the messages that unsubscribe ``symbols``."""

    @abc.abstractmethod
    def decoder(self, ctx: DriverContext) -> FrameDecoder:
        """Return a fresh decoder for one connection."""
