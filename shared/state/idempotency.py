"""Idempotency records: the same request with the same key gets the same result.

A claim is atomic: exactly one caller gets `NEW` and does the work; the others see the
work in progress, its stored result, or that the key was reused for a different request.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import redis.asyncio as aioredis


def fingerprint_of(payload: Any) -> str:
    """A stable hash of a JSON-able payload: key order and spacing don't matter."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ClaimState(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class Claim:
    """What `claim` found; `value` is the stored result, set only when COMPLETED."""

    state: ClaimState
    value: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def new(cls) -> Claim:
        return cls(ClaimState.NEW)

    @classmethod
    def completed(cls, value: dict[str, Any]) -> Claim:
        return cls(ClaimState.COMPLETED, value)

    @classmethod
    def in_progress(cls) -> Claim:
        return cls(ClaimState.IN_PROGRESS)

    @classmethod
    def mismatch(cls) -> Claim:
        return cls(ClaimState.MISMATCH)


# KEYS[1] record; ARGV: fingerprint, lock ttl. Returns state, stored value (JSON or '').
_CLAIM = """
local record = redis.call('HMGET', KEYS[1], 'fingerprint', 'state', 'value')
if not record[1] then
  redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'state', 'in_progress')
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
  return {'new', ''}
end
if record[1] ~= ARGV[1] then return {'mismatch', ''} end
if record[2] == 'completed' then return {'completed', record[3]} end
return {'in_progress', ''}
"""

# KEYS[1] record; ARGV: fingerprint, value JSON, ttl. Never overwrites another request's
# record (possible once our lock expired and a different request claimed the key).
_COMPLETE = """
local stored = redis.call('HGET', KEYS[1], 'fingerprint')
if stored and stored ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'state', 'completed', 'value', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""

# KEYS[1] record. Only an unfinished claim is dropped: a stored result stays replayable.
_RELEASE = """
if redis.call('HGET', KEYS[1], 'state') == 'in_progress' then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class IdempotencyStore:
    def __init__(
        self,
        redis: aioredis.Redis,
        prefix: str,
        ttl_seconds: int,
        lock_seconds: int = 60,
    ) -> None:
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._lock = lock_seconds
        self._claim = redis.register_script(_CLAIM)
        self._complete = redis.register_script(_COMPLETE)
        self._release = redis.register_script(_RELEASE)

    def _key(self, scope: str, key: str) -> str:
        return f"{self._prefix}idem:{scope}:{hashlib.sha256(key.encode()).hexdigest()}"

    async def claim(self, scope: str, key: str, fingerprint: str) -> Claim:
        """Own the key (NEW, held for `lock_seconds`) or learn what holds it."""
        state, value = await self._claim(
            keys=[self._key(scope, key)], args=[fingerprint, self._lock]
        )
        state = ClaimState(state.decode() if isinstance(state, bytes) else state)
        stored = json.loads(value) if value else {}
        return Claim(state, stored)

    async def complete(self, scope: str, key: str, fingerprint: str, value: dict[str, Any]) -> bool:
        """Store the result for replays; False when a different request now holds the key."""
        stored = await self._complete(
            keys=[self._key(scope, key)], args=[fingerprint, json.dumps(value), self._ttl]
        )
        return bool(stored)

    async def release(self, scope: str, key: str) -> None:
        """Forget an unfinished claim so a retry can do the work."""
        await self._release(keys=[self._key(scope, key)])
