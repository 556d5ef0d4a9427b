"""An atomic token bucket in Redis, shared by every process that talks to it.

The script reads Redis's own clock, so Lambdas and media servers on different hosts
agree on time; an idle bucket expires once it would be full again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import redis.asyncio as aioredis

# KEYS[1] bucket; ARGV: rate per second, burst, cost. Returns allowed, tokens left, wait (s),
# the last two as strings to keep their fractions.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return {allowed, tostring(tokens), tostring(wait)}
"""


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    remaining: float
    retry_after_seconds: float


class TokenBucket:
    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self._prefix = prefix
        self._script = redis.register_script(_TAKE)

    async def take(
        self, key: str, rate_per_second: float, burst: int, cost: int = 1
    ) -> RateDecision:
        """Take `cost` tokens from bucket `key` if it holds them; say how long to wait if not."""
        if not (math.isfinite(rate_per_second) and rate_per_second > 0):
            raise ValueError("rate_per_second must be a positive finite number")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        if not 1 <= cost <= burst:
            raise ValueError("cost must be between 1 and burst")
        allowed, remaining, wait = await self._script(
            keys=[f"{self._prefix}bucket:{key}"], args=[rate_per_second, burst, cost]
        )
        return RateDecision(bool(allowed), float(remaining), float(wait))
