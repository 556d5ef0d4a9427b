"""The control plane's moves of a call's status, each one a compare-and-set on its row.

Every producer of work here is at-least-once (SQS deliveries, RingCentral webhooks, two
schedules that fire at the same minute), so a move names the status (and attempt) it
expects and succeeds for exactly one caller: the loser learns it from the False and does
nothing. `CallRepository.set_status` overwrites unconditionally, which is right for the
media plane's own call but not for racing workers.

Times are the caller's (`now` from the control plane's clock), never the database's, so
tests move the clock and every deadline moves with it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg

from shared.db.repositories import CallId
from shared.domain.call import CallStatus, Outcome

OPEN_STATUSES = tuple(status for status in CallStatus if not status.is_final)
_WAITING = (CallStatus.QUEUED, CallStatus.WAITING_WINDOW, CallStatus.RETRY_SCHEDULED)


@dataclass(frozen=True, slots=True)
class DueCall:
    """An open call whose `check_at` has passed (or a queued one stale for too long)."""

    id: uuid.UUID
    status: CallStatus
    attempts: int
    next_attempt_at: dt.datetime | None


class CallStates:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def claim_dial(self, call_id: CallId, attempt_no: int, deadline: dt.datetime) -> bool:
        """Own attempt `attempt_no`: only one dispatcher ever dials it.

        The durable half of "a duplicate never dials twice": whatever the Redis records
        say, the row moves from waiting to dialing with this attempt count once.
        """
        return await self._move(
            """
            UPDATE calls SET status = 'dialing', attempts = $2, check_at = $3,
                             next_attempt_at = NULL, updated_at = now()
            WHERE id = $1 AND status IN ('queued', 'waiting_window') AND attempts = $2 - 1
            RETURNING id
            """,
            call_id,
            attempt_no,
            deadline,
        )

    async def wait_for_window(self, call_id: CallId, opens_at: dt.datetime) -> bool:
        """Park a call that is not dialling until its calling window opens."""
        return await self._move(
            """
            UPDATE calls SET status = 'waiting_window', next_attempt_at = $2, check_at = $2,
                             updated_at = now()
            WHERE id = $1 AND status = ANY($3::text[]) RETURNING id
            """,
            call_id,
            opens_at,
            _values(_WAITING),
        )

    async def release(self, call_id: CallId, now: dt.datetime, recheck_at: dt.datetime) -> bool:
        """A due retry or window opening becomes queued; the sweep re-sends it after
        `recheck_at` if no dispatcher has taken it by then (a lost send)."""
        return await self._move(
            """
            UPDATE calls SET status = 'queued', next_attempt_at = NULL, check_at = $3,
                             updated_at = now()
            WHERE id = $1 AND status IN ('waiting_window', 'retry_scheduled')
              AND check_at <= $2
            RETURNING id
            """,
            call_id,
            now,
            recheck_at,
        )

    async def requeued(self, call_id: CallId, recheck_at: dt.datetime) -> bool:
        """A stale queued call was sent again: look again at `recheck_at`, not every minute."""
        return await self._move(
            "UPDATE calls SET check_at = $2 WHERE id = $1 AND status = 'queued' RETURNING id",
            call_id,
            recheck_at,
        )

    async def answered(
        self, call_id: CallId, attempt_no: int, at: dt.datetime, media_deadline: dt.datetime
    ) -> bool:
        """The driver picked up: the media plane must attach before `media_deadline`."""
        return await self._move(
            """
            UPDATE calls SET status = 'in_progress', started_at = coalesce(started_at, $3),
                             check_at = $4, updated_at = now()
            WHERE id = $1 AND status = 'dialing' AND attempts = $2 RETURNING id
            """,
            call_id,
            attempt_no,
            at,
            media_deadline,
        )

    async def media_attached(self, call_id: CallId) -> bool:
        """The media plane has the call: nothing for the sweep to watch any more."""
        return await self._move(
            """
            UPDATE calls SET check_at = NULL, updated_at = now()
            WHERE id = $1 AND status = 'in_progress' RETURNING id
            """,
            call_id,
        )

    async def schedule_retry(self, call_id: CallId, attempt_no: int, due: dt.datetime) -> bool:
        """Attempt `attempt_no` went unanswered: try again at `due`."""
        return await self._move(
            """
            UPDATE calls SET status = 'retry_scheduled', next_attempt_at = $3, check_at = $3,
                             updated_at = now()
            WHERE id = $1 AND status IN ('dialing', 'in_progress') AND attempts = $2
            RETURNING id
            """,
            call_id,
            attempt_no,
            due,
        )

    async def give_up(
        self,
        call_id: CallId,
        expected: Iterable[CallStatus],
        status: CallStatus,
        outcome: Outcome | None,
        reason: str,
        at: dt.datetime,
    ) -> bool:
        """End an open call without a conversation, with a reason the client can read."""
        if not status.is_final:
            raise ValueError(f"{status} is not a final status")
        return await self._move(
            """
            UPDATE calls SET status = $3, outcome = $4, outcome_reason = $5, ended_at = $6,
                             next_attempt_at = NULL, check_at = NULL, updated_at = now()
            WHERE id = $1 AND status = ANY($2::text[]) RETURNING id
            """,
            call_id,
            _values(expected),
            status,
            outcome,
            reason,
            at,
        )

    async def due(
        self,
        now: dt.datetime,
        stale_queued_after: dt.timedelta,
        statuses: Iterable[CallStatus] = OPEN_STATUSES,
        limit: int = 200,
    ) -> list[DueCall]:
        """Open calls to look at now, oldest deadline first.

        A queued call has no deadline until the sweep gives it one: the trigger writes it
        without, and it counts as due once it has sat unchanged for `stale_queued_after`.
        """
        rows = await self._pool.fetch(
            """
            SELECT id, status, attempts, next_attempt_at FROM calls
            WHERE status = ANY($3::text[])
              AND (check_at <= $1
                   OR (check_at IS NULL AND status = 'queued'
                       AND updated_at <= $1::timestamptz - $2::interval))
            ORDER BY coalesce(check_at, updated_at), id
            LIMIT $4
            """,
            now,
            stale_queued_after,
            _values(statuses),
            limit,
        )
        return [
            DueCall(row["id"], CallStatus(row["status"]), row["attempts"], row["next_attempt_at"])
            for row in rows
        ]

    async def queued_ids(self, limit: int = 500) -> list[uuid.UUID]:
        """Calls still waiting in the dispatch queue, for the window-close schedule."""
        rows = await self._pool.fetch(
            "SELECT id FROM calls WHERE status = 'queued' ORDER BY updated_at, id LIMIT $1",
            limit,
        )
        return [row["id"] for row in rows]

    async def _move(self, query: str, call_id: CallId, *args: Any) -> bool:
        key = call_id if isinstance(call_id, uuid.UUID) else uuid.UUID(call_id)
        return await self._pool.fetchval(query, key, *args) is not None


def _values(statuses: Iterable[CallStatus]) -> list[str]:
    return [status.value for status in statuses]
