"""The `tool_calls` table: every tool the agent asked for, its arguments and its result."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from shared.db.repositories.calls import CallId


@dataclass(frozen=True, slots=True)
class ToolCallRecord:
    id: int
    call_id: uuid.UUID
    tool_call_id: str
    tool: str  # as the model named it, so unknown tools are audited too
    args: dict[str, Any]
    result: dict[str, Any] | None
    readiness: str  # ready / refused / failed
    error: str | None
    latency_ms: float
    client_request_id: str | None  # the X-Request-Id sent to the client's API
    created_at: dt.datetime


class ToolCallRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def add(
        self,
        call_id: CallId,
        tool_call_id: str,
        tool: str,
        args: dict[str, Any],
        result: dict[str, Any] | None,
        readiness: str,
        error: str | None,
        latency_ms: float,
        client_request_id: str | None,
    ) -> bool:
        """Store the tool call once; False when it was stored already (a replayed turn)."""
        inserted = await self._pool.fetchval(
            """
            INSERT INTO tool_calls (call_id, tool_call_id, tool, args, result, readiness,
                                    error, latency_ms, client_request_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (call_id, tool_call_id) DO NOTHING
            RETURNING true
            """,
            call_id,
            tool_call_id,
            tool,
            args,
            result,
            readiness,
            error,
            latency_ms,
            client_request_id,
        )
        return bool(inserted)

    async def list(self, call_id: CallId) -> list[ToolCallRecord]:
        """In the order they were recorded."""
        rows = await self._pool.fetch(
            "SELECT * FROM tool_calls WHERE call_id = $1 ORDER BY created_at, id", call_id
        )
        return [
            ToolCallRecord(
                id=row["id"],
                call_id=row["call_id"],
                tool_call_id=row["tool_call_id"],
                tool=row["tool"],
                args=row["args"],
                result=row["result"],
                readiness=row["readiness"],
                error=row["error"],
                latency_ms=row["latency_ms"],
                client_request_id=row["client_request_id"],
                created_at=row["created_at"],
            )
            for row in rows
        ]
