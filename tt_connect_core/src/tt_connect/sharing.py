"""Backends named by URL that let many processes share one account: a feed bus and an account store.

``feed="redis://..."`` and ``account_store="redis://..."`` (client options) name
their backend by the URL's scheme, found in an entry-point group, so the core
never imports an add-on:

- ``tt_connect.feeds``: ``scheme = "package.module:factory"``; the factory is
  called as ``factory(url, *, broker, namespace, group)`` and returns a
  :class:`~tt_connect.streaming.FeedBackend` (the client's stream then reads the
  bus instead of opening broker sockets);
- ``tt_connect.account_stores``: ``factory(url)`` returns an :class:`AccountStore`:
  the session store, login lock and rate-limit windows every process of the
  account shares.

``tt-connect-redis`` registers ``redis``, ``rediss`` and ``unix`` in both.

A hub (the other end of a feed bus) takes a client's own broker sockets with
:func:`broker_feed` and publishes under :func:`bus_namespace`, the name the
client's consumers look for.
"""

from __future__ import annotations

import importlib.metadata
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from tt_connect.auth.login_lock import LoginLock
from tt_connect.auth.stores import SessionStore
from tt_connect.errors import ConfigurationError
from tt_connect.streaming.feed import FeedBackend
from tt_connect.transport.rate_limit import WindowStore

if TYPE_CHECKING:
    from tt_connect.client import AsyncTTConnect
    from tt_connect.streaming import SocketFeed

__all__ = [
    "ACCOUNT_STORE_ENTRY_POINTS",
    "FEED_ENTRY_POINTS",
    "AccountStore",
    "broker_feed",
    "bus_namespace",
    "open_account_store",
    "open_feed",
]

FEED_ENTRY_POINTS = "tt_connect.feeds"
ACCOUNT_STORE_ENTRY_POINTS = "tt_connect.account_stores"


class AccountStore(Protocol):
    """What every process of one account shares: the session, the login, the rate-limit windows."""

    @property
    def sessions(self) -> SessionStore: ...

    @property
    def login_lock(self) -> LoginLock: ...

    @property
    def windows(self) -> WindowStore: ...

    async def close(self) -> None:
        """Close the store's connections."""
        ...


def _factory(group: str, url: object, option: str) -> Any:
    if not isinstance(url, str) or "://" not in url:
        raise ConfigurationError(f"{option} must be a URL such as redis://127.0.0.1:6379/0, got {url!r}")
    scheme = urlsplit(url).scheme.lower()
    for entry in importlib.metadata.entry_points(group=group):
        if entry.name == scheme:
            return entry.load()
    raise ConfigurationError(
        f"no installed add-on serves {option} URLs of scheme {scheme!r}; for Redis, install the distribution "
        "tt-connect-redis (from a tt-connect checkout: pip install ./contrib/redis)")


def open_feed(url: str, *, broker: str, namespace: str, group: str | None) -> FeedBackend:
    """Return the feed backend a ``feed`` URL names (entry-point group ``tt_connect.feeds``)."""
    feed: FeedBackend = _factory(FEED_ENTRY_POINTS, url, "feed")(url, broker=broker, namespace=namespace,
                                                                  group=group)
    return feed


def open_account_store(url: str) -> AccountStore:
    """Return the account store an ``account_store`` URL names (group ``tt_connect.account_stores``)."""
    store: AccountStore = _factory(ACCOUNT_STORE_ENTRY_POINTS, url, "account_store")(url)
    return store


async def broker_feed(client: AsyncTTConnect) -> SocketFeed:
    """Connect ``client`` and return a feed of its account's own broker sockets, for a hub to share.

    The feed reconnects, shards and renews exactly as the client's own stream would; the
    client's ``subscribe`` is unaffected.
    """
    await client._rt.ready()
    return client._rt.socket_feed()


def bus_namespace(client: AsyncTTConnect) -> str:
    """Return the name every process of ``client``'s account meets under on a feed bus (not secret)."""
    return client._rt.bus_namespace()
