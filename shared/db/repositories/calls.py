"""The `calls` table: one row per call, from the trigger to its outcome and cost."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg

from shared.domain.call import CallStatus, Direction, Outcome
from shared.domain.session import Usage

CallId = uuid.UUID | str  # sessions carry the id as text; the column is uuid


class CallNotFound(LookupError):
    """A write named a call that has no row."""


class InvalidCursor(ValueError):
    """A page cursor that `CallRepository.list` did not hand out (or that was altered)."""


class DuplicateIdempotencyKey(Exception):
    """A call with this idempotency key exists already; `existing` is that call.

    Raised rather than returning the row, so a caller cannot mistake a replay for a new
    call: it compares `existing.request_fingerprint` to decide between replay and conflict.
    """

    def __init__(self, existing: CallRecord) -> None:
        super().__init__(f"idempotency key already used by call {existing.id}")
        self.existing = existing


@dataclass(frozen=True, slots=True)
class CallRecord:
    id: uuid.UUID
    campaign_id: uuid.UUID | None
    driver_id: str
    trip_id: str | None
    phone: str
    direction: Direction
    status: CallStatus
    outcome: Outcome | None
    outcome_reason: str | None
    idempotency_key: str | None
    request_fingerprint: str | None
    attempts: int
    next_attempt_at: dt.datetime | None
    call_time: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    usage: Usage
    cost_usd: Decimal | None


@dataclass(frozen=True, slots=True)
class CallPage:
    items: tuple[CallRecord, ...]
    next_cursor: str | None  # None on the last page


class CallRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def create(
        self,
        call_id: CallId,
        driver_id: str,
        trip_id: str | None,
        phone: str,
        direction: Direction,
        status: CallStatus,
        idempotency_key: str | None = None,
        request_fingerprint: str | None = None,
        campaign_id: uuid.UUID | None = None,
        call_time: dt.datetime | None = None,
    ) -> CallRecord:
        """Insert a call; raise `DuplicateIdempotencyKey` if its key is taken."""
        row = await self._pool.fetchrow(
            """
            INSERT INTO calls (id, driver_id, trip_id, phone, direction, status,
                               idempotency_key, request_fingerprint, campaign_id, call_time)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING *
            """,
            call_id,
            driver_id,
            trip_id,
            phone,
            direction,
            status,
            idempotency_key,
            request_fingerprint,
            campaign_id,
            call_time,
        )
        if row is not None:
            return _record(row)
        assert idempotency_key is not None  # only the key's index can skip the insert
        existing = await self.get_by_idempotency_key(idempotency_key)
        assert existing is not None  # calls are never deleted while their key is in use
        raise DuplicateIdempotencyKey(existing)

    async def get(self, call_id: CallId) -> CallRecord | None:
        """The call, or None; a text id that is not a UUID names no call."""
        try:
            key = call_id if isinstance(call_id, uuid.UUID) else uuid.UUID(call_id)
        except ValueError:
            return None
        row = await self._pool.fetchrow("SELECT * FROM calls WHERE id = $1", key)
        return _record(row) if row is not None else None

    async def get_by_idempotency_key(self, key: str) -> CallRecord | None:
        row = await self._pool.fetchrow("SELECT * FROM calls WHERE idempotency_key = $1", key)
        return _record(row) if row is not None else None

    async def list(
        self,
        status: CallStatus | None = None,
        created_from: dt.datetime | None = None,
        created_to: dt.datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
        driver_id: str | None = None,
    ) -> CallPage:
        """Newest first; `created_from` is inclusive, `created_to` exclusive.

        Keyset pagination on (created_at, id): pages stay free of gaps and repeats while
        new calls arrive, and each page costs the same however deep it is.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        args: list[Any] = []

        def bind(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        conditions: list[str] = []
        if status is not None:
            conditions.append(f"status = {bind(status)}")
        if driver_id is not None:
            conditions.append(f"driver_id = {bind(driver_id)}")
        if created_from is not None:
            conditions.append(f"created_at >= {bind(created_from)}")
        if created_to is not None:
            conditions.append(f"created_at < {bind(created_to)}")
        if cursor is not None:
            after_created_at, after_id = _decode_cursor(cursor)
            conditions.append(f"(created_at, id) < ({bind(after_created_at)}, {bind(after_id)})")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        order = f"ORDER BY created_at DESC, id DESC LIMIT {bind(limit + 1)}"
        # Only fixed fragments and $n placeholders reach the text; every value is bound.
        query = f"SELECT * FROM calls{where} {order}"  # noqa: S608
        rows = await self._pool.fetch(query, *args)
        items = tuple(_record(row) for row in rows[:limit])
        more = len(rows) > limit
        return CallPage(items, _encode_cursor(items[-1]) if more else None)

    async def set_status(
        self,
        call_id: CallId,
        status: CallStatus,
        *,
        started_at: dt.datetime | None = None,
        next_attempt_at: dt.datetime | None = None,
    ) -> None:
        """Move the call to `status`; the first `started_at` sticks.

        `next_attempt_at` is replaced, so None clears it: only a call waiting for its next
        try (retry_scheduled, waiting_window) has one.
        """
        await self._update(
            """
            UPDATE calls SET status = $2, started_at = coalesce(started_at, $3),
                             next_attempt_at = $4, updated_at = now()
            WHERE id = $1 RETURNING id
            """,
            call_id,
            status,
            started_at,
            next_attempt_at,
        )

    async def finish(
        self,
        call_id: CallId,
        status: CallStatus,
        outcome: Outcome | None,
        outcome_reason: str | None,
        usage: Usage | None,
        cost_usd: Decimal | None,
        ended_at: dt.datetime | None,
    ) -> None:
        """Record how the call ended, what it consumed and what it cost.

        None keeps what is stored (a call nobody answered consumed nothing to report);
        `ended_at` None means the database's now.
        """
        await self._update(
            """
            UPDATE calls SET status = $2, outcome = $3, outcome_reason = $4,
                             stt_audio_seconds = coalesce($5, stt_audio_seconds),
                             llm_input_tokens = coalesce($6, llm_input_tokens),
                             llm_output_tokens = coalesce($7, llm_output_tokens),
                             llm_cache_read_tokens = coalesce($8, llm_cache_read_tokens),
                             llm_cache_write_tokens = coalesce($9, llm_cache_write_tokens),
                             tts_characters = coalesce($10, tts_characters),
                             cost_usd = coalesce($11, cost_usd),
                             ended_at = coalesce($12, now()),
                             next_attempt_at = NULL, updated_at = now()
            WHERE id = $1 RETURNING id
            """,
            call_id,
            status,
            outcome,
            outcome_reason,
            *(getattr(usage, name) if usage is not None else None for name in _USAGE_COLUMNS),
            cost_usd,
            ended_at,
        )

    async def set_trip(self, call_id: CallId, trip_id: str) -> None:
        """Attach the trip that `crear_viaje` created during the call."""
        await self._update(
            "UPDATE calls SET trip_id = $2, updated_at = now() WHERE id = $1 RETURNING id",
            call_id,
            trip_id,
        )

    async def increment_attempts(self, call_id: CallId) -> int:
        """Count one more dial attempt atomically; return the new count."""
        return int(
            await self._update(
                """
                UPDATE calls SET attempts = attempts + 1, updated_at = now()
                WHERE id = $1 RETURNING attempts
                """,
                call_id,
            )
        )

    async def _update(self, query: str, call_id: CallId, *args: Any) -> Any:
        value = await self._pool.fetchval(query, call_id, *args)
        if value is None:
            raise CallNotFound(f"no call {call_id}")
        return value


# Usage's fields, named as their calls columns, in the $5..$10 order of `finish`.
_USAGE_COLUMNS = (
    "stt_audio_seconds",
    "llm_input_tokens",
    "llm_output_tokens",
    "llm_cache_read_tokens",
    "llm_cache_write_tokens",
    "tts_characters",
)


def _record(row: asyncpg.Record) -> CallRecord:
    outcome = row["outcome"]
    return CallRecord(
        id=row["id"],
        campaign_id=row["campaign_id"],
        driver_id=row["driver_id"],
        trip_id=row["trip_id"],
        phone=row["phone"],
        direction=Direction(row["direction"]),
        status=CallStatus(row["status"]),
        outcome=Outcome(outcome) if outcome is not None else None,
        outcome_reason=row["outcome_reason"],
        idempotency_key=row["idempotency_key"],
        request_fingerprint=row["request_fingerprint"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        call_time=row["call_time"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        usage=Usage(**{name: row[name] for name in _USAGE_COLUMNS}),
        cost_usd=row["cost_usd"],
    )


def _encode_cursor(last: CallRecord) -> str:
    raw = json.dumps([last.created_at.isoformat(), str(last.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, call_id = json.loads(raw)
        position = dt.datetime.fromisoformat(created_at), uuid.UUID(call_id)
    except (TypeError, ValueError):  # bad base64, JSON, shape, timestamp or UUID
        position = None
    if position is None or position[0].tzinfo is None:
        raise InvalidCursor("invalid cursor: pass back a next_cursor from a previous page")
    return position
