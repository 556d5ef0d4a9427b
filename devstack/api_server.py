"""The trigger API on uvicorn, for the demo (in-process) and `karla api` (standalone), and
`karla media-server`: both servers of the local stack over its embedded data stores."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from functions.api.app import create_app
from functions.api.deps import build_dependencies, open_dependencies
from shared.config import Settings
from shared.serving import bind_socket, serve_asgi, serving, url_of

from .services import ensure_data_stores
from .stack import LocalStack


@contextlib.asynccontextmanager
async def serving_api(stack: LocalStack) -> AsyncIterator[str]:
    """Serve the API over the stack's pool and Redis on a free loopback port; yield its URL.

    The API queues dispatches on the stack's Redis (`RedisDispatchQueue`), where the local
    dispatcher consumes them.
    """
    deps = build_dependencies(stack.settings, stack.pool, stack.redis)
    async with serving(create_app(deps)) as url:
        yield url


async def serve_api(settings: Settings, host: str, port: int) -> int:
    """`karla api`: the API on host:port, on the configured or embedded data stores."""
    stores = await asyncio.to_thread(
        ensure_data_stores, settings.state_dir, settings.database_url, settings.redis_url
    )
    configured = settings.model_copy(
        update={"database_url": stores.database_url, "redis_url": stores.redis_url}
    )
    async with open_dependencies(configured) as deps:
        sock = bind_socket(host, port)
        print(f"Karla trigger API on {url_of(sock)} (OpenAPI at /docs)", flush=True)
        await serve_asgi(create_app(deps), sock)
    return 0


async def serve_media_locally(settings: Settings, host: str, port: int) -> int:
    """`karla media-server`: the media server over the configured or embedded data stores."""
    from media_server.process import serve_media

    stores = await asyncio.to_thread(
        ensure_data_stores, settings.state_dir, settings.database_url, settings.redis_url
    )
    configured = settings.model_copy(
        update={"database_url": stores.database_url, "redis_url": stores.redis_url}
    )
    return await serve_media(configured, host, port)
