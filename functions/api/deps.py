"""What the routes need, built by the app's lifespan and kept on `request.app.state`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import cast

import asyncpg
import redis.asyncio as aioredis
from fastapi import Request

from shared.calls.campaigns import Campaigns
from shared.calls.open_calls import OpenCalls
from shared.calls.triggers import CallTriggers
from shared.config import Settings, SettingsError
from shared.db.migrate import apply_migrations
from shared.db.pool import create_pool
from shared.db.repositories import AuditStore
from shared.queue.factory import dispatch_queue
from shared.state.idempotency import IdempotencyStore
from shared.state.rate_limiter import TokenBucket
from shared.state.redis import create_redis


@dataclass(frozen=True)
class ApiDependencies:
    settings: Settings
    pool: asyncpg.Pool
    audit: AuditStore
    redis: aioredis.Redis
    triggers: CallTriggers
    rate_limiter: TokenBucket
    campaigns: Campaigns


def build_dependencies(
    settings: Settings, pool: asyncpg.Pool, redis: aioredis.Redis
) -> ApiDependencies:
    """Wire the API over an open pool and Redis client; the caller owns both."""
    audit = AuditStore.from_pool(pool)
    prefix = settings.redis_key_prefix
    triggers = CallTriggers(
        calls=audit.calls,
        idempotency=IdempotencyStore(redis, prefix, ttl_seconds=settings.idempotency_ttl_seconds),
        queue=dispatch_queue(settings, redis),
        open_calls=OpenCalls(pool),
        drivers=audit.drivers,
    )
    return ApiDependencies(
        settings=settings,
        pool=pool,
        audit=audit,
        redis=redis,
        triggers=triggers,
        rate_limiter=TokenBucket(redis, prefix),
        campaigns=Campaigns(audit.campaigns, triggers, pool),
    )


@asynccontextmanager
async def open_dependencies(settings: Settings) -> AsyncIterator[ApiDependencies]:
    """Connect to Postgres and Redis, migrate, and close both on the way out."""
    database_url, redis_url = _data_store_urls(settings)
    await apply_migrations(database_url)
    pool = await create_pool(database_url)
    redis = create_redis(redis_url)
    try:
        yield build_dependencies(settings, pool, redis)
    finally:
        await redis.aclose()
        await pool.close()


def _data_store_urls(settings: Settings) -> tuple[str, str]:
    # No embedded fallback here: the API runs in Lambda too, where one would hide a
    # missing setting; the local stack's launcher sets both URLs.
    if not settings.database_url or not settings.redis_url:
        raise SettingsError("the API needs DATABASE_URL and REDIS_URL")
    return settings.database_url, settings.redis_url


def get_deps(request: Request) -> ApiDependencies:
    return cast(ApiDependencies, request.app.state.deps)
