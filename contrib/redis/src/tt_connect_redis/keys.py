"""The Redis key names of one account's bus, all under one prefix.

``ttc:{<namespace>}`` where the namespace is the broker and a non-secret digest of
the account (what the session files are named by), so that every process
configured for the same account meets on the same keys, and two accounts never
do. The braces are a Redis Cluster hash tag: every key of one bus lives in one
slot, so the hub's multi-key scripts also run on a clustered (managed) Redis.
"""

from __future__ import annotations

import zlib

from tt_connect.errors import ConfigurationError

__all__ = ["DEFAULT_SHARDS", "BusKeys"]

DEFAULT_SHARDS = 64


class BusKeys:
    """Key names of one bus.

    Parameters
    ----------
    namespace
        Usually ``"<broker>:<account key>"``; any text without spaces.
    shards
        How many streams the ticks are spread over (an instrument always goes to the same one).
        Many shards let a consumer read little besides its own instruments; a consumer of many
        instruments reads many keys per call. The hub and its consumers must agree.
    """

    def __init__(self, namespace: str, shards: int = DEFAULT_SHARDS) -> None:
        if not namespace or any(c.isspace() for c in namespace):
            raise ConfigurationError(f"a bus namespace is non-empty text without spaces, got {namespace!r}")
        if isinstance(shards, bool) or not isinstance(shards, int) or shards < 1:
            raise ConfigurationError(f"shards must be a whole number of at least 1, got {shards!r}")
        self.namespace = namespace
        self.shards = shards
        self.prefix = f"ttc:{{{namespace}}}"
        self.control = f"{self.prefix}:control"
        """Stream of nudges: a consumer's holds changed (the holds keys are the truth)."""
        self.consumers = f"{self.prefix}:consumers"
        """Set of consumer ids that may hold something."""
        self.hub = f"{self.prefix}:hub"
        """The running hub's epoch, with an expiry the hub keeps renewing."""
        self.meta = f"{self.prefix}:meta"
        """Hash: shards, stream lengths (written by the hub)."""
        self.orders = f"{self.prefix}:orders"
        """Stream of order updates (read through consumer groups)."""
        self.order_seq = f"{self.prefix}:order-seq"
        """Hash: order id -> the sequence number of its latest published update."""

    def holds(self, consumer: str) -> str:
        """Return the key of one consumer's holds (it expires unless the consumer renews it)."""
        return f"{self.prefix}:holds:{consumer}"

    def shard_of(self, key: bytes) -> int:
        """Return the shard an instrument key's ticks go to (the same in every process)."""
        return zlib.crc32(key) % self.shards

    def tick_stream(self, shard: int) -> str:
        """Return the name of one shard's tick stream."""
        return f"{self.prefix}:ticks:{shard}"
