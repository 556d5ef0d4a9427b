"""A Redis stand-in for SQS, for the laptop demo and the tests.

Messages sit in one sorted set scored by their due time, read from the Redis server's own
clock so producers and consumers on different machines agree. `receive` pops due messages
in one Lua script, so two consumers never get the same message. Unlike SQS there is no
visibility timeout: a received message is gone, so delivery is at most once. The
dispatcher re-reads the calls row anyway, and the scheduler re-queues stale calls.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import redis.asyncio as aioredis

from shared.observability.logging import get_logger
from shared.queue.base import check_delay
from shared.queue.messages import DispatchMessage

_log = get_logger(__name__)

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000 "

_SEND = _NOW + "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2]) return 1"

_POP_DUE = (
    _NOW
    + "local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, ARGV[1]) "
    + "if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end "
    + "return due"
)

_POLL_SECONDS = 0.1


class RedisDispatchQueue:
    """`DispatchQueue` over a Redis sorted set under `prefix`."""

    def __init__(self, redis: aioredis.Redis, prefix: str, name: str = "dispatch") -> None:
        self._redis = redis
        self._key = f"{prefix}queue:{name}"
        self._send = redis.register_script(_SEND)
        self._pop_due = redis.register_script(_POP_DUE)

    async def send(self, message: DispatchMessage, delay_seconds: int = 0) -> None:
        check_delay(delay_seconds)
        # A random id per send keeps two equal messages from collapsing into one member.
        member = json.dumps({"id": uuid.uuid4().hex, "body": message.model_dump(mode="json")})
        await self._send(keys=[self._key], args=[delay_seconds, member])

    async def receive(
        self, max_messages: int = 10, wait_seconds: float = 1.0
    ) -> list[DispatchMessage]:
        """Pop up to `max_messages` due messages, polling up to `wait_seconds` for one."""
        if not 1 <= max_messages <= 10:
            raise ValueError("max_messages must be 1..10, as in SQS")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(wait_seconds, 0.0)
        while True:
            raw = await self._pop_due(keys=[self._key], args=[max_messages])
            messages = [m for m in map(_decode, raw) if m is not None]
            remaining = deadline - loop.time()
            if messages or remaining <= 0:
                return messages
            await asyncio.sleep(min(_POLL_SECONDS, remaining))

    async def depth(self) -> int:
        """Messages waiting, due or not: for the demo's status line and the tests."""
        return int(await self._redis.zcard(self._key))


def _decode(raw: Any) -> DispatchMessage | None:
    try:
        return DispatchMessage.model_validate(json.loads(raw)["body"])
    except (ValueError, KeyError, TypeError):  # pydantic's ValidationError is a ValueError
        # A malformed member would otherwise be popped and crash every consumer in turn.
        _log.warning("dispatch_queue_dropped_malformed_message")
        return None
