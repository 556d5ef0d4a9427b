"""The `attempts` table: each time a call was dialled, and how that try ended."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import asyncpg

from shared.db.repositories.calls import CallId
from shared.domain.call import AttemptResult


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    id: int
    call_id: uuid.UUID
    attempt_no: int
    result: AttemptResult
    telephony_session_id: str | None
    started_at: dt.datetime
    ended_at: dt.datetime | None


class AttemptRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def start(
        self, call_id: CallId, attempt_no: int, telephony_session_id: str | None = None
    ) -> bool:
        """Record attempt `attempt_no` as dialling; False when it was recorded already."""
        inserted = await self._pool.fetchval(
            """
            INSERT INTO attempts (call_id, attempt_no, telephony_session_id)
            VALUES ($1, $2, $3)
            ON CONFLICT (call_id, attempt_no) DO NOTHING
            RETURNING true
            """,
            call_id,
            attempt_no,
            telephony_session_id,
        )
        return bool(inserted)

    async def finish(self, call_id: CallId, attempt_no: int, result: str) -> bool:
        """Record how the attempt ended (an `AttemptResult` value); the first result wins.

        A repeated or late telephony event returns False and changes nothing, as does an
        attempt that was never started.
        """
        if AttemptResult(result) is AttemptResult.DIALING:
            raise ValueError("an attempt cannot finish as 'dialing'")
        updated = await self._pool.fetchval(
            """
            UPDATE attempts SET result = $3, ended_at = now()
            WHERE call_id = $1 AND attempt_no = $2 AND ended_at IS NULL
            RETURNING true
            """,
            call_id,
            attempt_no,
            result,
        )
        return bool(updated)

    async def list(self, call_id: CallId) -> list[AttemptRecord]:
        rows = await self._pool.fetch(
            "SELECT * FROM attempts WHERE call_id = $1 ORDER BY attempt_no", call_id
        )
        return [_record(row) for row in rows]

    async def by_telephony_session(self, telephony_session_id: str) -> AttemptRecord | None:
        """The attempt a telephony-session event is about (its events name only the session)."""
        row = await self._pool.fetchrow(
            "SELECT * FROM attempts WHERE telephony_session_id = $1 ORDER BY id DESC LIMIT 1",
            telephony_session_id,
        )
        return _record(row) if row is not None else None


def _record(row: asyncpg.Record) -> AttemptRecord:
    return AttemptRecord(
        id=row["id"],
        call_id=row["call_id"],
        attempt_no=row["attempt_no"],
        result=AttemptResult(row["result"]),
        telephony_session_id=row["telephony_session_id"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
    )
