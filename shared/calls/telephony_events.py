"""A telephony-session event, mapped onto the call it is about.

- answered: the attempt is answered, the call `in_progress`; the media plane must attach
  within the media deadline or the sweep steps in.
- no answer, busy, voicemail, rejected, or a line dropped before anyone answered: the
  attempt ends with that result and `Redial` decides (30 minutes later, or unreachable
  after the third).
- failed (the network refused the number): the call fails with RingCentral's reason;
  redialling an invalid or blocked number only repeats the refusal.
- disconnected after an answer, transferred, ringing, hold: nothing. The media plane
  finishes a call that had a conversation.
- an inbound call ringing at Karla's extension (an Inbound party of a session no attempt
  names): `InboundCalls` opens it, or forwards it to a person (see `inbound`).
The answered party is Karla's leg of the call; it is kept in `CallLegs` for a transfer.

Notifications repeat and arrive out of order, so the attempt's first verdict wins
(`AttemptRepository.finish` returns False for any later one) and every status move is a
compare-and-set. An event for a session not recorded yet is parked and replayed once it
is (`ParkedEvents` says why).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from shared.calls.call_legs import CallLegs
from shared.calls.call_states import CallStates
from shared.calls.inbound import InboundCalls, InboundResult
from shared.calls.parked_events import ParkedEvents
from shared.calls.redial import Redial
from shared.db.repositories import AuditStore
from shared.domain.call import AttemptResult, CallStatus
from shared.observability.logging import get_logger
from shared.telephony.ringcentral import CallLeg, EventKind, PartyEvent

_log = get_logger(__name__)

_ACTS_ON = frozenset(
    {
        EventKind.ANSWERED,
        EventKind.NO_ANSWER,
        EventKind.BUSY,
        EventKind.VOICEMAIL,
        EventKind.REJECTED,
        EventKind.FAILED,
        EventKind.DISCONNECTED,
    }
)


class EventEffect(StrEnum):
    IGNORED = "ignored"  # nothing the control plane acts on
    PARKED = "parked"  # session not recorded yet; replayed by the dispatcher
    REPEATED = "repeated"  # the attempt already had its verdict, or the call moved on
    IN_PROGRESS = "in_progress"
    RETRY_SCHEDULED = "retry_scheduled"
    UNREACHABLE = "unreachable"
    FAILED = "failed"
    INBOUND_OPENED = InboundResult.OPENED.value
    FORWARDED = InboundResult.FORWARDED.value
    INBOUND_FAILED = InboundResult.FAILED.value


class TelephonyEvents:
    def __init__(
        self,
        audit: AuditStore,
        states: CallStates,
        redial: Redial,
        parked: ParkedEvents,
        media_attach_seconds: float,
        *,
        legs: CallLegs | None = None,
        inbound: InboundCalls | None = None,
    ) -> None:
        self._audit = audit
        self._states = states
        self._redial = redial
        self._parked = parked
        self._media_attach = dt.timedelta(seconds=media_attach_seconds)
        self._legs = legs
        self._inbound = inbound

    async def handle(self, event: PartyEvent, now: dt.datetime) -> EventEffect:
        if event.kind is EventKind.RINGING and (event.direction or "").lower() == "inbound":
            return await self._ringing_inbound(event, now)
        if event.kind not in _ACTS_ON:
            return EventEffect.IGNORED
        session_id = event.telephony_session_id
        attempt = await self._audit.attempts.by_telephony_session(session_id)
        if attempt is None:
            await self._parked.park(event)
            # The dispatcher may have recorded the session and drained the parked events
            # between our look and our park: look again, and replay them if so. Draining
            # is atomic, so each parked event is replayed by exactly one of us.
            if await self._audit.attempts.by_telephony_session(session_id) is None:
                return EventEffect.PARKED
            replayed = await self.replay_parked(session_id, now)
            return replayed[-1] if replayed else EventEffect.REPEATED
        call = await self._audit.calls.get(attempt.call_id)
        if (
            call is None
            or attempt.ended_at is not None
            or call.attempts != attempt.attempt_no
            or call.status is not CallStatus.DIALING
        ):
            # Covers a hang-up after the conversation too: the media plane ends that call.
            return EventEffect.REPEATED
        result = event.attempt_result or AttemptResult.FAILED  # dropped while ringing
        if not await self._audit.attempts.finish(call.id, attempt.attempt_no, result):
            return EventEffect.REPEATED
        _log.info(
            "telephony_event",
            call_id=str(call.id),
            attempt=attempt.attempt_no,
            kind=event.kind.value,
            status_code=event.status_code,
            reason=event.reason,
        )
        if result is AttemptResult.ANSWERED:
            moved = await self._states.answered(
                call.id, attempt.attempt_no, now, now + self._media_attach
            )
            if moved and self._legs is not None:
                await self._legs.record(str(call.id), CallLeg(session_id, event.party_id))
            return EventEffect.IN_PROGRESS if moved else EventEffect.REPEATED
        if event.kind is EventKind.FAILED:
            moved = await self._states.give_up(
                call.id,
                (CallStatus.DIALING,),
                CallStatus.FAILED,
                None,
                f"no se pudo marcar el número ({event.reason or event.status_code})",
                now,
            )
            return EventEffect.FAILED if moved else EventEffect.REPEATED
        status = await self._redial.after_unanswered(call, attempt.attempt_no, now)
        if status is None:
            return EventEffect.REPEATED
        return EventEffect(status.value)

    async def _ringing_inbound(self, event: PartyEvent, now: dt.datetime) -> EventEffect:
        session_id = event.telephony_session_id
        if await self._audit.attempts.by_telephony_session(session_id) is not None:
            return EventEffect.IGNORED  # still ringing: the call was opened on its first ring
        if self._inbound is None:
            _log.error("inbound_call_not_handled", detail="inbound calls are not configured")
            return EventEffect.IGNORED
        result = await self._inbound.ring(event, now)
        if result is InboundResult.REPEATED:
            return EventEffect.REPEATED
        await self.replay_parked(session_id, now)
        return EventEffect(result.value)

    async def replay_parked(self, telephony_session_id: str, now: dt.datetime) -> list[EventEffect]:
        """Handle the events parked for a session that is now recorded, in arrival order."""
        return [
            await self.handle(event, now)
            for event in await self._parked.drain(telephony_session_id)
        ]
