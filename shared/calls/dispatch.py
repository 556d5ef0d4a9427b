"""One dispatch message in, at most one dial out.

For the call the message points at (the row is the truth; the message only says "look"):
outside its calling window it waits (`waiting_window`, released by the scheduler when the
window opens) and nothing is dialled. Inside, a dial token comes from the global Redis
bucket (RingCentral allows 10 call-outs a minute per user by default), the call session is
opened with the trip pinned, a media token is issued and bound, the number is dialled and
the attempt recorded with its telephony session id.

"A duplicate never dials twice" rests on the row, not on luck: `claim_dial` moves the call
from waiting to dialing with attempt N exactly once, before the dial. The Lambda adds
Powertools Idempotency in front (same answer for a redelivered message, no second trip
read); the claim is what still holds when that Redis record has expired. The price is
at-most-once: a crash between the claim and the dial leaves a `dialing` call with no
telephony session, which the sweep finds at its dial deadline and treats as a failed try.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.calls.call_states import CallStates
from shared.calls.campaigns import CampaignWindows
from shared.calls.lifecycle import CallLifecycle, CallParty, TripOfAnotherDriver
from shared.calls.media_grant import grant_media
from shared.calls.redial import Redial
from shared.calls.telephony_events import TelephonyEvents
from shared.db.repositories import AuditStore, CallRecord
from shared.domain.call import CallStatus
from shared.domain.trip import Driver
from shared.observability.logging import get_logger
from shared.queue import MAX_DELAY_SECONDS, DispatchMessage, DispatchQueue
from shared.state.rate_limiter import TokenBucket
from shared.state.sessions import CallSessionStore
from shared.telephony.dialer import Dialer

_log = get_logger(__name__)
_DIAL_BUCKET = "dial"


class DispatchOutcome(StrEnum):
    DIALED = "dialed"
    WAITING_WINDOW = "waiting_window"  # outside the calling window: nothing dialled
    DEFERRED = "deferred"  # sent again for later: no dial token, or not due yet
    STALE = "stale"  # the call moved on (dialled, finished, another attempt): nothing to do
    FAILED = "failed"  # the call cannot proceed (a trip of another driver)
    DIAL_FAILED = "dial_failed"  # telephony refused the call-out: a failed attempt


@dataclass(frozen=True)
class DialPolicy:
    rate_per_second: float  # the global dial bucket
    burst: int
    max_wait_seconds: float  # wait this long in-process for a token, then send it again
    dial_timeout_seconds: float  # no verdict from telephony by then: the sweep steps in
    media_token_secret: str
    media_token_ttl_seconds: int
    timezone: str  # the session's wall clock ("ayer", "el lunes")

    def __post_init__(self) -> None:
        if not self.media_token_secret:
            raise ValueError("the dispatcher needs MEDIA_TOKEN_SECRET to issue media tokens")


@dataclass(frozen=True)
class DispatchCollaborators:
    audit: AuditStore
    states: CallStates
    windows: CampaignWindows
    lifecycle: CallLifecycle
    sessions: CallSessionStore
    bucket: TokenBucket
    dialer: Dialer
    queue: DispatchQueue
    redial: Redial
    events: TelephonyEvents


class CallDispatcher:
    def __init__(
        self,
        parts: DispatchCollaborators,
        policy: DialPolicy,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._p = parts
        self._policy = policy
        self._sleep = sleep
        self._zone = ZoneInfo(policy.timezone)

    async def handle(self, message: DispatchMessage, now: dt.datetime) -> DispatchOutcome:
        call = await self._p.audit.calls.get(message.call_id)
        if (
            call is None
            or call.status not in (CallStatus.QUEUED, CallStatus.WAITING_WINDOW)
            or message.attempt != call.attempts + 1
        ):
            return DispatchOutcome.STALE
        if message.not_before is not None and now < message.not_before:
            await self._send_later(message, message.not_before, now)
            return DispatchOutcome.DEFERRED
        window = await self._p.windows.for_call(call)
        if not window.contains(now):
            opens = window.earliest_open(now)
            await self._p.states.wait_for_window(call.id, opens)
            _log.info("call_waiting_window", call_id=str(call.id), opens_at=opens.isoformat())
            return DispatchOutcome.WAITING_WINDOW
        if not await self._dial_token(message, now):
            return DispatchOutcome.DEFERRED
        return await self._dial(call, message.attempt, now)

    async def _dial_token(self, message: DispatchMessage, now: dt.datetime) -> bool:
        """Take a token, waiting for it in-process up to `max_wait_seconds` in all.

        Waiting here is the backpressure: SQS keeps the backlog and the consumers slow
        down to the dial rate. A longer wait goes back to the queue with a delay instead.
        """
        policy = self._policy
        waited = 0.0
        while True:
            decision = await self._p.bucket.take(_DIAL_BUCKET, policy.rate_per_second, policy.burst)
            if decision.allowed:
                return True
            wait = decision.retry_after_seconds
            if waited + wait > policy.max_wait_seconds:
                break
            await self._sleep(wait)
            waited += wait
        await self._send_later(message, now + dt.timedelta(seconds=wait), now)
        return False

    async def _dial(self, call: CallRecord, attempt_no: int, now: dt.datetime) -> DispatchOutcome:
        call_id = str(call.id)
        driver = await self._p.audit.drivers.get(call.driver_id)
        party = CallParty(
            driver or Driver(driver_id=call.driver_id, name="operador", phone=call.phone)
        )
        try:
            await self._p.lifecycle.open_session(
                call_id, party, call.trip_id, now.astimezone(self._zone)
            )
        except TripOfAnotherDriver:
            await self._p.states.give_up(
                call.id,
                (CallStatus.QUEUED, CallStatus.WAITING_WINDOW),
                CallStatus.FAILED,
                None,
                f"el viaje {call.trip_id} no está asignado al operador {call.driver_id}",
                now,
            )
            return DispatchOutcome.FAILED
        deadline = now + dt.timedelta(seconds=self._policy.dial_timeout_seconds)
        if not await self._p.states.claim_dial(call.id, attempt_no, deadline):
            return DispatchOutcome.STALE
        token = await grant_media(
            self._p.sessions,
            call_id,
            self._policy.media_token_secret,
            self._policy.media_token_ttl_seconds,
        )
        try:
            dialed = await self._p.dialer.dial(call_id, call.phone, token)
        except Exception as exc:  # whatever telephony raised, this try is over
            _log.warning("dial_failed", call_id=call_id, error_type=type(exc).__name__)
            await self._p.audit.attempts.start(call.id, attempt_no)
            await self._p.audit.attempts.finish(call.id, attempt_no, "failed")
            await self._p.redial.after_unanswered(call, attempt_no, now)
            return DispatchOutcome.DIAL_FAILED
        session_id = dialed.telephony_session_id
        await self._p.audit.attempts.start(call.id, attempt_no, session_id)
        _log.info("call_dialed", call_id=call_id, attempt=attempt_no, telephony_session=session_id)
        await self._p.events.replay_parked(session_id, now)
        return DispatchOutcome.DIALED

    async def _send_later(
        self, message: DispatchMessage, due: dt.datetime, now: dt.datetime
    ) -> None:
        delay = min(MAX_DELAY_SECONDS, max(1, math.ceil((due - now).total_seconds())))
        await self._p.queue.send(message.model_copy(update={"not_before": due}), delay)
