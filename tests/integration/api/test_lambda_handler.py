"""The Lambda entry point with real API Gateway HTTP API (payload 2.0) events.

Mangum drives its own event loop, so each invocation runs in a worker thread with a fresh
loop, as a Lambda runtime would run it.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis

from shared.config import get_settings
from shared.queue.local import RedisDispatchQueue
from tests.aws_events import http_api_event as api_gateway_event
from tests.integration.api.support import TOKEN

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def lambda_env(
    monkeypatch: pytest.MonkeyPatch, database_url: str, redis_url: str, redis_prefix: str
) -> Iterator[None]:
    for name, value in {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": redis_prefix,
        "API_TOKEN": TOKEN,
        "ENVIRONMENT": "test",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def http_api_event(
    method: str, path: str, body: dict[str, Any] | None = None, token: str | None = TOKEN
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token is not None else None
    return api_gateway_event(method, path, body, headers)


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    """Call the handler the way the Lambda runtime does: synchronously, on its own loop."""
    from functions.api.handler import handler

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return handler(event, None)
    finally:
        asyncio.set_event_loop(None)
        loop.close()


async def test_importing_the_handler_connects_nowhere() -> None:
    # Addresses that refuse at once: a connection attempt at import would fail the import.
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql://karla@127.0.0.1:9/none",
        "REDIS_URL": "redis://:pw@127.0.0.1:9/0",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import functions.api.handler as h; assert callable(h.handler)",
        env=env,
        cwd=ROOT,
    )

    assert await process.wait() == 0


async def test_healthz_through_lambda(lambda_env: None) -> None:
    response = await asyncio.to_thread(invoke, http_api_event("GET", "/healthz", token=None))

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "status": "ok",
        "checks": {"postgres": "ok", "redis": "ok"},
    }


async def test_trigger_through_lambda(
    lambda_env: None, pg_pool: asyncpg.Pool, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    suffix = uuid.uuid4().hex[:8]
    body = {"driver_id": f"DRV-{suffix}", "trip_id": f"TRIP-{suffix}", "phone": "55 1234 5678"}

    response = await asyncio.to_thread(invoke, http_api_event("POST", "/api/calls", body))

    assert response["statusCode"] == 202
    accepted = json.loads(response["body"])
    assert accepted["status"] == "queued"
    assert response["headers"]["location"] == f"/api/calls/{accepted['call_id']}"
    status = await pg_pool.fetchval(
        "SELECT status FROM calls WHERE id = $1", uuid.UUID(accepted["call_id"])
    )
    assert status == "queued"
    queue = RedisDispatchQueue(redis_client, redis_prefix)
    assert [m.call_id for m in await queue.receive(wait_seconds=0)] == [accepted["call_id"]]


async def test_trigger_without_token_through_lambda(lambda_env: None) -> None:
    event = http_api_event("POST", "/api/calls", {"driver_id": "D", "trip_id": "T"}, token=None)

    response = await asyncio.to_thread(invoke, event)

    assert response["statusCode"] == 401
    assert json.loads(response["body"])["error"] == "unauthorized"
