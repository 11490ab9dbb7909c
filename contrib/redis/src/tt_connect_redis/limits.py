"""Rate-limit windows in Redis, so every process on one api key shares the broker's limits.

:class:`RedisWindowStore` is a :class:`~tt_connect.transport.WindowStore`:
each bucket is a sorted set of its recent sends (one member per unit of
cost, scored by time). One Lua script drops what left the longest window,
counts every window, and either records the call or returns the wait, in
one atomic step on the Redis server, timed by the server's own clock (so
hosts whose clocks differ still share one timeline).

A call is recorded when it takes its slot and moved to the server's time when
its reply comes back (:meth:`RedisWindowStore.settle`), which is never earlier
than its arrival at the broker; the next call needing that slot leaves a full
window later. Unlike the in-process store, a call still awaiting its reply is
counted at its reservation time (Redis cannot tell a slow reply from a dead
process), so each window is also counted ``margin`` seconds longer than the
broker's: that covers a reply slower than a window's length minus the margin.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError
from tt_connect.errors import NetworkError
from tt_connect.logs import get_logger

from tt_connect_redis.connection import bounded

__all__ = ["RedisWindowStore"]

_log = get_logger("tt_connect.redis")

# ARGV: the cost, the ticket, then (limit, span) pairs. Returns "0" once recorded, else the wait in seconds.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local cost = tonumber(ARGV[1])
local longest = 0
for i = 3, #ARGV, 2 do
  local span = tonumber(ARGV[i + 1])
  if span > longest then longest = span end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
local wait = 0
for i = 3, #ARGV, 2 do
  local limit = tonumber(ARGV[i])
  local span = tonumber(ARGV[i + 1])
  local since = '(' .. tostring(now - span)
  local used = redis.call('ZCOUNT', KEYS[1], since, '+inf')
  if used + cost > limit then
    local excess = used + cost - limit
    local freeing = redis.call('ZRANGEBYSCORE', KEYS[1], since, '+inf', 'WITHSCORES', 'LIMIT', excess - 1, 1)
    local until_free = tonumber(freeing[2]) + span - now
    if until_free > wait then wait = until_free end
  end
end
if wait > 0 then return tostring(wait) end
for n = 1, cost do
  redis.call('ZADD', KEYS[1], now, ARGV[2] .. ':' .. n)
end
redis.call('PEXPIRE', KEYS[1], math.ceil(longest * 1000) + 1000)
return '0'
"""

# ARGV: the ticket, its cost. Moves its members, if still there, to the server's time.
_SETTLE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
for n = 1, tonumber(ARGV[2]) do
  redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1] .. ':' .. n)
end
return 0
"""


class RedisWindowStore:
    """Sliding windows shared through Redis.

    Parameters
    ----------
    client
        An asyncio Redis client.
    prefix
        Key prefix; a bucket lives at ``<prefix>:limits:<bucket key>``.
    margin
        Seconds added to every window, for the differing delays between reserving and arriving.
    """

    def __init__(self, client: Redis, *, prefix: str = "ttc", margin: float = 0.1) -> None:
        self._client = client
        self._prefix = prefix
        self._margin = margin
        self._script = client.register_script(_RESERVE)
        self._settle = client.register_script(_SETTLE)
        self._costs: dict[str, int] = {}
        self._nonce = secrets.token_hex(6)  # tickets are unique per process; this makes them unique per host

    async def reserve(self, key: str, windows: Sequence[tuple[float, float]], cost: int, ticket: str) -> float:
        if not windows:
            return 0.0
        ticket = f"{self._nonce}.{ticket}"
        args: list[str | int | float] = [cost, ticket]
        for limit, span in windows:
            args += [limit, span + self._margin]
        try:
            wait = await bounded(self._script(keys=[f"{self._prefix}:limits:{key}"], args=args))
        except RedisError as exc:
            raise NetworkError(f"the shared rate-limit store is unreachable ({type(exc).__name__})") from None
        if float(wait) <= 0:
            self._costs[ticket] = cost
        return float(wait)

    async def settle(self, key: str, ticket: str) -> None:
        ticket = f"{self._nonce}.{ticket}"
        cost = self._costs.pop(ticket, None)
        if cost is None:
            return
        try:
            await bounded(self._settle(keys=[f"{self._prefix}:limits:{key}"], args=[ticket, cost]))
        except RedisError as exc:
            # The call stays counted at its reservation time, covered by the margin.
            _log.warning("rate_window_settle_failed", key=key, error=type(exc).__name__)
