"""The asyncpg connection pool every process uses for the audit store."""

from __future__ import annotations

import json

import asyncpg


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """Open a pool whose connections read and write json/jsonb as Python dicts and lists."""
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        server_settings={"application_name": "karla"},
    )


async def _init_connection(connection: asyncpg.Connection) -> None:
    # Without these codecs asyncpg passes JSON as text and every caller would (de)serialise.
    for type_name in ("json", "jsonb"):
        await connection.set_type_codec(
            type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )
