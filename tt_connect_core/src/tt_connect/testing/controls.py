"""What an emulator offers the behaviour tiers to break things, or close the market, on purpose."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["FaultInjector", "MarketControls", "RateWindowCounter", "ServerErrorInjector", "WhitelistControls"]


class FaultInjector(Protocol):
    """The faults every emulator's kit offers (``tt_connect.emulation.Faults``)."""

    def drop_next_order_response(self) -> None:
        """Act on the next order placement, then drop the connection without a reply."""

    def expire_sessions(self) -> None:
        """Invalidate every issued access token (the broker's daily expiry, now)."""

    def kill_streams(self) -> None:
        """Close every open streaming socket."""


@runtime_checkable
class ServerErrorInjector(Protocol):
    """Optional: answer the next requests with an HTTP 5xx or 429."""

    def fail_next(self, status: int = 503, count: int = 1) -> None:
        """Answer the next ``count`` requests with ``status`` without acting on them."""


@runtime_checkable
class MarketControls(Protocol):
    """Optional: the market-hours switch, for the "market closed" row of the cross-broker table."""

    def close_market(self) -> None:
        """Close the session: regular orders are refused as the broker refuses them."""

    def open_market(self) -> None:
        """Open it again."""


@runtime_checkable
class WhitelistControls(Protocol):
    """Optional: take the caller off the static-IP whitelist, for the "not whitelisted" row."""

    def set_ip_whitelisted(self, whitelisted: bool) -> None:
        """False: the emulator refuses order writes as its broker refuses an unregistered IP."""


@runtime_checkable
class RateWindowCounter(Protocol):
    """Optional: the count of 429s the emulator's own rate windows (the broker's published limits) sent."""

    rate_limited: int
