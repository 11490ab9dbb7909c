"""Rate-limit windows in Redis, so every process on one api key shares the broker's limits.

:class:`RedisWindowStore` is a :class:`~tt_connect.transport.WindowStore`:
each bucket is a sorted set of its recent sends (one member per unit of
cost, scored by time). One Lua script drops what left the longest window,
counts every window, and either records the call or returns the wait, in
one atomic step on the Redis server, timed by the server's own clock (so
hosts whose clocks differ still share one timeline).

A request reserved at one instant reaches the broker a little later, and that
delay differs from process to process (a busy event loop, another host), so
two requests a full window apart at Redis can arrive closer at the broker.
Each window is therefore counted ``margin`` seconds longer than the broker's.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError
from tt_connect.errors import NetworkError

from tt_connect_redis.connection import bounded

__all__ = ["RedisWindowStore"]

# ARGV: cost, nonce, then (limit, span) pairs. Returns "0" once recorded, else the wait in seconds.
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

    async def reserve(self, key: str, windows: Sequence[tuple[float, float]], cost: int) -> float:
        if not windows:
            return 0.0
        args: list[str | int | float] = [cost, secrets.token_hex(8)]
        for limit, span in windows:
            args += [limit, span + self._margin]
        try:
            wait = await bounded(self._script(keys=[f"{self._prefix}:limits:{key}"], args=args))
        except RedisError as exc:
            raise NetworkError(f"the shared rate-limit store is unreachable ({type(exc).__name__})") from None
        return float(wait)
