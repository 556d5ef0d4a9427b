"""Which dispatch queue a process sends to: SQS when a queue URL is configured, else the
local Redis queue (the demo and the embedded stack, which run without AWS)."""

from __future__ import annotations

import redis.asyncio as aioredis

from shared.config import Settings
from shared.queue.base import DispatchQueue
from shared.queue.local import RedisDispatchQueue
from shared.queue.sqs import SqsDispatchQueue


def dispatch_queue(settings: Settings, redis: aioredis.Redis) -> DispatchQueue:
    if settings.dispatch_queue_url:
        return SqsDispatchQueue(settings.dispatch_queue_url)
    return RedisDispatchQueue(redis, settings.redis_key_prefix)
