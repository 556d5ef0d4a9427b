"""Throw-away data for one run of the stack: `karla demo` and `make e2e` start clean.

On the configured (or embedded) Postgres a fresh, migrated database, dropped after; on
Redis a key prefix of its own, whose keys are deleted after. A run then never meets what
an earlier one left open (a redial still scheduled would otherwise be the "open call"
a new trigger for the same driver and trip is folded into).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import redis.asyncio as aioredis

from shared.config import Settings

from .services import ensure_data_stores, migrated_database


@dataclass(frozen=True)
class ScratchStores:
    database_url: str
    redis_url: str
    redis_key_prefix: str

    def applied(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={
                "database_url": self.database_url,
                "redis_url": self.redis_url,
                "redis_key_prefix": self.redis_key_prefix,
            }
        )


@contextlib.asynccontextmanager
async def scratch_stores(settings: Settings, name: str) -> AsyncIterator[ScratchStores]:
    stores = await asyncio.to_thread(
        ensure_data_stores, settings.state_dir, settings.database_url, settings.redis_url
    )
    prefix = f"karla-{name}:{uuid.uuid4().hex[:10]}:"
    async with migrated_database(stores.database_url, f"karla_{name}") as database_url:
        try:
            yield ScratchStores(database_url, stores.redis_url, prefix)
        finally:
            redis = aioredis.from_url(stores.redis_url)
            try:
                keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
                if keys:
                    await redis.delete(*keys)
            finally:
                await redis.aclose()
