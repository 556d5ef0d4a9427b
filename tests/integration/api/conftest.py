"""The trigger API on a real socket (uvicorn) against the session's Postgres and Redis."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
import uvicorn

from functions.api.app import create_app
from functions.api.deps import ApiDependencies, build_dependencies
from shared.config import load_settings
from shared.queue.local import RedisDispatchQueue
from tests.integration.api.support import AUTH, TOKEN, RunningApi, StartApi


@pytest.fixture
def start_api(pg_pool: asyncpg.Pool, redis_client: aioredis.Redis, redis_prefix: str) -> StartApi:
    """Serve the app on 127.0.0.1 with settings overrides and optional dependency swaps."""

    @asynccontextmanager
    async def start(
        customize: Callable[[ApiDependencies], ApiDependencies] = lambda deps: deps,
        **overrides: Any,
    ) -> AsyncIterator[RunningApi]:
        settings = load_settings(
            **{
                "api_token": TOKEN,
                "redis_key_prefix": redis_prefix,
                "api_rate_per_second": 1000.0,
                "api_rate_burst": 1000,
                **overrides,
            }
        )
        deps = customize(build_dependencies(settings, pg_pool, redis_client))
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(deps), lifespan="on", log_config=None)
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if serving.done():
                serving.result()  # surface a start-up failure
            await asyncio.sleep(0.01)
        try:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", headers=AUTH
            ) as client:
                yield RunningApi(client, deps, RedisDispatchQueue(redis_client, redis_prefix))
        finally:
            server.should_exit = True
            await serving
            sock.close()

    return start


@pytest.fixture
async def api(start_api: StartApi) -> AsyncIterator[RunningApi]:
    async with start_api() as running:
        yield running
