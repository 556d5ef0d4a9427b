"""The scheduler's work: release calls whose time has come, unstick the ones that stalled.

Three EventBridge schedules drive it (America/Mexico_City):
- window open (default window start): release the calls waiting for the window;
- window close (default window end): calls still queued are parked until the next opening,
  so the client sees them waiting rather than "queued" all night;
- sweep (every minute): every open call whose `check_at` has passed, by its status:
  - `retry_scheduled` / `waiting_window`: queued again and sent to the dispatcher, or
    moved to the next opening when its (campaign's) window is closed now;
  - `queued` for too long (its dispatch message was never sent, or ended in the DLQ):
    sent again;
  - `dialing` past the dial deadline (telephony never said how the dial ended, or the
    dispatcher died between claiming and dialling): hung up and counted as a failed try;
  - `in_progress` past the media deadline with the session still `dialing` (answered, but
    no media socket ever attached): hung up and redialled like an unanswered try; a
    session that moved on belongs to the media plane, and the sweep stops watching it.
Every move is a compare-and-set, so overlapping runs (schedules are at-least-once, and
open and sweep share a minute) do each thing once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from shared.calls.call_states import OPEN_STATUSES, CallStates, DueCall
from shared.calls.campaigns import CampaignWindows
from shared.calls.redial import Redial
from shared.db.repositories import AuditStore, CallRecord
from shared.domain.call import CallStatus
from shared.domain.fsm import CallState
from shared.observability.logging import get_logger
from shared.queue import DispatchMessage, DispatchQueue
from shared.state.sessions import CallSessionStore
from shared.telephony.dialer import Dialer

_log = get_logger(__name__)


class SweepAction(StrEnum):
    RELEASED = "released"
    WAITING_WINDOW = "waiting_window"
    REQUEUED = "requeued"
    DIAL_TIMED_OUT = "dial_timed_out"
    MEDIA_MISSING = "media_missing"
    MEDIA_ATTACHED = "media_attached"


@dataclass(frozen=True)
class SweepPolicy:
    stale_queued_seconds: float
    batch_limit: int = 200


class Sweeper:
    def __init__(
        self,
        audit: AuditStore,
        states: CallStates,
        windows: CampaignWindows,
        redial: Redial,
        sessions: CallSessionStore,
        queue: DispatchQueue,
        dialer: Dialer,
        policy: SweepPolicy,
    ) -> None:
        self._audit = audit
        self._states = states
        self._windows = windows
        self._redial = redial
        self._sessions = sessions
        self._queue = queue
        self._dialer = dialer
        self._policy = policy
        self._stale = dt.timedelta(seconds=policy.stale_queued_seconds)

    async def open_window(self, now: dt.datetime) -> Counter[SweepAction]:
        """Release the calls waiting for a window that is open now."""
        return await self._run(now, (CallStatus.WAITING_WINDOW,))

    async def sweep(self, now: dt.datetime) -> Counter[SweepAction]:
        """Everything due: releases, stale queued calls, stalled dials, missing media."""
        return await self._run(now, OPEN_STATUSES)

    async def close_window(self, now: dt.datetime) -> Counter[SweepAction]:
        """Park the calls still queued whose window has closed, until it opens again."""
        done: Counter[SweepAction] = Counter()
        for call_id in await self._states.queued_ids(self._policy.batch_limit):
            call = await self._audit.calls.get(call_id)
            if call is None:
                continue
            window = await self._windows.for_call(call)
            if not window.contains(now) and await self._states.wait_for_window(
                call.id, window.earliest_open(now)
            ):
                done[SweepAction.WAITING_WINDOW] += 1
        return done

    async def _run(
        self, now: dt.datetime, statuses: tuple[CallStatus, ...]
    ) -> Counter[SweepAction]:
        done: Counter[SweepAction] = Counter()
        due_calls = await self._states.due(now, self._stale, statuses, self._policy.batch_limit)
        for due in due_calls:
            call = await self._audit.calls.get(due.id)
            if call is None:
                continue
            action = await self._act(due, call, now)
            if action is not None:
                done[action] += 1
        if done:
            _log.info("sweep_done", **{action.value: n for action, n in done.items()})
        return done

    async def _act(self, due: DueCall, call: CallRecord, now: dt.datetime) -> SweepAction | None:
        if due.status in (CallStatus.WAITING_WINDOW, CallStatus.RETRY_SCHEDULED):
            return await self._release(due, call, now)
        if due.status is CallStatus.QUEUED:
            # The same intent as the lost message would be ignored by the dispatcher's
            # idempotency if it was merely slow; a fresh not_before makes it a new one.
            await self._queue.send(
                DispatchMessage(call_id=str(call.id), attempt=call.attempts + 1, not_before=now)
            )
            await self._states.requeued(call.id, now + self._stale)
            return SweepAction.REQUEUED
        if due.status is CallStatus.DIALING:
            return await self._dial_timed_out(call, now)
        return await self._check_media(call, now)

    async def _release(
        self, due: DueCall, call: CallRecord, now: dt.datetime
    ) -> SweepAction | None:
        window = await self._windows.for_call(call)
        if not window.contains(now):
            opens = window.earliest_open(now)
            moved = await self._states.wait_for_window(call.id, opens)
            return SweepAction.WAITING_WINDOW if moved else None
        if not await self._states.release(call.id, now, now + self._stale):
            return None
        await self._queue.send(
            DispatchMessage(
                call_id=str(call.id), attempt=call.attempts + 1, not_before=due.next_attempt_at
            )
        )
        return SweepAction.RELEASED

    async def _dial_timed_out(self, call: CallRecord, now: dt.datetime) -> SweepAction | None:
        attempt_no = call.attempts
        attempt = next(
            (a for a in await self._audit.attempts.list(call.id) if a.attempt_no == attempt_no),
            None,
        )
        if attempt is None:  # the dispatcher died between its claim and the dial
            await self._audit.attempts.start(call.id, attempt_no)
        elif attempt.telephony_session_id:
            await self._hang_up(call, attempt.telephony_session_id)
        if not await self._audit.attempts.finish(call.id, attempt_no, "failed"):
            return None  # a verdict arrived meanwhile; the event handler moved the call
        status = await self._redial.after_unanswered(call, attempt_no, now)
        return SweepAction.DIAL_TIMED_OUT if status is not None else None

    async def _check_media(self, call: CallRecord, now: dt.datetime) -> SweepAction | None:
        session = await self._sessions.get(str(call.id))
        if session is not None and session.state is not CallState.DIALING:
            attached = await self._states.media_attached(call.id)
            return SweepAction.MEDIA_ATTACHED if attached else None
        attempt = next(
            (a for a in await self._audit.attempts.list(call.id) if a.attempt_no == call.attempts),
            None,
        )
        if attempt is not None and attempt.telephony_session_id:
            await self._hang_up(call, attempt.telephony_session_id)
        status = await self._redial.after_unanswered(call, call.attempts, now)
        return SweepAction.MEDIA_MISSING if status is not None else None

    async def _hang_up(self, call: CallRecord, telephony_session_id: str) -> None:
        try:
            await self._dialer.hang_up(telephony_session_id)
        except Exception as exc:  # best effort: the call is over for Karla either way
            _log.warning("hang_up_failed", call_id=str(call.id), error_type=type(exc).__name__)
