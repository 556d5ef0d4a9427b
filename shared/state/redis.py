"""Redis connections for Karla's live state."""

from __future__ import annotations

from urllib.parse import urlsplit

import redis.asyncio as aioredis

from shared.observability.logging import get_logger

_log = get_logger(__name__)


def create_redis(url: str) -> aioredis.Redis:
    """A client with timeouts and health checks; warns when the server needs no password."""
    parts = urlsplit(url)
    if not parts.password:
        _log.warning(
            "redis_without_password",
            host=parts.hostname,
            detail="Redis auth is mandatory outside CI",
        )
    return aioredis.from_url(
        url,
        decode_responses=False,
        socket_timeout=5,
        socket_connect_timeout=5,
        health_check_interval=30,
        retry_on_timeout=True,
    )
