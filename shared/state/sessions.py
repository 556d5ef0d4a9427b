"""Call sessions in Redis, saved with optimistic concurrency.

Every save names the version it read; a Lua script writes only if Redis still holds that
version, so two processes that both think they own a call can never silently overwrite
each other (the loser gets `StaleSession` and re-reads).
"""

from __future__ import annotations

from collections.abc import Callable

import redis.asyncio as aioredis

from shared.domain.session import CallSession


class SessionExists(RuntimeError):
    """A session for this call was already created."""


class SessionNotFound(LookupError):
    """No session for this call (never created, or expired)."""


class StaleSession(RuntimeError):
    """The session changed since it was read."""

    def __init__(self, call_id: str, stored: int, expected: int) -> None:
        super().__init__(f"call {call_id}: stored version {stored}, saving from {expected}")
        self.stored = stored
        self.expected = expected


# KEYS[1] session key; ARGV: expected version, new JSON, ttl seconds.
# The version is kept in a sibling field so the script never parses JSON.
_SAVE = """
local current = redis.call('HGET', KEYS[1], 'version')
if not current then return {-1} end
if tonumber(current) ~= tonumber(ARGV[1]) then return {0, tonumber(current)} end
redis.call('HSET', KEYS[1], 'version', tonumber(ARGV[1]) + 1, 'body', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return {1, tonumber(ARGV[1]) + 1}
"""

_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'body', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""


class CallSessionStore:
    def __init__(self, redis: aioredis.Redis, prefix: str, ttl_seconds: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._save_script = redis.register_script(_SAVE)
        self._create_script = redis.register_script(_CREATE)

    def _key(self, call_id: str) -> str:
        return f"{self._prefix}call:{call_id}"

    async def create(self, session: CallSession) -> CallSession:
        created = await self._create_script(
            keys=[self._key(session.call_id)],
            args=[session.version, session.model_dump_json(), self._ttl],
        )
        if not created:
            raise SessionExists(session.call_id)
        return session

    async def get(self, call_id: str) -> CallSession | None:
        version, body = await self._redis.hmget(self._key(call_id), ["version", "body"])
        if body is None or version is None:
            return None
        session = CallSession.model_validate_json(body)
        return session.model_copy(update={"version": int(version)})

    async def save(self, session: CallSession) -> CallSession:
        """Write `session` if nobody saved since it was read; return it with its new version."""
        saved = session.model_copy(update={"version": session.version + 1})
        status, *rest = await self._save_script(
            keys=[self._key(session.call_id)],
            args=[session.version, saved.model_dump_json(), self._ttl],
        )
        if status == -1:
            raise SessionNotFound(session.call_id)
        if status == 0:
            raise StaleSession(session.call_id, int(rest[0]), session.version)
        return saved

    async def update(
        self, call_id: str, mutate: Callable[[CallSession], CallSession], attempts: int = 5
    ) -> CallSession:
        """Read, change and save, re-reading when another writer got there first."""
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        for _ in range(attempts - 1):
            try:
                return await self._update_once(call_id, mutate)
            except StaleSession:
                continue
        return await self._update_once(call_id, mutate)

    async def _update_once(
        self, call_id: str, mutate: Callable[[CallSession], CallSession]
    ) -> CallSession:
        session = await self.get(call_id)
        if session is None:
            raise SessionNotFound(call_id)
        return await self.save(mutate(session))

    async def delete(self, call_id: str) -> None:
        await self._redis.delete(self._key(call_id))

    async def bind_media_token(self, token_id: str, call_id: str) -> None:
        """Let the media plane find the call a WebSocket's token belongs to."""
        await self._redis.set(f"{self._prefix}media:{token_id}", call_id, ex=self._ttl)

    async def call_for_media_token(self, token_id: str) -> str | None:
        value = await self._redis.get(f"{self._prefix}media:{token_id}")
        return value.decode() if isinstance(value, bytes) else value
