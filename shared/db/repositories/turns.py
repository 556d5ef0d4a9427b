"""The `turns` table: what Karla and the driver said, in order, one row per turn."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from shared.db.repositories.calls import CallId
from shared.domain.call import Speaker


@dataclass(frozen=True, slots=True)
class TurnRecord:
    id: int
    call_id: uuid.UUID
    seq: int
    speaker: Speaker
    text: str
    started_at: dt.datetime
    ended_at: dt.datetime
    interrupted: bool
    latency: dict[str, Any] | None


class TurnRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def add(
        self,
        call_id: CallId,
        seq: int,
        speaker: str,
        text: str,
        started_at: dt.datetime,
        ended_at: dt.datetime,
        interrupted: bool = False,
        latency: dict[str, Any] | None = None,
    ) -> bool:
        """Store turn `seq` once; False when it was stored already (a resumed call)."""
        inserted = await self._pool.fetchval(
            """
            INSERT INTO turns (call_id, seq, speaker, text, started_at, ended_at,
                               interrupted, latency)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (call_id, seq) DO NOTHING
            RETURNING true
            """,
            call_id,
            seq,
            speaker,
            text,
            started_at,
            ended_at,
            interrupted,
            latency,
        )
        return bool(inserted)

    async def amend(
        self,
        call_id: CallId,
        seq: int,
        *,
        text: str | None = None,
        interrupted: bool | None = None,
        latency: dict[str, Any] | None = None,
    ) -> None:
        """Complete a stored turn once its audio has played: a barge-in cuts its text to
        what was heard, and latencies known only then (voice-to-voice) join the others."""
        await self._pool.execute(
            """
            UPDATE turns
               SET text = COALESCE($3, text),
                   interrupted = COALESCE($4, interrupted),
                   latency = CASE WHEN $5::jsonb IS NULL THEN latency
                                  ELSE COALESCE(latency, '{}'::jsonb) || $5::jsonb END
             WHERE call_id = $1 AND seq = $2
            """,
            call_id,
            seq,
            text,
            interrupted,
            latency,
        )

    async def list(self, call_id: CallId) -> list[TurnRecord]:
        rows = await self._pool.fetch(
            "SELECT * FROM turns WHERE call_id = $1 ORDER BY seq", call_id
        )
        return [
            TurnRecord(
                id=row["id"],
                call_id=row["call_id"],
                seq=row["seq"],
                speaker=Speaker(row["speaker"]),
                text=row["text"],
                started_at=row["started_at"],
                ended_at=row["ended_at"],
                interrupted=row["interrupted"],
                latency=row["latency"],
            )
            for row in rows
        ]
