"""Real Postgres and Redis for the whole suite.

The configured servers when DATABASE_URL / REDIS_URL are set, otherwise the embedded ones
under .state/test. Each test session gets its own database and its own Redis key prefix,
so runs never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis

from devstack.services import DataStores, ensure_data_stores, migrated_database

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def data_stores() -> DataStores:
    return ensure_data_stores(
        ROOT / ".state" / "test", os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    )


def use_fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials that can reach nothing real, and no endpoint or profile from the shell."""
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(scope="session")
async def database_url(data_stores: DataStores) -> AsyncIterator[str]:
    """A fresh, migrated database for this test session, dropped at the end."""
    async with migrated_database(data_stores.database_url, "karla_test") as url:
        yield url


@pytest.fixture(scope="session")
async def pg_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    from shared.db.pool import create_pool

    pool = await create_pool(database_url)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def redis_url(data_stores: DataStores) -> str:
    return data_stores.redis_url


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of its own for each test: tests share the server, never keys."""
    return f"karla-test:{uuid.uuid4().hex[:10]}:"


@pytest.fixture
async def redis_client(redis_url: str, redis_prefix: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url, decode_responses=False)
    yield client
    keys = [key async for key in client.scan_iter(match=f"{redis_prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
def settings(database_url: str, redis_url: str, redis_prefix: str):
    """Settings pointing at this session's database and this test's Redis prefix."""
    from shared.config import load_settings

    return load_settings(
        database_url=database_url,
        redis_url=redis_url,
        redis_key_prefix=redis_prefix,
        state_dir=ROOT / ".state" / "test",
        api_token="test-token-0123456789",
        client_api_max_attempts=2,
        client_api_timeout_seconds=2.0,
    )


@pytest.fixture
async def stack(settings, redis_client):
    """The whole local stack (mock client system over HTTP included) for one test."""
    from devstack.stack import local_stack

    async with local_stack(settings) as running:
        yield running
