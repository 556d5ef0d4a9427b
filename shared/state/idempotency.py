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
    state: ClaimState
    value: dict[str, Any] = field(default_factory=dict)


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


class IdempotencyStore:
    def __init__(
        self,
        redis: aioredis.Redis,
        prefix: str,
        ttl_seconds: int,
        lock_seconds: int = 60,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._lock = lock_seconds
        self._claim = redis.register_script(_CLAIM)

    def _key(self, scope: str, key: str) -> str:
        return f"{self._prefix}idem:{scope}:{hashlib.sha256(key.encode()).hexdigest()}"

    async def claim(self, scope: str, key: str, fingerprint: str) -> Claim:
        state, value = await self._claim(
            keys=[self._key(scope, key)], args=[fingerprint, self._lock]
        )
        state = ClaimState(state.decode() if isinstance(state, bytes) else state)
        stored = json.loads(value) if value else {}
        return Claim(state, stored)

    async def complete(self, scope: str, key: str, fingerprint: str, value: dict[str, Any]) -> None:
        record = self._key(scope, key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                record,
                mapping={
                    "fingerprint": fingerprint,
                    "state": "completed",
                    "value": json.dumps(value),
                },
            )
            pipe.expire(record, self._ttl)
            await pipe.execute()

    async def release(self, scope: str, key: str) -> None:
        """Forget an unfinished claim so a retry can do the work."""
        await self._redis.delete(self._key(scope, key))
